"""Sensitivity and uncertainty of the coverage classes, each against a brute
force or closed form on random taxonomies."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import fast
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.robustness import (
    DEFAULT_INTERVALS,
    checked_intervals,
    headline_count,
    monte_carlo,
    sensitivity,
)
from taxonomy.analysis.robustness_report import (
    central_range,
    crossings,
    middle_count,
    robustness_entry,
    share_words,
    typical_words,
)
from taxonomy.domain.records import (
    STRENGTHS,
    Layer,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import (
    DEFAULT_EFFECTIVENESS,
    DEPENDENCES,
    INDEPENDENT,
    Scenario,
)
from tests.taxonomy.analysis.test_properties import cases

EXAMPLES = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _unique_links(taxonomy: Taxonomy) -> Taxonomy:
    """One MITIGATES link per (mitigation, threat), as the graph stores them."""
    seen, kept = set(), []
    for link in taxonomy.mitigates:
        if (link.mitigation, link.threat) not in seen:
            seen.add((link.mitigation, link.threat))
            kept.append(link)
    return replace(taxonomy, mitigates=tuple(kept))


def _moved(taxonomy: Taxonomy, link: Mitigates, step: int) -> Taxonomy:
    """The taxonomy with one link one step lower (low: removed) or higher."""
    index = STRENGTHS.index(link.strength) + step
    others = tuple(x for x in taxonomy.mitigates if x != link)
    if index < 0:
        return replace(taxonomy, mitigates=others)
    moved = replace(link, strength=STRENGTHS[min(index, 2)])
    return replace(taxonomy, mitigates=(*others, moved))


def _everything_moved(taxonomy: Taxonomy, step: int) -> Taxonomy:
    links = []
    for link in taxonomy.mitigates:
        index = STRENGTHS.index(link.strength) + step
        if index >= 0:
            links.append(replace(link, strength=STRENGTHS[min(index, 2)]))
    return replace(taxonomy, mitigates=tuple(links))


def _bands(effectiveness: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Bands centred on each point value, as wide as 0-1 allows up to ±0.1."""
    return {
        s: (e - min(0.1, e, 1 - e), e + min(0.1, e, 1 - e))
        for s, e in effectiveness.items()
    }


def _headline(taxonomy: Taxonomy, scenario: Scenario) -> int:
    return sum(
        c != "single-layer" for c in analyse(taxonomy, scenario).classes.values()
    )


@EXAMPLES
@given(case=cases(max_layers=4), dependence=st.sampled_from(DEPENDENCES))
def test_every_links_one_step_move_equals_rerunning_the_plain_analysis(
    case, dependence
):
    taxonomy, scenario = case
    taxonomy = _unique_links(taxonomy)
    scenario = replace(scenario, dependence=dependence)
    model = coverage_model(taxonomy)
    found = sensitivity(model, scenario)
    by_pair = {
        (
            model.mitigations[model.link_mitigation[k]],
            model.threats[model.link_threat[k]],
        ): j
        for j, k in enumerate(found.links.tolist())
    }
    enabled = {
        lk.mitigation for t in analyse(taxonomy, scenario).threats for lk in t.links
    }
    for link in taxonomy.mitigates:
        key = (link.mitigation, link.threat)
        if link.mitigation not in enabled and key not in by_pair:
            continue
        j = by_pair[key]
        for step, got in ((-1, found.lower[j]), (1, found.higher[j])):
            expected = analyse(_moved(taxonomy, link, step), scenario).classes[
                link.threat
            ]
            assert CLASSES[got] == expected, (key, step)
    assert found.headline == _headline(taxonomy, scenario)
    assert found.headline_lower == _headline(_everything_moved(taxonomy, -1), scenario)
    assert found.headline_higher == _headline(_everything_moved(taxonomy, 1), scenario)


