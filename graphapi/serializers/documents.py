"""Serializers that only document answers for the schema: the error shape, the
graph, the canonical document, import results, the coverage document, the
comparison and the health checks. The views render these answers themselves."""

from __future__ import annotations

import functools

from rest_framework import serializers

from graphapi.serializers.records import ITEM_SERIALIZERS, ThreatCoverageSerializer
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.kinds import BY_REL, KINDS, NODE_KINDS
from taxonomy.domain.records import INCIDENT_KINDS, MATURITIES, STRENGTHS
from taxonomy.domain.scenario import DEPENDENCES

# The node kinds the graph explorer draws (sources are cited on links, not drawn).
GRAPH_NODE_KINDS = [name for name in NODE_KINDS if name != "source"]


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


# --- Health --------------------------------------------------------------------------


class PingSerializer(serializers.Serializer):
    status = serializers.CharField()


class LoadStatusSerializer(serializers.Serializer):
    """A staged load in progress (writes wait for it; readers see the old
    taxonomy until it switches)."""

    id = serializers.IntegerField(help_text="The revision the load commits at.")
    state = serializers.ChoiceField(
        ["staging", "committed", "aborting"],
        help_text="staging: being written, invisible; committed: switched to, "
        "being settled; aborting: being removed.",
    )
    done = serializers.IntegerField(help_text="Changes written so far.")
    total = serializers.IntegerField(help_text="Changes in the load.")
    started = serializers.IntegerField(help_text="Milliseconds since the Unix epoch.")
    what = serializers.CharField(allow_null=True)
    silent_seconds = serializers.FloatField(
        help_text="Since its writer was last heard of (it beats every few "
        "seconds; a dead writer's load is taken over, undone or finished, by the "
        "next write after LAYERWISE_LOAD_STALE_SECONDS)."
    )
    stale = serializers.BooleanField(
        help_text="Its writer is silent past LAYERWISE_LOAD_STALE_SECONDS: the "
        "next write takes the load over."
    )
    rate = serializers.FloatField(
        allow_null=True, help_text="Changes per second (null for a stale load)."
    )
    eta = serializers.FloatField(
        allow_null=True, help_text="Seconds left, about (null for a stale load)."
    )


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


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        ["ok", "schema_missing"],
        help_text="schema_missing: a constraint or index is not on the server yet "
        "(the first write or search creates it).",
    )
    neo4j = serializers.CharField(help_text="The server's Neo4j Kernel version.")
    revision = serializers.IntegerField(help_text="The graph revision.")
    schema_missing = serializers.ListField(
        child=serializers.CharField(), help_text="The constraints and indexes missing."
    )
    cache = serializers.ChoiceField(
        ["local", "ok", "unreachable"],
        help_text="local: each process caches alone (no CACHE_URL); ok or "
        "unreachable: whether CACHE_URL's Redis answers (while it does not, "
        "answers are computed from Neo4j).",
    )
    load = LoadStatusSerializer(
        allow_null=True,
        help_text="The staged load in progress (null: none); other writes wait "
        "for it (409 load_in_progress).",
    )


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
    """What an ATLAS or STIX import read and changed (``import_atlas`` prints it)."""

    dry_run = serializers.BooleanField()
    revision = serializers.IntegerField(
        help_text="The graph revision after the import."
    )
    format = serializers.ChoiceField(["atlas", "stix"])
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


# --- The coverage document (rendered by the analysis) ------------------------------------


class _ScenarioEntrySerializer(serializers.Serializer):
    baseline = serializers.BooleanField()
    disabled_layers = serializers.ListField(child=serializers.CharField())
    disabled_mitigations = serializers.ListField(child=serializers.CharField())
    maturities = serializers.ListField(
        child=serializers.ChoiceField(MATURITIES), allow_null=True
    )
    adopted = serializers.ListField(child=serializers.CharField())
    disabled_by_requires = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField(
        help_text="The scenario in words, with display names: what counts "
        "(today's deployed measures, every proposal, ...), what is off or "
        "adopted, where and when, and the threshold."
    )
    jurisdiction = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="The jurisdiction asked for (only what is in force there "
        "counts); null for none. Only in the documents of a taxonomy that "
        "records jurisdictions.",
    )
    as_of = serializers.DateField(
        allow_null=True,
        required=False,
        help_text="The date asked for (only the in-force links and memberships "
        "that hold that day count); null for none. Only in the documents of a "
        "taxonomy that records jurisdictions.",
    )


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
    total = serializers.IntegerField(
        help_text="Layer sets in scope; `sets` lists at most 200 of them."
    )
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


