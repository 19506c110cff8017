"""The taxonomies the graph holds, audit entries and named revisions, as the
API lists them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taxonomy.audit import field_changes


class TaxonomyCountSerializer(serializers.Serializer):
    """One taxonomy the graph holds, with its items counted."""

    name = serializers.CharField()
    default = serializers.BooleanField(help_text="Whether it is the seed.")
    layers = serializers.IntegerField()
    threats = serializers.IntegerField()
    mitigations = serializers.IntegerField()
    sources = serializers.IntegerField()


# Left out for readers whom LAYERWISE_AUDIT_VISIBILITY shows no more than what
# changed, when and why (context ``anonymised``).
_WHO = (
    "Absent for readers who are not editors unless LAYERWISE_AUDIT_VISIBILITY=public."
)


class AnonymisingSerializer(serializers.Serializer):
    """Leaves out ``hidden`` fields when the context says ``anonymised``."""

    hidden: tuple[str, ...] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("anonymised"):
            for name in self.hidden:
                data.pop(name, None)
        return data


class AuditEntrySerializer(AnonymisingSerializer):
    hidden = ("actor", "before", "after")

    at = serializers.DateTimeField()
    actor = serializers.CharField(
        source="actor_name",
        required=False,
        help_text=f"Who wrote: a username or an automated writer. {_WHO}",
    )
    channel = serializers.CharField(help_text="browser, api, fixtures or import.")
    action = serializers.CharField(help_text="create, update or delete.")
    kind = serializers.CharField()
    key = serializers.CharField(help_text="A node's id or a link's `source->target`.")
    changed_fields = serializers.SerializerMethodField(
        help_text="The fields that differ between before and after (versions left out)."
    )
    before = serializers.JSONField(
        allow_null=True,
        required=False,
        help_text=f"The item before (null: created). {_WHO}",
    )
    after = serializers.JSONField(
        allow_null=True,
        required=False,
        help_text=f"The item after (null: deleted). {_WHO}",
    )
    comment = serializers.CharField(help_text="Why, as the editor wrote it.")
    graph_revision = serializers.IntegerField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_changed_fields(self, entry: Any) -> list[str]:
        return [name for name, _, _ in field_changes(entry.before, entry.after)]


class NamedRevisionSerializer(AnonymisingSerializer):
    hidden = ("created_by",)

    name = serializers.SlugField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(
        source="created_by_name", required=False, help_text=f"Who named it. {_WHO}"
    )
    graph_revision = serializers.IntegerField()
    comment = serializers.CharField()
