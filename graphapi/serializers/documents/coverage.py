"""The coverage document and its robustness section, documented for the schema:
the analysis renders them (``taxonomy.analysis.report``)."""

from __future__ import annotations

from rest_framework import serializers

from graphapi.serializers.documents.interchange import ClassChangeSerializer
from graphapi.serializers.records import ThreatCoverageSerializer
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.records import MATURITIES, STRENGTHS
from taxonomy.domain.scenario import DEPENDENCES


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