class _MoveSerializer(serializers.Serializer):
    delta = serializers.FloatField(help_text="`to` minus `from`: negative is lower.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.FloatField(help_text="Coverage in the baseline.")
        fields["to"] = serializers.FloatField(help_text="Coverage in the scenario.")
        return {name: fields[name] for name in ("from", "to", "delta")}


class _ThreatMoveSerializer(serializers.Serializer):
    id = serializers.CharField()
    coverage = _MoveSerializer(help_text="By all layers together.")
    by_layer = serializers.DictField(
        child=_MoveSerializer(),
        help_text="Layer id → its coverage's move; every layer of `layers`.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.ChoiceField(
            CLASSES, help_text="The class in the baseline."
        )
        fields["to"] = serializers.ChoiceField(
            CLASSES, help_text="The class in the scenario."
        )
        order = ("id", "from", "to", "coverage", "by_layer")
        return {name: fields[name] for name in order}


class _DiffSerializer(serializers.Serializer):
    changed = ClassChangeSerializer(
        many=True, help_text="The threats whose class changed, by id."
    )
    summary = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Class → the scenario's count minus the baseline's.",
    )
    moved = _ThreatMoveSerializer(
        many=True,
        help_text="Every threat whose class changed or whose coverage moved, by "
        "all layers together or by any one layer: class changes first, then the "
        "largest move by all layers, then the largest by one layer, then by id.",
    )
    unchanged = serializers.IntegerField(
        help_text="How many threats did not move (every threat not in `moved`)."
    )


class _HeadlineRangeSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    of = serializers.IntegerField()
    lower = serializers.IntegerField(help_text="With every link one step lower.")
    higher = serializers.IntegerField(help_text="With every link one step higher.")


class _PivotalLinkSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    threat = serializers.CharField()
    layer = serializers.CharField()
    strength = serializers.ChoiceField(STRENGTHS)
    lower = serializers.CharField(
        help_text="The threat's class with this link one step lower (a low link "
        "removed); the same as `class` when that move changes nothing."
    )
    higher = serializers.CharField(
        help_text="The threat's class with this link one step higher; the same as "
        "`class` when that move changes nothing. At least one of the two differs."
    )
    moves_headline = serializers.BooleanField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(
            CLASSES, help_text="The threat's class as judged."
        )
        order = ("mitigation", "threat", "layer", "strength", "class", "lower")
        return {name: fields[name] for name in (*order, "higher", "moves_headline")}


class _DistributionSerializer(serializers.Serializer):
    median = serializers.FloatField()
    p5 = serializers.FloatField()
    p95 = serializers.FloatField()


class _MonteCarloSerializer(serializers.Serializer):
    samples = serializers.IntegerField()
    seed = serializers.IntegerField()
    intervals = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="Strength → [low, high]: the band each link's effectiveness is "
        "drawn from, uniformly; its mean is the strength's effectiveness.",
    )
    headline = serializers.DictField()
    classes = serializers.DictField(child=_DistributionSerializer())


class _ThreatRobustnessSerializer(serializers.Serializer):
    id = serializers.CharField()
    margin = serializers.DictField(child=serializers.FloatField())
    class_by_dependence = serializers.DictField(child=serializers.CharField())
    addressed_probability = serializers.FloatField()
    addressed_interval = serializers.ListField(
        child=serializers.FloatField(),
        help_text="The 95% Wilson interval [low, high] of `addressed_probability`.",
    )
    class_probability = serializers.DictField(child=serializers.FloatField())
    coverage_percentiles = serializers.DictField(child=serializers.FloatField())

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(
            CLASSES, help_text="The threat's class as judged."
        )
        return {"id": fields.pop("id"), "class": fields.pop("class"), **fields}


class _PanelSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    threat = serializers.CharField()
    judges = serializers.IntegerField(help_text="How many judges judged the link.")
    strength = serializers.ChoiceField(
        STRENGTHS, help_text="The panel's median: the strength the analysis counts."
    )
    editorial_strength = serializers.ChoiceField(
        STRENGTHS, help_text="The link's strength without its panel."
    )
    spread = serializers.IntegerField(help_text="The interquartile range, in steps.")
    agreement = serializers.FloatField(
        help_text="The share of judges within one step of the median."
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Strength → judges who gave it."
    )
    dependence = serializers.FloatField(
        help_text="The share of the link's two one-step moves that change its "
        "threat's class."
    )
    contested = serializers.FloatField(
        help_text="spread / 2 × dependence: how much the disagreement matters."
    )


