"""Architectures compared, held to each scenario run alone through the coverage
document, on random taxonomies with random jurisdictions, memberships and dates."""

from __future__ import annotations

import datetime
from dataclasses import replace

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxonomy.analysis.architectures import compare
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.model import ADDRESSED_CLASSES, CLASSES
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.world import world_view
from taxonomy.analysis.world_report import _weakest_places
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import (
    MATURITIES,
    InForceIn,
    Layer,
    Link,
    MemberOf,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import Scenario
from tests.taxonomy.analysis.test_jurisdictions import (
    AS_OF,
    EXAMPLES,
    full_cases,
    geographies,
)


def _day(value: datetime.date | None) -> str:
    return value.isoformat() if value is not None else ""


def recorded(taxonomy: Taxonomy, geography: Geography) -> Taxonomy:
    """The taxonomy with a geography written into its records, as the graph
    holds it (so that ``Geography.of`` reads it back)."""
    mobile = geography.mobile_threats
    everywhere = geography.everywhere_mitigations
    return replace(
        taxonomy,
        threats=tuple(
            replace(t, mobile="its actors move" if t.id in mobile else "")
            for t in taxonomy.threats
        ),
        mitigations=tuple(
            replace(m, everywhere="built in" if m.id in everywhere else "")
            for m in taxonomy.mitigations
        ),
        jurisdictions=geography.jurisdictions,
        memberships=tuple(
            MemberOf(m.member, m.body, _day(m.since), _day(m.until))
            for m in geography.memberships
        ),
        in_force=tuple(
            InForceIn(
                i.mitigation, i.jurisdiction, i.maturity, _day(i.since), _day(i.until)
            )
            for i in geography.in_force
        ),
    )


@st.composite
def comparisons(draw) -> tuple[Taxonomy, list[tuple[str, Scenario]]]:
    """A taxonomy with random jurisdictions and costs, and 2 to 4 scenarios that
    differ in what they disable, adopt, count, where and when."""
    taxonomy, scenario = draw(full_cases())
    taxonomy = recorded(taxonomy, draw(geographies(taxonomy)))
    taxonomy = replace(
        taxonomy,
        mitigations=tuple(
            replace(m, cost=draw(st.sampled_from([1.0, 0.5, 3.0])))
            for m in taxonomy.mitigations
        ),
    )
    mitigations = [m.id for m in taxonomy.mitigations]
    layers = [layer.id for layer in taxonomy.layers]
    places = [None] + [j.id for j in taxonomy.jurisdictions]
    # Adopted everywhere (M) or in one jurisdiction (M@J).
    adoptable = mitigations + [f"{m}@{j}" for m in mitigations for j in places if j]
    architectures = []
    for k in range(draw(st.integers(2, 4))):
        architectures.append(
            (
                f"a{k}",
                replace(
                    scenario,
                    maturities=draw(
                        st.none() | st.sets(st.sampled_from(MATURITIES), min_size=1)
                    ),
                    adopt=draw(st.sets(st.sampled_from(adoptable), max_size=3))
                    if adoptable
                    else frozenset(),
                    disabled_layers=draw(st.sets(st.sampled_from(layers), max_size=1)),
                    jurisdiction=draw(st.sampled_from(places)),
                    as_of=draw(AS_OF),
                ),
            )
        )
    return taxonomy, architectures


def _requires_graph(taxonomy: Taxonomy) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(m.id for m in taxonomy.mitigations)
    graph.add_edges_from((r.source, r.target) for r in taxonomy.requires)
    return graph


def brute_paid(taxonomy: Taxonomy, scenario: Scenario) -> set[str]:
    """What an adoption pays for, from the rules: the adopted and what they
    REQUIRE (networkx reachability), on with the adoption and off without."""
    if scenario.jurisdiction is not None:
        # Maturities and what is in force there, as the document counts them.
        model, inner = scoped_model(taxonomy, scenario, coverage_model(taxonomy))
        maturity = {
            m: MATURITIES[model.mitigation_maturity[i]]
            for i, m in enumerate(model.mitigations)
        }
        taxonomy = replace(
            taxonomy,
            mitigations=tuple(
                replace(m, maturity=maturity[m.id]) for m in taxonomy.mitigations
            ),
        )
        scenario = replace(inner, jurisdiction=None)
    graph = _requires_graph(taxonomy)
    closure = set()
    for m in scenario.adopted_ids:
        closure |= {m} | nx.descendants(graph, m)

    def enabled(adopted: set[str]) -> set[str]:
        layer = {m.id: m.layer for m in taxonomy.mitigations}
        maturity = {m.id: m.maturity for m in taxonomy.mitigations}
        off = {
            m
            for m in layer
            if m in scenario.disabled_mitigations
            or layer[m] in scenario.disabled_layers
            or (
                scenario.maturities is not None
                and maturity[m] not in scenario.maturities
                and m not in adopted
            )
        }
        return {m for m in layer if not ({m} | nx.descendants(graph, m)) & off}

    return (enabled(closure) & closure) - enabled(set())


@EXAMPLES
@given(case=comparisons())
def test_a_comparison_equals_each_scenario_run_alone(case):
    taxonomy, architectures = case
    comparison = compare(taxonomy, architectures)
    threats = comparison.threats
    for (label, scenario), outcome in zip(
        architectures, comparison.outcomes, strict=True
    ):
        document = coverage_document(taxonomy, scenario=scenario)
        assert outcome.label == label
        assert outcome.summary == document["summary"]
        by_id = {t["id"]: t for t in document["threats"]}
        classes = [CLASSES[c] for c in outcome.classes]
        assert classes == [by_id[t]["class"] for t in threats]
        assert outcome.coverage.round(6).tolist() == [
            by_id[t]["coverage"]["all"] for t in threats
        ]
        assert [
            t for t, c in zip(threats, classes, strict=True) if c in ADDRESSED_CLASSES
        ] == [t for t, a in zip(threats, outcome.addressed, strict=True) if a]
        introduced = [
            (i["threat"], tuple(i["introduced_by"])) for i in document["introduced"]
        ]
        assert list(outcome.introduced) == introduced
        world = (document.get("world") or {}).get("threats") or []
        mobile = {w["id"]: w for w in world if w["mobile"] and w["weakest"]}
        assert {
            t: w for t, w in zip(threats, outcome.weakest, strict=True) if w is not None
        } == {t: w["weakest"] for t, w in mobile.items()}
        world_classes = [CLASSES[c] for c in outcome.world_classes]
        assert world_classes == [
            mobile[t]["class"] if t in mobile else by_id[t]["class"] for t in threats
        ]
        # The headline counts judge a mobile threat where it is weakest, as
        # the world view does; its coverage there is the world entry's.
        assert outcome.world_summary == {c: world_classes.count(c) for c in CLASSES}
        assert outcome.world_addressed.tolist() == [
            c in ADDRESSED_CLASSES for c in world_classes
        ]
        assert outcome.world_not_by_one_layer.tolist() == [
            c != "single-layer" for c in world_classes
        ]
        assert outcome.world_coverage.round(6).tolist() == [
            mobile[t]["coverage"] if t in mobile else by_id[t]["coverage"]["all"]
            for t in threats
        ]
        assert outcome.adopts == tuple(sorted(scenario.adopted_ids))
        ties = {}
        if scenario.jurisdiction is None and taxonomy.jurisdictions:
            view = world_view(
                coverage_model(taxonomy),
                Geography.of(taxonomy),
                scenario,
                as_of=scenario.as_of,
            )
            ties = {t: p for t, p in _weakest_places(view).items() if t in mobile}
        assert {
            t: list(p) for t, p in zip(threats, outcome.weakest_tied, strict=True) if p
        } == ties
        paid = brute_paid(taxonomy, scenario)
        assert set(outcome.adopted) == paid
        cost = {m.id: m.cost for m in taxonomy.mitigations}
        assert outcome.cost == pytest.approx(sum(cost[m] for m in paid))


@EXAMPLES
@given(case=comparisons())
def test_the_threats_that_differ_are_those_some_two_architectures_class_apart(case):
    taxonomy, architectures = case
    comparison = compare(taxonomy, architectures)
    documents = [coverage_document(taxonomy, scenario=s) for _, s in architectures]

    def seen(document, threat):
        world = {w["id"]: w for w in (document.get("world") or {}).get("threats") or []}
        entry = next(t for t in document["threats"] if t["id"] == threat)
        here = world.get(threat)
        weakest = here["class"] if here and here["mobile"] and here["weakest"] else None
        return entry["class"], weakest or entry["class"]

    expected = [
        i
        for i, t in enumerate(comparison.threats)
        if len({seen(d, t) for d in documents}) > 1
    ]
    assert comparison.differ.tolist() == expected


def _seed_like() -> Taxonomy:
    return Taxonomy(
        layers=(Layer("hw", "Hardware"), Layer("law", "Liability")),
        threats=(Threat("t", "T"), Threat("u", "U")),
        mitigations=(
            Mitigation("att", "Attestation", "hw", "proposed", cost=4.0),
            Mitigation("caps", "Caps", "hw", "proposed", cost=2.0),
            Mitigation("ins", "Insurance", "law", "deployed"),
        ),
        mitigates=(
            Mitigates("att", "t", "high"),
            Mitigates("ins", "u", "medium"),
        ),
        requires=(Link("caps", "att"),),
        introduces=(Link("att", "u"),),
    )


def test_adopting_a_measure_pays_for_what_it_requires_once():
    today = Scenario(maturities=["deployed"])
    comparison = compare(
        _seed_like(), [("Today", today), ("Caps", replace(today, adopt=["caps"]))]
    )
    now, caps = comparison.outcomes
    assert (now.cost, now.adopted) == (0.0, ())
    assert (caps.cost, caps.adopted) == (6.0, ("att", "caps"))
    assert caps.introduced == (("u", ("att",)),) and now.introduced == ()
    assert [comparison.threats[i] for i in comparison.differ] == ["t"]


@pytest.mark.parametrize("count", [0, 1, 5])
def test_it_refuses_fewer_than_two_or_more_than_four_architectures(count):
    with pytest.raises(ValueError, match="compare 2 to 4 architectures"):
        compare(_seed_like(), [("a", Scenario())] * count)


def test_an_unknown_id_in_one_architecture_is_refused_by_name():
    with pytest.raises(ScenarioError, match="unknown adopted mitigation: nope"):
        compare(_seed_like(), [("a", Scenario()), ("b", Scenario(adopt=["nope"]))])
