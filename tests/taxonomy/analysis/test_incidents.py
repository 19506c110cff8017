"""Incidents replayed against scenarios, demand and coverage per tactic, against
a plain reference on random taxonomies (hypothesis)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import demand, fast, incidents, incidents_report
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import ADDRESSED_CLASSES, CLASSES, taxonomy_graph
from taxonomy.analysis.recommend import frontier, greedy_order, recommend
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.scenarios import enabled_mitigations
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.records import (
    INCIDENT_KINDS,
    ORDERED_INCIDENT_KINDS,
    Incident,
    Link,
    Tactic,
    Taxonomy,
    Uses,
)
from taxonomy.domain.scenario import DEMAND, DEPENDENCES, Scenario
from tests.taxonomy.analysis.recommend_oracle import (
    best_within,
    default_candidates,
    every_choice,
    required,
)
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SMALL = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- Random taxonomies with incidents ----------------------------------------------


@st.composite
def with_incidents(draw, taxonomy: Taxonomy) -> Taxonomy:
    """The taxonomy with random tactics, IN_TACTIC links, incidents and USES."""
    threats = [t.id for t in taxonomy.threats]
    tactics = tuple(
        Tactic(f"ta{k}", f"Tactic {k}", order=draw(st.integers(0, 3)))
        for k in range(draw(st.integers(0, 3)))
    )
    in_tactic = ()
    if tactics:
        pair = st.tuples(st.sampled_from(threats), st.sampled_from(tactics))
        in_tactic = tuple(
            Link(t, tactic.id) for t, tactic in draw(st.lists(pair, max_size=8))
        )
    records, uses = [], []
    for k in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(INCIDENT_KINDS))
        records.append(Incident(f"i{k}", f"Incident {k}", kind=kind))
        if kind in ORDERED_INCIDENT_KINDS:
            # (step, technique) pairs; a step may repeat, a technique recur.
            steps = draw(
                st.lists(
                    st.tuples(st.integers(1, 7), st.sampled_from(threats)), max_size=7
                )
            )
            by_technique: dict[str, set[int]] = {}
            for step, technique in steps:
                by_technique.setdefault(technique, set()).add(step)
            uses += [
                Uses(
                    f"i{k}", t, tuple(sorted(s)), tuple(f"ta{n % 3}" for n in sorted(s))
                )
                for t, s in sorted(by_technique.items())
            ]
        else:
            used = draw(st.lists(st.sampled_from(threats), unique=True, max_size=4))
            uses += [Uses(f"i{k}", t) for t in used]
    return replace(
        taxonomy,
        tactics=tactics,
        in_tactic=in_tactic,
        incidents=tuple(records),
        uses=tuple(uses),
    )


@st.composite
def incident_cases(draw, max_layers: int = 5) -> tuple[Taxonomy, Scenario]:
    taxonomy, scenario = draw(cases(max_layers))
    scenario = replace(scenario, dependence=draw(st.sampled_from(DEPENDENCES)))
    return draw(with_incidents(taxonomy)), scenario


# --- The plain reference -------------------------------------------------------------


def reference(taxonomy: Taxonomy, addressed: set[str]) -> dict:
    """Incident by incident, link by link: what the vectorised path must find."""
    rows, stoppers = {}, Counter()
    for incident in sorted(taxonomy.incidents, key=lambda i: i.id):
        links = [u for u in taxonomy.uses if u.incident == incident.id]
        used = sorted({u.threat for u in links})
        hit = [t for t in used if t in addressed]
        ordered = incident.kind in ORDERED_INCIDENT_KINDS
        steps = sorted({s for u in links if u.threat in addressed for s in u.steps})
        rows[incident.id] = {
            "kind": incident.kind,
            "ordered": ordered,
            "techniques": len(used),
            "steps": len({s for u in links for s in u.steps}),
            "stopped": bool(hit),
            "first_stopped_step": min(steps) if ordered and steps else None,
            "steps_addressed": tuple(steps) if ordered else (),
            "techniques_addressed": tuple(hit),
        }
        if not hit:
            stoppers.update(used)
    by_kind = {
        kind: (
            sum(r["kind"] == kind for r in rows.values()),
            sum(r["kind"] == kind and r["stopped"] for r in rows.values()),
        )
        for kind in INCIDENT_KINDS
    }
    return {
        "rows": rows,
        "by_kind": by_kind,
        "stopped": sum(r["stopped"] for r in rows.values()),
        "stoppers": tuple(sorted(stoppers.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _fields(outcome: incidents.IncidentOutcome) -> dict:
    return {
        "kind": outcome.kind,
        "ordered": outcome.ordered,
        "techniques": outcome.techniques,
        "steps": outcome.steps,
        "stopped": outcome.stopped,
        "first_stopped_step": outcome.first_stopped_step,
        "steps_addressed": outcome.steps_addressed,
        "techniques_addressed": outcome.techniques_addressed,
    }


def reference_demand(taxonomy: Taxonomy) -> dict[str, dict]:
    pairs = {(u.incident, u.threat) for u in taxonomy.uses}
    kinds = {i.id: i.kind for i in taxonomy.incidents}
    out = {}
    for threat in sorted({t for _, t in pairs}):
        users = [kinds[i] for i, t in pairs if t == threat]
        out[threat] = {
            "total": len(users),
            "by_kind": {kind: users.count(kind) for kind in INCIDENT_KINDS},
        }
    return out


# --- The vectorised path equals the reference ----------------------------------------


@EXAMPLES
@given(case=incident_cases())
def test_every_field_of_every_incident_equals_the_plain_reference(case):
    taxonomy, scenario = case
    addressed = set(analyse(taxonomy, scenario).addressed_threats)
    expected = reference(taxonomy, addressed)
    found = incidents.analyse_incidents(taxonomy, addressed)
    assert {o.id: _fields(o) for o in found.incidents} == expected["rows"]
    assert dict(found.by_kind) == expected["by_kind"]
    assert found.stopped == expected["stopped"]
    assert found.stoppers == expected["stoppers"]


@EXAMPLES
@given(case=incident_cases())
def test_the_fast_analysis_mask_gives_what_the_plain_ids_give(case):
    taxonomy, scenario = case
    model = incidents.incident_model(taxonomy)
    run = run_scenario(coverage_model(taxonomy), scenario)
    mask = incidents.threat_mask(model, run.addressed_threats)
    plain = incidents.incident_outcomes(
        model, analyse(taxonomy, scenario).addressed_threats
    )
    assert incidents.incident_outcomes(model, mask) == plain


@EXAMPLES
@given(case=incident_cases())
def test_demand_counts_each_incident_once_per_technique_by_kind(case):
    taxonomy, _ = case
    model = incidents.incident_model(taxonomy)
    expected = reference_demand(taxonomy)
    assert demand.threat_demand(model) == expected
    weights = demand.demand_weights(model)
    assert weights == {
        t.id: 1 + expected.get(t.id, {"total": 0})["total"] for t in taxonomy.threats
    }


@EXAMPLES
@given(case=incident_cases())
def test_the_demand_share_is_the_share_of_uses_that_hit_addressed_threats(case):
    taxonomy, scenario = case
    analysis = analyse(taxonomy, scenario)
    pairs = {(u.incident, u.threat) for u in taxonomy.uses}
    by_class = Counter(analysis.classes[t] for _, t in pairs)
    hit = sum(analysis.classes[t] in ADDRESSED_CLASSES for _, t in pairs)
    share = demand.demand_share(incidents.incident_model(taxonomy), analysis.classes)
    assert share["by_class"] == {c: by_class.get(c, 0) for c in CLASSES}
    assert (share["uses"], share["addressed_uses"]) == (len(pairs), hit)
    assert share["share"] == (round(hit / len(pairs), 6) if pairs else None)


@EXAMPLES
@given(case=incident_cases())
def test_coverage_per_tactic_counts_the_threats_in_each_tactic_by_class(case):
    taxonomy, scenario = case
    classes = analyse(taxonomy, scenario).classes
    rows, loose = incidents.tactic_coverage(taxonomy, classes)
    ordered = sorted(taxonomy.tactics, key=lambda t: (t.order, t.id))
    assert [r.id for r in rows] == [t.id for t in ordered]
    for row in rows:
        members = {link.source for link in taxonomy.in_tactic if link.target == row.id}
        counts = Counter(classes[t] for t in members)
        assert row.by_class == {c: counts.get(c, 0) for c in CLASSES}
        assert row.threats == len(members)
    placed = {link.source for link in taxonomy.in_tactic}
    counts = Counter(c for t, c in classes.items() if t not in placed)
    assert loose.id is None and loose.by_class == {c: counts.get(c, 0) for c in CLASSES}


@EXAMPLES
@given(
    case=incident_cases(),
    extra=st.lists(st.sampled_from([0.3, 0.5, 0.72, 0.84, 0.9, 1.0])),
)
def test_the_count_across_thresholds_equals_rerunning_the_analysis(case, extra):
    taxonomy, scenario = case
    model = incidents.incident_model(taxonomy)
    stopping = incidents.stopping_coverage(model, analyse(taxonomy, scenario).coverages)
    thresholds = (*incidents.THRESHOLDS, scenario.threshold, *extra)
    counts = incidents.stopped_by_threshold(stopping, thresholds)
    assert [tau for tau, _ in counts] == sorted(set(thresholds))
    for tau, count in counts:
        again = analyse(taxonomy, replace(scenario, threshold=tau))
        assert count == reference(taxonomy, set(again.addressed_threats))["stopped"]


@EXAMPLES
@given(case=incident_cases())
def test_addressing_the_top_stopper_stops_exactly_the_incidents_it_counts(case):
    taxonomy, scenario = case
    addressed = set(analyse(taxonomy, scenario).addressed_threats)
    found = incidents.analyse_incidents(taxonomy, addressed)
    for threat, n in found.stoppers[:3]:
        assert threat not in addressed
        more = incidents.analyse_incidents(taxonomy, addressed | {threat})
        assert more.stopped == found.stopped + n
    if not found.stoppers:
        # None listed: addressing any one threat more stops no more incidents.
        for threat in {t.id for t in taxonomy.threats} - addressed:
            more = incidents.analyse_incidents(taxonomy, addressed | {threat})
            assert more.stopped == found.stopped, threat


# --- Closed forms --------------------------------------------------------------------


def _case_study(*links: tuple[str, tuple[int, ...]]) -> Taxonomy:
    from taxonomy.domain.records import Threat

    threats = sorted({t for t, _ in links} | {"z"})
    return Taxonomy(
        threats=tuple(Threat(t, t.upper()) for t in threats),
        incidents=(Incident("i", "I"), Incident("g", "G", kind="group")),
        uses=tuple(Uses("i", t, steps) for t, steps in links) + (Uses("g", "z"),),
    )


def test_an_incident_whose_every_technique_is_addressed_is_stopped_at_step_1():
    taxonomy = _case_study(("a", (1, 3)), ("b", (2,)))
    (group, study) = incidents.analyse_incidents(taxonomy, {"a", "b"}).incidents
    assert (study.stopped, study.first_stopped_step, study.steps_addressed) == (
        True,
        1,
        (1, 2, 3),
    )
    assert (group.stopped, group.first_stopped_step) == (False, None)


def test_a_later_addressed_step_is_where_the_incident_is_stopped():
    taxonomy = _case_study(("a", (1,)), ("b", (2, 4)), ("c", (3,)))
    study = incidents.analyse_incidents(taxonomy, {"c"}).incidents[1]
    assert (study.first_stopped_step, study.steps_addressed, study.steps) == (
        3,
        (3,),
        4,
    )


def test_an_unordered_incident_is_stopped_with_no_step():
    taxonomy = _case_study(("a", (1,)))
    group = incidents.analyse_incidents(taxonomy, {"z"}).incidents[0]
    assert (group.stopped, group.first_stopped_step, group.steps_addressed) == (
        True,
        None,
        (),
    )
    assert group.techniques_addressed == ("z",)


def test_with_nothing_addressed_nothing_is_stopped_and_every_technique_would_stop_some():
    taxonomy = _case_study(("a", (1,)), ("b", (2,)))
    found = incidents.analyse_incidents(taxonomy, set())
    assert found.stopped == 0
    assert found.stoppers == (("a", 1), ("b", 1), ("z", 1))
    assert found.by_kind == {
        "case-study": (1, 0),
        "campaign": (0, 0),
        "group": (1, 0),
        "software": (0, 0),
    }


def test_an_incident_that_uses_nothing_is_never_stopped():
    from taxonomy.domain.records import Threat

    taxonomy = Taxonomy(threats=(Threat("a", "A"),), incidents=(Incident("i", "I"),))
    (outcome,) = incidents.analyse_incidents(taxonomy, {"a"}).incidents
    assert (outcome.stopped, outcome.techniques, outcome.steps) == (False, 0, 0)


def test_a_uses_link_to_a_missing_threat_is_refused():
    taxonomy = Taxonomy(incidents=(Incident("i", "I"),), uses=(Uses("i", "ghost"),))
    with pytest.raises(ValueError, match="threat ghost"):
        incidents.incident_model(taxonomy)


def test_the_matrix_key_puts_high_demand_gaps_first():
    classes = {
        "a": "single-layer",
        "b": "insufficient",
        "c": "unmitigated",
        "d": "defense-in-depth",
    }
    key = demand.gaps_by_demand(classes, {"a": 9, "b": 1, "c": 5})
    assert sorted(classes, key=key) == ["c", "b", "a", "d"]


# --- The documents -------------------------------------------------------------------


def test_the_seed_with_one_incident_shows_its_steps_and_the_step_that_stops_it(
    seed_taxonomy,
):
    taxonomy = replace(
        seed_taxonomy,
        tactics=(Tactic("ta1", "Staging", shortname="staging", order=1),),
        in_tactic=(Link("model-extraction", "ta1"),),
        incidents=(Incident("case", "Case", date="2024"),),
        uses=(
            Uses("case", "guardrail-removal", (1,), ("staging",), ("strip",)),
            Uses("case", "model-extraction", (2,), ("ta1",), ("steal",)),
        ),
    )
    analysis = fast.analyse(taxonomy, Scenario(maturities={"deployed"}))
    assert analysis.classes["model-extraction"] == "single-layer"
    assert analysis.classes["guardrail-removal"] == "insufficient"
    detail = incidents_report.incident_detail_document(taxonomy, analysis, "case")
    assert [
        (s["step"], s["threat"], s["tactic_name"], s["stops"]) for s in detail["steps"]
    ] == [
        (1, "guardrail-removal", "Staging", False),
        (2, "model-extraction", "Staging", True),
    ]
    assert (detail["stopped"], detail["first_stopped_step"]) == (True, 2)
    report = incidents_report.incident_document(taxonomy, analysis)
    assert report["totals"]["stopped"] == 1
    # tee (high), confidential-computing (medium), export-controls and
    # vendor-contracts (low), all deployed: 1 - 0.1 * 0.4 * 0.7 * 0.7.
    assert report["incidents"][0]["stopped_up_to"] == pytest.approx(0.9804)
    assert report["assumption"] == incidents.ASSUMPTION
    assert {r["threshold"]: r["stopped"] for r in report["by_threshold"]}[0.95] == 1
    tactics = incidents_report.tactic_document(taxonomy, analysis)
    assert tactics["tactics"][0]["by_class"]["single-layer"] == 1
    assert tactics["no_tactic"]["threats"] == 11
    assert incidents_report.incidents_using(taxonomy, "model-extraction")[0][
        "steps"
    ] == [2]


def test_an_unknown_incident_has_no_detail(seed_taxonomy):
    with pytest.raises(KeyError):
        incidents_report.incident_detail_document(
            seed_taxonomy, fast.analyse(seed_taxonomy), "nope"
        )


@SMALL
@given(case=incident_cases())
def test_the_coverage_document_gives_the_demand_headline_only_when_weighted(case):
    taxonomy, scenario = case
    plain = coverage_document(taxonomy, scenario=scenario)
    weighted = coverage_document(taxonomy, scenario=replace(scenario, weight=DEMAND))
    assert plain["demand"] is None
    model = incidents.incident_model(taxonomy)
    assert weighted["demand"] == demand.demand_share(
        model, analyse(taxonomy, scenario).classes
    )
    assert weighted["scenario"].pop("summary").endswith("weighted by incident demand.")
    assert "demand" not in plain["scenario"].pop("summary")
    assert {k: v for k, v in weighted.items() if k != "demand"} == {
        k: v for k, v in plain.items() if k != "demand"
    }


# --- The recommendation weighted by demand -----------------------------------------


@st.composite
def weighted_problems(draw):
    taxonomy, scenario = draw(cases(max_layers=4))
    taxonomy = draw(with_incidents(taxonomy))
    scenario = replace(scenario, dependence=draw(st.sampled_from(DEPENDENCES)))
    costs = draw(
        st.dictionaries(
            st.sampled_from([m.id for m in taxonomy.mitigations]),
            st.sampled_from([0.5, 1.0, 1.5, 2.0]),
        )
    )
    budget = draw(st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0, math.inf]))
    return taxonomy, scenario, costs, budget, draw(st.booleans())


@SMALL
@given(problem=weighted_problems())
def test_the_demand_weighted_recommendation_equals_the_brute_force_optimum(problem):
    taxonomy, scenario, costs, budget, count = problem
    weights = demand.demand_weights(incidents.incident_model(taxonomy))
    ids = sorted(m.id for m in taxonomy.mitigations)
    candidates = default_candidates(taxonomy, scenario)
    choices = every_choice(taxonomy, scenario, candidates, costs, count, weights)
    expected, (objective, _, cost, hit) = best_within(choices, budget, ids)
    found = recommend(
        taxonomy,
        scenario,
        budget=budget,
        costs=costs,
        count_introduced=count,
        threat_weights=weights,
    )
    assert found.method == "milp-optimal"
    assert (found.objective, found.addressed_after) == (objective, hit)
    assert set(found.chosen) == expected
    assert math.isclose(found.cost, cost)


@SMALL
@given(problem=weighted_problems())
def test_the_weighted_frontier_and_greedy_order_report_true_weighted_figures(problem):
    taxonomy, scenario, costs, _, count = problem
    weights = demand.demand_weights(incidents.incident_model(taxonomy))
    ids = sorted(m.id for m in taxonomy.mitigations)
    candidates = default_candidates(taxonomy, scenario)
    choices = every_choice(taxonomy, scenario, candidates, costs, count, weights)
    query = {"costs": costs, "count_introduced": count, "threat_weights": weights}
    steps = frontier(taxonomy, scenario, **query)
    assert steps
    for step in steps:
        _, (objective, *_) = best_within(choices, step.budget, ids)
        assert step.objective == objective == choices[frozenset(step.chosen)][0]
    on = enabled_mitigations(taxonomy_graph(taxonomy), scenario)
    adopted: frozenset[str] = frozenset()
    for step in greedy_order(taxonomy, scenario, **query):
        # The step's gain per cost is the best of every candidate left.
        before = choices[adopted][0]
        for c in set(candidates) - adopted:
            more = (required(taxonomy, c) - on) | adopted
            price = sum(costs.get(m, 1.0) for m in more - adopted)
            ratio = (choices[frozenset(more)][0] - before) / price
            assert step.gain / step.step_cost >= ratio - 1e-9
        adopted |= set(step.adopted)
        assert step.objective == choices[adopted][0]


def test_unit_weights_give_the_unweighted_recommendation(seed_taxonomy):
    ones = {t.id: 1 for t in seed_taxonomy.threats}
    assert recommend(seed_taxonomy, budget=3, threat_weights=ones) == recommend(
        seed_taxonomy, budget=3
    )


@pytest.mark.parametrize(
    "weights, words",
    [({"nope": 2}, "unknown threats: nope"), ({"shadow-ai": 0}, "positive integer")],
)
def test_bad_weights_are_refused_with_the_value_named(seed_taxonomy, weights, words):
    with pytest.raises(RecommendationError, match=words):
        recommend(seed_taxonomy, budget=1, threat_weights=weights)


def _used_and_unused() -> Taxonomy:
    """``a`` addresses t, which three incidents use; ``b`` addresses u and v,
    which none uses."""
    from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat

    return Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=tuple(Threat(t, t.upper()) for t in "tuv"),
        mitigations=(
            Mitigation("a", "A", "hw", "proposed"),
            Mitigation("b", "B", "hw", "proposed"),
        ),
        mitigates=(
            Mitigates("a", "t", "high"),
            Mitigates("b", "u", "high"),
            Mitigates("b", "v", "high"),
        ),
        incidents=tuple(Incident(f"i{k}", "I", kind="group") for k in range(3)),
        uses=tuple(Uses(f"i{k}", "t") for k in range(3)),
    )


def test_demand_weighting_puts_the_gap_attackers_use_first():
    taxonomy = _used_and_unused()
    weights = demand.demand_weights(incidents.incident_model(taxonomy))
    assert weights == {"t": 4, "u": 1, "v": 1}
    assert recommend(taxonomy, budget=1).chosen == ("b",)
    weighted = recommend(taxonomy, budget=1, threat_weights=weights)
    assert (weighted.chosen, weighted.objective, weighted.addressed_after) == (
        ("a",),
        4,
        1,
    )
    assert [s.mitigation for s in greedy_order(taxonomy)] == ["b", "a"]
    order = greedy_order(taxonomy, threat_weights=weights)
    assert [(s.mitigation, s.gain) for s in order] == [("a", 4), ("b", 2)]
