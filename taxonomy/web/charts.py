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

    @property
    def words(self) -> str:
        """What the bar stands for, rounded as the chart's sentence rounds it.

        >>> Bar(0, 0, 1, 1, 10, 3, 0.0015).words, Bar(0, 0, 1, 1, 11, 0, 0.0).words
        ('10: under 1% of the readings', '11: no reading')
        """
        if not self.draws:
            return f"{self.count}: no reading"
        return f"{self.count}: {share_words(self.share)} of the readings"


@dataclass(frozen=True, slots=True)
class Chart:
    """The box every chart is drawn in, in the SVG's own units (its viewBox)."""

    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Histogram(Chart):
    """A bar chart of how many draws gave each count, with a text equivalent."""

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
class StepChart(Chart):
    """The efficient frontier as a step line: the best count each budget buys."""

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


def _step_path(xs: Sequence[float], ys: Sequence[float], end: float) -> str:
    """A step line through the points, each value held until the next x.

    >>> _step_path([0.0, 50.0], [20.0, 5.0], 100.0)
    'M0.0,20.0 H50.0 V5.0 H100.0'
    """
    path = f"M{xs[0]},{ys[0]}"
    for x, y in zip(xs[1:], ys[1:], strict=True):
        path += f" H{x} V{y}"
    return f"{path} H{end}"


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
    path = _step_path([p.x for p in points], [p.y for p in points], float(width))
    return StepChart(width, height, path, points, top, most)


@dataclass(frozen=True, slots=True)
class Point:
    """One date of a timeline: where its dots are and what they stand for."""

    x: float
    date: str
    addressed: int
    no_single_layer: int
    y_addressed: float
    y_no_single_layer: float


@dataclass(frozen=True, slots=True)
class Timeline(Chart):
    """One jurisdiction's headline across dates: two step lines, the threats
    addressed and the threats no single layer addresses, each holding from
    its date to the next (dates evenly spaced, in order)."""

    name: str
    threats: int
    points: tuple[Point, ...]
    addressed_path: str
    no_single_layer_path: str

    def describe(self) -> str:
        """The chart in one sentence, for assistive technology.

        >>> Timeline(100, 40, "the EU", 12, (Point(0, "2025-01-01", 2, 10, 0, 0),
        ...     Point(50, "2026-01-01", 4, 9, 0, 0)), "", "").describe()
        'In the EU, of 12 threats: on 2025-01-01, 2 addressed and 10 that no single layer addresses; on 2026-01-01, 4 addressed and 9 that no single layer addresses.'
        """
        parts = [
            f"on {p.date}, {p.addressed} addressed and {p.no_single_layer} that "
            "no single layer addresses"
            for p in self.points
        ]
        return f"In {self.name}, of {self.threats} threats: {'; '.join(parts)}."


def timeline_chart(
    points: Sequence[Mapping],
    *,
    name: str,
    threats: int,
    width: int = 320,
    height: int = 90,
) -> Timeline:
    """A jurisdiction's headline per date (``date``, ``addressed`` and
    ``no_single_layer`` each) as two step lines from 0 to ``threats``.

    >>> c = timeline_chart([{"date": "2025-01-01", "addressed": 0,
    ...     "no_single_layer": 4}, {"date": "2026-01-01", "addressed": 2,
    ...     "no_single_layer": 3}], name="the EU", threats=4, width=100, height=40)
    >>> [(p.x, p.y_addressed, p.y_no_single_layer) for p in c.points]
    [(0.0, 40.0, 0.0), (50.0, 20.0, 10.0)]
    >>> c.addressed_path
    'M0.0,40.0 H50.0 V20.0 H100.0'
    """
    top = max(threats, 1)
    step = width / max(len(points), 1)

    def y(count: int) -> float:
        return round(height * (1 - count / top), 1)

    drawn = tuple(
        Point(
            round(i * step, 1),
            p["date"],
            int(p["addressed"]),
            int(p["no_single_layer"]),
            y(int(p["addressed"])),
            y(int(p["no_single_layer"])),
        )
        for i, p in enumerate(points)
    )
    if not drawn:
        return Timeline(width, height, name, threats, (), "", "")
    xs = [p.x for p in drawn]
    return Timeline(
        width,
        height,
        name,
        threats,
        drawn,
        _step_path(xs, [p.y_addressed for p in drawn], float(width)),
        _step_path(xs, [p.y_no_single_layer for p in drawn], float(width)),
    )
