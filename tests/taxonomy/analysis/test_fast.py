"""The vectorised path equals the plain networkx path, and its building blocks."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis.compiled import (
    coverage_model,
    enabled_mask,
    requires_closure_matrix,
)
from taxonomy.analysis.coverage import analyse, minimal_layer_sets
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.layersets import minimal_sets, minimal_subset_masks
from taxonomy.analysis.model import Analysis, addressing_weight
from taxonomy.domain.records import Layer, Link, Mitigates, Mitigation, Taxonomy, Threat
from taxonomy.domain.scenario import Scenario
from taxonomy.formats.synthetic import synthetic_taxonomy
from tests.taxonomy.analysis.test_properties import cases

GLOBALS = (
    "layers",
    "revision",
    "summary",
    "classes",
    "layer_totals",
    "mitigation_ranking",
    "mitigation_layers",
    "layer_sets",
    "layer_sets_scope",
    "unblocked_into",
    "introduced",
    "disabled_by_requires",
    "minimal_layer_sets_exact",
)
PER_THREAT = (
    "id",
    "name",
    "coverage_class",
    "links",
    "minimal_layer_sets",
    "minimal_layer_sets_exact",
    "critical_layers",
    "critical_mitigations",
    "introduced_by",
)


def assert_same(plain: Analysis, fast: Analysis) -> None:
    for name in GLOBALS:
        assert getattr(fast, name) == getattr(plain, name), name
    assert len(fast.threats) == len(plain.threats)
    for p, f in zip(plain.threats, fast.threats, strict=True):
        for name in PER_THREAT:
            assert getattr(f, name) == getattr(p, name), (p.id, name)
        assert math.isclose(f.coverage, p.coverage, abs_tol=1e-12)
        assert f.by_layer == pytest.approx(p.by_layer, abs=1e-12)
        assert math.isclose(fast.coverages[p.id], plain.coverages[p.id], abs_tol=1e-12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=7))
def test_the_fast_path_equals_the_plain_path(case):
    taxonomy, scenario = case
    assert_same(
        analyse(taxonomy, scenario), run_scenario(coverage_model(taxonomy), scenario)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=5), data=st.data())
def test_the_fast_path_equals_the_plain_path_with_adopted_mitigations(case, data):
    taxonomy, scenario = case
    ids = [m.id for m in taxonomy.mitigations]
    scenario = replace(scenario, adopt=data.draw(st.sets(st.sampled_from(ids))))
    assert_same(
        analyse(taxonomy, scenario), run_scenario(coverage_model(taxonomy), scenario)
    )


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        Scenario(maturities=["deployed"]),
        Scenario(maturities=["deployed", "pilot"], threshold=0.7),
        Scenario(
            disabled_layers=["liability"], disabled_mitigations=["chip-attestation"]
        ),
    ],
)
def test_both_paths_agree_on_the_seed(seed_taxonomy, scenario):
    assert_same(
        analyse(seed_taxonomy, scenario),
        run_scenario(coverage_model(seed_taxonomy), scenario),
    )


@pytest.mark.parametrize("seed", range(4))
def test_both_paths_agree_on_synthetic_taxonomies(seed):
    taxonomy = synthetic_taxonomy(
        threats=40, mitigations=30, layers=9, links=300, seed=seed
    )
    model = coverage_model(taxonomy)
    for scenario in (
        Scenario(),
        Scenario(disabled_layers=["l1"], maturities=["pilot", "deployed"]),
    ):
        assert_same(analyse(taxonomy, scenario), run_scenario(model, scenario))


def test_a_model_is_reused_across_scenarios(seed_taxonomy):
    model = coverage_model(seed_taxonomy)
    first = run_scenario(model, Scenario(disabled_layers=["hardware"]))
    run_scenario(model, Scenario(maturities=["deployed"]))
    again = run_scenario(model, Scenario(disabled_layers=["hardware"]))
    assert first.classes == again.classes


def _one_threat_many_layers(n_layers: int, strength: str = "low") -> Taxonomy:
    return Taxonomy(
        layers=tuple(Layer(f"l{i:02d}", f"L{i}") for i in range(n_layers)),
        threats=(Threat("t", "T"),),
        mitigations=tuple(
            Mitigation(f"m{i:02d}", "M", f"l{i:02d}", "pilot") for i in range(n_layers)
        ),
        mitigates=tuple(Mitigates(f"m{i:02d}", "t", strength) for i in range(n_layers)),
    )


def test_beyond_sixteen_candidate_layers_the_sets_are_labelled_approximate():
    taxonomy = _one_threat_many_layers(18)
    plain, fast = analyse(taxonomy), run_scenario(coverage_model(taxonomy), Scenario())
    assert_same(plain, fast)
    threat = fast.threat("t")
    assert not threat.minimal_layer_sets_exact
    assert not fast.minimal_layer_sets_exact
    # five lows: 1 − 0.7⁵ = 0.832 ≥ 0.8 > 1 − 0.7⁴; the minimal sets are the
    # C(18, 5) five-layer sets; the approximation reports a verified subset.
    assert threat.minimal_layer_sets
    assert {len(s) for s in threat.minimal_layer_sets} == {5}
    assert fast.layer_sets_scope == "sizes 1-3"


def test_exactly_sixteen_candidates_are_still_enumerated():
    taxonomy = _one_threat_many_layers(16)
    threat = run_scenario(coverage_model(taxonomy), Scenario()).threat("t")
    assert threat.minimal_layer_sets_exact
    assert len(threat.minimal_layer_sets) == math.comb(16, 5)


def test_more_than_62_layers_fall_back_to_one_threat_at_a_time():
    taxonomy = _one_threat_many_layers(64, strength="medium")
    plain, fast = analyse(taxonomy), run_scenario(coverage_model(taxonomy), Scenario())
    assert_same(plain, fast)
    assert not fast.threat("t").minimal_layer_sets_exact


def test_subset_masks_find_every_minimal_subset():
    rng = np.random.default_rng(3)
    weights = rng.choice([0.0, 0.36, 0.51, 0.92, 2.3], size=(50, 6))
    theta = addressing_weight(0.8)
    rows, masks = minimal_subset_masks(weights, theta)
    found = {(r, m) for r, m in zip(rows.tolist(), masks.tolist(), strict=True)}
    expected = set()
    for r, row in enumerate(weights):
        for size in range(1, 7):
            for combo in combinations(range(6), size):
                total = sum(row[j] for j in combo)
                least = min(row[j] for j in combo)
                if total >= theta and total - least < theta:
                    expected.add((r, sum(1 << j for j in combo)))
    assert found == expected


def test_minimal_sets_match_the_plain_enumeration_row_by_row():
    rng = np.random.default_rng(5)
    weights = rng.choice([0.0, 0.0, 0.36, 0.51, 0.92, 2.3], size=(200, 9))
    theta, tau = addressing_weight(0.8), 0.8
    sets = minimal_sets(weights, weights.sum(axis=1) >= theta, theta, tau)
    assert len(sets.start) == len(weights) + 1 == 201
    for i, row in enumerate(weights):
        plain, _ = minimal_layer_sets(np.exp(-row).tolist(), tau)
        masks = sets.masks[sets.start[i] : sets.start[i + 1]].tolist()
        assert sorted(masks) == sorted(sum(1 << j for j in s) for s in plain)


def test_the_requires_closure_matrix_is_transitive():
    closure = requires_closure_matrix(np.array([[1, 0], [2, 1], [3, 2], [0, 3]]), 5)
    dense = closure.toarray()
    assert dense[:4, :4].all()
    assert dense[4].tolist() == [0, 0, 0, 0, 1]


def test_the_closure_counts_no_paths_so_it_cannot_overflow():
    # 200 mitigations each requiring all before it: path counts explode.
    pairs = np.array([(b, a) for b in range(200) for a in range(b)])
    closure = requires_closure_matrix(pairs, 200).toarray()
    assert (closure == np.triu(np.ones((200, 200), dtype=np.int8))).all()


def test_a_mitigation_requiring_256_disabled_ones_is_disabled():
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"), Layer("sw", "SW")),
        mitigations=(
            *(Mitigation(f"m{i:03d}", "M", "hw", "pilot") for i in range(256)),
            Mitigation("z", "Z", "sw", "pilot"),
        ),
        requires=tuple(Link("z", f"m{i:03d}") for i in range(256)),
    )
    mask = enabled_mask(coverage_model(taxonomy), Scenario(disabled_layers=["hw"]))
    assert not mask.any()
