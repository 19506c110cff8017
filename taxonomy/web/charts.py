"""Geometry of the small server-rendered SVG charts; the templates only draw it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from taxonomy.analysis.robustness_report import share_words


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its box in the chart's coordinates and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    count: int
    draws: int
    share: float


@dataclass(frozen=True, slots=True)
class Histogram:
    """A bar chart of how many draws gave each count, with a text equivalent."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    lowest: int
    highest: int
    samples: int
    marked: int | None

    def describe(self) -> str:
        """The chart in one sentence, for assistive technology.

        >>> Histogram(100, 40, (Bar(0, 0, 10, 40, 9, 3, 0.75),
        ...     Bar(10, 30, 10, 10, 10, 1, 0.25)), 9, 10, 4, 9).describe()
        'Of 4 random readings: 75% give 9, 25% give 10.'
        """
        parts = [f"{share_words(b.share)} give {b.count}" for b in self.bars if b.draws]
        return f"Of {self.samples:,} random readings: {', '.join(parts)}."

    @property
    def marked_drawn(self) -> bool:
        """Whether some reading gives the marked (judged) count, so its bar shows.

        >>> Histogram(10, 4, (Bar(0, 0, 9, 4, 9, 3, 1.0),), 9, 9, 3, 8).marked_drawn
        False
        """
        return any(b.count == self.marked and b.draws for b in self.bars)


def headline_histogram(
    monte_carlo: Mapping,
    *,
    marked: int | None = None,
    width: int = 240,
    height: int = 72,
) -> Histogram:
    """The distribution of the headline count over the Monte Carlo draws.

    ``monte_carlo`` is the robustness section's ``monte_carlo``; ``marked``
    the headline of the deterministic analysis, drawn apart.

    >>> h = headline_histogram({"samples": 4, "headline": {"histogram": [
    ...     {"count": 9, "draws": 3}, {"count": 11, "draws": 1}]}})
    >>> [(b.count, b.draws, b.x, round(b.height)) for b in h.bars]
    [(9, 3, 0.0, 72), (10, 0, 80.0, 0), (11, 1, 160.0, 24)]
    """
    counts = {e["count"]: e["draws"] for e in monte_carlo["headline"]["histogram"]}
    samples = monte_carlo["samples"]
    if not counts:
        return Histogram(width, height, (), 0, 0, samples, marked)
    lowest, highest = min(counts), max(counts)
    slots = highest - lowest + 1
    step = width / slots
    tallest = max(counts.values())
    bars = []
    for i, count in enumerate(range(lowest, highest + 1)):
        draws = counts.get(count, 0)
        h = height * draws / tallest
        bars.append(
            Bar(i * step, height - h, step * 0.9, h, count, draws, draws / samples)
        )
    return Histogram(width, height, tuple(bars), lowest, highest, samples, marked)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the frontier: where its dot is and what it stands for."""

    x: float
    y: float
    budget: float
    addressed: int


@dataclass(frozen=True, slots=True)
class StepChart:
    """The efficient frontier as a step line: the best count each budget buys."""

    width: int
    height: int
    path: str
    steps: tuple[Step, ...]
    top: int
    most: float

    def describe(self) -> str:
        """The chart in one sentence, for assistive technology.

        >>> StepChart(100, 40, "", (Step(0, 40, 0.0, 2), Step(50, 0, 1.0, 4)),
        ...     4, 1.0).describe()
        'Threats addressed by budget: 2 at 0, 4 at 1.'
        """
        parts = [f"{s.addressed} at {s.budget:g}" for s in self.steps]
        return f"Threats addressed by budget: {', '.join(parts)}."


def frontier_chart(
    steps: Sequence[Mapping], *, width: int = 320, height: int = 120
) -> StepChart:
    """A step chart of the frontier's steps (``budget``, ``addressed`` each).

    The x axis runs from budget 0 to one unit past the last step, the y axis
    from 0 to the last step's count; each step holds until the next one's
    budget.

    >>> c = frontier_chart([{"budget": 0.0, "addressed": 2},
    ...     {"budget": 1.0, "addressed": 4}], width=100, height=40)
    >>> [(s.x, s.y) for s in c.steps]
    [(0.0, 20.0), (50.0, 0.0)]
    >>> c.path
    'M0.0,20.0 H50.0 V0.0 H100.0'
    >>> frontier_chart([]).path
    ''
    """
    if not steps:
        return StepChart(width, height, "", (), 0, 0.0)
    most = float(steps[-1]["budget"]) + 1.0
    top = max(int(s["addressed"]) for s in steps) or 1
    points = tuple(
        Step(
            round(width * float(s["budget"]) / most, 1),
            round(height * (1 - int(s["addressed"]) / top), 1),
            float(s["budget"]),
            int(s["addressed"]),
        )
        for s in steps
    )
    path = f"M{points[0].x},{points[0].y}"
    for point in points[1:]:
        path += f" H{point.x} V{point.y}"
    return StepChart(width, height, f"{path} H{float(width)}", points, top, most)