@EXAMPLES
@given(case=cases(max_layers=4))
def test_margins_are_the_coverages_of_the_analysis_minus_the_threshold(case):
    taxonomy, scenario = case
    found = sensitivity(coverage_model(taxonomy), scenario)
    plain = analyse(taxonomy, scenario)
    assert len(found.coverage) == len(plain.threats) == len(taxonomy.threats) > 0
    for i, threat in enumerate(plain.threats):
        assert math.isclose(found.coverage[i], threat.coverage, abs_tol=1e-12)
        assert math.isclose(
            found.best_layer[i], max(threat.by_layer, default=0.0), abs_tol=1e-12
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=4), dependence=st.sampled_from(DEPENDENCES))
def test_monte_carlo_with_degenerate_intervals_is_the_deterministic_analysis(
    case, dependence
):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=dependence)
    effect = scenario.effectiveness_map
    degenerate = {s: (effect[s], effect[s]) for s in STRENGTHS}
    mc = monte_carlo(
        coverage_model(taxonomy), scenario, samples=3, intervals=degenerate
    )
    plain = fast.analyse(taxonomy, scenario)
    for i, threat in enumerate(plain.threats):
        c = CLASSES.index(threat.coverage_class)
        assert mc.class_share[i, c] == 1.0
        assert mc.addressed[i] == (c >= 2)
        assert np.allclose(mc.coverage_percentiles[i], threat.coverage, atol=1e-6)
    assert set(mc.headline.tolist()) == {
        sum(c != "single-layer" for c in plain.classes.values())
    }


@settings(max_examples=10, deadline=None)
@given(strength=st.sampled_from(STRENGTHS), threshold=st.sampled_from([0.3, 0.5, 0.8]))
def test_the_chance_of_one_link_addressing_its_threat_converges_to_the_exact_value(
    strength, threshold
):
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=(Threat("t", "T"),),
        mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        mitigates=(Mitigates("m", "t", strength),),
    )
    low, high = DEFAULT_INTERVALS[strength]
    exact = min(max((high - threshold) / (high - low), 0.0), 1.0)
    samples = 20_000
    mc = monte_carlo(
        coverage_model(taxonomy), Scenario(threshold=threshold), samples=samples
    )
    sigma = math.sqrt(max(exact * (1 - exact), 1e-9) / samples)
    assert abs(mc.addressed[0] - exact) <= 5 * sigma + 1e-9


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(seed_taxonomy):
    model = coverage_model(seed_taxonomy)
    a = monte_carlo(model, Scenario(), samples=300, seed=7)
    b = monte_carlo(model, Scenario(), samples=300, seed=7)
    c = monte_carlo(model, Scenario(), samples=300, seed=8)
    assert np.array_equal(a.headline, b.headline)
    assert np.array_equal(a.coverage_percentiles, b.coverage_percentiles)
    assert not np.array_equal(a.coverage_percentiles, c.coverage_percentiles)


def test_the_seed_headline_counts_nine_of_twelve_with_its_range(seed_taxonomy):
    found = sensitivity(coverage_model(seed_taxonomy), Scenario())
    assert found.headline == headline_count(found.classes) == 9
    assert found.headline_higher <= found.headline <= found.headline_lower


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=4), data=st.data())
def test_the_draws_do_not_depend_on_the_order_of_the_layers(case, data):
    taxonomy, scenario = case
    shuffled = replace(
        taxonomy, layers=tuple(data.draw(st.permutations(taxonomy.layers)))
    )
    bands = _bands(scenario.effectiveness_map)
    a = monte_carlo(
        coverage_model(taxonomy), scenario, samples=20, seed=5, intervals=bands
    )
    b = monte_carlo(
        coverage_model(shuffled), scenario, samples=20, seed=5, intervals=bands
    )
    assert np.array_equal(a.headline, b.headline)
    assert np.allclose(a.coverage_percentiles, b.coverage_percentiles)
    assert np.array_equal(a.addressed, b.addressed)


def test_each_band_s_mean_is_its_strength_s_point_value():
    assert DEFAULT_EFFECTIVENESS
    for strength, e in DEFAULT_EFFECTIVENESS.items():
        low, high = DEFAULT_INTERVALS[strength]
        assert math.isclose((low + high) / 2, e, abs_tol=1e-12), strength


def test_the_settings_bands_are_centred_on_the_settings_point_values():
    from django.conf import settings as django_settings

    assert django_settings.LAYERWISE_UNCERTAINTY
    for strength, (low, high) in django_settings.LAYERWISE_UNCERTAINTY.items():
        expected = django_settings.LAYERWISE_EFFECTIVENESS[strength]
        assert math.isclose((low + high) / 2, expected, abs_tol=1e-12), strength


