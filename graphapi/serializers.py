"""Plain serializers over the graph's frozen records, and the API's query parameters.

Field rules mirror fixtures/schema.json so that the API accepts exactly what a
fixture file may hold; references (unknown layer, threat, source) and cycles
are checked by the write itself, inside its transaction.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taxonomy.analysis.model import CLASSES
from taxonomy.domain.records import DEFAULT_TAXONOMY, MATURITIES, STRENGTHS
from taxonomy.formats.navigator import DEFAULT_DOMAIN, DOMAINS

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
ID_MAX = 200
# The name of a taxonomy (taxonomy.formats.common.TAXONOMY_NAME).
TAXONOMY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


def IdField(**kwargs: Any) -> serializers.RegexField:  # noqa: N802 (a field factory)
    """An id: letters, digits, '.', '_', ':' or '-', starting with a letter or digit."""
    kwargs.setdefault("help_text", "An id: letters, digits, '.', '_', ':' or '-'.")
    return serializers.RegexField(ID_PATTERN, max_length=ID_MAX, **kwargs)


def TextField(max_length: int = 20000, **kwargs: Any) -> serializers.CharField:  # noqa: N802
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


def flatten(detail: dict[str, Any], key: str) -> dict[str, Any]:
    """A detail selector's answer as one mapping: the record's fields, then the rest."""
    return {**asdict(detail[key]), **{k: v for k, v in detail.items() if k != key}}


# --- Errors ------------------------------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A stable machine-readable code, e.g. not_found."
    )
    message = serializers.CharField(help_text="What went wrong, for a person.")
    details = serializers.DictField(
        help_text="Structured details: for validation errors field -> messages; "
        "for 409 the links; for import problems their lines."
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of every 4xx and 5xx response."""

    error = ErrorBodySerializer()


# --- Nodes ---------------------------------------------------------------------------


class NodeSerializer(serializers.Serializer):
    id = IdField()
    name = serializers.CharField(max_length=300)
    description = TextField()
    taxonomy = IdField(required=False, default=DEFAULT_TAXONOMY)
    version = serializers.IntegerField(
        read_only=True, help_text="Counts the item's changes; the ETag carries it."
    )


class LayerSerializer(NodeSerializer):
    """A governance layer."""


class ThreatSerializer(NodeSerializer):
    """A misuse vector."""

    maturity = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Free text in the vocabulary of the taxonomy it came from "
        "(ATLAS: feasible, demonstrated, realized); empty for the seed.",
    )
    sources = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        help_text="Sources describing it.",
    )


class ThreatSummarySerializer(ThreatSerializer):
    coverage_class = serializers.SerializerMethodField(
        help_text="Class of the threat with nothing disabled."
    )

    @extend_schema_field(serializers.ChoiceField(CLASSES, allow_null=True))
    def get_coverage_class(self, threat: Any) -> str | None:
        return self.context["classes"].get(threat.id)


class MitigationSerializer(NodeSerializer):
    """A mitigation, in exactly one governance layer."""

    layer = IdField()
    maturity = serializers.ChoiceField(MATURITIES)
    sources = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        help_text="Sources describing it.",
    )


class SourceSerializer(NodeSerializer):
    """A published source that MITIGATES links cite."""

    authors = TextField(2000)
    title = TextField(1000)
    year = serializers.IntegerField(
        min_value=1000, max_value=3000, required=False, allow_null=True, default=None
    )
    publisher = TextField(500)
    url = TextField(2000)


# --- Links ---------------------------------------------------------------------------


class MitigatesSerializer(serializers.Serializer):
    """(mitigation)-[:MITIGATES]->(threat) with its strength, rationale and sources."""

    mitigation = IdField()
    threat = IdField()
    strength = serializers.ChoiceField(STRENGTHS)
    rationale = TextField()
    sources = serializers.ListField(child=IdField(), required=False, default=list)
    version = serializers.IntegerField(read_only=True)


class MitigatesChangeSerializer(serializers.Serializer):
    """The writable fields of a MITIGATES link (its ends are its identity)."""

    strength = serializers.ChoiceField(STRENGTHS)
    rationale = TextField()
    sources = serializers.ListField(child=IdField(), required=False, default=list)