class RobustnessSerializer(serializers.Serializer):
    """How robust the coverage numbers are (docs/coverage.md, "Robustness")."""

    dependence = serializers.ChoiceField(DEPENDENCES)
    headline = _HeadlineRangeSerializer()
    pivotal_links = _PivotalLinkSerializer(many=True)
    panels = _PanelSerializer(many=True)
    summary_by_dependence = serializers.DictField(child=serializers.DictField())
    monte_carlo = _MonteCarloSerializer()
    threats = _ThreatRobustnessSerializer(many=True)


class _ResilienceLineSerializer(serializers.Serializer):
    survive_any_one_layer = serializers.IntegerField(
        help_text="Threats of layer depth 2 or more: addressed whatever one layer is lost."
    )
    threats = serializers.IntegerField()
    line = serializers.CharField(
        help_text='"K of M threats survive the loss of any one layer".'
    )


class _DemandShareSerializer(serializers.Serializer):
    uses = serializers.IntegerField(
        help_text="(incident, technique) pairs of the documented incidents."
    )
    addressed_uses = serializers.IntegerField(
        help_text="Those whose technique is addressed."
    )
    share = serializers.FloatField(
        allow_null=True, help_text="addressed_uses / uses; null when there are none."
    )
    by_class = serializers.DictField(
        child=serializers.IntegerField(), help_text="The uses of each class's threats."
    )


class _ThreatPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="The threats that pass `coverage_class` (all of them without it)."
    )
    offset = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True)
    coverage_class = serializers.ChoiceField(CLASSES, allow_null=True)


class _WorldPlaceSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.FloatField(allow_null=True)


class _WorldThreatSerializer(serializers.Serializer):
    id = serializers.CharField()
    mobile = serializers.BooleanField(
        help_text="Its actors choose where to act: judged in its weakest place."
    )
    weakest = serializers.CharField(
        allow_null=True, help_text="The place where its coverage is lowest."
    )
    coverage = serializers.FloatField(help_text="Its coverage there.")
    addressed_in = serializers.IntegerField(help_text="Places where it is addressed.")
    places = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    weighted_share = serializers.FloatField(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        order = list(fields)
        fields["class"] = serializers.ChoiceField(CLASSES, help_text="Its class there.")
        order.insert(order.index("coverage") + 1, "class")
        return {name: fields[name] for name in order}


class _WorldSerializer(serializers.Serializer):
    as_of = serializers.DateField(allow_null=True)
    places = _WorldPlaceSerializer(many=True)
    mobile_summary = serializers.DictField(child=serializers.IntegerField())
    line = serializers.CharField()
    threats = _WorldThreatSerializer(many=True)


class CoverageDocumentSerializer(serializers.Serializer):
    """The coverage document, byte for byte what ``manage.py coverage --format json`` prints."""

    schema = serializers.CharField()
    revision = serializers.IntegerField()
    threshold = serializers.FloatField()
    effectiveness = serializers.DictField(child=serializers.FloatField())
    dependence = serializers.ChoiceField(DEPENDENCES)
    scenario = _ScenarioEntrySerializer()
    query = _QueryEntrySerializer()
    layers = serializers.ListField(child=serializers.CharField())
    minimal_layer_sets = serializers.ChoiceField(["exact", "approximate"])
    summary = serializers.DictField(child=serializers.IntegerField())
    resilience = _ResilienceLineSerializer(allow_null=True)
    threats = ThreatCoverageSerializer(many=True)
    threats_page = _ThreatPageSerializer(
        allow_null=True,
        help_text="Which threats `threats` lists when `limit`, `offset` or "
        "`coverage_class` is given; null when it lists every one.",
    )
    layer_totals = serializers.DictField(child=_LayerTotalsSerializer())
    mitigation_ranking = _RankingSerializer(many=True)
    layer_sets = _LayerSetsSerializer()
    introduced = _IntroducedSerializer(many=True)
    unblocked_chains_into = serializers.ListField(child=serializers.CharField())
    chains = _ChainsSerializer(allow_null=True)
    diff = _DiffSerializer(allow_null=True)
    robustness = RobustnessSerializer(allow_null=True)
    demand = _DemandShareSerializer(
        allow_null=True,
        help_text="The headline weighted by demand (weight=demand); null otherwise.",
    )
    world = _WorldSerializer(
        allow_null=True,
        required=False,
        help_text="The world view: every threat seen from no jurisdiction in "
        "particular, a mobile one in its weakest place; null when a jurisdiction "
        "is asked for. Only in the documents of a taxonomy that records "
        "jurisdictions.",
    )


# --- The comparison of two revisions ---------------------------------------------------


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


# --- The recommendation ----------------------------------------------------------------


class _RecommendationScenarioSerializer(serializers.Serializer):
    params = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The query parameters that reproduce the starting scenario.",
    )
    summary = serializers.CharField()
    today = serializers.BooleanField(
        help_text="The starting point is today (`maturity=deployed`), the default "
        "when the request names no scenario parameter."
    )


