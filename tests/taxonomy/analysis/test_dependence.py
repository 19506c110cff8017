"""Dependence between mitigations: each mode against a closed form, and the
fast path equal to the plain one under every mode."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import fast
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.model import taxonomy_graph
from taxonomy.analysis.scenarios import enabled_mitigations
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import DEPENDENCES, FULL, INDEPENDENT, WITHIN_LAYER
from tests.taxonomy.analysis.test_fast import assert_same
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _enabled_links(taxonomy: Taxonomy, scenario) -> dict[str, list[tuple[str, float]]]:
    """Threat -> (layer, e) of every enabled link: the oracle's own reading."""
    enabled = enabled_mitigations(taxonomy_graph(taxonomy), scenario)
    layer = {m.id: m.layer for m in taxonomy.mitigations}
    effect = scenario.effectiveness_map
    out: dict[str, list[tuple[str, float]]] = {t.id: [] for t in taxonomy.threats}
    for link in taxonomy.mitigates:
        if link.mitigation in enabled:
            out[link.threat].append((layer[link.mitigation], effect[link.strength]))
    return out


@EXAMPLES
@given(case=cases(max_layers=6), dependence=st.sampled_from(DEPENDENCES))
def test_the_fast_path_equals_the_plain_path_under_every_dependence(case, dependence):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=dependence)
    assert_same(analyse(taxonomy, scenario), fast.analyse(taxonomy, scenario))


@EXAMPLES
@given(case=cases())
def test_full_dependence_covers_a_threat_as_well_as_its_best_link(case):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=FULL)
    links = _enabled_links(taxonomy, scenario)
    analysis = analyse(taxonomy, scenario)
    assert len(analysis.threats) == len(taxonomy.threats) > 0
    for threat in analysis.threats:
        best = max((e for _, e in links[threat.id]), default=0.0)
        assert math.isclose(threat.coverage, best, abs_tol=1e-12)
        assert threat.coverage_class != "defense-in-depth"
        assert all(len(s) == 1 for s in threat.minimal_layer_sets)


@EXAMPLES
@given(case=cases())
def test_within_layer_dependence_is_the_product_of_the_layers_best_links(case):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=WITHIN_LAYER)
    links = _enabled_links(taxonomy, scenario)
    threats = analyse(taxonomy, scenario).threats
    assert len(threats) == len(taxonomy.threats) > 0
    for threat in threats:
        best: dict[str, float] = {}
        for layer, e in links[threat.id]:
            best[layer] = max(best.get(layer, 0.0), e)
        expected = 1.0 - math.prod(1.0 - e for e in best.values())
        assert math.isclose(threat.coverage, expected, abs_tol=1e-12)


def _one_link_per_layer(taxonomy: Taxonomy) -> Taxonomy:
    layer = {m.id: m.layer for m in taxonomy.mitigations}
    seen, kept = set(), []
    for link in taxonomy.mitigates:
        cell = (link.threat, layer[link.mitigation])
        if cell not in seen:
            seen.add(cell)
            kept.append(link)
    return replace(taxonomy, mitigates=tuple(kept), requires=())


@EXAMPLES
@given(case=cases())
def test_within_layer_equals_independent_when_every_layer_has_one_link(case):
    taxonomy, scenario = case
    taxonomy = _one_link_per_layer(taxonomy)
    independent = analyse(taxonomy, replace(scenario, dependence=INDEPENDENT))
    within = analyse(taxonomy, replace(scenario, dependence=WITHIN_LAYER))
    assert within.classes == independent.classes
    for a, b in zip(within.threats, independent.threats, strict=True):
        assert math.isclose(a.coverage, b.coverage, abs_tol=1e-12)
        assert a.minimal_layer_sets == b.minimal_layer_sets
        assert a.critical_layers == b.critical_layers
        assert a.critical_mitigations == b.critical_mitigations


def test_the_worked_example_of_two_medium_links_under_each_dependence():
    from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    from taxonomy.domain.scenario import Scenario

    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"), Layer("sw", "SW")),
        threats=(Threat("t", "T"),),
        mitigations=(
            Mitigation("a", "A", "hw", "deployed"),
            Mitigation("b", "B", "sw", "deployed"),
            Mitigation("c", "C", "sw", "deployed"),
        ),
        mitigates=(
            Mitigates("a", "t", "medium"),
            Mitigates("b", "t", "medium"),
            Mitigates("c", "t", "low"),
        ),
    )
    found = {
        d: analyse(taxonomy, Scenario(dependence=d)).threats[0] for d in DEPENDENCES
    }
    # 1 - 0.4*0.4*0.7, 1 - 0.4*0.4, max(0.6, 0.6, 0.3)
    assert [round(found[d].coverage, 6) for d in DEPENDENCES] == [0.888, 0.84, 0.6]
    assert [found[d].coverage_class for d in DEPENDENCES] == [
        "defense-in-depth",
        "defense-in-depth",
        "insufficient",
    ]
    assert found[WITHIN_LAYER].critical_mitigations == ("a", "b")