class LinkSerializer(serializers.Serializer):
    """A link without properties: source -> target in the graph's direction."""

    source = IdField()
    target = IdField()
    version = serializers.IntegerField(read_only=True)


# --- Detail embeds ---------------------------------------------------------------------


class MitigationRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    maturity = serializers.ChoiceField(MATURITIES)


class LayerDetailSerializer(LayerSerializer):
    mitigations = MitigationRefSerializer(many=True, read_only=True)


class ThreatMitigationSerializer(serializers.Serializer):
    mitigation = serializers.CharField(source="mitigation.id")
    name = serializers.CharField(source="mitigation.name")
    maturity = serializers.ChoiceField(MATURITIES, source="mitigation.maturity")
    strength = serializers.ChoiceField(STRENGTHS, source="link.strength")
    rationale = serializers.CharField(source="link.rationale")
    sources = serializers.ListField(
        child=serializers.CharField(), source="link.sources"
    )
    version = serializers.IntegerField(
        source="link.version", help_text="The link's version."
    )


class LayerGroupSerializer(serializers.Serializer):
    layer = serializers.CharField()
    name = serializers.CharField()
    mitigations = ThreatMitigationSerializer(many=True)


class CoverageByLayerSerializer(serializers.Serializer):
    all = serializers.FloatField()
    by_layer = serializers.DictField(child=serializers.FloatField())


class LinkContributionSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    layer = serializers.CharField()
    strength = serializers.ChoiceField(STRENGTHS)
    effectiveness = serializers.FloatField()


class _StringLists(serializers.ListField):
    child = serializers.ListField(child=serializers.CharField())


class ThreatCoverageSerializer(serializers.Serializer):
    """One threat's entry of the coverage document."""

    id = serializers.CharField()
    name = serializers.CharField()
    coverage = CoverageByLayerSerializer()
    links = LinkContributionSerializer(many=True)
    minimal_layer_sets = _StringLists()
    minimal_layer_sets_exact = serializers.BooleanField()
    critical_layers = serializers.ListField(child=serializers.CharField())
    critical_mitigations = serializers.ListField(child=serializers.CharField())
    introduced_by = serializers.ListField(child=serializers.CharField())

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(CLASSES)
        return fields


class ThreatDetailSerializer(ThreatSerializer):
    mitigations_by_layer = LayerGroupSerializer(
        many=True,
        read_only=True,
        help_text="Every layer in order, with its links into the threat.",
    )
    enables = serializers.ListField(child=serializers.CharField(), read_only=True)
    enabled_by = serializers.ListField(child=serializers.CharField(), read_only=True)
    subtype_of = serializers.ListField(child=serializers.CharField(), read_only=True)
    introduced_by = serializers.ListField(child=serializers.CharField(), read_only=True)
    coverage = ThreatCoverageSerializer(
        read_only=True, help_text="The threat's coverage with nothing disabled."
    )


class MitigatedThreatSerializer(serializers.Serializer):
    threat = serializers.CharField(source="threat.id")
    name = serializers.CharField(source="threat.name")
    strength = serializers.ChoiceField(STRENGTHS, source="link.strength")
    rationale = serializers.CharField(source="link.rationale")
    sources = serializers.ListField(
        child=serializers.CharField(), source="link.sources"
    )
    version = serializers.IntegerField(
        source="link.version", help_text="The link's version."
    )


class MitigationDetailSerializer(MitigationSerializer):
    mitigates = MitigatedThreatSerializer(many=True, read_only=True)
    requires = serializers.ListField(child=serializers.CharField(), read_only=True)
    required_by = serializers.ListField(child=serializers.CharField(), read_only=True)
    introduces = serializers.ListField(child=serializers.CharField(), read_only=True)


class CitationSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    threat = serializers.CharField()


class SourceDetailSerializer(SourceSerializer):
    cited_by = CitationSerializer(many=True, read_only=True)


# --- Query parameters ------------------------------------------------------------------


def TaxonomyField(**kwargs: Any) -> serializers.RegexField:  # noqa: N802 (a field factory)
    """The name of a taxonomy in the graph, e.g. layerwise (the seed) or atlas."""
    return serializers.RegexField(TAXONOMY_PATTERN, max_length=63, **kwargs)


