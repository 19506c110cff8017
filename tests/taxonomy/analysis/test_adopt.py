"""Adopted mitigations count whatever their maturity, with what they REQUIRE."""

from __future__ import annotations

import pytest

from taxonomy.analysis import fast
from taxonomy.analysis.compiled import check_scenario, coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.model import taxonomy_graph, validate_ids
from taxonomy.analysis.scenarios import enabled_mitigations
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
from taxonomy.domain.scenario import Scenario

TODAY = Scenario(maturities=["deployed"])


def _enabled(taxonomy, scenario):
    plain = enabled_mitigations(taxonomy_graph(taxonomy), scenario)
    model = coverage_model(taxonomy)
    quick = {
        model.mitigations[i]
        for i, on in enumerate(fast.enabled_mask(model, scenario))
        if on
    }
    assert plain == quick
    return plain


def test_an_adopted_proposal_counts_with_what_it_requires(seed_taxonomy):
    scenario = Scenario(maturities=["deployed"], adopt=["unattested-compute-caps"])
    on = _enabled(seed_taxonomy, scenario)
    assert {"unattested-compute-caps", "chip-attestation"} <= on
    assert "tamper-resistant-safeguards" not in on
    analysis = analyse(seed_taxonomy, scenario)
    assert dict(analysis.introduced) == {
        "control-repression": ("chip-attestation", "unattested-compute-caps")
    }


def test_disabling_a_mitigation_wins_over_adopting_it(seed_taxonomy):
    scenario = Scenario(
        maturities=["deployed"],
        adopt=["unattested-compute-caps"],
        disabled_mitigations=["chip-attestation"],
    )
    on = _enabled(seed_taxonomy, scenario)
    assert not {"unattested-compute-caps", "chip-attestation"} & on


def test_disabling_a_layer_wins_over_adopting_into_it(seed_taxonomy):
    scenario = Scenario(
        maturities=["deployed"],
        adopt=["deployer-liability"],
        disabled_layers=["liability"],
    )
    assert "deployer-liability" not in _enabled(seed_taxonomy, scenario)


def test_a_mitigation_off_only_for_what_it_requires_comes_on_with_that():
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        mitigations=(
            Mitigation("base", "Base", "hw", "pilot"),
            Mitigation("rider", "Rider", "hw", "deployed"),
        ),
        requires=(Link("rider", "base"),),
    )
    assert _enabled(taxonomy, TODAY) == set()
    assert _enabled(taxonomy, Scenario(maturities=["deployed"], adopt=["base"])) == {
        "base",
        "rider",
    }


def test_without_a_maturity_filter_adopting_changes_nothing(seed_taxonomy):
    adopted = Scenario(adopt=["chip-attestation"])
    assert analyse(seed_taxonomy, adopted).classes == analyse(seed_taxonomy).classes


def test_an_unknown_adopted_id_is_named_by_both_checks(seed_taxonomy):
    scenario = Scenario(adopt=["tee", "nope"])
    with pytest.raises(ScenarioError, match="unknown adopted mitigation: nope"):
        validate_ids(seed_taxonomy, scenario)
    with pytest.raises(ScenarioError, match="unknown adopted mitigation: nope"):
        check_scenario(coverage_model(seed_taxonomy), scenario)


def test_adoption_tells_scenarios_apart_in_the_cache():
    assert (
        TODAY.cache_key() != Scenario(maturities=["deployed"], adopt="tee").cache_key()
    )
    assert Scenario(adopt="tee").adopt == frozenset({"tee"})
