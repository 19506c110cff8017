"""The robustness analysis with panels of judges, against the single-band
analysis it must reduce to and a closed form of the mixture."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.analysis import fast
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.panels import panel_draws, panels_of
from taxonomy.analysis.robustness import monte_carlo
from taxonomy.analysis.robustness_report import robustness_entry
from taxonomy.domain.judgements import Judgement
from taxonomy.domain.records import (
    STRENGTHS,
    Layer,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import Scenario
from tests.taxonomy.analysis.test_properties import cases
from tests.taxonomy.analysis.test_robustness import _bands, _unique_links

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _without_panels(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "panels"}


def _restrengthened(taxonomy: Taxonomy, strengths: dict) -> Taxonomy:
    links = tuple(
        replace(m, strength=strengths.get((m.mitigation, m.threat), m.strength))
        for m in taxonomy.mitigates
    )
    return replace(taxonomy, mitigates=links)


@EXAMPLES
@given(case=cases(max_layers=4), data=st.data(), seed=st.integers(0, 2**32))
def test_one_judge_per_link_gives_the_analysis_with_their_strengths(case, data, seed):
    taxonomy, scenario = case
    taxonomy = _unique_links(taxonomy)
    bands = _bands(scenario.effectiveness_map)
    judged = {
        (m.mitigation, m.threat): data.draw(st.sampled_from(STRENGTHS))
        for m in taxonomy.mitigates
        if data.draw(st.booleans())
    }
    judgements = [Judgement(m, t, "ada", s) for (m, t), s in judged.items()]
    panels = panel_draws(panels_of(judgements, bands=bands))
    draws = {"samples": 50, "seed": seed, "intervals": bands}
    with_panels = robustness_entry(
        coverage_model(taxonomy), scenario, panels=panels, **draws
    )
    rejudged = robustness_entry(
        coverage_model(_restrengthened(taxonomy, judged)), scenario, **draws
    )
    assert _without_panels(with_panels) == _without_panels(rejudged)
    assert len(with_panels["panels"]) == len(judged)
    assert all(p["judges"] == 1 for p in with_panels["panels"])


@EXAMPLES
@given(case=cases(max_layers=4), data=st.data(), seed=st.integers(0, 2**32))
def test_judges_who_all_agree_draw_the_single_band_numbers(case, data, seed):
    taxonomy, scenario = case
    taxonomy = _unique_links(taxonomy)
    bands = _bands(scenario.effectiveness_map)
    judgements = [
        Judgement(m.mitigation, m.threat, f"judge-{j}", m.strength)
        for m in taxonomy.mitigates
        for j in range(data.draw(st.integers(0, 5)))
    ]
    panels = panel_draws(panels_of(judgements, bands=bands))
    draws = {"samples": 60, "seed": seed, "intervals": bands}
    model = coverage_model(taxonomy)
    a = monte_carlo(model, scenario, panels=panels, **draws)
    b = monte_carlo(model, scenario, **draws)
    assert np.array_equal(a.addressed, b.addressed)
    assert np.array_equal(a.coverage_percentiles, b.coverage_percentiles)
    assert np.array_equal(a.headline, b.headline)
    assert _without_panels(
        robustness_entry(model, scenario, panels=panels, **draws)
    ) == _without_panels(robustness_entry(model, scenario, **draws))


def test_a_split_panel_is_addressed_as_often_as_the_judges_who_say_it_is():
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=(Threat("t", "T"),),
        mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        mitigates=(Mitigates("m", "t", "high"),),
    )
    # One judge in three believes e is at least 0.85: P(addressed) = 1/3.
    judgements = [
        Judgement("m", "t", "a", "high", (0.85, 0.95)),
        Judgement("m", "t", "b", "low", (0.1, 0.3)),
        Judgement("m", "t", "c", "medium", (0.5, 0.7)),
    ]
    bands = {"low": (0.15, 0.45), "medium": (0.45, 0.75), "high": (0.85, 0.95)}
    panels = panel_draws(panels_of(judgements, bands=bands))
    samples = 20_000
    mc = monte_carlo(
        coverage_model(taxonomy), Scenario(), samples=samples, seed=3, panels=panels
    )
    sigma = math.sqrt((1 / 3) * (2 / 3) / samples)
    assert abs(mc.addressed[0] - 1 / 3) <= 5 * sigma


def test_the_entry_counts_a_panel_at_its_median_and_names_it():
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=(Threat("t", "T"),),
        mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        mitigates=(Mitigates("m", "t", "high"),),
    )
    judgements = [
        Judgement("m", "t", "a", "low"),
        Judgement("m", "t", "b", "medium"),
        Judgement("m", "t", "c", "high"),
        Judgement("gone", "t", "d", "high"),  # a link the taxonomy lacks
    ]
    bands = {"low": (0.15, 0.45), "medium": (0.45, 0.75), "high": (0.85, 0.95)}
    panels = panel_draws(panels_of(judgements, bands=bands))
    entry = robustness_entry(
        coverage_model(taxonomy), Scenario(), panels=panels, samples=20
    )
    assert entry["threats"][0]["class"] == "insufficient"  # medium: 0.6 < 0.8
    assert entry["panels"] == [
        {
            "mitigation": "m",
            "threat": "t",
            "judges": 3,
            "strength": "medium",
            "editorial_strength": "high",
            "spread": 2,
            "agreement": 1.0,
            "counts": {"low": 1, "medium": 1, "high": 1},
            # low keeps it insufficient, high makes it single-layer
            "dependence": 0.5,
            "contested": 0.5,
        }
    ]


def _one_step(taxonomy: Taxonomy, link: tuple, step: int) -> Taxonomy:
    """The link one step lower or higher, as the robustness analysis moves it:
    ``low`` one step lower is the link removed, ``high`` one step higher stays
    ``high``."""
    kept = []
    for m in taxonomy.mitigates:
        at = STRENGTHS.index(m.strength) + step
        if (m.mitigation, m.threat) != link:
            kept.append(m)
        elif at >= 0:
            kept.append(replace(m, strength=STRENGTHS[min(at, len(STRENGTHS) - 1)]))
    return replace(taxonomy, mitigates=tuple(kept))


@EXAMPLES
@given(case=cases(max_layers=4), data=st.data())
def test_a_panels_dependence_counts_the_moves_that_change_its_threats_class(case, data):
    taxonomy, scenario = case
    taxonomy = _unique_links(taxonomy)
    bands = _bands(scenario.effectiveness_map)
    judgements = [
        Judgement(m.mitigation, m.threat, judge, data.draw(st.sampled_from(STRENGTHS)))
        for m in taxonomy.mitigates
        for judge in ("a", "b", "c")
    ]
    panels = panel_draws(panels_of(judgements, bands=bands))
    entry = robustness_entry(
        coverage_model(taxonomy), scenario, panels=panels, samples=2, intervals=bands
    )
    judged = _restrengthened(taxonomy, {(p[0], p[1]): p[2] for p in panels})
    enabled = fast.analyse(judged, scenario).classes
    for panel in entry["panels"]:
        link = (panel["mitigation"], panel["threat"])
        # (a disabled link's moves change nothing, here as in the brute force)
        moved = [
            fast.analyse(_one_step(judged, link, step), scenario).classes[link[1]]
            != enabled[link[1]]
            for step in (-1, 1)
        ]
        assert panel["dependence"] == sum(moved) / 2
        assert panel["contested"] == pytest.approx(panel["spread"] / 2 * sum(moved) / 2)
