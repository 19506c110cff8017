"""Plain serializers over the graph's frozen records and the other items the API
lists (taxonomies, audit entries, named revisions).

Field rules mirror fixtures/schema.json so that the API accepts exactly what a
fixture file may hold; references (unknown layer, threat, source) and cycles
are checked by the write itself, inside its transaction.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taxonomy.analysis.model import CLASSES
from taxonomy.audit import field_changes
from taxonomy.domain.kinds import PLAIN_LINK_KINDS
from taxonomy.domain.limits import INT_RANGES, TEXT_LIMITS, is_incident_date
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    INCIDENT_KINDS,
    JURISDICTION_KINDS,
    MATURITIES,
    STRENGTHS,
    is_web_url,
)
from taxonomy.domain.rules import is_cost, is_day
from taxonomy.domain.scenario import scenario_query

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
ID_MAX = TEXT_LIMITS["id"]
# taxonomy.domain.records.is_web_url (the check) as a regex that means the
# same in Python and ECMA (the schema's): no case-insensitive flag, and \s
# with the characters only one of them counts as white space.
WEB_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s\x1c-\x1f\x85\ufeff]+$"
# The name of a taxonomy (taxonomy.formats.common.TAXONOMY_NAME).
TAXONOMY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class StringField(serializers.CharField):
    """Text, and only text: DRF's CharField would store the JSON number 0 as "0".

    Its length is that of the text as sent, as the schema's maxLength counts
    it, not of the text trimmed.
    """

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class PatternField(serializers.RegexField):
    """Text matching a pattern as sent, whole; a JSON number or boolean is not
    text."""

    default_error_messages = {"not_text": "Not a valid string."}

    def __init__(self, regex: str, **kwargs: Any):
        # Untrimmed: " x" does not match the pattern the schema publishes.
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(regex, **kwargs)
        self._whole = re.compile(regex)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        # The pattern's "$" (as the schema publishes it) also matches before a
        # trailing newline in Python, where ECMA's does not: that text must
        # match whole.
        if data.endswith("\n") and not self._whole.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class NumberField(serializers.FloatField):
    """A JSON number: not "1.5" or true, which DRF would take."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "number", "minimum": 0, "exclusiveMinimum": True})
class PositiveNumberField(NumberField):
    """A JSON number above 0 (its validators say which others it refuses)."""


