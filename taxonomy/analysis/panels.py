"""What a panel of judges says about a link: its strength, spread and agreement.

The rules (docs/model.md, "Panels of judges"), on the strengths as ordinal
codes 0 (low), 1 (medium), 2 (high):

- a judge counts once per link: their latest judgement (by date, then by the
  order given);
- the panel's **strength** is the median; between the two middle judgements
  of an even panel the tie rule of the settings (``LAYERWISE_PANEL_TIE``)
  takes the ``lower`` (default: the cautious reading) or the ``higher``;
- its **spread** is the interquartile range in steps, Q3 - Q1, each quartile
  the smallest strength that at least that share of the judges give or stay
  under (an ordinal quantile: always a strength some judge gave);
- its **agreement** is the share of judges within one step of the median;
- a round's agreement is Krippendorff's alpha for ordinal data over its
  links (units) and judges (coders); None when it is undefined (fewer than
  two pairable judgements, or every judgement the same).

The Monte Carlo reads a panel as an equal-weight mixture: one judge drawn at
random, then an effectiveness from that judge's interval, or from the band of
their strength (``panel_draws``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from taxonomy.domain.judgements import TIES, Judgement
from taxonomy.domain.records import STRENGTHS

CODE = {s: i for i, s in enumerate(STRENGTHS)}


def ordinal_quantile(codes: Sequence[int], share: float) -> int:
    """The smallest code that at least ``share`` of ``codes`` reach or stay under.

    >>> ordinal_quantile([0, 1, 1, 2], 0.25), ordinal_quantile([0, 1, 1, 2], 0.75)
    (0, 1)
    """
    ordered = sorted(codes)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def panel_median(codes: Sequence[int], tie: str = "lower") -> int:
    """The median code; an even panel split between two codes takes the
    ``lower`` or the ``higher`` of its two middle codes.

    >>> panel_median([0, 2]), panel_median([0, 2], "higher"), panel_median([0, 1, 2])
    (0, 2, 1)
    """
    if tie not in TIES:
        raise ValueError(f"tie must be one of {', '.join(TIES)}, got {tie!r}")
    ordered = sorted(codes)
    middle = (len(ordered) - 1) // 2
    if tie == "higher" and len(ordered) % 2 == 0:
        middle += 1
    return ordered[middle]


def panel_spread(codes: Sequence[int]) -> int:
    """The interquartile range in steps.

    >>> panel_spread([0, 0, 1, 2]), panel_spread([1, 1, 1])
    (1, 0)
    """
    return ordinal_quantile(codes, 0.75) - ordinal_quantile(codes, 0.25)


def within_one_step(codes: Sequence[int], median: int) -> float:
    """The share of ``codes`` at most one step from ``median``.

    >>> within_one_step([0, 1, 2, 2], 2)
    0.75
    """
    return sum(abs(c - median) <= 1 for c in codes) / len(codes)


def ordinal_alpha(units: Iterable[Sequence[int]], levels: int = 3) -> float | None:
    """Krippendorff's alpha for ordinal data: ``units`` are the codes the
    judges gave each unit (a link), in any number; None where undefined.

    >>> ordinal_alpha([[0, 0], [2, 2], [1, 1]])
    1.0
    >>> round(ordinal_alpha([[0, 1], [2, 2], [1, 0], [2, 1]]), 4)
    0.4983
    >>> ordinal_alpha([[1, 1], [1]]) is None
    True
    """
    counts = np.array(
        [np.bincount(u, minlength=levels) for u in units if len(u) >= 2],
        dtype=float,
    ).reshape(-1, levels)
    pairable = counts.sum(axis=1)
    coincidence = (
        (counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(levels))
        / (pairable - 1)[:, None, None]
    ).sum(axis=0)
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    below = np.concatenate([[0.0], np.cumsum(n_c)])
    c, k = (
        np.minimum.outer(range(levels), range(levels)),
        np.maximum.outer(range(levels), range(levels)),
    )
    delta = (below[k + 1] - below[c] - (n_c[c] + n_c[k]) / 2) ** 2
    expected = (np.outer(n_c, n_c) * delta).sum()
    if n < 2 or expected == 0:
        return None
    return float(1 - (n - 1) * (coincidence * delta).sum() / expected)


@dataclass(frozen=True, slots=True)
class Panel:
    """What the judges of one link say together.

    ``strengths``: the code each judge gave, in judge order; ``intervals``:
    the effectiveness interval each judge's draws come from.
    """

    mitigation: str
    threat: str
    judges: tuple[str, ...]
    strengths: tuple[int, ...]
    intervals: tuple[tuple[float, float], ...]
    strength: int
    spread: int
    agreement: float

    def as_dict(self) -> dict:
        """The panel as the coverage document shows it."""
        return {
            "mitigation": self.mitigation,
            "threat": self.threat,
            "judges": len(self.judges),
            "strength": STRENGTHS[self.strength],
            "spread": self.spread,
            "agreement": round(self.agreement, 6),
            "counts": {s: self.strengths.count(i) for i, s in enumerate(STRENGTHS)},
        }


def revised(judgements: Iterable[Judgement]) -> list[Judgement]:
    """The judgements left when a round's phase-2 revision replaces the same
    judge's phase-1 answer of the link in that round (whatever their dates).

    >>> [j.strength for j in revised([Judgement("m", "t", "a", "low", round="r",
    ...     phase=1, date="2026-02-01"), Judgement("m", "t", "a", "high",
    ...     round="r", phase=2, date="2026-01-01")])]
    ['high']
    """
    judgements = list(judgements)
    second = {(j.link, j.judge, j.round) for j in judgements if j.phase == 2}
    return [
        j
        for j in judgements
        if j.phase == 2 or (j.link, j.judge, j.round) not in second
    ]


def latest_by_judge(judgements: Iterable[Judgement]) -> dict[tuple, list[Judgement]]:
    """Link -> each judge's latest judgement of it (a round's phase-2
    revision over their phase-1 answer, ``revised``; then the latest date,
    then the last given), judges in name order.

    >>> j = [Judgement("m", "t", "b", "low", date="2026-01-02"),
    ...      Judgement("m", "t", "a", "high", date="2026-01-01"),
    ...      Judgement("m", "t", "b", "medium", date="2026-01-01")]
    >>> [(x.judge, x.strength) for x in latest_by_judge(j)[("m", "t")]]
    [('a', 'high'), ('b', 'low')]
    """
    latest: dict[tuple, dict[str, tuple]] = {}
    for order, judgement in enumerate(revised(judgements)):
        mine = latest.setdefault(judgement.link, {})
        key = (judgement.date, order)
        if judgement.judge not in mine or mine[judgement.judge][0] <= key:
            mine[judgement.judge] = (key, judgement)
    return {
        link: [mine[judge][1] for judge in sorted(mine)]
        for link, mine in latest.items()
    }


def panels_of(
    judgements: Iterable[Judgement],
    *,
    bands: Mapping[str, tuple[float, float]],
    tie: str = "lower",
) -> dict[tuple[str, str], Panel]:
    """``(mitigation, threat)`` -> its panel, for every link with a judgement.

    ``bands``: strength -> the effectiveness interval of a judge who gave no
    interval of their own.

    >>> bands = {"low": (0.1, 0.5), "medium": (0.4, 0.8), "high": (0.8, 1.0)}
    >>> p = panels_of([Judgement("m", "t", "a", "low"),
    ...     Judgement("m", "t", "b", "high", (0.9, 0.95))], bands=bands)[("m", "t")]
    >>> STRENGTHS[p.strength], p.spread, p.agreement, p.intervals
    ('low', 2, 0.5, ((0.1, 0.5), (0.9, 0.95)))
    """
    out = {}
    for link, given in latest_by_judge(judgements).items():
        codes = tuple(CODE[j.strength] for j in given)
        median = panel_median(codes, tie)
        out[link] = Panel(
            mitigation=link[0],
            threat=link[1],
            judges=tuple(j.judge for j in given),
            strengths=codes,
            intervals=tuple(
                tuple(map(float, j.interval or bands[j.strength])) for j in given
            ),
            strength=median,
            spread=panel_spread(codes),
            agreement=within_one_step(codes, median),
        )
    return out


def panel_draws(panels: Mapping[tuple[str, str], Panel]) -> list[list]:
    """The panels as the robustness analysis takes them: ``[mitigation,
    threat, strength, [[low, high] per judge], [strength per judge]]``, by
    link (plain lists: they travel in a coverage query and its cache key).

    >>> bands = {"low": (0.1, 0.5), "medium": (0.4, 0.8), "high": (0.8, 1.0)}
    >>> panel_draws(panels_of([Judgement("m", "t", "a", "low")], bands=bands))
    [['m', 't', 'low', [[0.1, 0.5]], ['low']]]
    """
    return [
        [
            p.mitigation,
            p.threat,
            STRENGTHS[p.strength],
            [list(i) for i in p.intervals],
            [STRENGTHS[c] for c in p.strengths],
        ]
        for _, p in sorted(panels.items())
    ]


def panel_summary(draw: Sequence, editorial: str, dependence: float = 0.0) -> dict:
    """One ``panel_draws`` entry as the coverage document lists it, with the
    link's ``editorial`` strength (what it would be without the panel), how
    much its threat's class depends on it (``dependence``: the share of its
    two one-step moves that change the class) and how contested it is
    (``contested``: the spread, as a share of the widest, times dependence).

    >>> panel_summary(["m", "t", "low", [[0.1, 0.5], [0.8, 1.0]], ["low", "high"]],
    ...     "medium", 0.5)  # doctest: +NORMALIZE_WHITESPACE
    {'mitigation': 'm', 'threat': 't', 'judges': 2, 'strength': 'low',
     'editorial_strength': 'medium', 'spread': 2, 'agreement': 0.5,
     'counts': {'low': 1, 'medium': 0, 'high': 1}, 'dependence': 0.5,
     'contested': 0.5}
    """
    codes = [CODE[s] for s in draw[4]]
    spread = panel_spread(codes)
    return {
        "mitigation": draw[0],
        "threat": draw[1],
        "judges": len(codes),
        "strength": draw[2],
        "editorial_strength": editorial,
        "spread": spread,
        "agreement": round(within_one_step(codes, CODE[draw[2]]), 6),
        "counts": {s: codes.count(i) for i, s in enumerate(STRENGTHS)},
        "dependence": dependence,
        "contested": round(spread / (len(STRENGTHS) - 1) * dependence, 6),
    }


def most_contested(panels: Iterable[Mapping]) -> list[Mapping]:
    """The panels whose disagreement matters, most contested first: those with
    some spread on a link their threat's class depends on, by ``contested``,
    then by more judges, then by threat and mitigation.

    >>> [p["mitigation"] for p in most_contested([
    ...     {"mitigation": "a", "threat": "t", "judges": 3, "contested": 0.5},
    ...     {"mitigation": "b", "threat": "t", "judges": 3, "contested": 0.0},
    ...     {"mitigation": "c", "threat": "t", "judges": 9, "contested": 0.5}])]
    ['c', 'a']
    """
    return sorted(
        (p for p in panels if p["contested"] > 0),
        key=lambda p: (-p["contested"], -p["judges"], p["threat"], p["mitigation"]),
    )


def round_alpha(judgements: Iterable[Judgement]) -> float | None:
    """Krippendorff's alpha (ordinal) of a round's latest judgements.

    >>> round_alpha([Judgement("m", "t", "a", "low"), Judgement("m", "t", "b", "low"),
    ...     Judgement("n", "t", "a", "high"), Judgement("n", "t", "b", "high")])
    1.0
    """
    by_link = latest_by_judge(judgements)
    return ordinal_alpha(
        [CODE[j.strength] for j in given] for _, given in sorted(by_link.items())
    )


def phase_movement(judgements: Iterable[Judgement]) -> dict[tuple, dict]:
    """Link -> how a round's panel moved between its phases: the answers per
    strength after phase 1 (``before``: each judge's phase-1 answer) and
    now (``after``: each judge's latest, ``latest_by_judge``), how many
    judges gave a phase-2 revision (``revised``) and how many of them
    changed their strength (``changed``).

    >>> moved = phase_movement([Judgement("m", "t", "a", "low", round="r", phase=1),
    ...     Judgement("m", "t", "a", "medium", round="r", phase=2),
    ...     Judgement("m", "t", "b", "medium", round="r", phase=1)])[("m", "t")]
    >>> moved["before"], moved["after"], moved["revised"], moved["changed"]
    ({'low': 1, 'medium': 1, 'high': 0}, {'low': 0, 'medium': 2, 'high': 0}, 1, 1)
    """
    judgements = list(judgements)
    first = latest_by_judge(j for j in judgements if j.phase != 2)
    second = {(j.link, j.judge): j.strength for j in judgements if j.phase == 2}
    out = {}
    for link, given in latest_by_judge(judgements).items():
        before = {j.judge: j.strength for j in first.get(link, [])}
        mine = [(before.get(j.judge), second.get((link, j.judge))) for j in given]
        out[link] = {
            "before": {s: list(before.values()).count(s) for s in STRENGTHS},
            "after": {s: [j.strength for j in given].count(s) for s in STRENGTHS},
            "revised": sum(now is not None for _, now in mine),
            "changed": sum(
                was is not None and now is not None and was != now for was, now in mine
            ),
        }
    return out


def round_alphas(judgements: Iterable[Judgement]) -> dict[str, float | None]:
    """A round's Krippendorff's alpha (ordinal) after phase 1 (each judge's
    phase-1 answers) and now (each judge's latest).

    >>> round_alphas([Judgement("m", "t", "a", "low", round="r", phase=1),
    ...     Judgement("m", "t", "b", "high", round="r", phase=1),
    ...     Judgement("m", "t", "b", "low", round="r", phase=2),
    ...     Judgement("n", "t", "a", "high", round="r", phase=1),
    ...     Judgement("n", "t", "b", "high", round="r", phase=1)])
    {'phase_1': 0.0, 'latest': 1.0}
    """
    judgements = list(judgements)
    return {
        "phase_1": round_alpha(j for j in judgements if j.phase != 2),
        "latest": round_alpha(judgements),
    }
