"""What the pages show of a robustness section: rows, pivots and margins, pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from taxonomy.domain.scenario import DEPENDENCES
from taxonomy.web.presentation import MatrixRow


@dataclass(frozen=True, slots=True)
class RobustnessRow:
    """One threat of the Robustness page."""

    id: str
    coverage_class: str
    margin_all: float
    margin_best: float
    probability: float
    interval: tuple[float, float]
    coverage_band: tuple[float, float]
    by_dependence: tuple[tuple[str, str], ...]
    pivotal: tuple[Mapping, ...]


def robustness_rows(entry: Mapping) -> list[RobustnessRow]:
    """The robustness section's threats as page rows, least robust first:
    smallest absolute margin to the threshold first, then id.

    >>> entry = {"pivotal_links": [], "threats": [
    ...   {"id": "a", "class": "single-layer", "margin": {"all": 0.1, "best_layer": 0.1},
    ...    "addressed_probability": 1.0, "addressed_interval": [0.99, 1.0],
    ...    "coverage_percentiles": {"p5": 0.85, "p50": 0.9, "p95": 0.95},
    ...    "class_by_dependence": dict.fromkeys(DEPENDENCES, "single-layer")},
    ...   {"id": "b", "class": "insufficient", "margin": {"all": -0.02, "best_layer": -0.3},
    ...    "addressed_probability": 0.4, "addressed_interval": [0.38, 0.42],
    ...    "coverage_percentiles": {"p5": 0.7, "p50": 0.78, "p95": 0.83},
    ...    "class_by_dependence": dict.fromkeys(DEPENDENCES, "insufficient")}]}
    >>> [r.id for r in robustness_rows(entry)]
    ['b', 'a']
    """
    pivots: dict[str, list[Mapping]] = {}
    for link in entry["pivotal_links"]:
        pivots.setdefault(link["threat"], []).append(link)
    rows = [
        RobustnessRow(
            id=t["id"],
            coverage_class=t["class"],
            margin_all=t["margin"]["all"],
            margin_best=t["margin"]["best_layer"],
            probability=t["addressed_probability"],
            interval=tuple(t["addressed_interval"]),
            coverage_band=(
                t["coverage_percentiles"]["p5"],
                t["coverage_percentiles"]["p95"],
            ),
            by_dependence=tuple((d, t["class_by_dependence"][d]) for d in DEPENDENCES),
            pivotal=tuple(pivots.get(t["id"], ())),
        )
        for t in entry["threats"]
    ]
    return sorted(rows, key=lambda r: (abs(r.margin_all), r.id))


def pivotal_for(entry: Mapping | None, threat: str) -> list[Mapping]:
    """The pivotal links into one threat (none without a section).

    >>> pivotal_for({"pivotal_links": [{"threat": "t"}, {"threat": "u"}]}, "t")
    [{'threat': 't'}]
    """
    if not entry:
        return []
    return [p for p in entry["pivotal_links"] if p["threat"] == threat]


def with_pivots(rows: Iterable[MatrixRow], entry: Mapping | None) -> list[MatrixRow]:
    """Matrix rows whose cells and classes a one-step change would flip, marked:
    a class when some link into the threat is pivotal, a cell when such a link
    is in that layer.

    >>> from taxonomy.web.presentation import Cell
    >>> row = MatrixRow("t", "T", "insufficient", Cell("all", 0.7, 8, False),
    ...     (Cell("hw", 0.7, 8, False), Cell("sw", 0.0, 0, False)))
    >>> marked = with_pivots([row], {"pivotal_links": [{"threat": "t", "layer": "hw"}]})
    >>> marked[0].pivotal, [c.pivotal for c in marked[0].cells]
    (True, [True, False])
    """
    rows = list(rows)
    if not entry:
        return rows
    cells = {(p["threat"], p["layer"]) for p in entry["pivotal_links"]}
    threats = {threat for threat, _ in cells}
    return [
        replace(
            row,
            pivotal=row.id in threats,
            cells=tuple(
                replace(c, pivotal=(row.id, c.layer) in cells) for c in row.cells
            ),
        )
        for row in rows
    ]


def points(value: float | None) -> str:
    """A margin of coverage in percentage points, signed.

    >>> points(0.004), points(-0.143), points(None)
    ('+0.4 pts', '−14.3 pts', '—')
    """
    if value is None:
        return "—"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{abs(value) * 100:.1f} pts"