class WholeNumberField(serializers.IntegerField):
    """A JSON integer: not "1000", 1000.0 or true, which DRF would take."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def IdField(**kwargs: Any) -> serializers.RegexField:  # noqa: N802 (a field factory)
    """An id: letters, digits, '.', '_', ':' or '-', starting with a letter or digit."""
    kwargs.setdefault("help_text", "An id: letters, digits, '.', '_', ':' or '-'.")
    return PatternField(ID_PATTERN, max_length=ID_MAX, **kwargs)


def TaxonomyField(**kwargs: Any) -> serializers.RegexField:  # noqa: N802 (a field factory)
    """The name of a taxonomy in the graph, e.g. layerwise (the seed) or atlas.

    Reads and writes share it, so a name a read refuses is never written.
    """
    return PatternField(TAXONOMY_PATTERN, max_length=TEXT_LIMITS["taxonomy"], **kwargs)


def TextField(
    max_length: int = TEXT_LIMITS["description"], **kwargs: Any
) -> serializers.CharField:  # noqa: N802
    return StringField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


def _web_url(value: str) -> None:
    if value and not is_web_url(value):
        raise serializers.ValidationError("must be an http(s) address, or empty")


def _incident_date(value: str) -> None:
    if not is_incident_date(value):
        raise serializers.ValidationError(
            "must be a real date: YYYY, YYYY-MM or YYYY-MM-DD, or empty"
        )


def _positive_cost(value: float) -> None:
    if not is_cost(value):
        raise serializers.ValidationError("must be a positive finite number")


def SourceIds(**kwargs: Any) -> serializers.ListField:  # noqa: N802 (a field factory)
    """The ids of the sources an item cites; none unless given."""
    return serializers.ListField(
        child=IdField(), required=False, default=list, **kwargs
    )


def flatten(detail: dict[str, Any], key: str) -> dict[str, Any]:
    """A detail selector's answer as one mapping: the record's fields, then the rest."""
    return {**asdict(detail[key]), **{k: v for k, v in detail.items() if k != key}}


# --- Nodes ---------------------------------------------------------------------------


class NodeSerializer(serializers.Serializer):
    id = IdField()
    name = StringField(max_length=TEXT_LIMITS["name"])
    description = TextField()
    taxonomy = TaxonomyField(
        required=False,
        default=DEFAULT_TAXONOMY,
        help_text="The taxonomy it belongs to: lower-case letters, digits and '-', "
        f"starting with a letter or digit; default `{DEFAULT_TAXONOMY}`, the seed.",
    )
    version = serializers.IntegerField(
        read_only=True, help_text="Counts the item's changes; the ETag carries it."
    )


class LayerSerializer(NodeSerializer):
    """A governance layer."""


class ThreatSerializer(NodeSerializer):
    """A misuse vector."""

    maturity = StringField(
        max_length=TEXT_LIMITS["maturity"],
        required=False,
        allow_blank=True,
        default="",
        help_text="Free text in the vocabulary of the taxonomy it came from "
        "(ATLAS: feasible, demonstrated, realized); empty for the seed.",
    )
    sources = SourceIds(help_text="Sources describing it.")
    mobile = TextField(
        help_text="Why its actors choose where to act (a mobile threat, judged "
        "where it is weakest in the world view); empty when it is not mobile."
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
    cost = PositiveNumberField(
        required=False,
        default=1.0,
        validators=[_positive_cost],
        help_text="What adopting it costs, in the editors' own units: a positive "
        "finite number, default 1. `GET /api/v1/recommendations/` spends a budget of these.",
    )
    sources = SourceIds(help_text="Sources describing it.")
    everywhere = TextField(
        help_text="Why it acts wherever the weights go (in force in every "
        "jurisdiction at its own maturity); empty otherwise."
    )


class SourceSerializer(NodeSerializer):
    """A published source that MITIGATES links cite."""

    authors = TextField(TEXT_LIMITS["authors"])
    title = TextField(TEXT_LIMITS["title"])
    year = WholeNumberField(
        min_value=INT_RANGES["year"][0],
        max_value=INT_RANGES["year"][1],
        required=False,
        allow_null=True,
        default=None,
    )
    publisher = TextField(TEXT_LIMITS["publisher"])
    url = PatternField(
        WEB_URL_PATTERN,
        max_length=TEXT_LIMITS["url"],
        required=False,
        allow_blank=True,
        default="",
        validators=[_web_url],
        help_text="An http(s) address, or empty.",
    )


class TacticSerializer(NodeSerializer):
    """A tactic: a stage of an attack, a column of the matrix."""

    shortname = StringField(
        max_length=TEXT_LIMITS["shortname"],
        required=False,
        allow_blank=True,
        default="",
        help_text="The kill-chain phase name STIX and Navigator layers use "
        "(`x_mitre_shortname`, e.g. `ml-attack-staging`).",
    )
    order = WholeNumberField(
        min_value=INT_RANGES["order"][0],
        max_value=INT_RANGES["order"][1],
        required=False,
        default=0,
        help_text="Its column in the matrix, left to right.",
    )
    sources = SourceIds(help_text="Sources describing it.")


class IncidentSerializer(NodeSerializer):
    """A documented incident: a case study, campaign, threat actor or software."""

    description = None
    kind = serializers.ChoiceField(
        INCIDENT_KINDS,
        required=False,
        default="case-study",
        help_text="A case study's uses are ordered steps; a campaign's, group's "
        "or software's have no order.",
    )
    date = StringField(
        max_length=TEXT_LIMITS["date"],
        required=False,
        allow_blank=True,
        default="",
        validators=[_incident_date],
        help_text="When it happened: an ISO date (YYYY-MM-DD), a year and month "
        "(YYYY-MM), a year (YYYY), a real one, or empty.",
    )
    summary = TextField(help_text="What happened.")
    sources = SourceIds(help_text="Its references.")


# --- Links ---------------------------------------------------------------------------


class MitigatesSerializer(serializers.Serializer):
    """(mitigation)-[:MITIGATES]->(threat) with its strength, rationale and sources."""

    mitigation = IdField()
    threat = IdField()
    strength = serializers.ChoiceField(STRENGTHS)
    rationale = TextField()
    sources = SourceIds()
    version = serializers.IntegerField(read_only=True)


class MitigatesChangeSerializer(serializers.Serializer):
    """The writable fields of a MITIGATES link (its ends are its identity)."""

    strength = serializers.ChoiceField(STRENGTHS)
    rationale = TextField()
    sources = SourceIds()


class UsesChangeSerializer(serializers.Serializer):
    """The writable fields of a USES link (its ends are its identity)."""

    steps = serializers.ListField(
        child=WholeNumberField(
            min_value=INT_RANGES["steps"][0], max_value=INT_RANGES["steps"][1]
        ),
        required=False,
        default=list,
        help_text="The step numbers at which the incident uses the technique, "
        "ascending; empty for an incident without order.",
    )
    tactics = serializers.ListField(
        child=StringField(max_length=TEXT_LIMITS["tactics"], allow_blank=True),
        required=False,
        default=list,
        help_text="The tactic of each step (an id, or empty).",
    )
    descriptions = serializers.ListField(
        child=StringField(max_length=TEXT_LIMITS["descriptions"], allow_blank=True),
        required=False,
        default=list,
        help_text="What the incident did at each step.",
    )


class UsesSerializer(UsesChangeSerializer):
    """(incident)-[:USES]->(threat): the steps of an incident that use a technique."""

    incident = IdField()
    threat = IdField()
    version = serializers.IntegerField(read_only=True)


class JurisdictionSerializer(NodeSerializer):
    """A jurisdiction (issue 25): a state, a bloc or a multilateral body."""

    kind = serializers.ChoiceField(
        JURISDICTION_KINDS,
        required=False,
        default="state",
        help_text="state, bloc (e.g. the EU) or multilateral (e.g. an IAEA-like "
        "body); only a bloc or a multilateral body has members.",
    )
    weight = NumberField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="What the world view weighs it by, e.g. its share of the "
        "world's AI compute; null when not recorded.",
    )
    sources = SourceIds(help_text="Sources for what it is and its weight.")


def _day(value: str) -> None:
    if value and not is_day(value):
        raise serializers.ValidationError("must be a date YYYY-MM-DD, or empty")


def DayField(**kwargs: Any) -> serializers.CharField:  # noqa: N802 (a field factory)
    """A link's first day (``since``) or first day after (``until``), or empty."""
    return StringField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        validators=[_day],
        **kwargs,
    )