class TaxonomyQuerySerializer(serializers.Serializer):
    """The taxonomy a read answers for; the seed unless named."""

    taxonomy = TaxonomyField(
        required=False,
        default=DEFAULT_TAXONOMY,
        help_text="The taxonomy to read (`GET /api/v1/taxonomies/` lists them): "
        f"default `{DEFAULT_TAXONOMY}`, the seed; e.g. `atlas`. One the graph does "
        "not hold is 404.",
    )


class TextFilterSerializer(TaxonomyQuerySerializer):
    q = serializers.CharField(
        required=False,
        max_length=500,
        help_text="Full-text search on name and description; every word as a prefix.",
    )


class ThreatFilterSerializer(TextFilterSerializer):
    layer = IdField(
        required=False, help_text="Only threats a mitigation of this layer acts on."
    )
    mitigation = IdField(
        required=False, help_text="Only threats this mitigation acts on."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "class" is a keyword in Python, so the field is added here.
        fields["class"] = serializers.ChoiceField(
            CLASSES, required=False, help_text="Only threats of this coverage class."
        )
        return fields


class MitigationFilterSerializer(TextFilterSerializer):
    layer = IdField(required=False, help_text="Only mitigations of this layer.")
    maturity = serializers.ChoiceField(MATURITIES, required=False)
    threat = IdField(
        required=False, help_text="Only mitigations acting on this threat."
    )


class MitigatesFilterSerializer(TaxonomyQuerySerializer):
    mitigation = IdField(required=False)
    threat = IdField(required=False)
    layer = IdField(
        required=False, help_text="Only links from mitigations of this layer."
    )
    strength = serializers.ChoiceField(STRENGTHS, required=False)
    source = IdField(required=False, help_text="Only links citing this source.")


class LinkFilterSerializer(TaxonomyQuerySerializer):
    source = IdField(required=False)
    target = IdField(required=False)


class CascadeSerializer(serializers.Serializer):
    cascade = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also delete the links that involve the node (a layer: the "
        "mitigations in it; a source: its citations). Without it such a delete "
        "is refused with 409 listing the links.",
    )


class _IdList(serializers.ListField):
    """Repeatable, and each value may hold several comma-separated ids."""

    child = IdField()

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str):
            data = [data]
        split = [part.strip() for value in data for part in str(value).split(",")]
        return super().to_internal_value([part for part in split if part])


class _MaturityList(_IdList):
    child = serializers.ChoiceField(MATURITIES)


class ScenarioQuerySerializer(TaxonomyQuerySerializer):
    """The what-if scenario of ``manage.py coverage`` and ``manage.py export``."""

    threshold = serializers.FloatField(
        required=False, help_text="τ in (0, 1]; default LAYERWISE_COVERAGE_THRESHOLD."
    )
    disable_layer = _IdList(
        required=False,
        default=list,
        help_text="Layers to switch off; repeat or comma-separate.",
    )
    disable_mitigation = _IdList(
        required=False,
        default=list,
        help_text="Mitigations to switch off (and whatever REQUIRES them).",
    )
    maturity = _MaturityList(
        required=False, help_text="Count only mitigations of these maturities."
    )

    def validate_threshold(self, value: float) -> float:
        if not 0.0 < value <= 1.0:
            raise serializers.ValidationError("must be in (0, 1]")
        return value