class _AssumptionsSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    dependence = serializers.ChoiceField(DEPENDENCES)
    unit_costs = serializers.BooleanField()


class _ChosenSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    layer = serializers.CharField()
    maturity = serializers.ChoiceField(MATURITIES)
    cost = serializers.FloatField()
    closes = serializers.ListField(child=serializers.CharField())
    introduces = serializers.ListField(child=serializers.CharField())
    adopt = serializers.CharField(
        required=False,
        help_text="With `where`: the `adopt` entry that adopts it there, "
        "`MITIGATION@JURISDICTION`.",
    )
    jurisdiction = serializers.CharField(
        required=False, help_text="With `where`: the jurisdiction it is adopted in."
    )
    place = serializers.CharField(
        required=False,
        help_text="With `where`: that jurisdiction's name as a sentence says it "
        "('the European Union').",
    )
    words = serializers.CharField(
        required=False, help_text="With `where`: e.g. 'Adopt Compute KYC in the EU'."
    )


class _PlaceSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class _MobileSerializer(_PlaceSerializer):
    addressed_before = serializers.BooleanField(
        help_text="Addressed in every place before the adoptions."
    )
    addressed_after = serializers.BooleanField(
        help_text="Addressed in every place with them."
    )


class _IntroducedByChosenSerializer(serializers.Serializer):
    threat = serializers.CharField()
    by = serializers.ListField(child=serializers.CharField())


class _NamedMitigationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class _EquallyGoodSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="How many other sets were found that do exactly as well as "
        "`chosen`; all of them when `exact`, else at least this many (the "
        "search stops past 5, or at the time limit)."
    )
    exact = serializers.BooleanField(
        help_text="`count` is every such set (false: at least `count`)."
    )
    sets = serializers.ListField(
        child=_NamedMitigationSerializer(many=True),
        help_text="Up to 5 of them, each set's mitigations by name, the sets in "
        "the order of the rule (the first by name first).",
    )


class _FrontierStepSerializer(serializers.Serializer):
    budget = serializers.FloatField(
        help_text="The least cost of this step: it holds for every budget from "
        "here up to the next step's."
    )
    objective = serializers.IntegerField()
    addressed = serializers.IntegerField()
    chosen = serializers.ListField(
        child=serializers.CharField(),
        help_text="The set the recommendation picks for every budget of this "
        "step (the same rule as `chosen` at the top).",
    )
    cost = serializers.FloatField()
    introduced = serializers.ListField(child=serializers.CharField())
    method = serializers.CharField()


class _GreedyStepSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    adopted = serializers.ListField(child=serializers.CharField())
    step_cost = serializers.FloatField()
    cost = serializers.FloatField()
    gain = serializers.IntegerField()
    addressed = serializers.IntegerField()
    objective = serializers.IntegerField()
    introduced = serializers.ListField(child=serializers.CharField())