class MemberOfChangeSerializer(serializers.Serializer):
    """The writable fields of a MEMBER_OF link (its ends are its identity)."""

    since = DayField(help_text="The first day it is a member; empty: always.")
    until = DayField(help_text="The first day it no longer is; empty: still.")
    rationale = TextField()
    sources = SourceIds()


class MemberOfSerializer(MemberOfChangeSerializer):
    """(jurisdiction)-[:MEMBER_OF]->(bloc or multilateral body)."""

    member = IdField()
    body = IdField()
    version = serializers.IntegerField(read_only=True)


class InForceInChangeSerializer(serializers.Serializer):
    """The writable fields of an IN_FORCE_IN link (its ends are its identity)."""

    maturity = serializers.ChoiceField(MATURITIES, help_text="Its maturity there.")
    since = DayField(help_text="The first day it is in force there; empty: always.")
    until = DayField(help_text="The first day it no longer is; empty: still.")
    rationale = TextField()
    sources = SourceIds()


class InForceInSerializer(InForceInChangeSerializer):
    """(mitigation)-[:IN_FORCE_IN]->(jurisdiction), at a maturity there."""

    mitigation = IdField()
    jurisdiction = IdField()
    version = serializers.IntegerField(read_only=True)


class ArchitectureSerializer(NodeSerializer):
    """A governance architecture (issue 25): a named, saved scenario."""

    scenario = StringField(
        max_length=TEXT_LIMITS["scenario"],
        required=False,
        allow_blank=True,
        default="",
        help_text="The scenario's parameters as a query string, as the coverage "
        "endpoints take them (maturity=deployed&jurisdiction=eu); empty for "
        "every measure counted. An unknown parameter or id is refused (422).",
    )
    sources = SourceIds(help_text="Sources for the option it describes.")


