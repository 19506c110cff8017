"""Recommendations that say where (``recommend.where``), held to brute force
over every subset of (mitigation, jurisdiction) candidates on small random
taxonomies with random jurisdictions, memberships and dates."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.jurisdictions import coverage_by_jurisdiction, places
from taxonomy.analysis.model import ADDRESSED_CLASSES
from taxonomy.analysis.recommend import recommend
from taxonomy.analysis.recommend.where import (
    in_jurisdiction,
    recommend_places,
)
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.jurisdictions import Geography, Jurisdiction, Mobile
from taxonomy.domain.records import Link, Threat
from taxonomy.domain.scenario import Scenario, adopt_entry
from tests.taxonomy.analysis.test_adopt_where import _europe, _needs, brute_adopted
from tests.taxonomy.analysis.test_jurisdictions import (
    AS_OF,
    FEWER,
    full_cases,
    geographies,
)


@st.composite
def where_worlds(draw):
    """A small world with at least one place, a start and a budget of 0 to 2."""
    taxonomy, scenario = draw(full_cases())
    geography = draw(geographies(taxonomy))
    as_of = draw(AS_OF)
    if not places(geography, as_of):
        geography = replace(
            geography,
            jurisdictions=(*geography.jurisdictions, Jurisdiction("zz", "ZZ")),
        )
    scenario = replace(
        scenario, adopt=scenario.adopted_everywhere, as_of=as_of, jurisdiction=None
    )
    return taxonomy, scenario, geography, draw(st.integers(0, 2))


def _addressed_in(taxonomy, scenario, geography, jurisdiction) -> set[str]:
    analysis = analyse(
        *brute_adopted(taxonomy, scenario, geography, jurisdiction, scenario.as_of)
    )
    return {t for t, c in analysis.classes.items() if c in ADDRESSED_CLASSES}


def _on_in(taxonomy, scenario, geography, jurisdiction) -> set[str]:
    model = coverage_model(taxonomy)
    run = coverage_by_jurisdiction(
        model, geography, scenario, as_of=scenario.as_of, jurisdictions=[jurisdiction]
    )
    return {m for m, on in zip(model.mitigations, run.enabled[0], strict=True) if on}


@FEWER
@given(world=where_worlds(), data=st.data())
def test_what_a_jurisdiction_should_adopt_next_is_the_best_subset_by_brute_force(
    world, data
):
    taxonomy, scenario, geography, budget = world
    j = data.draw(st.sampled_from(geography.jurisdiction_ids))
    scenario = replace(scenario, jurisdiction=j)
    model = coverage_model(taxonomy)
    got = recommend(
        *in_jurisdiction(model, geography, scenario, j, as_of=scenario.as_of),
        budget=budget,
    )
    on = _on_in(taxonomy, scenario, geography, j)
    best = 0
    ids = [m.id for m in taxonomy.mitigations]
    for size in range(budget + 1):
        for subset in combinations(ids, size):
            needed = set().union(*(_needs(taxonomy, m) for m in subset)) - on
            if len(needed) > budget:
                continue
            adopted = replace(
                scenario, adopt=scenario.adopt | {adopt_entry(m, j) for m in subset}
            )
            best = max(best, len(_addressed_in(taxonomy, adopted, geography, j)))
    assert got.addressed_after == best
    adopted = replace(
        scenario, adopt=scenario.adopt | {adopt_entry(m, j) for m in got.chosen}
    )
    assert len(_addressed_in(taxonomy, adopted, geography, j)) == best
    assert got.cost <= budget


def _world_mobile_addressed(taxonomy, scenario, geography) -> set[str]:
    """Mobile threats addressed in every place, each place analysed on its own."""
    where = places(geography, scenario.as_of)
    hit = set(geography.mobile_threats)
    for p in where:
        hit &= _addressed_in(taxonomy, scenario, geography, p)
    return hit


@FEWER
@given(world=where_worlds(), data=st.data())
def test_the_measures_and_places_closing_most_mobile_threats_are_the_best_by_brute_force(
    world, data
):
    taxonomy, scenario, geography, budget = world
    threats = [t.id for t in taxonomy.threats]
    geography = replace(
        geography,
        mobile=tuple(
            Mobile(t) for t in data.draw(st.sets(st.sampled_from(threats), min_size=1))
        ),
    )
    model = coverage_model(taxonomy)
    where = places(geography, scenario.as_of)
    pairs = [(m.id, p) for m in taxonomy.mitigations for p in where]
    got = recommend_places(
        model,
        geography,
        scenario,
        budget=budget,
        candidates=[adopt_entry(m, p) for m, p in pairs],
    )
    on = {p: _on_in(taxonomy, scenario, geography, p) for p in where}
    best = 0
    for size in range(budget + 1):
        for subset in combinations(pairs, size):
            cost = sum(
                len(
                    set().union(*(_needs(taxonomy, m) for m, q in subset if q == p))
                    - on[p]
                )
                for p in where
            )
            if cost > budget:
                continue
            adopted = replace(
                scenario, adopt=scenario.adopt | {adopt_entry(m, p) for m, p in subset}
            )
            best = max(best, len(_world_mobile_addressed(taxonomy, adopted, geography)))
    assert len(got.addressed_after) == best
    assert set(got.addressed_after) == _world_mobile_addressed(
        taxonomy, got.adopted_scenario, geography
    )
    assert got.cost <= budget
    # Each pair introduces what the recommendation anywhere says it does: the
    # threats INTRODUCED by what adopting it brings into effect in its place.
    assert [pair for pair, _ in got.introduces] == list(got.chosen)
    for (m, p), introduced in got.introduces:
        brought = _needs(taxonomy, m) - on[p]
        assert set(introduced) == {
            i.target for i in taxonomy.introduces if i.source in brought
        }


# --- Worked examples and refusals ----------------------------------------------


def _world():
    taxonomy = _europe()
    return taxonomy, coverage_model(taxonomy), Geography.of(taxonomy)


def test_the_eu_is_told_to_adopt_the_measure_and_what_it_needs():
    taxonomy, model, geography = _world()
    today = Scenario(maturities=["deployed"], jurisdiction="eu")
    got = recommend(*in_jurisdiction(model, geography, today, "eu"), budget=2)
    assert got.chosen == ("att", "kyc")
    assert got.addressed_after == 1
    assert (
        recommend(*in_jurisdiction(model, geography, today, "eu"), budget=1).chosen
        == ()
    )


def test_closing_a_mobile_threat_takes_every_place_it_can_move_to():
    taxonomy, model, geography = _world()
    today = Scenario(maturities=["deployed"])
    got = recommend_places(model, geography, today, budget=4)
    assert got.places == ("fr", "us")
    # Each pair comes with what it REQUIRES (attestation), paid for there.
    assert (got.chosen, got.cost) == ((("kyc", "fr"), ("kyc", "us")), 4.0)
    assert got.newly_addressed == ("t",)
    # Three is not enough to close it in both places: nothing is worth buying.
    assert recommend_places(model, geography, today, budget=3).chosen == ()


def test_a_measure_introduces_the_same_threat_over_the_places_as_in_one_place():
    europe = _europe()
    taxonomy = replace(
        europe,
        threats=(*europe.threats, Threat("r", "Repression")),
        introduces=(Link("att", "r"),),
    )
    model, geography = coverage_model(taxonomy), Geography.of(taxonomy)
    in_eu = Scenario(maturities=["deployed"], jurisdiction="eu")
    eu = recommend(*in_jurisdiction(model, geography, in_eu, "eu"), budget=2)
    assert eu.introduced == (("r", ("att",)),)
    got = recommend_places(
        model, geography, Scenario(maturities=["deployed"]), budget=4
    )
    # KYC brings attestation in with it in each place, and with it repression.
    assert got.introduces == ((("kyc", "fr"), ("r",)), (("kyc", "us"), ("r",)))


def test_a_search_over_the_places_past_its_limit_is_refused_saying_so():
    taxonomy, model, geography = _world()
    with pytest.raises(RecommendationError, match="more than 2 sets"):
        recommend_places(model, geography, Scenario(), budget=np.inf, limit=2)


@pytest.mark.parametrize(
    "candidates, message",
    [
        (["kyc@eu"], "a place one of fr, us; got kyc@eu"),
        (["nope@fr"], "unknown candidate mitigations: nope@fr"),
        (["kyc@"], "MITIGATION@JURISDICTION, got 'kyc@'"),
    ],
)
def test_a_bad_candidate_over_the_places_is_refused_by_name(candidates, message):
    taxonomy, model, geography = _world()
    with pytest.raises(RecommendationError, match=message):
        recommend_places(model, geography, Scenario(), budget=1, candidates=candidates)