class RecommendationSerializer(serializers.Serializer):
    """What to adopt next: ``manage.py recommend --format json``.

    One rule picks ``chosen`` and every frontier step's set: among the sets
    within the budget, the highest ``objective``, then the fewest threats
    introduced, then the lowest cost, then the first by name (each set's
    mitigations read in alphabetical order of their names; ids break equal
    names). ``chosen`` is therefore the set of ``frontier[frontier_step]``.
    The sets ``equally_good`` tie with it on all but the names.

    With ``where=J`` the candidates are adopted in jurisdiction J (``M@J``)
    and the scenario is the one in J. With ``where=places`` the objective is
    the number of mobile threats the world view addresses (addressed in every
    place), found by exhaustive search; ``chosen`` pairs each mitigation with
    the place it is adopted in (each introduces, and ``introduced`` lists,
    what its adoption brings into effect there INTRODUCES, the rule of every
    recommendation), and ``frontier`` and ``greedy`` are empty.
    """

    taxonomy = serializers.CharField()
    revision = serializers.IntegerField()
    scenario = _RecommendationScenarioSerializer()
    budget = serializers.FloatField(allow_null=True, help_text="null: no limit.")
    candidates = serializers.ListField(child=serializers.CharField(), allow_null=True)
    where = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="Where the candidates are adopted: null everywhere, a "
        "jurisdiction id, or `places`.",
    )
    places = _PlaceSerializer(
        many=True, required=False, help_text="With `where=places`: the places."
    )
    mobile = _MobileSerializer(
        many=True,
        required=False,
        help_text="With `where=places`: the mobile threats the objective counts.",
    )
    words = serializers.CharField(
        required=False,
        help_text="With `where`: the answer in words ('Adopt X in the European "
        "Union and Y in the United States').",
    )
    count_introduced = serializers.BooleanField()
    assumptions = _AssumptionsSerializer()
    chosen = _ChosenSerializer(many=True)
    cost = serializers.FloatField()
    addressed_before = serializers.IntegerField()
    addressed_after = serializers.IntegerField()
    objective = serializers.IntegerField()
    newly_addressed = serializers.ListField(child=serializers.CharField())
    mobile_addressed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `where=J`: the mobile threats among those addressed in J "
        "with `chosen`. Their actors can act from another place, so addressing "
        "them in J alone does not stop them (see `where=places`).",
    )
    introduced = _IntroducedByChosenSerializer(many=True)
    equally_good = _EquallyGoodSerializer(
        allow_null=True,
        help_text="The other sets that do exactly as well as `chosen`: the same "
        "objective, no more threats introduced and the same cost; only the order "
        "of names put `chosen` first. null when the solver stopped at its time "
        "limit (unknown).",
    )
    method = serializers.CharField()
    gap = serializers.FloatField(allow_null=True)
    frontier = _FrontierStepSerializer(many=True)
    frontier_step = serializers.IntegerField(
        allow_null=True,
        help_text="null with `where=places`. "
        "The index in `frontier` of the step the budget falls in; its "
        "`chosen` is this `chosen` (unless the frontier is the greedy order's, "
        "with more than 64 mitigations to choose among, or a time limit stopped "
        "the solver: `method` says so).",
    )
    greedy = _GreedyStepSerializer(many=True)


# --- Documented incidents under a scenario ----------------------------------------------

_ASSUMPTION_HELP = (
    "The assumption every count of stopped incidents rests on: show it with them."
)


class _IncidentOutcomeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(INCIDENT_KINDS)
    date = serializers.CharField(
        help_text="ISO date at the precision known; may be empty."
    )
    ordered = serializers.BooleanField(
        help_text="Whether its steps are ordered (case studies)."
    )
    techniques = serializers.IntegerField(help_text="Distinct techniques it uses.")
    steps = serializers.IntegerField(help_text="Distinct step numbers (0: unordered).")
    stopped = serializers.BooleanField(
        help_text="At least one technique it uses is addressed under the scenario."
    )
    first_stopped_step = serializers.IntegerField(
        allow_null=True,
        help_text="The first step whose technique is addressed; null when unordered "
        "or not stopped.",
    )
    steps_addressed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ascending; empty when unordered."
    )
    techniques_addressed = serializers.ListField(
        child=serializers.CharField(), help_text="The addressed techniques it uses."
    )
    stopped_up_to = serializers.FloatField(
        help_text="Stopped at every threshold up to this coverage (the best of its "
        "techniques), the rest of the scenario kept; at none above."
    )


class _KindCountSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    stopped = serializers.IntegerField()


class _IncidentTotalsSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    stopped = serializers.IntegerField()
    by_kind = serializers.DictField(
        child=_KindCountSerializer(),
        help_text=f"Every kind ({', '.join(INCIDENT_KINDS)}), in that order.",
    )


