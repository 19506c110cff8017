"""What the pages show of a robustness section: rows, pivots and margins, pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from taxonomy.analysis.robustness_report import middle_count, pivot_changes
from taxonomy.domain.scenario import DEPENDENCES
from taxonomy.web.present import MatrixRow


@dataclass(frozen=True, slots=True)
class Pivot:
    """A pivotal judgement: one link, and the moves that change its threat's class."""

    mitigation: str
    threat: str
    strength: str
    changes: tuple[tuple[str, str], ...]
    moves_headline: bool


def pivot(link: Mapping) -> Pivot:
    """A pivotal link of the robustness section with only its real class changes.

    >>> pivot({"mitigation": "m", "threat": "t", "strength": "low",
    ...     "class": "defense-in-depth", "lower": "defense-in-depth",
    ...     "higher": "single-layer", "moves_headline": True}).changes
    (('higher', 'single-layer'),)
    """
    return Pivot(
        mitigation=link["mitigation"],
        threat=link["threat"],
        strength=link["strength"],
        changes=tuple(pivot_changes(link)),
        moves_headline=link["moves_headline"],
    )


@dataclass(frozen=True, slots=True)
class RobustnessRow:
    """One threat of the Robustness page.

    ``class_change`` is the share of readings in which the threat's class
    differs from its judged one, ``class_change_to`` the class it most often
    takes then; ``other_dependences`` the dependences under which its class
    differs, with that class.
    """

    id: str
    coverage_class: str
    margin_all: float
    margin_best: float
    probability: float
    interval: tuple[float, float]
    coverage_band: tuple[float, float]
    class_change: float
    class_change_to: str | None
    other_dependences: tuple[tuple[str, str], ...]
    pivotal: tuple[Pivot, ...]


def class_change(shares: Mapping[str, float], judged: str) -> tuple[float, str | None]:
    """The share of readings in which the class is not ``judged``, and the class
    taken most often then (None when it never changes).

    >>> class_change({"insufficient": 0.1, "defense-in-depth": 0.85,
    ...     "single-layer": 0.05, "unmitigated": 0.0}, "defense-in-depth")
    (0.15, 'insufficient')
    >>> class_change({"single-layer": 1.0, "insufficient": 0.0}, "single-layer")
    (0.0, None)
    """
    others = {c: share for c, share in shares.items() if c != judged and share > 0}
    if not others:
        return 0.0, None
    return round(sum(others.values()), 6), max(others, key=lambda c: (others[c], c))


def robustness_rows(entry: Mapping) -> list[RobustnessRow]:
    """The robustness section's threats as page rows, least robust first:
    smallest absolute margin to the threshold first, then id.

    >>> shares = dict.fromkeys(("unmitigated", "insufficient", "defense-in-depth",
    ...     "single-layer"), 0.0)
    >>> entry = {"pivotal_links": [], "dependence": "independent", "threats": [
    ...   {"id": "a", "class": "single-layer", "margin": {"all": 0.1, "best_layer": 0.1},
    ...    "addressed_probability": 1.0, "addressed_interval": [0.99, 1.0],
    ...    "class_probability": shares | {"single-layer": 1.0},
    ...    "coverage_percentiles": {"p5": 0.85, "p50": 0.9, "p95": 0.95},
    ...    "class_by_dependence": dict.fromkeys(DEPENDENCES, "single-layer")},
    ...   {"id": "b", "class": "insufficient", "margin": {"all": -0.02, "best_layer": -0.3},
    ...    "addressed_probability": 0.4, "addressed_interval": [0.38, 0.42],
    ...    "class_probability": shares | {"insufficient": 0.6, "defense-in-depth": 0.4},
    ...    "coverage_percentiles": {"p5": 0.7, "p50": 0.78, "p95": 0.83},
    ...    "class_by_dependence": dict.fromkeys(DEPENDENCES, "insufficient")}]}
    >>> [(r.id, r.class_change, r.class_change_to) for r in robustness_rows(entry)]
    [('b', 0.4, 'defense-in-depth'), ('a', 0.0, None)]
    """
    pivots: dict[str, list[Pivot]] = {}
    for link in entry["pivotal_links"]:
        pivots.setdefault(link["threat"], []).append(pivot(link))
    rows = []
    for t in entry["threats"]:
        change, to = class_change(t["class_probability"], t["class"])
        rows.append(
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
                class_change=change,
                class_change_to=to,
                other_dependences=tuple(
                    (d, t["class_by_dependence"][d])
                    for d in DEPENDENCES
                    if t["class_by_dependence"][d] != t["class"]
                ),
                pivotal=tuple(pivots.get(t["id"], ())),
            )
        )
    return sorted(rows, key=lambda r: (abs(r.margin_all), r.id))


def pivotal_for(entry: Mapping | None, threat: str) -> list[Pivot]:
    """The pivotal links into one threat (none without a section).

    >>> link = {"mitigation": "m", "strength": "low", "class": "insufficient",
    ...     "lower": "insufficient", "higher": "defense-in-depth",
    ...     "moves_headline": False}
    >>> [p.threat for p in pivotal_for({"pivotal_links": [link | {"threat": "t"},
    ...     link | {"threat": "u"}]}, "t")]
    ['t']
    """
    if not entry:
        return []
    return [pivot(p) for p in entry["pivotal_links"] if p["threat"] == threat]


def judged_differs(entry: Mapping) -> bool:
    """Whether the middle reading's headline count differs from the judged one.

    >>> judged_differs({"headline": {"count": 9}, "monte_carlo": {"samples": 4,
    ...     "headline": {"histogram": [{"count": 8, "draws": 3},
    ...     {"count": 9, "draws": 1}]}}})
    True
    """
    mc = entry["monte_carlo"]
    histogram = mc["headline"]["histogram"]
    if not histogram:
        return False
    return middle_count(histogram, mc["samples"]) != entry["headline"]["count"]


def with_pivots(rows: Iterable[MatrixRow], entry: Mapping | None) -> list[MatrixRow]:
    """Matrix rows whose cells and classes a one-step change would flip, marked:
    a class when some link into the threat is pivotal, a cell when such a link
    is in that layer.

    >>> from taxonomy.web.present import Cell
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
