"""What to adopt next (``manage.py recommend --format json``), documented for
the schema."""

from __future__ import annotations

from rest_framework import serializers

from taxonomy.domain.records import MATURITIES
from taxonomy.domain.scenario import DEPENDENCES


def _with_where(text: str) -> serializers.CharField:
    """A text present only when the request names ``where``; ``text`` says what
    it holds.

    >>> _with_where("the jurisdiction.").help_text
    'With `where`: the jurisdiction.'
    """
    return serializers.CharField(required=False, help_text=f"With `where`: {text}")


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
    adopt = _with_where(
        "the `adopt` entry that adopts it there, `MITIGATION@JURISDICTION`."
    )
    jurisdiction = _with_where("the jurisdiction it is adopted in.")
    place = _with_where(
        "that jurisdiction's name as a sentence says it ('the European Union')."
    )
    words = _with_where("e.g. 'Adopt Compute KYC in the EU'.")


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
    words = _with_where(
        "the answer in words ('Adopt X in the European Union and Y in the United "
        "States')."
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