class _StopperSerializer(serializers.Serializer):
    threat = serializers.CharField()
    name = serializers.CharField()
    incidents = serializers.IntegerField(
        help_text="Incidents not yet stopped that use it: addressing it alone stops them."
    )
    via = serializers.CharField(
        required=False,
        help_text="With `through`: the threat of ours a counted (exact or close) "
        "row ties it to, the one to strengthen; only such techniques are listed.",
    )
    via_name = serializers.CharField(required=False)
    confidence = serializers.FloatField(
        required=False, allow_null=True, help_text="With `through`: that row's."
    )


class _CeilingSerializer(serializers.Serializer):
    confidence = serializers.FloatField(
        allow_null=True,
        help_text="The largest confidence of the set's exact and close rows "
        "(null without one).",
    )
    score = serializers.FloatField(
        allow_null=True,
        help_text="The highest score a technique can reach: that confidence "
        "times a complete coverage.",
    )
    threshold = serializers.FloatField()
    reachable = serializers.BooleanField(
        help_text="False: no incident can count as stopped through this set at "
        "this threshold, whatever is adopted."
    )
    words = serializers.CharField(
        allow_null=True, help_text="The sentence saying so when not reachable."
    )


class _ThresholdCountSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    stopped = serializers.IntegerField()


class IncidentCoverageSerializer(serializers.Serializer):
    """Every documented incident stopped or not under a scenario (one page of
    them in ``results``), and the taxonomy's totals."""

    revision = serializers.IntegerField()
    threshold = serializers.FloatField()
    dependence = serializers.ChoiceField(DEPENDENCES)
    assumption = serializers.CharField(help_text=_ASSUMPTION_HELP)
    totals = _IncidentTotalsSerializer(
        help_text="Over every incident of the taxonomy, whatever the filters."
    )
    stoppers = _StopperSerializer(
        many=True,
        help_text="The 50 techniques that would stop the most incidents not yet "
        "stopped, most first, ties by id.",
    )
    stoppers_total = serializers.IntegerField(
        help_text="How many techniques would stop some incident not yet stopped."
    )
    stoppers_unmapped = serializers.IntegerField(
        required=False,
        help_text="With `through`: techniques that would stop some incident but "
        "that no counted row ties to a threat of ours (not listed).",
    )
    ceiling = _CeilingSerializer(
        required=False,
        help_text="With `through`: the highest score the mapping lets any "
        "technique reach.",
    )
    by_threshold = _ThresholdCountSerializer(
        many=True,
        help_text="Incidents stopped at 0.5 … 0.95 and at the scenario's threshold.",
    )
    count = serializers.IntegerField(help_text="Incidents that pass the filters.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = _IncidentOutcomeSerializer(many=True, help_text="By id.")


class _IncidentStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(allow_null=True, help_text="null: unordered.")
    threat = serializers.CharField()
    name = serializers.CharField()
    tactic = serializers.CharField(help_text="As the USES link names it; may be empty.")
    tactic_name = serializers.CharField(help_text="The tactic's name when known.")
    description = serializers.CharField()
    addressed = serializers.BooleanField()
    stops = serializers.BooleanField(help_text="The step that stops the incident.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(
            CLASSES, help_text="The technique's coverage class under the scenario."
        )
        return fields


class _ByClassSerializer(serializers.Serializer):
    threats = serializers.IntegerField()
    by_class = serializers.DictField(
        child=serializers.IntegerField(), help_text="Every class, in CLASSES order."
    )


class _TacticRowSerializer(_ByClassSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    order = serializers.IntegerField()


class TacticCoverageSerializer(serializers.Serializer):
    """Per tactic, in matrix order, the threats in it per class."""

    tactics = _TacticRowSerializer(many=True)
    no_tactic = _ByClassSerializer(help_text="The threats in no tactic.")
    total = _ByClassSerializer(
        help_text="Every threat once, though a technique may be in several tactics."
    )


class IncidentVerdictSerializer(serializers.Serializer):
    """One incident's steps in order under a scenario, and whether it is stopped."""

    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(INCIDENT_KINDS)
    date = serializers.CharField()
    summary = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    ordered = serializers.BooleanField()
    threshold = serializers.FloatField()
    assumption = serializers.CharField(help_text=_ASSUMPTION_HELP)
    stopped = serializers.BooleanField()
    first_stopped_step = serializers.IntegerField(allow_null=True)
    steps = _IncidentStepSerializer(
        many=True, help_text="By step, then technique id; unordered: by technique id."
    )


# --- Governance architectures side by side (issue 25) ----------------------------------


class _ArchitectureScenarioSerializer(serializers.Serializer):
    summary = serializers.CharField(help_text="What the architecture counts, in words.")
    query = serializers.CharField(
        help_text="Its scenario parameters, as `coverage/?` takes them."
    )
    jurisdiction = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    maturities = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="null: every one."
    )


class _ArchitectureMobileSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Threats whose actors choose where to act."
    )
    addressed = serializers.IntegerField(
        help_text="Of those, how many are addressed where they are weakest."
    )
    weakest = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Place id → how many mobile threats are weakest there (a tie "
        "counts in each tied place); empty when the architecture names a "
        "jurisdiction or no place is recorded.",
    )


