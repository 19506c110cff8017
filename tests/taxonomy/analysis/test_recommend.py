"""The recommendation, the frontier and the greedy order against brute force."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.recommend import (
    TODAY,
    frontier,
    greedy_order,
    recommend,
)
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.records import (
    STRENGTHS,
    Layer,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import DEPENDENCES, Scenario
from tests.taxonomy.analysis.recommend_oracle import (
    as_good,
    best_within,
    by_names,
    default_candidates,
    every_choice,
    name_order,
)
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
COSTS = st.sampled_from([0.5, 1.0, 1.0, 1.5, 2.0, 3.0])


@st.composite
def problems(draw):
    """A small taxonomy, a starting scenario, candidates, costs and a budget;
    the mitigations' names are shuffled, so that their alphabetical order is
    not their ids'."""
    taxonomy, scenario = draw(cases(max_layers=4))
    names = draw(st.permutations([m.name for m in taxonomy.mitigations]))
    taxonomy = replace(
        taxonomy,
        mitigations=tuple(
            replace(m, name=name)
            for m, name in zip(taxonomy.mitigations, names, strict=True)
        ),
    )
    ids = [m.id for m in taxonomy.mitigations]
    scenario = replace(
        scenario,
        dependence=draw(st.sampled_from(DEPENDENCES)),
        adopt=draw(st.sets(st.sampled_from(ids), max_size=2)),
    )
    possible = default_candidates(taxonomy, scenario)
    if draw(st.booleans()) or not possible:
        candidates = None
    else:
        candidates = draw(st.sets(st.sampled_from(possible), min_size=1))
    costs = draw(st.dictionaries(st.sampled_from(ids), COSTS))
    budget = draw(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, math.inf]))
    return taxonomy, scenario, candidates, costs, budget, draw(st.booleans())


@st.composite
def contested(draw):
    """A small taxonomy where every mitigation is a proposal, so from today
    each one is a candidate, and where some mitigations have a twin (same
    layer, links and cost): sets that only names tell apart are common."""
    n_threats = draw(st.integers(1, 4))
    threats = tuple(Threat(f"t{i}", f"T{i}") for i in range(n_threats))
    layers = tuple(Layer(f"l{i}", f"L{i}") for i in range(draw(st.integers(1, 3))))
    originals = draw(st.integers(1, 4))
    twins = draw(st.integers(0, originals))
    mitigations, links, costs = [], [], {}
    for i in range(originals):
        layer = draw(st.sampled_from(layers)).id
        mine = draw(
            st.lists(
                st.tuples(st.sampled_from(threats), st.sampled_from(STRENGTHS)),
                min_size=1,
                max_size=3,
                unique_by=lambda p: p[0].id,
            )
        )
        cost = draw(st.sampled_from([1.0, 1.0, 2.0]))
        for copy in [f"m{i}", f"m{i}x"][: 1 + (i < twins)]:
            mitigations.append(Mitigation(copy, copy, layer, "proposed"))
            links += [Mitigates(copy, t.id, strength) for t, strength in mine]
            costs[copy] = cost
    names = draw(st.permutations([f"Measure {i}" for i in range(len(mitigations))]))
    mitigations = [
        replace(m, name=name) for m, name in zip(mitigations, names, strict=True)
    ]
    taxonomy = Taxonomy(
        layers=layers,
        threats=threats,
        mitigations=tuple(mitigations),
        mitigates=tuple(links),
    )
    scenario = replace(
        TODAY,
        threshold=draw(st.sampled_from([0.3, 0.5, 0.8])),
        dependence=draw(st.sampled_from(DEPENDENCES)),
    )
    budget = draw(st.sampled_from([1.0, 2.0, 3.0, math.inf]))
    return taxonomy, scenario, None, costs, budget, False


def _brute(taxonomy, scenario, candidates, costs, count_introduced):
    chosen = sorted(candidates or default_candidates(taxonomy, scenario))
    return every_choice(taxonomy, scenario, chosen, costs, count_introduced)


@EXAMPLES
@given(problem=problems() | contested())
def test_the_milp_equals_brute_force_over_every_subset(problem):
    taxonomy, scenario, candidates, costs, budget, count = problem
    order = name_order(taxonomy)
    choices = _brute(taxonomy, scenario, candidates, costs, count)
    expected, (objective, _, cost, hit) = best_within(choices, budget, order)
    found = recommend(
        taxonomy,
        scenario,
        budget=budget,
        candidates=candidates,
        costs=costs,
        count_introduced=count,
    )
    assert found.method == "milp-optimal"
    assert (found.objective, found.addressed_after) == (objective, hit)
    assert set(found.chosen) == expected
    assert math.isclose(found.cost, cost)


@EXAMPLES
@given(problem=problems())
def test_the_objective_is_what_the_plain_analysis_reports(problem):
    taxonomy, scenario, candidates, costs, budget, _ = problem
    found = recommend(
        taxonomy, scenario, budget=budget, candidates=candidates, costs=costs
    )
    after = analyse(taxonomy, found.adopted_scenario)
    before = analyse(taxonomy, scenario)
    assert found.addressed_after == found.objective == len(after.addressed_threats)
    assert found.addressed_before == len(before.addressed_threats)
    assert set(found.newly_addressed) == after.addressed_threats - (
        before.addressed_threats
    )
    assert found.cost <= budget + 1e-9