def test_monte_carlo_refuses_a_band_whose_mean_is_not_its_point_value():
    off = dict(DEFAULT_INTERVALS, high=(0.75, 0.95))
    model = coverage_model(Taxonomy())
    try:
        monte_carlo(model, Scenario(), samples=1, intervals=off)
    except ValueError as error:
        assert "'high'" in str(error) and "0.9" in str(error)
    else:
        raise AssertionError("an off-centre band was accepted")
    assert checked_intervals(DEFAULT_INTERVALS, DEFAULT_EFFECTIVENESS)


def _exact_moments(links, bands) -> tuple[float, float]:
    """Mean and variance of ``1 - prod(1 - e)`` over independent uniform links."""
    mean_u, mean_u2 = 1.0, 1.0
    for link in links:
        low, high = bands[link.strength]
        u_low, u_high = 1 - high, 1 - low
        mean_u *= (u_low + u_high) / 2
        mean_u2 *= (u_low * u_low + u_low * u_high + u_high * u_high) / 3
    return 1 - mean_u, max(mean_u2 - mean_u * mean_u, 0.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=3))
def test_with_independent_links_the_draws_scatter_around_the_judged_coverage(case):
    taxonomy, scenario = case
    scenario = replace(scenario, dependence=INDEPENDENT)
    bands = _bands(scenario.effectiveness_map)
    samples = 2000
    mc = monte_carlo(
        coverage_model(taxonomy), scenario, samples=samples, intervals=bands
    )
    threats = analyse(taxonomy, scenario).threats
    assert len(mc.coverage_mean) == len(threats) == len(taxonomy.threats) > 0
    for i, threat in enumerate(threats):
        mean, variance = _exact_moments(threat.links, bands)
        # Centred bands: the expected coverage is the judged coverage exactly.
        assert math.isclose(mean, threat.coverage, abs_tol=1e-9)
        allowed = 5 * math.sqrt(variance / samples) + 1e-6
        assert abs(mc.coverage_mean[i] - mean) <= allowed, threat.id


def test_a_lone_high_link_sits_at_its_judged_value_on_average():
    # The old band (0.75-0.95) put a lone high link's mean at 0.85, not 0.9.
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=(Threat("t", "T"),),
        mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        mitigates=(Mitigates("m", "t", "high"),),
    )
    mc = monte_carlo(coverage_model(taxonomy), Scenario(), samples=4000, seed=3)
    assert abs(mc.coverage_mean[0] - 0.9) < 0.003


def _entry_and_draws(case, samples: int = 200):
    taxonomy, scenario = case
    model = coverage_model(taxonomy)
    bands = _bands(scenario.effectiveness_map)
    entry = robustness_entry(model, scenario, samples=samples, seed=1, intervals=bands)
    draws = monte_carlo(model, scenario, samples=samples, seed=1, intervals=bands)
    return entry, draws.headline


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=3))
def test_the_range_of_most_readings_is_the_brute_force_one(case):
    entry, counts = _entry_and_draws(case)
    n = len(counts)
    histogram = entry["monte_carlo"]["headline"]["histogram"]
    low, high, share = central_range(histogram, n)
    values = sorted(set(counts.tolist()))
    assert low == max(c for c in values if (counts < c).sum() <= 0.05 * n)
    assert high == min(c for c in values if (counts > c).sum() <= 0.05 * n)
    assert share == ((counts >= low) & (counts <= high)).mean() >= 0.9
    assert middle_count(histogram, n) == sorted(counts.tolist())[math.ceil(n / 2) - 1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=3))
def test_the_crossing_shares_add_up_to_the_draws_mean_count(case):
    entry, counts = _entry_and_draws(case)
    joining, leaving = crossings(entry)
    expected = (
        entry["headline"]["count"] + sum(leaving.values()) - sum(joining.values())
    )
    assert math.isclose(
        counts.mean(), expected, abs_tol=1e-6 * (1 + len(entry["threats"]))
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_layers=3))
def test_the_middle_reading_is_explained_with_the_brute_force_share(case):
    entry, counts = _entry_and_draws(case)
    count = entry["headline"]["count"]
    words = typical_words(entry)
    middle = middle_count(entry["monte_carlo"]["headline"]["histogram"], len(counts))
    if middle == count:
        assert words == ""
        return
    side = "fewer" if middle < count else "more"
    beyond = (counts < count) if middle < count else (counts > count)
    assert f"{share_words(beyond.mean())} of readings count {side} than {count}." in (
        words
    )
    low, high, _ = central_range(entry["monte_carlo"]["headline"]["histogram"], 200)
    assert ("outside the range" in words) == (not low <= count <= high)