class _ArchitectureOutcomeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The architecture's id; `today` for today.")
    name = serializers.CharField()
    description = serializers.CharField()
    scenario = _ArchitectureScenarioSerializer()
    summary = serializers.DictField(
        child=serializers.IntegerField(), help_text="Threats per coverage class."
    )
    threats = serializers.IntegerField()
    addressed = serializers.IntegerField(
        help_text="Threats addressed, a mobile threat judged where it is "
        "weakest (as `summary` and `not_by_one_layer` judge it)."
    )
    not_addressed = serializers.ListField(child=serializers.CharField())
    not_by_one_layer = serializers.ListField(
        child=serializers.CharField(),
        help_text="Threats no single layer addresses: unmitigated, insufficient "
        "or defense-in-depth.",
    )
    mobile = _ArchitectureMobileSerializer()
    introduced = _IntroducedSerializer(many=True)
    adopted = serializers.ListField(
        child=serializers.CharField(),
        help_text="The mitigations its adoption brings into effect (adopted, or "
        "required by one adopted), each paid once.",
    )
    cost = serializers.FloatField(
        help_text="What `adopted` costs: each at its mitigation's cost, 1 unit "
        "unless its editors set another."
    )
    adopts = serializers.ListField(
        child=serializers.CharField(),
        help_text="The mitigations it names (`M@J` as `M`, once).",
    )
    already_in_effect = serializers.ListField(
        child=serializers.CharField(),
        help_text="Those of `adopts` in effect without it (nothing to pay).",
    )
    costs_recorded = serializers.BooleanField(
        help_text="Whether any of `adopted` costs other than 1 unit."
    )
    measures = serializers.CharField(
        help_text="`adopts`, `already_in_effect` and `cost` in words."
    )
    line = serializers.CharField(help_text="The architecture in a paragraph.")


class _ArchitectureCellSerializer(serializers.Serializer):
    coverage = serializers.FloatField()
    weakest = serializers.CharField(
        allow_null=True,
        help_text="A mobile threat's weakest place; null for the others, and "
        "when the architecture names a jurisdiction.",
    )
    weakest_tied = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every place where it is as weak as in `weakest` (the same "
        "coverage and class); empty when `weakest` is null.",
    )
    weakest_class = serializers.ChoiceField(
        CLASSES, allow_null=True, help_text="Its class in `weakest`."
    )
    weakest_coverage = serializers.FloatField(
        allow_null=True,
        help_text="Its coverage in `weakest` (`coverage` takes the world as one "
        "place: every measure in effect anywhere counted everywhere).",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        return {"class": serializers.ChoiceField(CLASSES), **fields}


class _ArchitectureThreatSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    mobile = serializers.BooleanField()
    differs = serializers.BooleanField()
    by_architecture = _ArchitectureCellSerializer(
        many=True, help_text="In the order of `architectures`."
    )


class _ComparisonAssumptionsSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    effectiveness = serializers.DictField(child=serializers.FloatField())
    dependence = serializers.CharField()
    line = serializers.CharField()


class ArchitectureComparisonSerializer(serializers.Serializer):
    """2 to 4 governance architectures side by side (docs/coverage.md)."""

    schema = serializers.CharField()
    taxonomy = serializers.CharField()
    revision = serializers.IntegerField()
    assumptions = _ComparisonAssumptionsSerializer()
    architectures = _ArchitectureOutcomeSerializer(many=True)
    threats = _ArchitectureThreatSerializer(many=True)
    differ = serializers.ListField(
        child=serializers.CharField(),
        help_text="The threats whose class, or class where weakest, is not the "
        "same in every architecture.",
    )
    line = serializers.CharField()
