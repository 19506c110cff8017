"""Adopting a measure in a jurisdiction (``adopt=M@J``), held to a brute-force
rebuild of the taxonomy on random taxonomies, jurisdictions, memberships and
dates."""

from __future__ import annotations

import math
from dataclasses import replace

import networkx as nx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.jurisdictions import (
    coverage_by_jurisdiction,
    jurisdiction_scenario,
    scoped_model,
)
from taxonomy.analysis.model import validate_ids
from taxonomy.analysis.world import world_view
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.jurisdictions import Everywhere, Geography, InForce
from taxonomy.domain.records import (
    InForceIn,
    Jurisdiction,
    Layer,
    Link,
    MemberOf,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import Scenario, adopt_entry
from taxonomy.domain.scenario_words import scenario_summary
from tests.taxonomy.analysis.test_jurisdictions import (
    AS_OF,
    EXAMPLES,
    FEWER,
    _membership_graph,
    full_cases,
    geographies,
    rebuilt,
)


@st.composite
def adopting_worlds(draw):
    """A world with at least one jurisdiction and up to two ``M@J`` entries."""
    taxonomy, scenario = draw(full_cases())
    geography = draw(geographies(taxonomy))
    if not geography.jurisdictions:
        geography = replace(
            geography, jurisdictions=(Jurisdiction("j0", "J0", "state"),)
        )
    pairs = draw(
        st.sets(
            st.tuples(
                st.sampled_from([m.id for m in taxonomy.mitigations]),
                st.sampled_from(geography.jurisdiction_ids),
            ),
            min_size=1,
            max_size=2,
        )
    )
    scenario = replace(
        scenario, adopt=scenario.adopt | {adopt_entry(m, j) for m, j in pairs}
    )
    return taxonomy, scenario, geography, draw(AS_OF)


def _needs(taxonomy: Taxonomy, mitigation: str) -> set[str]:
    """A mitigation and what it REQUIRES, transitively, from the records."""
    graph = nx.DiGraph((link.source, link.target) for link in taxonomy.requires)
    graph.add_node(mitigation)
    return {mitigation} | nx.descendants(graph, mitigation)


def brute_adopted(taxonomy, scenario, geography, jurisdiction, as_of):
    """The taxonomy and scenario whose plain analysis is ``scenario``'s in
    ``jurisdiction``, rebuilt by hand: each ``M@J`` becomes an in-force link
    M → J at deployed for M and what it REQUIRES (those bound nowhere keep
    their meaning elsewhere: flagged everywhere), and M counts as adopted
    where J's membership reaches."""
    links, bound = [], {link.mitigation for link in geography.in_force}
    for m, j in scenario.adopted_in:
        links += [InForce(r, j, "deployed") for r in _needs(taxonomy, m)]
    flags = {link.mitigation for link in links} - bound
    more = replace(
        geography,
        in_force=(*geography.in_force, *links),
        everywhere=(*geography.everywhere, *(Everywhere(m) for m in sorted(flags))),
    )
    reached = {jurisdiction} | nx.descendants(
        _membership_graph(geography, as_of), jurisdiction
    )
    plain = replace(
        scenario,
        adopt={m for m in scenario.adopt if "@" not in m}
        | {m for m, j in scenario.adopted_in if j in reached},
    )
    return rebuilt(taxonomy, plain, more, jurisdiction, as_of)


@EXAMPLES
@given(world=adopting_worlds())
def test_adopting_in_a_jurisdiction_equals_a_rebuild_with_in_force_links(world):
    taxonomy, scenario, geography, as_of = world
    model = coverage_model(taxonomy)
    run = coverage_by_jurisdiction(model, geography, scenario, as_of=as_of)
    for j in geography.jurisdiction_ids:
        plain = analyse(*brute_adopted(taxonomy, scenario, geography, j, as_of))
        assert run.classes_in(j) == plain.classes
        for t, value in run.coverages_in(j).items():
            assert math.isclose(value, plain.coverages[t], abs_tol=1e-12)


@FEWER
@given(world=adopting_worlds())
def test_the_analysis_in_one_jurisdiction_adopts_there_as_the_run_does(world):
    taxonomy, scenario, geography, as_of = world
    model = coverage_model(taxonomy)
    run = coverage_by_jurisdiction(model, geography, scenario, as_of=as_of)
    for j in geography.jurisdiction_ids:
        alone = run_scenario(
            *jurisdiction_scenario(model, geography, scenario, j, as_of=as_of)
        )
        assert alone.classes == run.classes_in(j)


@FEWER
@given(world=adopting_worlds())
def test_adopting_in_every_place_equals_adopting_everywhere_in_the_world_view(
    world,
):
    taxonomy, scenario, geography, as_of = world
    model = coverage_model(taxonomy)
    (mitigation, _), *_ = sorted(scenario.adopted_in)
    free = _needs(taxonomy, mitigation)
    # M and what it REQUIRES bound nowhere: in force everywhere at their maturity.
    geography = replace(
        geography,
        in_force=tuple(f for f in geography.in_force if f.mitigation not in free),
    )
    start = replace(scenario, adopt=scenario.adopted_everywhere)
    here = world_view(model, geography, start, as_of=as_of)
    assume(here.places)
    everywhere = world_view(
        model, geography, replace(start, adopt=start.adopt | {mitigation}), as_of=as_of
    )
    in_each = world_view(
        model,
        geography,
        replace(
            start, adopt=start.adopt | {adopt_entry(mitigation, p) for p in here.places}
        ),
        as_of=as_of,
    )
    assert in_each.places == everywhere.places
    assert in_each.weakest.tolist() == everywhere.weakest.tolist()
    assert in_each.classes.tolist() == everywhere.classes.tolist()
    assert in_each.coverage.tolist() == pytest.approx(everywhere.coverage.tolist())
    assert in_each.addressed_in.tolist() == everywhere.addressed_in.tolist()


# --- Worked examples and refusals --------------------------------------------------


def _europe() -> Taxonomy:
    """A proposed measure bound to the US only, which needs another bound nowhere."""
    return Taxonomy(
        layers=(Layer("hw", "Hardware"),),
        threats=(Threat("t", "Smuggling", mobile="smugglers move"),),
        mitigations=(
            Mitigation("kyc", "Compute KYC", "hw", "proposed"),
            Mitigation("att", "Chip attestation", "hw", "proposed"),
        ),
        mitigates=(Mitigates("kyc", "t", "high"),),
        requires=(Link("kyc", "att"),),
        jurisdictions=(
            Jurisdiction("eu", "the European Union", "bloc"),
            Jurisdiction("fr", "France"),
            Jurisdiction("us", "the United States"),
        ),
        memberships=(MemberOf("fr", "eu"),),
        in_force=(InForceIn("kyc", "us", "pilot"),),
    )


def _classes(taxonomy: Taxonomy, scenario: Scenario) -> dict:
    return run_scenario(*scoped_model(taxonomy, scenario)).classes


def test_adopting_in_the_eu_brings_a_measure_into_force_in_its_members_today():
    today = Scenario(maturities=["deployed"], jurisdiction="fr")
    assert _classes(_europe(), today) == {"t": "unmitigated"}
    adopted = replace(today, adopt={"kyc@eu"})
    assert _classes(_europe(), adopted) == {"t": "single-layer"}
    # A plain adopt does not bring into force what is not in force in France.
    assert _classes(_europe(), replace(today, adopt={"kyc"})) == {"t": "unmitigated"}
    # Adopting in the US leaves France as it was; disabling still wins.
    assert _classes(_europe(), replace(today, adopt={"kyc@us"})) == {"t": "unmitigated"}
    off = replace(adopted, disabled_mitigations={"att"})
    assert _classes(_europe(), off) == {"t": "unmitigated"}


def test_the_world_view_names_the_place_left_out():
    taxonomy = _europe()
    model, geography = coverage_model(taxonomy), Geography.of(taxonomy)
    view = world_view(model, geography, Scenario(adopt={"kyc@eu"}))
    assert view.places == ("fr", "us")
    assert view.threat("t").addressed_in == 2
    view = world_view(
        model, geography, Scenario(maturities=["deployed"], adopt={"kyc@eu"})
    )
    assert (view.threat("t").weakest, view.threat("t").coverage_class) == (
        "us",
        "unmitigated",
    )


@pytest.mark.parametrize("entry", ["kyc@", "@eu", "kyc@eu@us", "@"])
def test_a_malformed_adoption_is_refused_naming_it(entry):
    with pytest.raises(ValueError, match=f"MITIGATION@JURISDICTION, got '{entry}'"):
        Scenario(adopt={entry})


def test_an_unknown_jurisdiction_or_mitigation_to_adopt_is_refused_by_name():
    with pytest.raises(ScenarioError, match="unknown jurisdiction to adopt in: mars"):
        validate_ids(_europe(), Scenario(adopt={"kyc@mars"}))
    with pytest.raises(ScenarioError, match="unknown jurisdiction to adopt in: mars"):
        scoped_model(_europe(), Scenario(adopt={"kyc@mars"}))
    with pytest.raises(ScenarioError, match="unknown adopted mitigation: nope"):
        validate_ids(_europe(), Scenario(adopt={"nope@eu"}))


def test_without_jurisdictions_an_adoption_in_one_is_refused_naming_it():
    plain = replace(_europe(), jurisdictions=(), memberships=(), in_force=())
    with pytest.raises(ScenarioError, match="unknown jurisdiction to adopt in: eu"):
        validate_ids(plain, Scenario(adopt={"kyc@eu"}))
    with pytest.raises(ScenarioError, match="unknown jurisdiction to adopt in: eu"):
        scoped_model(plain, Scenario(adopt={"kyc@eu"}))


def test_the_scenario_says_where_a_measure_is_adopted():
    names = {"kyc": "Compute KYC", "att": "Chip attestation", "eu": "the EU"}
    words = scenario_summary(
        Scenario(maturities=["deployed"], adopt={"kyc@eu", "att@eu"}), names
    )
    assert "adopting Chip attestation and Compute KYC in the EU" in words
