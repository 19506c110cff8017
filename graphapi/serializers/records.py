"""Plain serializers over the graph's frozen records: the nodes and links of
every kind as written, and as read with what they link to.

Field rules mirror fixtures/schema.json so that the API accepts exactly what a
fixture file may hold; references (unknown layer, threat, source) and cycles
are checked by the write itself, inside its transaction.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from graphapi.serializers.fields import (
    WEB_URL_PATTERN,
    IdField,
    NumberField,
    PatternField,
    PositiveNumberField,
    SourceIds,
    StringField,
    TaxonomyField,
    TextField,
    WholeNumberField,
)
from taxonomy.analysis.model import CLASSES
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
from taxonomy.domain.scenario_params import scenario_query


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

    maturity = TextField(
        TEXT_LIMITS["maturity"],
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

    shortname = TextField(
        TEXT_LIMITS["shortname"],
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
    date = TextField(
        TEXT_LIMITS["date"],
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


def _ends(source: str, target: str) -> type[serializers.Serializer]:
    """A link's two ends (its identity) and its version: the fields a link
    serializer adds, after them, to the writable fields of its change serializer
    (``class UsesSerializer(UsesChangeSerializer, _ends("incident", "threat"))``).
    """
    return type(
        "LinkEndsSerializer",
        (serializers.Serializer,),
        {
            source: IdField(),
            target: IdField(),
            "version": serializers.IntegerField(read_only=True),
            "__module__": __name__,
        },
    )


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


class UsesSerializer(UsesChangeSerializer, _ends("incident", "threat")):
    """(incident)-[:USES]->(threat): the steps of an incident that use a technique."""


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
    return TextField(
        10,
        validators=[_day],
        **kwargs,
    )


class MemberOfChangeSerializer(serializers.Serializer):
    """The writable fields of a MEMBER_OF link (its ends are its identity)."""

    since = DayField(help_text="The first day it is a member; empty: always.")
    until = DayField(help_text="The first day it no longer is; empty: still.")
    rationale = TextField()
    sources = SourceIds()


class MemberOfSerializer(MemberOfChangeSerializer, _ends("member", "body")):
    """(jurisdiction)-[:MEMBER_OF]->(bloc or multilateral body)."""


class InForceInChangeSerializer(serializers.Serializer):
    """The writable fields of an IN_FORCE_IN link (its ends are its identity)."""

    maturity = serializers.ChoiceField(MATURITIES, help_text="Its maturity there.")
    since = DayField(help_text="The first day it is in force there; empty: always.")
    until = DayField(help_text="The first day it no longer is; empty: still.")
    rationale = TextField()
    sources = SourceIds()


class InForceInSerializer(
    InForceInChangeSerializer, _ends("mitigation", "jurisdiction")
):
    """(mitigation)-[:IN_FORCE_IN]->(jurisdiction), at a maturity there."""


class ArchitectureSerializer(NodeSerializer):
    """A governance architecture (issue 25): a named, saved scenario."""

    scenario = TextField(
        TEXT_LIMITS["scenario"],
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


class AdoptsSerializer(AdoptsChangeSerializer, _ends("architecture", "mitigation")):
    """(architecture)-[:ADOPTS]->(mitigation): adopted where, and why."""


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


class _MitigatesLinkSerializer(serializers.Serializer):
    # A MITIGATES link seen from one end: the subclass's fields name the other
    # end, the link's own fields follow them. No docstring: the schema would
    # show it as the description of both.
    strength = serializers.ChoiceField(STRENGTHS, source="link.strength")
    rationale = serializers.CharField(source="link.rationale")
    sources = serializers.ListField(
        child=serializers.CharField(), source="link.sources"
    )
    version = serializers.IntegerField(
        source="link.version", help_text="The link's version."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        names = ("strength", "rationale", "sources", "version")
        link = {name: fields.pop(name) for name in names}
        return {**fields, **link}


class ThreatMitigationSerializer(_MitigatesLinkSerializer):
    mitigation = serializers.CharField(source="mitigation.id")
    name = serializers.CharField(source="mitigation.name")
    maturity = serializers.ChoiceField(MATURITIES, source="mitigation.maturity")


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


class MitigatedThreatSerializer(_MitigatesLinkSerializer):
    threat = serializers.CharField(source="threat.id")
    name = serializers.CharField(source="threat.name")


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