@EXAMPLES
@given(problem=problems() | contested())
def test_each_frontier_step_is_the_rules_answer_for_every_budget_it_holds(problem):
    taxonomy, scenario, candidates, costs, _, count = problem
    order = name_order(taxonomy)
    choices = _brute(taxonomy, scenario, candidates, costs, count)
    steps = frontier(
        taxonomy,
        scenario,
        candidates=candidates,
        costs=costs,
        count_introduced=count,
    )
    assert steps[0].budget == 0
    budgets = [s.budget for s in steps]
    assert budgets == sorted(set(budgets))
    # Each step addresses more than the one before, or as many introducing fewer.
    ranks = [(-s.objective, len(s.introduced)) for s in steps]
    assert ranks == sorted(set(ranks), reverse=True)
    ends = [*budgets[1:], math.inf]
    for step, end in zip(steps, ends, strict=True):
        expected, (objective, introduced, cost, hit) = best_within(
            choices, step.budget, order
        )
        assert set(step.chosen) == expected
        assert (step.objective, len(step.introduced), step.addressed) == (
            objective,
            introduced,
            hit,
        )
        assert step.cost == pytest.approx(cost) and step.cost <= step.budget + 1e-9
        # Just below the next step the rule still picks this step's set.
        below = end - 1e-6 if math.isfinite(end) else step.budget + 100
        assert best_within(choices, below, order)[0] == expected
    best = max(v[0] for v in choices.values())
    assert steps[-1].objective == best


@EXAMPLES
@given(problem=problems() | contested())
def test_the_recommendation_is_the_frontier_step_for_its_budget(problem):
    taxonomy, scenario, candidates, costs, budget, count = problem
    query = {"candidates": candidates, "costs": costs, "count_introduced": count}
    steps = frontier(taxonomy, scenario, **query)
    found = recommend(taxonomy, scenario, budget=budget, **query)
    step = [s for s in steps if s.budget <= budget + 1e-9][-1]
    assert (found.chosen, found.objective, found.cost) == (
        step.chosen,
        step.objective,
        pytest.approx(step.cost),
    )


@EXAMPLES
@given(problem=problems() | contested(), limit=st.integers(1, 3))
def test_the_equally_good_sets_are_every_set_tied_on_all_but_names(problem, limit):
    taxonomy, scenario, candidates, costs, budget, count = problem
    order = name_order(taxonomy)
    choices = _brute(taxonomy, scenario, candidates, costs, count)
    chosen, _ = best_within(choices, budget, order)
    tied = sorted(as_good(choices, chosen), key=lambda c: by_names(c, order))
    event(f"tied sets: {len(tied) if len(tied) <= limit else 'past the limit'}")
    found = recommend(
        taxonomy,
        scenario,
        budget=budget,
        candidates=candidates,
        costs=costs,
        count_introduced=count,
        equally_good_limit=limit,
    ).equally_good
    listed = [frozenset(s) for s in found.sets]
    if len(tied) <= limit:
        assert (found.count, found.exact, listed) == (len(tied), True, tied)
    else:
        # Past the limit: "at least" one more than it lists, every one tied.
        assert (found.count, found.exact) == (limit + 1, False)
        assert len(listed) == limit and set(listed) <= set(tied)
    # The chosen set comes first by name among all of them.
    assert all(by_names(chosen, order) < by_names(c, order) for c in tied)


@EXAMPLES
@given(problem=problems())
def test_the_greedy_order_adopts_every_candidate_once_with_true_figures(problem):
    taxonomy, scenario, candidates, costs, _, count = problem
    steps = greedy_order(
        taxonomy, scenario, candidates=candidates, costs=costs, count_introduced=count
    )
    wanted = set(candidates or default_candidates(taxonomy, scenario))
    adopted: set[str] = set()
    previous = recommend(
        taxonomy,
        scenario,
        budget=0,
        candidates=candidates,
        costs=costs,
        count_introduced=count,
    ).objective
    total = 0.0
    for step in steps:
        assert step.mitigation in wanted and step.mitigation not in adopted
        assert not adopted & set(step.adopted)
        adopted |= set(step.adopted)
        total += step.step_cost
        assert math.isclose(step.cost, total)
        assert step.objective == previous + step.gain
        previous = step.objective
        analysis = analyse(taxonomy, replace(scenario, adopt=scenario.adopt | adopted))
        assert step.addressed == len(analysis.addressed_threats)
    assert wanted <= adopted


def test_the_greedy_order_takes_the_largest_gain_per_cost_first(seed_taxonomy):
    steps = greedy_order(seed_taxonomy, costs={"deployer-liability": 10.0})
    assert steps[0].gain > 0
    ratios = [s.gain / s.step_cost for s in steps]
    assert ratios[0] == max(ratios)


