"""Coverage per jurisdiction and the world view, held to brute force on random
taxonomies with random jurisdictions, memberships, in-force links and dates."""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.jurisdictions import (
    NOT_IN_FORCE,
    analyse_in,
    bound_nowhere,
    coverage_by_jurisdiction,
    in_force_in,
    maturity_matrix,
    membership_closure,
    places,
)
from taxonomy.analysis.model import ADDRESSED_CLASSES, CLASSES
from taxonomy.analysis.world import world_view
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.jurisdictions import (
    BODY_KINDS,
    JURISDICTION_KINDS,
    Everywhere,
    Geography,
    GeographyError,
    InForce,
    Jurisdiction,
    Membership,
    Mobile,
    check_geography,
)
from taxonomy.domain.records import MATURITIES, Layer, Mitigates, Mitigation, Taxonomy
from taxonomy.domain.records import Threat as ThreatRecord
from taxonomy.domain.scenario import DEPENDENCES, Scenario
from tests.taxonomy.analysis.test_fast import assert_same
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# For the oracles that are cheap beside drawing the taxonomy.
FEWER = settings(EXAMPLES, max_examples=40)
# Few dates, so that periods start and end on the dates asked about.
DAYS = tuple(
    datetime.date(2020, 1, 1) + datetime.timedelta(days=90 * k) for k in range(6)
)
AS_OF = st.none() | st.sampled_from(
    DAYS + tuple(d + datetime.timedelta(days=1) for d in DAYS)
)


@st.composite
def periods(draw) -> tuple[datetime.date | None, datetime.date | None]:
    since = draw(st.none() | st.sampled_from(DAYS))
    later = [d for d in DAYS if since is None or d > since]
    until = draw(st.none() | st.sampled_from(later)) if later else None
    return since, until


@st.composite
def geographies(draw, taxonomy: Taxonomy) -> Geography:
    """Up to 5 jurisdictions of random kinds and weights; memberships only from
    a lower to a higher index (no cycle) in a bloc or multilateral body."""
    n = draw(st.integers(0, 5))
    kinds = [draw(st.sampled_from(JURISDICTION_KINDS)) for _ in range(n)]
    weighted = draw(st.sampled_from(["none", "all", "some"]))
    jurisdictions = tuple(
        Jurisdiction(
            f"j{i}",
            f"J{i}",
            kind,
            weight=None
            if weighted == "none" or (weighted == "some" and draw(st.booleans()))
            else draw(st.sampled_from([0.0, 1.0, 2.5, 75.0])),
        )
        for i, kind in enumerate(kinds)
    )
    bodies = [i for i, kind in enumerate(kinds) if kind in BODY_KINDS]
    pairs = [(a, b) for a in range(n) for b in bodies if a < b]
    memberships = tuple(
        Membership(f"j{a}", f"j{b}", *draw(periods()))
        for a, b in (
            draw(st.lists(st.sampled_from(pairs), max_size=5)) if pairs else []
        )
    )
    mitigations = [m.id for m in taxonomy.mitigations]
    in_force = ()
    if n:
        in_force = tuple(
            InForce(m, f"j{j}", maturity, *draw(periods()))
            for m, j, maturity in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(mitigations),
                        st.integers(0, n - 1),
                        st.sampled_from(MATURITIES),
                    ),
                    max_size=12,
                )
            )
        )
    threats = [t.id for t in taxonomy.threats]
    return Geography(
        jurisdictions=jurisdictions,
        memberships=memberships,
        in_force=in_force,
        everywhere=tuple(
            Everywhere(m)
            for m in draw(st.sets(st.sampled_from(mitigations), max_size=2))
        ),
        mobile=tuple(Mobile(t) for t in draw(st.sets(st.sampled_from(threats)))),
    )


@st.composite
def full_cases(draw) -> tuple[Taxonomy, Scenario]:
    """``cases`` with a random dependence and up to two adopted mitigations."""
    taxonomy, scenario = draw(cases(max_layers=4))
    mitigations = [m.id for m in taxonomy.mitigations]
    return taxonomy, replace(
        scenario,
        dependence=draw(st.sampled_from(DEPENDENCES)),
        adopt=draw(st.sets(st.sampled_from(mitigations), max_size=2)),
    )


@st.composite
def worlds(draw):
    taxonomy, scenario = draw(full_cases())
    return taxonomy, scenario, draw(geographies(taxonomy)), draw(AS_OF)


