"""How a round's panel moved between its phases, and its alpha before and
after (issue 27): against direct computations on random rounds (hypothesis),
the alphas against the `krippendorff` package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxonomy.analysis.panels import panels_of, phase_movement, round_alphas
from taxonomy.domain.judgements import Judgement
from taxonomy.domain.records import STRENGTHS

BANDS = {"low": (0.1, 0.5), "medium": (0.4, 0.8), "high": (0.8, 1.0)}
JUDGES = ("a", "b", "c", "d", "e")
LINKS = (("m1", "t"), ("m2", "t"), ("m3", "u"))

# Per link and judge: no answer, a phase-1 answer, or a phase-1 answer and a
# phase-2 revision (codes), or a revision alone (a judge who came late).
answers = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 2), st.none()),
    st.tuples(st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.none(), st.integers(0, 2)),
)
rounds = st.lists(
    st.lists(answers, min_size=len(JUDGES), max_size=len(JUDGES)),
    min_size=len(LINKS),
    max_size=len(LINKS),
)


def _judgements(grid, dates) -> list[Judgement]:
    """The round's judgements; a phase-2 revision may carry an earlier date
    than the answer it revises (a survey's file): the phase decides."""
    out = []
    for (m, t), row in zip(LINKS, grid, strict=True):
        for judge, answer in zip(JUDGES, row, strict=True):
            if answer is None:
                continue
            for phase, code in ((1, answer[0]), (2, answer[1])):
                if code is not None:
                    out.append(
                        Judgement(
                            m,
                            t,
                            judge,
                            STRENGTHS[code],
                            round="r",
                            phase=phase,
                            date=dates[phase],
                        )
                    )
    return out


def _latest(answer) -> int | None:
    if answer is None:
        return None
    return answer[1] if answer[1] is not None else answer[0]


def _package_alpha(units: list[list[int | None]]) -> float | None:
    data = np.array(
        [[np.nan if c is None else c for c in unit] for unit in units], dtype=float
    ).T
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = krippendorff.alpha(
                reliability_data=data,
                level_of_measurement="ordinal",
                value_domain=[0, 1, 2],
            )
    except ValueError:
        return None
    return float(value) if np.isfinite(value) else None


dates = st.sampled_from(
    [
        {1: "2026-01-01", 2: "2026-01-05"},
        {1: "2026-01-05", 2: "2026-01-01"},
        {1: "", 2: ""},
    ]
)


@settings(max_examples=200)
@given(rounds, dates)
def test_the_movement_equals_a_direct_count(grid, when):
    moved = phase_movement(_judgements(grid, when))
    for link, row in zip(LINKS, grid, strict=True):
        given_ = [a for a in row if a is not None]
        if not given_:
            assert link not in moved
            continue
        firsts = [a[0] for a in given_ if a[0] is not None]
        latest = [_latest(a) for a in given_]
        assert moved[link] == {
            "before": {s: firsts.count(i) for i, s in enumerate(STRENGTHS)},
            "after": {s: latest.count(i) for i, s in enumerate(STRENGTHS)},
            "revised": sum(a[1] is not None for a in given_),
            "changed": sum(
                a[0] is not None and a[1] is not None and a[0] != a[1] for a in given_
            ),
        }


@settings(max_examples=200)
@given(rounds, dates)
def test_the_alphas_equal_the_krippendorff_package(grid, when):
    ours = round_alphas(_judgements(grid, when))
    first = [[None if a is None else a[0] for a in row] for row in grid]
    latest = [[_latest(a) for a in row] for row in grid]
    for name, units in (("phase_1", first), ("latest", latest)):
        theirs = _package_alpha(units)
        if ours[name] is None:
            assert theirs is None, name
        else:
            assert ours[name] == pytest.approx(theirs, abs=1e-9), name


@settings(max_examples=100)
@given(rounds, dates)
def test_the_panel_counts_each_judges_revision_over_their_first_answer(grid, when):
    panels = panels_of(_judgements(grid, when), bands=BANDS)
    for link, row in zip(LINKS, grid, strict=True):
        latest = [_latest(a) for a in row if a is not None]
        if latest:
            assert panels[link].strengths == tuple(latest)
