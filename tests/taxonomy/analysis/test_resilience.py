"""Layer and mitigation depth against brute force over what can be lost."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import taxonomy_graph
from taxonomy.analysis.resilience import (
    heaviest_first_depth,
    layer_depth,
    mitigation_depth,
    resilience_summary,
)
from taxonomy.analysis.scenarios import enabled_mitigations
from taxonomy.domain.records import Layer, Link, Mitigates, Mitigation, Taxonomy, Threat
from taxonomy.domain.scenario import DEPENDENCES
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _brute_depth(taxonomy, scenario, threat, parts, lose):
    """The least k such that losing some k parts leaves the threat unaddressed."""
    if threat not in analyse(taxonomy, scenario).addressed_threats:
        return 0
    model = coverage_model(taxonomy)
    for k in range(1, len(parts) + 1):
        for combo in combinations(parts, k):
            if threat not in run_scenario(model, lose(combo)).addressed_threats:
                return k
    raise AssertionError("losing everything still addresses the threat")


@EXAMPLES
@given(case=cases(max_layers=5), dependence=st.sampled_from(DEPENDENCES))
def test_layer_depth_equals_brute_force_over_layer_subsets(case, dependence):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=dependence)
    depths = layer_depth(taxonomy, scenario)
    layers = [layer.id for layer in taxonomy.layers]
    assert depths.exact.all()
    for threat in taxonomy.threats:
        expected = _brute_depth(
            taxonomy,
            scenario,
            threat.id,
            layers,
            lambda off: replace(
                scenario, disabled_layers=scenario.disabled_layers | set(off)
            ),
        )
        assert depths[threat.id] == expected, threat.id


@EXAMPLES
@given(case=cases(max_layers=4), dependence=st.sampled_from(DEPENDENCES))
def test_mitigation_depth_equals_brute_force_over_mitigation_subsets(case, dependence):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=dependence)
    depths = mitigation_depth(taxonomy, scenario)
    on = sorted(enabled_mitigations(taxonomy_graph(taxonomy), scenario))
    assert depths.exact.all()
    for threat in taxonomy.threats:
        expected = _brute_depth(
            taxonomy,
            scenario,
            threat.id,
            on,
            lambda off: replace(
                scenario,
                disabled_mitigations=scenario.disabled_mitigations | set(off),
            ),
        )
        assert depths[threat.id] == expected, threat.id


def test_heaviest_first_is_what_brute_force_finds_on_random_weights():
    rng = np.random.default_rng(3)
    weights = rng.choice([0.0, 0.36, 0.92, 2.3], size=(300, 5))
    theta = 1.6
    addressed = weights.sum(axis=1) >= theta
    depth = heaviest_first_depth(weights, addressed, theta)
    assert len(depth) == 300
    for row, d in zip(weights, depth, strict=True):
        best = next(
            (
                k
                for k in range(1, 6)
                for combo in combinations(range(5), k)
                if row.sum() - row[list(combo)].sum() < theta
            ),
            0,
        )
        assert d == (best if row.sum() >= theta else 0)


def test_the_headline_counts_threats_that_survive_losing_any_one_layer(
    seed_taxonomy,
):
    summary = resilience_summary(seed_taxonomy)
    depths = layer_depth(seed_taxonomy)
    assert summary.threats == 12
    assert summary.survive_one_layer == sum(d >= 2 for d in depths.as_dict().values())
    assert summary.line == (
        f"{summary.survive_one_layer} of 12 threats survive the loss of any one layer"
    )
    analysis = analyse(seed_taxonomy)
    for threat in analysis.threats:
        if depths[threat.id] >= 2:
            assert not threat.critical_layers


def _three_mediums(requires=()):
    layers = ("hw", "sw", "in")
    return Taxonomy(
        layers=tuple(Layer(i, i.upper()) for i in layers),
        threats=(Threat("t", "T"),),
        mitigations=(
            Mitigation("b", "B", "hw", "deployed"),
            Mitigation("c", "C", "in", "deployed"),
            Mitigation("e", "E", "sw", "deployed"),
            Mitigation("f", "F", "in", "deployed"),
        ),
        mitigates=tuple(Mitigates(m, "t", "medium") for m in "bef"),
        requires=tuple(Link(a, b) for a, b in requires),
    )


def test_losing_a_required_mitigation_loses_what_requires_it():
    assert mitigation_depth(_three_mediums())["t"] == 2
    tied = mitigation_depth(_three_mediums([("b", "c"), ("e", "c")]))
    assert tied["t"] == 1 and tied.exact.all()