# --- The brute force: straight from the rules, one jurisdiction at a time ----------


def _holds(since, until, as_of) -> bool:
    return as_of is None or (
        (since is None or since <= as_of) and (until is None or as_of < until)
    )


def _membership_graph(geography: Geography, as_of) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(j.id for j in geography.jurisdictions)
    graph.add_edges_from(
        (m.member, m.body)
        for m in geography.memberships
        if _holds(m.since, m.until, as_of)
    )
    return graph


def brute_maturities(taxonomy, geography, jurisdiction, as_of) -> dict:
    """Mitigation → its maturity in ``jurisdiction`` (None: not in force), from
    the links filtered by date first and bodies reached in networkx."""
    reached = {jurisdiction} | nx.descendants(
        _membership_graph(geography, as_of), jurisdiction
    )
    links = [
        link for link in geography.in_force if _holds(link.since, link.until, as_of)
    ]
    bound = {link.mitigation for link in geography.in_force}
    everywhere = {flag.mitigation for flag in geography.everywhere}
    out = {}
    for m in taxonomy.mitigations:
        found = [
            link.maturity
            for link in links
            if link.mitigation == m.id and link.jurisdiction in reached
        ]
        if m.id not in bound or m.id in everywhere:
            found.append(m.maturity)
        out[m.id] = max(found, key=MATURITIES.index) if found else None
    return out


def rebuilt(taxonomy, scenario, geography, jurisdiction, as_of):
    """The taxonomy with maturities set to the jurisdiction's and the scenario
    with what is not in force there disabled."""
    there = brute_maturities(taxonomy, geography, jurisdiction, as_of)
    mitigations = tuple(
        replace(m, maturity=there[m.id] or m.maturity) for m in taxonomy.mitigations
    )
    absent = {m for m, maturity in there.items() if maturity is None}
    return replace(taxonomy, mitigations=mitigations), replace(
        scenario, disabled_mitigations=scenario.disabled_mitigations | absent
    )


def brute_places(geography, as_of) -> list[str]:
    graph = _membership_graph(geography, as_of)
    return sorted(
        j.id
        for j in geography.jurisdictions
        if j.kind != "multilateral" and graph.in_degree(j.id) == 0
    )


# --- The oracles ---------------------------------------------------------------


@EXAMPLES
@given(world=worlds())
def test_coverage_in_a_jurisdiction_equals_the_analysis_of_the_rebuilt_taxonomy(world):
    taxonomy, scenario, geography, as_of = world
    model = coverage_model(taxonomy)
    run = coverage_by_jurisdiction(model, geography, scenario, as_of=as_of)
    assert run.jurisdictions == geography.jurisdiction_ids
    for j in geography.jurisdiction_ids:
        plain = analyse(*rebuilt(taxonomy, scenario, geography, j, as_of))
        assert_same(plain, analyse_in(model, geography, scenario, j, as_of=as_of))
        assert run.classes_in(j) == plain.classes
        assert run.summary_in(j) == plain.summary
        for t, value in run.coverages_in(j).items():
            assert math.isclose(value, plain.coverages[t], abs_tol=1e-12)


@EXAMPLES
@given(world=worlds())
def test_effective_maturities_equal_the_links_filtered_by_date_first(world):
    taxonomy, _, geography, as_of = world
    model = coverage_model(taxonomy)
    matrix = maturity_matrix(model, geography, as_of)
    assert len(matrix) == len(geography.jurisdiction_ids)
    for row, j in zip(matrix, geography.jurisdiction_ids, strict=True):
        expected = brute_maturities(taxonomy, geography, j, as_of)
        got = {
            m: None if code == NOT_IN_FORCE else MATURITIES[code]
            for m, code in zip(model.mitigations, row.tolist(), strict=True)
        }
        assert got == expected
        assert in_force_in(model, geography, j, as_of) == {
            m: maturity for m, maturity in expected.items() if maturity
        }


@FEWER
@given(world=worlds())
def test_membership_closure_equals_networkx_reachability(world):
    _, _, geography, as_of = world
    graph = _membership_graph(geography, as_of)
    assert membership_closure(geography, as_of) == {
        j: frozenset({j} | nx.descendants(graph, j)) for j in graph
    }


def _weakest_one_by_one(analyses: dict, threat: str) -> tuple[float, str, str]:
    """The stated rule: lowest coverage, then lower class, then first id."""
    return min(
        (a.coverages[threat], CLASSES.index(a.classes[threat]), j)
        for j, a in analyses.items()
    )


