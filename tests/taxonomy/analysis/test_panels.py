"""The panels' aggregation against direct computations, and Krippendorff's
alpha against the maintained ``krippendorff`` package."""

from __future__ import annotations

import statistics

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxonomy.analysis.panels import (
    ordinal_alpha,
    panel_median,
    panel_spread,
    panels_of,
    round_alpha,
    within_one_step,
)
from taxonomy.domain.judgements import Judgement
from taxonomy.domain.records import STRENGTHS

BANDS = {"low": (0.15, 0.45), "medium": (0.45, 0.75), "high": (0.85, 0.95)}
panel = st.lists(st.integers(0, 2), min_size=1, max_size=40)


def _quantile_by_counting(codes, share):
    return min(v for v in range(3) if sum(c <= v for c in codes) >= share * len(codes))


@given(panel)
def test_the_median_is_the_low_or_high_median(codes):
    assert panel_median(codes, "lower") == statistics.median_low(codes)
    assert panel_median(codes, "higher") == statistics.median_high(codes)


@given(panel)
def test_the_spread_is_the_interquartile_range_of_the_strengths_given(codes):
    q1, q3 = np.percentile(codes, [25, 75], method="inverted_cdf")
    assert panel_spread(codes) == int(q3 - q1)
    assert panel_spread(codes) == _quantile_by_counting(
        codes, 0.75
    ) - _quantile_by_counting(codes, 0.25)


@given(panel, st.integers(0, 2))
def test_agreement_is_the_share_within_one_step(codes, median):
    near = [c for c in codes if c in (median - 1, median, median + 1)]
    assert within_one_step(codes, median) == len(near) / len(codes)


def test_a_panel_split_low_and_high_is_low_by_default_and_disagrees():
    judged = [Judgement("m", "t", "a", "low"), Judgement("m", "t", "b", "high")]
    found = panels_of(judged, bands=BANDS)[("m", "t")]
    assert (STRENGTHS[found.strength], found.spread, found.agreement) == ("low", 2, 0.5)
    higher = panels_of(judged, bands=BANDS, tie="higher")[("m", "t")]
    assert STRENGTHS[higher.strength] == "high"


def test_a_judge_counts_once_with_their_latest_judgement():
    judged = [
        Judgement("m", "t", "a", "low", date="2026-01-01"),
        Judgement("m", "t", "a", "high", date="2026-02-01"),
        Judgement("m", "t", "b", "high", date="2026-01-15"),
    ]
    found = panels_of(judged, bands=BANDS)[("m", "t")]
    assert found.judges == ("a", "b") and STRENGTHS[found.strength] == "high"


def test_an_unknown_tie_rule_is_refused():
    with pytest.raises(ValueError, match="tie must be one of lower, higher"):
        panel_median([0, 1], "middle")


# A round: links (units) × judges (coders), a judge may leave a link unjudged.
rounds = st.integers(1, 8).flatmap(
    lambda judges: st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(0, 2)), min_size=judges, max_size=judges
        ),
        min_size=1,
        max_size=12,
    )
)


@settings(max_examples=300)
@given(rounds)
def test_alpha_equals_the_krippendorff_package(units):
    ours = ordinal_alpha([[c for c in unit if c is not None] for unit in units])
    data = np.array(
        [[np.nan if c is None else c for c in unit] for unit in units], dtype=float
    ).T
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            theirs = krippendorff.alpha(
                reliability_data=data,
                level_of_measurement="ordinal",
                value_domain=[0, 1, 2],
            )
    except ValueError:  # fewer than two pairable values: undefined
        theirs = float("nan")
    if ours is None:
        assert not np.isfinite(theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_a_rounds_alpha_reads_each_judges_latest_judgement():
    judged = [
        Judgement("m", "t", "a", "high", date="2026-01-01"),
        Judgement("m", "t", "a", "low", date="2026-01-02"),
        Judgement("m", "t", "b", "low"),
        Judgement("n", "t", "a", "high"),
        Judgement("n", "t", "b", "high"),
    ]
    assert round_alpha(judged) == 1.0
