"""The API's query parameters: filters, the what-if scenario, and the options of
the coverage, graph, export, import, audit and revision reads."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from graphapi.pagination import MAX_LIMIT
from graphapi.serializers.fields import ID_MAX, IdField, PatternField, TaxonomyField
from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.report import ThreatPage
from taxonomy.analysis.robustness import DEFAULT_SAMPLES, MAX_SAMPLES
from taxonomy.domain.kinds import KINDS, MAPS_TO
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    INCIDENT_KINDS,
    MATURITIES,
    SEARCH_MAX_LENGTH,
    STRENGTHS,
)
from taxonomy.domain.scenario_params import SCENARIO_PARAMS, ScenarioParam
from taxonomy.formats.common import REMOVAL_FLOOR, REMOVAL_SHARE
from taxonomy.formats.navigator import DEFAULT_DOMAIN, DOMAINS
from taxonomy.formats.registry import API, export_option_problems, formats_on
from taxonomy.formats.risk_atlas import CATALOGUES


class TaxonomyQuerySerializer(serializers.Serializer):
    """The taxonomy a read answers for; the seed unless named."""

    taxonomy = TaxonomyField(
        required=False,
        default=DEFAULT_TAXONOMY,
        help_text="The taxonomy to read (`GET /api/v1/taxonomies/` lists them): "
        f"default `{DEFAULT_TAXONOMY}`, the seed; e.g. `atlas`. One the graph does "
        "not hold is 404.",
    )


# --- Filters of the lists --------------------------------------------------------------


class TextFilterSerializer(TaxonomyQuerySerializer):
    q = serializers.CharField(
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        # Untrimmed, as the schema allows "  ": no words, which match nothing.
        trim_whitespace=False,
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
        # "class" is a keyword in Python, so the field is added here, and
        # validated as the selector's name for it.
        fields["class"] = serializers.ChoiceField(
            CLASSES,
            required=False,
            source="coverage_class",
            help_text="Only threats of this coverage class.",
        )
        return fields


class MitigationFilterSerializer(TextFilterSerializer):
    layer = IdField(required=False, help_text="Only mitigations of this layer.")
    maturity = serializers.ChoiceField(MATURITIES, required=False)
    threat = IdField(
        required=False, help_text="Only mitigations acting on this threat."
    )


class IncidentFilterSerializer(TextFilterSerializer):
    kind = serializers.ChoiceField(INCIDENT_KINDS, required=False)
    threat = IdField(required=False, help_text="Only incidents using this threat.")


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


# --- The scenario ------------------------------------------------------------------------


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


# An adopt entry: an id, or MITIGATION@JURISDICTION (adopted there only).
ADOPT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*(@[A-Za-z0-9][A-Za-z0-9._:-]*)?$"


class _AdoptList(_IdList):
    child = PatternField(ADOPT_PATTERN, max_length=2 * ID_MAX + 1)


def _in_unit_interval(value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise serializers.ValidationError("must be in (0, 1]")


@extend_schema_field(
    {
        "type": "number",
        "format": "double",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 1,
    }
)
class _UnitIntervalField(serializers.FloatField):
    """A number in (0, 1], as the schema states it (0 refused, 1 allowed)."""

    def __init__(self, **kwargs: Any):
        super().__init__(validators=[_in_unit_interval], **kwargs)


def _scenario_field(param: ScenarioParam) -> serializers.Field:
    """The query field of one scenario parameter, read as its ``kind`` says."""
    if param.kind == "ids":
        kind = _AdoptList if param.attr == "adopt" else _IdList
        return kind(required=False, default=list, help_text=param.help)
    if param.kind == "maturities":
        return _MaturityList(required=False, help_text=param.help)
    if param.kind == "choice":
        return serializers.ChoiceField(
            param.choices, required=False, help_text=param.help
        )
    if param.kind == "id" and param.attr == "through":
        # A mapping set's id is an IRI or CURIE (issue 26), not a record id.
        return serializers.RegexField(
            r"^[^\s]+$", max_length=500, required=False, help_text=param.help
        )
    if param.kind == "id":
        return IdField(required=False, help_text=param.help)
    if param.kind == "day":
        return serializers.DateField(
            required=False, input_formats=["%Y-%m-%d"], help_text=param.help
        )
    return _UnitIntervalField(required=False, help_text=param.help)


# The threshold comes first, as the API has always listed (and reported) it.
_SCENARIO_FIELDS = {
    param.name: _scenario_field(param)
    for param in sorted(SCENARIO_PARAMS, key=lambda param: param.kind != "number")
}
ScenarioQuerySerializer = type(
    "ScenarioQuerySerializer",
    (TaxonomyQuerySerializer,),
    {
        "__doc__": "The what-if scenario of ``manage.py coverage`` and "
        "``manage.py export``.",
        "__module__": __name__,
        **_SCENARIO_FIELDS,
    },
)


# A mapping set is read against the graph now, never a named revision's.
THROUGH_NOW_ONLY = (
    "a mapping set is read against the graph now only: drop `through` to see "
    "the named revision, or `revision` to read through the mapping set"
)


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
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"List at most this many threats under `threats` (1 to "
        f"{MAX_LIMIT}); without `limit`, `offset` or `coverage_class` every "
        "threat is listed. Every other part covers the whole taxonomy.",
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, help_text="The first threat listed (from 0)."
    )
    coverage_class = serializers.ChoiceField(
        CLASSES, required=False, help_text="List only the threats of this class."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        named = data.get("revision") not in (None, "current")
        if named and data["taxonomy"] != DEFAULT_TAXONOMY:
            only = f"named revisions hold the {DEFAULT_TAXONOMY} taxonomy only"
            raise serializers.ValidationError({"revision": [only]})
        if named and data.get("through"):
            raise serializers.ValidationError({"through": [THROUGH_NOW_ONLY]})
        return data


def threat_page(query: dict[str, Any]) -> ThreatPage | None:
    """The page of the coverage document's ``threats`` a query asks for; None
    for every threat."""
    if not {"limit", "offset", "coverage_class"} & set(query):
        return None
    return ThreatPage(
        query.get("offset", 0), query.get("limit"), query.get("coverage_class")
    )


class IncidentCoverageQuerySerializer(ScenarioQuerySerializer):
    """The scenario and the filters of the incidents listed (the totals count all)."""

    kind = serializers.ChoiceField(
        INCIDENT_KINDS, required=False, help_text="List only incidents of this kind."
    )
    stopped = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="List only the incidents stopped (true) or not stopped (false).",
    )


class RobustnessQuerySerializer(ScenarioQuerySerializer):
    """The parameters of ``manage.py coverage --robustness``."""

    samples = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_SAMPLES,
        help_text=f"Monte Carlo draws (default {DEFAULT_SAMPLES}, at most {MAX_SAMPLES}).",
    )
    seed = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**32 - 1,
        help_text="Monte Carlo seed (default 0): the same seed gives the same numbers.",
    )


# --- The graph, export and import --------------------------------------------------------


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


NAVIGATOR_DOMAINS = [DEFAULT_DOMAIN, *DOMAINS.values()]


class ExportQuerySerializer(ScenarioQuerySerializer):
    """A taxonomy in one format; the scenario only for navigator and csv."""

    format = serializers.ChoiceField(
        [f.name for f in formats_on(API)],
        required=False,
        default="json",
        help_text="; ".join(f"{f.name}: {f.help}" for f in formats_on(API)) + ".",
    )
    domain = serializers.ChoiceField(
        NAVIGATOR_DOMAINS,
        required=False,
        help_text="navigator only: the Navigator domain (default by the "
        "taxonomy's name: atlas-atlas for atlas, else enterprise-attack, ...).",
    )
    mapping_set = serializers.CharField(
        max_length=500,
        required=False,
        help_text="sssom only (and required there): the mapping_set_id of a "
        "mapping set that joins the taxonomy.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        errors = export_option_problems(
            data["format"],
            scenario=[name for name in _SCENARIO_FIELDS if name in self.initial_data],
            domain=data.get("domain"),
            mapping_set=data.get("mapping_set"),
        )
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


IMPORT_FORMATS = ["fixtures", "atlas", "stix", "risk-atlas"]
CATALOGUE_ONLY = ("taxonomy", "default_strength", "layer_map", "allow_removals")
# The AI Atlas Nexus catalogues the project names (any other taxonomy id of
# the package is taken too): what the API's help lists.
RISK_ATLAS_NAMED = ", ".join(CATALOGUES)


class ImportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        IMPORT_FORMATS,
        required=False,
        default="fixtures",
        help_text="fixtures: a fixture file (YAML) or the canonical document "
        "(JSON); atlas: a MITRE ATLAS distribution file (ATLAS.yaml); stix: a "
        "STIX 2.1 bundle (JSON); risk-atlas: a catalogue of IBM's AI Atlas "
        "Nexus, read from the installed package (named by `catalogue`, sent "
        "with no body). atlas, stix and risk-atlas replace what the graph holds "
        "of the taxonomy they import and touch no other.",
    )
    catalogue = serializers.RegexField(
        r"^[a-z0-9][a-z0-9._-]*$",
        max_length=100,
        required=False,
        help_text="risk-atlas only, and required there: the AI Atlas Nexus "
        f"catalogue to import ({RISK_ATLAS_NAMED}, or another taxonomy id of "
        "the installed package), as `manage.py import_risk_atlas CATALOGUE`. "
        "One the package does not define is 422 naming those it does.",
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
        help_text="atlas, stix and risk-atlas only: the taxonomy to import as "
        "(ATLAS default `atlas`; STIX default the name the bundle carries; "
        "risk-atlas default the catalogue's name). Not the seed's name.",
    )
    default_strength = serializers.ChoiceField(
        STRENGTHS,
        required=False,
        help_text="atlas, stix and risk-atlas only: the strength of a MITIGATES "
        "link the file gives none (default medium).",
    )
    layer_map = LayerMapField(
        required=False,
        max_length=20000,
        help_text='atlas, stix and risk-atlas only: a JSON object such as {"Policy": '
        '"institutional"} sending a category or mitigation id (risk-atlas: an '
        "action id or AI RMF function, Govern, Map, Measure or Manage) to an "
        "existing layer of any taxonomy. An unknown layer is 422 and writes "
        "nothing.",
    )
    allow_removals = serializers.BooleanField(
        required=False,
        help_text="atlas, stix and risk-atlas only: import even if it removes "
        f"more than {REMOVAL_SHARE:.0%} of a kind (and more than {REMOVAL_FLOOR} "
        "items) of what the graph holds of the taxonomy; otherwise such an import is "
        "409 (a truncated file?) and writes nothing.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["format"] == "fixtures":
            # initial_data: a query string's absent boolean still reads False
            misplaced = [name for name in CATALOGUE_ONLY if name in self.initial_data]
            message = "only for format atlas, stix or risk-atlas"
        else:
            misplaced = ["prune"] if "prune" in self.initial_data else []
            message = (
                "only for format fixtures (atlas, stix and risk-atlas always replace)"
            )
        errors = {name: [message] for name in misplaced}
        if "catalogue" in self.initial_data and data["format"] != "risk-atlas":
            errors["catalogue"] = ["only for format risk-atlas"]
        if data["format"] == "risk-atlas" and not data.get("catalogue"):
            errors["catalogue"] = ["required for format risk-atlas"]
        if errors:
            raise serializers.ValidationError(errors)
        return data


# --- The audit log and named revisions ---------------------------------------------------


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
        [*KINDS, "mapping_set", MAPS_TO.name],
        required=False,
        help_text="Only changes to items of this kind (mapping_set and maps_to: "
        "mapping sets and their rows).",
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


class RecommendationQuerySerializer(ScenarioQuerySerializer):
    """The parameters of ``manage.py recommend``."""

    budget = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="In cost units, ≥ 0 (each mitigation's `cost`, 1 by default); "
        "omitted: no limit.",
    )
    candidates = _AdoptList(
        required=False,
        help_text="Mitigations that may be adopted; repeat or comma-separate. "
        "Default: every one the scenario leaves out that adopting can bring into "
        "effect. One unknown or already in effect is 422. With `where`, "
        "MITIGATION@JURISDICTION entries (with `where=places`, a place each).",
    )
    where = IdField(
        required=False,
        help_text="Where the candidates are adopted: a jurisdiction id (what it "
        "should adopt next: `M@J` candidates, the scenario in J) or `places` "
        "(which measures, adopted in which places, make the world view address "
        "the most mobile threats: exhaustive search, 422 past its limit). "
        "Omitted: everywhere.",
    )
    count_introduced = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Count the threats the set INTRODUCES and leaves unaddressed "
        "against it.",
    )


class ArchitectureCompareQuerySerializer(TaxonomyQuerySerializer):
    """The architectures to compare: ``a=ID``, 2 to 4 times."""

    a = serializers.ListField(
        # Looked up as given: spaces alone name no architecture (404).
        child=serializers.CharField(trim_whitespace=False),
        min_length=2,
        max_length=4,
        help_text="An architecture id (`GET /api/v1/architectures/` lists them), "
        "or `today`; repeat 2 to 4 times, each once, in the order to show them.",
    )