@EXAMPLES
@given(world=worlds())
def test_the_world_view_is_the_minimum_over_places_computed_one_by_one(world):
    taxonomy, scenario, geography, as_of = world
    model = coverage_model(taxonomy)
    view = world_view(model, geography, scenario, as_of=as_of)
    where = brute_places(geography, as_of)
    assert list(view.places) == where
    if not where:
        alone = run_scenario(model, scenario)
        assert view.coverage.tolist() == [alone.coverages[t] for t in model.threats]
        return
    one_by_one = {
        j: analyse_in(model, geography, scenario, j, as_of=as_of) for j in where
    }
    weights = {j.id: j.weight for j in geography.jurisdictions}
    for t in model.threats:
        coverage, rank, weakest = _weakest_one_by_one(one_by_one, t)
        entry = view.threat(t)
        assert (entry.weakest, entry.coverage, entry.coverage_class) == (
            weakest,
            coverage,
            CLASSES[rank],
        )
        assert entry.mobile == (t in geography.mobile_threats)
        hit = [j for j, a in one_by_one.items() if a.classes[t] in ADDRESSED_CLASSES]
        assert entry.addressed_in == len(hit)
        assert entry.share == pytest.approx(len(hit) / len(where))
        total = sum(weights[j] or 0 for j in where)
        if any(weights[j] is None for j in where) or total == 0:
            assert entry.weighted_share is None
        else:
            assert entry.weighted_share == pytest.approx(
                sum(weights[j] for j in hit) / total
            )


@FEWER
@given(world=worlds())
def test_the_measures_bound_nowhere_are_those_no_place_has_in_force(world):
    taxonomy, _, geography, as_of = world
    recorded: dict[str, set[str]] = {}
    for link in geography.in_force:
        if _holds(link.since, link.until, as_of):
            recorded.setdefault(link.mitigation, set()).add(link.jurisdiction)
    in_a_place = {
        m
        for place in brute_places(geography, as_of)
        for m, maturity in brute_maturities(taxonomy, geography, place, as_of).items()
        if maturity is not None
    }
    expected = {
        m: tuple(sorted(js)) for m, js in recorded.items() if m not in in_a_place
    }
    assert bound_nowhere(coverage_model(taxonomy), geography, as_of) == expected


@FEWER
@given(world=worlds())
def test_a_run_of_every_jurisdiction_serves_the_world_view(world):
    taxonomy, scenario, geography, as_of = world
    model = coverage_model(taxonomy)
    run = coverage_by_jurisdiction(model, geography, scenario, as_of=as_of)
    reused = world_view(model, geography, scenario, as_of=as_of, per_jurisdiction=run)
    fresh = world_view(model, geography, scenario, as_of=as_of)
    assert reused.weakest.tolist() == fresh.weakest.tolist()
    assert reused.coverage.tolist() == fresh.coverage.tolist()


@FEWER
@given(case=full_cases(), as_of=AS_OF)
def test_a_geography_without_jurisdictions_changes_nothing(case, as_of):
    taxonomy, scenario = case
    model = coverage_model(taxonomy)
    today = run_scenario(model, scenario)
    view = world_view(model, Geography(), scenario, as_of=as_of)
    assert dict(zip(view.threats, view.coverage.tolist(), strict=True)) == dict(
        today.coverages
    )
    assert [CLASSES[c] for c in view.classes] == [
        today.classes[t] for t in view.threats
    ]
    assert view.places == () and view.share is None


@FEWER
@given(case=full_cases(), as_of=AS_OF)
def test_jurisdictions_with_no_links_change_nothing(case, as_of):
    taxonomy, scenario = case
    model = coverage_model(taxonomy)
    geography = Geography(
        jurisdictions=(
            Jurisdiction("eu", "EU", "bloc"),
            Jurisdiction("fr", "France"),
        ),
        memberships=(Membership("fr", "eu"),),
    )
    today = run_scenario(model, scenario)
    run = coverage_by_jurisdiction(model, geography, scenario, as_of=as_of)
    for j in ("eu", "fr"):
        assert run.coverages_in(j) == dict(today.coverages)
        assert run.classes_in(j) == dict(today.classes)
        within = analyse_in(model, geography, scenario, j, as_of=as_of)
        assert_same(today, within)
        assert within.scenario == scenario