class AdoptsChangeSerializer(serializers.Serializer):
    """The writable fields of an ADOPTS link (its ends are its identity)."""

    jurisdictions = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        help_text="The jurisdictions it is adopted in (with their members); "
        "empty: everywhere.",
    )
    rationale = TextField()
    sources = SourceIds()


class AdoptsSerializer(AdoptsChangeSerializer):
    """(architecture)-[:ADOPTS]->(mitigation): adopted where, and why."""

    architecture = IdField()
    mitigation = IdField()
    version = serializers.IntegerField(read_only=True)


class LinkSerializer(serializers.Serializer):
    """A link without properties: source -> target in the graph's direction."""

    source = IdField()
    target = IdField()
    version = serializers.IntegerField(read_only=True)


# Kind name -> the serializer of its records, for every kind of the registry.
ITEM_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "layer": LayerSerializer,
    "threat": ThreatSerializer,
    "mitigation": MitigationSerializer,
    "source": SourceSerializer,
    "tactic": TacticSerializer,
    "incident": IncidentSerializer,
    "jurisdiction": JurisdictionSerializer,
    "architecture": ArchitectureSerializer,
    "mitigates": MitigatesSerializer,
    "uses": UsesSerializer,
    "member_of": MemberOfSerializer,
    "in_force_in": InForceInSerializer,
    "adopts": AdoptsSerializer,
    **{name: LinkSerializer for name in PLAIN_LINK_KINDS},
}


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


class DepthSerializer(serializers.Serializer):
    layers = serializers.IntegerField(
        help_text="Least number of layers whose loss leaves the threat unaddressed."
    )
    mitigations = serializers.IntegerField(
        help_text="The same in mitigations (with what REQUIRES them)."
    )
    exact = serializers.BooleanField(help_text="False where one is a greedy bound.")


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
    depth = DepthSerializer(allow_null=True)

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


class TacticDetailSerializer(TacticSerializer):
    threats = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The ids of the threats (techniques) in the tactic.",
    )


class JurisdictionDetailSerializer(JurisdictionSerializer):
    member_of = MemberOfSerializer(
        many=True, read_only=True, help_text="The bodies it belongs to, when."
    )
    members = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The ids of the jurisdictions that belong to it.",
    )
    in_force = InForceInSerializer(
        many=True, read_only=True, help_text="The mitigations in force there."
    )


class ArchitectureDetailSerializer(ArchitectureSerializer):
    adopts = AdoptsSerializer(
        many=True, read_only=True, help_text="The measures it adopts, where and why."
    )
    coverage_query = serializers.SerializerMethodField(
        help_text="Its scenario with what it adopts, as the query string of the "
        "coverage endpoints (adopt entries M@J for a measure adopted in J)."
    )

    def get_coverage_query(self, detail: dict[str, Any]) -> str:
        return scenario_query(detail["effective_scenario"]).removeprefix("?")


class IncidentDetailSerializer(IncidentSerializer):
    uses = UsesSerializer(
        many=True, read_only=True, help_text="Its USES links, in step order."
    )


# --- Taxonomies, audit entries and named revisions --------------------------------------


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