def test_adopting_a_mitigation_adopts_and_pays_for_what_it_requires(seed_taxonomy):
    found = recommend(
        seed_taxonomy,
        budget=10,
        candidates=["unattested-compute-caps"],
        costs={"chip-attestation": 2.5},
    )
    assert found.chosen == ("chip-attestation", "unattested-compute-caps")
    assert found.cost == 3.5
    assert dict(found.introduced) == {
        "control-repression": ("chip-attestation", "unattested-compute-caps")
    }


def test_introduced_threats_count_against_the_objective_when_asked(seed_taxonomy):
    plain = recommend(seed_taxonomy, budget=1, candidates=["chip-attestation"])
    counted = recommend(
        seed_taxonomy,
        budget=1,
        candidates=["chip-attestation"],
        count_introduced=True,
    )
    assert plain.chosen == ("chip-attestation",)
    assert counted.objective == counted.addressed_after - 1
    assert counted.chosen == ("chip-attestation",) or counted.chosen == ()


def test_what_each_member_closes_is_lost_without_it(seed_taxonomy):
    found = recommend(seed_taxonomy, budget=3)
    closes = dict(found.closes)
    assert set(closes) == set(found.chosen)
    for member, threats in closes.items():
        rest = set(found.chosen) - {member}
        without = analyse(seed_taxonomy, replace(TODAY, adopt=rest))
        assert not set(threats) & without.addressed_threats


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"budget": -1}, "budget", "-1"),
        ({"budget": float("nan")}, "budget", "nan"),
        ({"budget": "3"}, "budget", "'3'"),
        ({"budget": True}, "budget", "True"),
        ({"budget": 1, "candidates": ["nope"]}, "candidates", "nope"),
        ({"budget": 1, "candidates": ["tee"]}, "candidates", "tee"),
        ({"budget": 1, "costs": {"watermarking": -2}}, "costs", "watermarking"),
        ({"budget": 1, "costs": {"watermarking": "x"}}, "costs", "'x'"),
        ({"budget": 1, "costs": {"nope": 1}}, "costs", "nope"),
        ({"budget": 1, "time_limit": 0}, "time_limit", "0"),
    ],
)
def test_bad_input_is_refused_with_the_value_named(seed_taxonomy, kwargs, field, words):
    with pytest.raises(RecommendationError) as caught:
        recommend(seed_taxonomy, **kwargs)
    assert caught.value.field == field and words in str(caught.value)


def test_a_candidate_the_scenario_switches_off_cannot_be_adopted(seed_taxonomy):
    scenario = replace(TODAY, disabled_layers=frozenset({"liability"}))
    with pytest.raises(RecommendationError, match="deployer-liability"):
        recommend(seed_taxonomy, scenario, budget=1, candidates=["deployer-liability"])


def test_the_frontier_refuses_bad_costs_before_computing(seed_taxonomy):
    with pytest.raises(RecommendationError, match="cost of tee"):
        frontier(seed_taxonomy, costs={"tee": 0})


def test_the_seed_frontier_from_today_with_unit_costs(seed_taxonomy):
    steps = frontier(seed_taxonomy, Scenario(maturities=["deployed"]))
    assert steps[0].objective == 2 and steps[0].chosen == ()
    assert all(s.method == "milp-optimal" for s in steps)
    assert steps[-1].objective == len(
        analyse(seed_taxonomy, Scenario()).addressed_threats
    )


def test_within_layer_two_links_of_one_layer_on_a_threat_still_count_the_threats():
    # Found by the brute-force check: with two candidate links of one layer on
    # t0, the objective was put on the within-layer choice columns instead of
    # the threats', so m0 (one threat) was called optimal over m1 (two).
    taxonomy = Taxonomy(
        layers=(Layer("l0", "L0"),),
        threats=(Threat("t0", "T0"), Threat("t1", "T1")),
        mitigations=(
            Mitigation("m0", "M0", "l0", "proposed"),
            Mitigation("m1", "M1", "l0", "proposed"),
        ),
        mitigates=(
            Mitigates("m0", "t0", "low"),
            Mitigates("m1", "t0", "low"),
            Mitigates("m1", "t1", "low"),
        ),
    )
    scenario = Scenario(maturities=["pilot"], threshold=0.3, dependence="within-layer")
    found = recommend(taxonomy, scenario, budget=1.0)
    assert (found.chosen, found.objective, found.method) == (("m1",), 2, "milp-optimal")


def test_the_seed_at_budget_3_shows_the_frontier_set_and_the_sets_as_good(
    seed_taxonomy,
):
    # Issue 22: the page recommended one set and its frontier row another,
    # both addressing 7 threats for 3, without saying that several sets do.
    found = recommend(seed_taxonomy, TODAY, budget=3)
    step = [s for s in frontier(seed_taxonomy, TODAY) if s.budget <= 3][-1]
    assert found.chosen == step.chosen
    assert found.equally_good.exact and found.equally_good.count >= 1
    rivals = [set(s) for s in found.equally_good.sets]
    assert {"chip-attestation", "deployer-liability", "provenance-registry"} in rivals
    for rival in found.equally_good.sets:
        again = recommend(seed_taxonomy, TODAY, budget=3, candidates=rival)
        assert (again.objective, again.cost) == (found.objective, found.cost)