# --- The rules, on small worked examples ----------------------------------------------


def _taxonomy() -> Taxonomy:
    return Taxonomy(
        layers=(Layer("hw", "Hardware"), Layer("inst", "Institutional")),
        threats=(ThreatRecord("smuggling", "Smuggling"),),
        mitigations=(
            Mitigation("export-controls", "Export controls", "inst", "deployed"),
            Mitigation("attestation", "Attestation", "hw", "proposed"),
            Mitigation("tee", "TEE", "hw", "deployed"),
        ),
        mitigates=(
            Mitigates("export-controls", "smuggling", "medium"),
            Mitigates("attestation", "smuggling", "high"),
        ),
    )


BREXIT = datetime.date(2020, 2, 1)


def _europe(**extra) -> Geography:
    return Geography(
        jurisdictions=(
            Jurisdiction("eu", "EU", "bloc", weight=10),
            Jurisdiction("fr", "France", weight=5),
            Jurisdiction("uk", "UK", weight=5),
            Jurisdiction("us", "US", weight=80),
        ),
        memberships=(Membership("fr", "eu"), Membership("uk", "eu", until=BREXIT)),
        **extra,
    )


def test_what_is_in_force_in_a_bloc_is_in_force_in_its_members_while_they_are():
    geography = _europe(in_force=(InForce("export-controls", "eu", "deployed"),))
    model = coverage_model(_taxonomy())
    assert "export-controls" in in_force_in(model, geography, "fr")
    before, after = datetime.date(2019, 6, 1), datetime.date(2021, 6, 1)
    assert "export-controls" in in_force_in(model, geography, "uk", before)
    assert "export-controls" not in in_force_in(model, geography, "uk", after)


def test_the_most_mature_of_a_members_own_link_and_its_blocs_wins():
    geography = _europe(
        in_force=(
            InForce("export-controls", "eu", "deployed"),
            InForce("export-controls", "fr", "pilot"),
            InForce("export-controls", "us", "pilot"),
        )
    )
    model = coverage_model(_taxonomy())
    assert in_force_in(model, geography, "fr")["export-controls"] == "deployed"
    assert in_force_in(model, geography, "us")["export-controls"] == "pilot"


def test_a_measure_whose_links_have_all_ended_is_in_force_nowhere():
    ended = InForce(
        "export-controls", "us", "deployed", until=datetime.date(2021, 1, 1)
    )
    model = coverage_model(_taxonomy())
    later = datetime.date(2022, 1, 1)
    for j in ("us", "fr", "eu"):
        assert "export-controls" not in in_force_in(
            model, _europe(in_force=(ended,)), j, later
        )


def test_an_everywhere_measure_is_in_force_everywhere_despite_its_links():
    geography = _europe(
        in_force=(InForce("tee", "us", "pilot"),), everywhere=(Everywhere("tee"),)
    )
    model = coverage_model(_taxonomy())
    assert in_force_in(model, geography, "fr")["tee"] == "deployed"
    assert in_force_in(model, geography, "us")["tee"] == "deployed"


def test_a_mobile_threat_is_judged_in_its_weakest_place_and_named():
    geography = _europe(
        in_force=(
            InForce("export-controls", "us", "deployed"),
            InForce("attestation", "us", "pilot"),
            InForce("attestation", "eu", "pilot"),
        ),
        mobile=(Mobile("smuggling", rationale="smugglers pick the weakest port"),),
    )
    model = coverage_model(_taxonomy())
    after = datetime.date(2021, 6, 1)
    view = world_view(model, geography, Scenario(), as_of=after)
    entry = view.threat("smuggling")
    # fr and us address it (0.9 and 0.96); uk, out of the EU by then, has nothing.
    assert view.places == ("fr", "uk", "us")
    assert (entry.weakest, entry.coverage_class, entry.addressed_in) == (
        "uk",
        "unmitigated",
        2,
    )
    assert entry.weighted_share == pytest.approx(85 / 90)
    assert view.mobile_summary["unmitigated"] == 1
    today = world_view(model, geography, Scenario(maturities=["deployed"]), as_of=after)
    assert today.threat("smuggling").addressed_in == 0


def test_an_unknown_jurisdiction_is_refused_by_name():
    model = coverage_model(_taxonomy())
    with pytest.raises(ScenarioError, match="unknown jurisdiction: mars"):
        analyse_in(model, _europe(), Scenario(), "mars")
    with pytest.raises(ScenarioError, match="mars"):
        coverage_by_jurisdiction(model, _europe(), Scenario(), jurisdictions=["mars"])


