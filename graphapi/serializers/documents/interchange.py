"""The graph, the canonical document and the answers of an import, documented
for the schema (the views of ``graphapi.views.interchange`` render them)."""

from __future__ import annotations

import functools

from rest_framework import serializers

from graphapi.serializers.records import ITEM_SERIALIZERS
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.kinds import BY_REL, KINDS, NODE_KINDS
from taxonomy.domain.records import MATURITIES, STRENGTHS

# The node kinds the graph explorer draws (sources are cited on links, not drawn).
GRAPH_NODE_KINDS = [name for name in NODE_KINDS if name != "source"]


# --- The graph -------------------------------------------------------------------------


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="kind:id, e.g. threat:guardrail-removal")
    kind = serializers.ChoiceField(GRAPH_NODE_KINDS)
    key = serializers.CharField(help_text="The node's own id.")
    name = serializers.CharField()
    layer = serializers.CharField(required=False, help_text="Mitigations only.")
    maturity = serializers.ChoiceField(
        MATURITIES, required=False, help_text="Mitigations only."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(
            CLASSES, required=False, allow_null=True, help_text="Threats only."
        )
        return fields


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()
    type = serializers.ChoiceField(["IN_LAYER", *BY_REL])
    strength = serializers.ChoiceField(
        STRENGTHS, required=False, help_text="MITIGATES only."
    )


class GraphSerializer(serializers.Serializer):
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class WriteStatsSerializer(serializers.Serializer):
    """How the write went."""

    items = serializers.IntegerField(help_text="Changes written.")
    staged = serializers.BooleanField(
        help_text="Written as a staged load (bounded transactions, then one "
        "switch), because it was larger than LAYERWISE_STAGED_WRITE_ITEMS."
    )
    transactions = serializers.IntegerField()
    seconds = serializers.FloatField()
    items_per_second = serializers.FloatField(allow_null=True)


# --- The canonical document and import results ------------------------------------------


@functools.cache
def _in_document(
    serializer: type[serializers.Serializer], stix: bool = False
) -> type[serializers.Serializer]:
    """The serializer as an item of the canonical document, which carries
    versions and (``stix``) the STIX object an item was imported from."""
    name = serializer.__name__.replace("Serializer", "")
    original = {
        "stix": serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="The STIX object the item was imported from, as JSON "
            "text (left out for an item made in Layerwise): what the project "
            "does not model, which the STIX export writes back out.",
        )
    }
    return type(
        f"Document{name}Serializer",
        (serializer,),
        {
            "version": serializers.IntegerField(required=False, min_value=1),
            **(original if stix else {}),
            "__module__": __name__,
        },
    )


TaxonomyDocumentSerializer = type(
    "TaxonomyDocumentSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The canonical JSON document of "
        "``manage.py taxonomy export --format json``.",
        "__module__": __name__,
        **{
            kind.field: _in_document(
                ITEM_SERIALIZERS[name], "stix" in kind.record.__dataclass_fields__
            )(many=True, required=False)
            for name, kind in KINDS.items()
        },
    },
)


class ChangeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    action = serializers.ChoiceField(["create", "update", "delete"])
    key = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())


class ChangeSetSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    changes = ChangeSerializer(many=True)


class ClassChangeSerializer(serializers.Serializer):
    id = serializers.CharField()
    coverage = serializers.DictField(child=serializers.FloatField(allow_null=True))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.ChoiceField(CLASSES, allow_null=True)
        fields["to"] = serializers.ChoiceField(CLASSES, allow_null=True)
        return fields


class ImpactSerializer(serializers.Serializer):
    summary = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="before / after: threats per coverage class.",
    )
    changed = ClassChangeSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    revision = serializers.IntegerField(
        help_text="The graph revision after the import."
    )
    changes = ChangeSetSerializer()
    impact = ImpactSerializer(help_text="Coverage (nothing disabled) before and after.")
    write = WriteStatsSerializer()


class ImportSummaryRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    removed = serializers.IntegerField()
    skipped = serializers.IntegerField(
        help_text="Revoked or deprecated items, links to them or to missing ones."
    )
    merged = serializers.IntegerField(help_text="Duplicate entries joined into one.")


class CatalogueImportResultSerializer(serializers.Serializer):
    """What an ATLAS, STIX or AI Atlas Nexus import read and changed
    (``import_atlas`` prints it)."""

    dry_run = serializers.BooleanField()
    revision = serializers.IntegerField(
        help_text="The graph revision after the import."
    )
    format = serializers.ChoiceField(["atlas", "stix", "risk-atlas"])
    write = WriteStatsSerializer()
    taxonomy = serializers.CharField(help_text="The taxonomy imported.")
    title = serializers.CharField(help_text="What the file calls itself.")
    changes = ChangeSetSerializer()
    summary = ImportSummaryRowSerializer(many=True)
    ignored = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Objects of the file the import has no use for, per type.",
    )
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Each naming the object concerned."
    )