class CoverageQuerySerializer(ScenarioQuerySerializer):
    """The parameters of ``manage.py coverage``."""

    threat = IdField(required=False, help_text="List only this threat under `threats`.")
    chains = IdField(
        required=False, help_text="Report the ENABLES chains into this threat."
    )
    diff_baseline = serializers.BooleanField(
        required=False, default=False, help_text="Also diff against the baseline."
    )
    revision = serializers.SlugField(
        required=False,
        help_text="Analyse the named revision (`manage.py taxonomy tag NAME`) "
        "instead of the graph now; `current` is the graph now. Unknown: 404. "
        "Only for the seed taxonomy.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        named = data.get("revision") not in (None, "current")
        if named and data["taxonomy"] != DEFAULT_TAXONOMY:
            only = f"named revisions hold the {DEFAULT_TAXONOMY} taxonomy only"
            raise serializers.ValidationError({"revision": [only]})
        return data


class GraphQuerySerializer(TaxonomyQuerySerializer):
    around = serializers.CharField(
        required=False,
        max_length=ID_MAX + 20,
        help_text="A node id such as threat:guardrail-removal (or a bare id when "
        "only one kind has it): keep only its neighbourhood.",
    )
    depth = serializers.IntegerField(
        required=False,
        default=1,
        min_value=0,
        max_value=10,
        help_text="Hops from `around`.",
    )


EXPORT_FORMATS = ["yaml", "json", "stix", "navigator", "graphml", "csv"]
SCENARIO_FORMATS = ("navigator", "csv")
SCENARIO_PARAMS = ("threshold", "disable_layer", "disable_mitigation", "maturity")
NAVIGATOR_DOMAINS = [DEFAULT_DOMAIN, *DOMAINS.values()]


class ExportQuerySerializer(ScenarioQuerySerializer):
    """A taxonomy in one format; the scenario only for navigator and csv."""

    format = serializers.ChoiceField(
        EXPORT_FORMATS,
        required=False,
        default="json",
        help_text="yaml: one fixture file; json: the canonical document; stix: a "
        "STIX 2.1 bundle; navigator: an ATT&CK Navigator layer (4.5) of the "
        "coverage; graphml: every node and edge; csv: the coverage matrix.",
    )
    domain = serializers.ChoiceField(
        NAVIGATOR_DOMAINS,
        required=False,
        help_text="navigator only: the Navigator domain (default by the "
        "taxonomy's name: atlas-atlas for atlas, else enterprise-attack, ...).",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        fmt = data["format"]
        errors = {}
        if fmt not in SCENARIO_FORMATS:
            for name in SCENARIO_PARAMS:
                if name in self.initial_data:
                    errors[name] = [f"only for format {' or '.join(SCENARIO_FORMATS)}"]
        if fmt != "navigator" and "domain" in data:
            errors["domain"] = ["only for format navigator"]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class LayerMapField(serializers.CharField):
    """A JSON object ``{category or mitigation id: layer id}`` sent as text."""

    def to_internal_value(self, data: Any) -> dict[str, str]:
        text = super().to_internal_value(data)
        try:
            value = json.loads(text)
        except ValueError:
            raise serializers.ValidationError("must be a JSON object") from None
        if not isinstance(value, dict) or not all(
            isinstance(v, str) and v.strip() for v in value.values()
        ):
            raise serializers.ValidationError(
                "must be a JSON object mapping categories or mitigation ids to layer ids"
            )
        return {str(k): v.strip() for k, v in value.items()}


IMPORT_FORMATS = ["fixtures", "atlas", "stix"]
CATALOGUE_ONLY = ("taxonomy", "default_strength", "layer_map")


class ImportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        IMPORT_FORMATS,
        required=False,
        default="fixtures",
        help_text="fixtures: a fixture file (YAML) or the canonical document "
        "(JSON); atlas: a MITRE ATLAS distribution file (ATLAS.yaml); stix: a "
        "STIX 2.1 bundle (JSON). atlas and stix replace what the graph holds of "
        "the taxonomy they import and touch no other.",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Report the changes and write nothing."
    )
    prune = serializers.BooleanField(
        required=False,
        default=False,
        help_text="fixtures only: also delete what the graph holds of the "
        "document's taxonomies and the import does not.",
    )
    taxonomy = TaxonomyField(
        required=False,
        help_text="atlas and stix only: the taxonomy to import as (ATLAS default "
        "`atlas`; STIX default the name the bundle carries). Not the seed's name.",
    )
    default_strength = serializers.ChoiceField(
        STRENGTHS,
        required=False,
        help_text="atlas and stix only: the strength of a MITIGATES link the "
        "file gives none (default medium).",
    )
    layer_map = LayerMapField(
        required=False,
        max_length=20000,
        help_text='atlas and stix only: a JSON object such as {"Policy": '
        '"institutional"} sending a category or mitigation id to an existing '
        "layer of any taxonomy. An unknown layer is 422 and writes nothing.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["format"] == "fixtures":
            misplaced = [name for name in CATALOGUE_ONLY if name in data]
            message = "only for format atlas or stix"
        else:
            misplaced = ["prune"] if "prune" in self.initial_data else []
            message = "only for format fixtures (atlas and stix always replace)"
        if misplaced:
            raise serializers.ValidationError({name: [message] for name in misplaced})
        return data


# --- Analysis, graph, export and import responses ---------------------------------------


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="kind:id, e.g. threat:guardrail-removal")
    kind = serializers.ChoiceField(["layer", "threat", "mitigation"])
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
    type = serializers.ChoiceField(
        ["IN_LAYER", "MITIGATES", "ENABLES", "REQUIRES", "INTRODUCES", "SUBTYPE_OF"]
    )
    strength = serializers.ChoiceField(
        STRENGTHS, required=False, help_text="MITIGATES only."
    )


class GraphSerializer(serializers.Serializer):
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


@functools.cache
def _in_document(
    serializer: type[serializers.Serializer],
) -> type[serializers.Serializer]:
    """The serializer as an item of the canonical document, which carries versions."""
    name = serializer.__name__.replace("Serializer", "")
    return type(
        f"Document{name}Serializer",
        (serializer,),
        {
            "version": serializers.IntegerField(required=False, min_value=1),
            "__module__": __name__,
        },
    )


class TaxonomyDocumentSerializer(serializers.Serializer):
    """The canonical JSON document of ``manage.py taxonomy export --format json``."""

    layers = _in_document(LayerSerializer)(many=True, required=False)
    threats = _in_document(ThreatSerializer)(many=True, required=False)
    mitigations = _in_document(MitigationSerializer)(many=True, required=False)
    mitigates = _in_document(MitigatesSerializer)(many=True, required=False)
    enables = _in_document(LinkSerializer)(many=True, required=False)
    requires = _in_document(LinkSerializer)(many=True, required=False)
    introduces = _in_document(LinkSerializer)(many=True, required=False)
    subtypes = _in_document(LinkSerializer)(many=True, required=False)
    sources = _in_document(SourceSerializer)(many=True, required=False)


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
    """What an ATLAS or STIX import read and changed (``import_atlas`` prints it)."""

    dry_run = serializers.BooleanField()
    revision = serializers.IntegerField(
        help_text="The graph revision after the import."
    )
    format = serializers.ChoiceField(["atlas", "stix"])
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


class TaxonomyCountSerializer(serializers.Serializer):
    """One taxonomy the graph holds, with its items counted."""

    name = serializers.CharField()
    default = serializers.BooleanField(help_text="Whether it is the seed.")
    layers = serializers.IntegerField()
    threats = serializers.IntegerField()
    mitigations = serializers.IntegerField()
    sources = serializers.IntegerField()


# --- The coverage document (documented here for the schema; rendered by the analysis) ---


class _ScenarioEntrySerializer(serializers.Serializer):
    baseline = serializers.BooleanField()
    disabled_layers = serializers.ListField(child=serializers.CharField())
    disabled_mitigations = serializers.ListField(child=serializers.CharField())
    maturities = serializers.ListField(
        child=serializers.ChoiceField(MATURITIES), allow_null=True
    )
    disabled_by_requires = serializers.ListField(child=serializers.CharField())


class _QueryEntrySerializer(serializers.Serializer):
    threat = serializers.CharField(allow_null=True)
    chains = serializers.CharField(allow_null=True)
    diff_baseline = serializers.BooleanField()


class _LayerTotalsSerializer(serializers.Serializer):
    mitigations = serializers.IntegerField()
    links = serializers.IntegerField()
    threats = serializers.IntegerField()
    addressed_alone = serializers.IntegerField()
    critical_for = serializers.IntegerField()


class _RankingSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    layer = serializers.CharField()
    threats = serializers.IntegerField()


class _LayerSetSerializer(serializers.Serializer):
    layers = serializers.ListField(child=serializers.CharField())
    addressed = serializers.IntegerField()
    minimal_for = serializers.IntegerField()


class _LayerSetsSerializer(serializers.Serializer):
    scope = serializers.CharField()
    sets = _LayerSetSerializer(many=True)


class _IntroducedSerializer(serializers.Serializer):
    threat = serializers.CharField()
    introduced_by = serializers.ListField(child=serializers.CharField())


class _ChainPathSerializer(serializers.Serializer):
    threats = serializers.ListField(child=serializers.CharField())
    blocked_by = serializers.ListField(child=serializers.CharField())


class _ChainsSerializer(serializers.Serializer):
    target = serializers.CharField()
    target_addressed = serializers.BooleanField()
    paths = _ChainPathSerializer(many=True)
    unblocked = serializers.IntegerField()
    truncated = serializers.BooleanField()
    minimum_blocking_set = serializers.ListField(child=serializers.CharField())


class _DiffSerializer(serializers.Serializer):
    changed = ClassChangeSerializer(many=True)
    summary = serializers.DictField(child=serializers.IntegerField())


class CoverageDocumentSerializer(serializers.Serializer):
    """The coverage document, byte for byte what ``manage.py coverage --format json`` prints."""

    schema = serializers.CharField()
    revision = serializers.IntegerField()
    threshold = serializers.FloatField()
    effectiveness = serializers.DictField(child=serializers.FloatField())
    scenario = _ScenarioEntrySerializer()
    query = _QueryEntrySerializer()
    layers = serializers.ListField(child=serializers.CharField())
    minimal_layer_sets = serializers.ChoiceField(["exact", "approximate"])
    summary = serializers.DictField(child=serializers.IntegerField())
    threats = ThreatCoverageSerializer(many=True)
    layer_totals = serializers.DictField(child=_LayerTotalsSerializer())
    mitigation_ranking = _RankingSerializer(many=True)
    layer_sets = _LayerSetsSerializer()
    introduced = _IntroducedSerializer(many=True)
    unblocked_chains_into = serializers.ListField(child=serializers.CharField())
    chains = _ChainsSerializer(allow_null=True)
    diff = _DiffSerializer(allow_null=True)


class PingSerializer(serializers.Serializer):
    status = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    neo4j = serializers.CharField(help_text="The server's Neo4j Kernel version.")
    revision = serializers.IntegerField(help_text="The graph revision.")


# --- Audit log and named revisions ------------------------------------------------------


class AuditQuerySerializer(serializers.Serializer):
    """The filters of the audit log, as on the browser's recent-changes page."""

    editor = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Only this editor's changes (a username, "
        "or an automated writer such as `taxonomy load (fixtures)`).",
    )
    since = serializers.DateField(required=False, help_text="From this day (included).")
    until = serializers.DateField(required=False, help_text="To this day (included).")
    kind = serializers.ChoiceField(
        [
            "layer",
            "threat",
            "mitigation",
            "source",
            "mitigates",
            "enables",
            "requires",
            "introduces",
            "subtype",
        ],
        required=False,
        help_text="Only changes to items of this kind.",
    )
    channel = serializers.ChoiceField(
        ["browser", "api", "fixtures", "import"],
        required=False,
        help_text="Only changes made this way.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError({"until": ["is before since"]})
        return data


class AuditEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(
        source="actor_name", help_text="Who wrote: a username or an automated writer."
    )
    channel = serializers.CharField(help_text="browser, api, fixtures or import.")
    action = serializers.CharField(help_text="create, update or delete.")
    kind = serializers.CharField()
    key = serializers.CharField(help_text="A node's id or a link's `source->target`.")
    before = serializers.JSONField(
        allow_null=True, help_text="The item before (null: created)."
    )
    after = serializers.JSONField(
        allow_null=True, help_text="The item after (null: deleted)."
    )
    comment = serializers.CharField(help_text="Why, as the editor wrote it.")
    graph_revision = serializers.IntegerField(allow_null=True)


class NamedRevisionSerializer(serializers.Serializer):
    name = serializers.SlugField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by_name")
    graph_revision = serializers.IntegerField()
    comment = serializers.CharField()


class RevisionCompareQuerySerializer(serializers.Serializer):
    a = serializers.SlugField(
        required=False,
        default="current",
        help_text="The older side: a revision name or `current`.",
    )
    b = serializers.SlugField(
        required=False,
        default="current",
        help_text="The newer side: a revision name or `current`.",
    )


class _ItemChangeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    action = serializers.ChoiceField(["create", "update", "delete"])
    key = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.DictField(), help_text="field -> {before, after}"
    )


class _ComparisonCoverageSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    effectiveness = serializers.DictField(child=serializers.FloatField())
    summary = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    changed = serializers.ListField(child=serializers.DictField())
    gaps = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )


class ComparisonSerializer(serializers.Serializer):
    """The ``layerwise-diff/1`` document (``manage.py taxonomy diff --format json``)."""

    schema = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    changes = _ItemChangeSerializer(many=True)
    coverage = _ComparisonCoverageSerializer()