def test_a_geography_naming_a_mitigation_the_model_lacks_is_refused():
    geography = _europe(in_force=(InForce("kyc", "us", "pilot"),))
    with pytest.raises(
        GeographyError, match="in-force link kyc → us: unknown mitigation"
    ):
        coverage_by_jurisdiction(coverage_model(_taxonomy()), geography, Scenario())


# --- The records' checks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"memberships": (Membership("fr", "atlantis"),)},
            "membership fr → atlantis: unknown jurisdiction 'atlantis'",
        ),
        (
            {"memberships": (Membership("fr", "us"),)},
            "membership fr → us: 'us' is a state",
        ),
        (
            {"memberships": (Membership("eu", "eu"),)},
            "membership eu → eu: a jurisdiction cannot be a member of itself",
        ),
        (
            {"in_force": (InForce("tee", "mars", "deployed"),)},
            "in-force link tee → mars: unknown jurisdiction 'mars'",
        ),
        (
            {"in_force": (InForce("tee", "us", "everywhere"),)},
            "in-force link tee → us: maturity must be one of",
        ),
        (
            {"in_force": (InForce("tee", "us", "pilot", since="2024-01-01"),)},
            "in-force link tee → us: since must be a date, got '2024-01-01'",
        ),
        (
            {
                "in_force": (
                    InForce(
                        "tee",
                        "us",
                        "pilot",
                        since=datetime.date(2024, 1, 1),
                        until=datetime.date(2023, 1, 1),
                    ),
                )
            },
            "until (2023-01-01) must come after since (2024-01-01)",
        ),
    ],
)
def test_a_bad_geography_is_refused_naming_the_item(fields, message):
    base = {
        "jurisdictions": (
            Jurisdiction("eu", "EU", "bloc"),
            Jurisdiction("fr", "France"),
            Jurisdiction("us", "US"),
        )
    }
    with pytest.raises(GeographyError, match=re.escape(message)):
        Geography(**base, **fields)


def test_a_membership_cycle_is_refused_naming_the_cycle():
    with pytest.raises(GeographyError, match="membership cycle: a → b → c → a"):
        Geography(
            jurisdictions=tuple(Jurisdiction(i, i.upper(), "bloc") for i in "abcd"),
            memberships=(
                Membership("d", "a"),
                Membership("a", "b"),
                Membership("b", "c"),
                Membership("c", "a"),
            ),
        )


def test_a_repeated_jurisdiction_and_a_bad_weight_are_refused():
    with pytest.raises(GeographyError) as caught:
        Geography(
            jurisdictions=(
                Jurisdiction("eu", "EU", "bloc", weight=float("nan")),
                Jurisdiction("eu", "EU again", "union"),
            )
        )
    assert caught.value.problems == [
        "jurisdiction 'eu' is recorded twice",
        "jurisdiction 'eu': weight must be a finite number ≥ 0, got nan",
        "jurisdiction 'eu': kind must be one of state, bloc, multilateral, got 'union'",
    ]


def test_a_geography_is_checked_against_its_taxonomy():
    geography = _europe(
        in_force=(InForce("tee", "us", "pilot", sources=("nowhere",)),),
        everywhere=(Everywhere("magic"),),
        mobile=(Mobile("smuggling"), Mobile("teleport")),
    )
    with pytest.raises(GeographyError) as caught:
        check_geography(geography, _taxonomy())
    assert caught.value.problems == [
        "in-force link tee → us: unknown source 'nowhere'",
        "everywhere mitigation 'magic': unknown mitigation",
        "mobile threat 'teleport': unknown threat",
    ]
    check_geography(_europe(mobile=(Mobile("smuggling"),)), _taxonomy())


def test_places_are_states_and_blocs_without_members_then():
    geography = _europe()
    assert places(geography) == ("fr", "uk", "us")
    assert places(geography, datetime.date(2021, 1, 1)) == ("fr", "uk", "us")
    lone = Geography(jurisdictions=(Jurisdiction("eu", "EU", "bloc"),))
    assert places(lone) == ("eu",)
    assert np.array_equal(
        maturity_matrix(coverage_model(_taxonomy()), lone)[0],
        coverage_model(_taxonomy()).mitigation_maturity,
    )
