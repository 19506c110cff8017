"""The coverage matrix: its rows, cells, sorting and the classes it counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from taxonomy.analysis.demand import gaps_by_demand
from taxonomy.analysis.model import CLASSES
from taxonomy.web.present.common import ADDRESSED, CLASS_ORDER, coverage_step
from taxonomy.web.present.comparison import change_text, change_words

# --- The coverage matrix -----------------------------------------------------

SORTS = ("name", "class", "-class", "coverage", "-coverage", "demand", "-demand")


@dataclass(frozen=True, slots=True)
class Cell:
    """One matrix cell: a layer's (or all layers') coverage of one threat, and
    its baseline coverage (``was``) when compared and it moved."""

    layer: str
    value: float
    step: int
    addressed: bool
    off: bool = False
    pivotal: bool = False
    was: float | None = None

    @property
    def change(self) -> str:
        """The move from the baseline in points (``change_text``); empty if none."""
        return "" if self.was is None else change_text(self.was, self.value)

    @property
    def change_words(self) -> str:
        """The move from the baseline in words (``change_words``); empty if none."""
        return "" if self.was is None else change_words(self.was, self.value)


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One threat of the matrix, with its baseline class when it changed."""

    id: str
    name: str
    coverage_class: str
    all: Cell
    cells: tuple[Cell, ...]
    was: str | None = None
    pivotal: bool = False
    demand: int = 0


def matrix_rows(
    document: Mapping,
    *,
    sort: str = "class",
    classes: Iterable[str] = (),
    gaps_only: bool = False,
    demand: Mapping[str, int] | None = None,
) -> list[MatrixRow]:
    """The rows of the coverage matrix from a coverage document.

    Parameters
    ----------
    document : mapping
        A coverage document (``taxonomy.selectors.coverage.coverage_report``).
    sort : str
        One of ``SORTS``; ``class`` puts the worst class first, a leading
        ``-`` reverses. Ties go by name.
    classes : iterable of str
        Keep only threats of these classes (all when empty).
    gaps_only : bool
        Keep only the gaps: threats no layers address, even together
        (unmitigated or insufficient).
    demand : mapping, optional
        Threat id → how many documented incidents use it (0 when absent);
        ``demand`` sorts gaps first, each group by demand, then id.

    Returns
    -------
    list of MatrixRow

    >>> doc = {"threshold": 0.8, "layers": ["hw"], "scenario": {"disabled_layers": []},
    ...        "diff": None, "threats": [
    ...     {"id": "b", "name": "B", "class": "single-layer",
    ...      "coverage": {"all": 0.9, "by_layer": {"hw": 0.9}}},
    ...     {"id": "a", "name": "A", "class": "insufficient",
    ...      "coverage": {"all": 0.3, "by_layer": {"hw": 0.3}}}]}
    >>> [r.id for r in matrix_rows(doc)], [r.id for r in matrix_rows(doc, sort="-coverage")]
    (['a', 'b'], ['b', 'a'])
    >>> matrix_rows(doc)[1].all
    Cell(layer='all', value=0.9, step=10, addressed=True, off=False, pivotal=False, was=None)
    >>> [r.id for r in matrix_rows(doc, gaps_only=True)]
    ['a']
    >>> [(r.id, r.demand) for r in matrix_rows(doc, sort="demand", demand={"b": 3})]
    [('a', 0), ('b', 3)]
    """
    tau = document["threshold"]
    off = set(document["scenario"]["disabled_layers"])
    diff = document.get("diff") or {}
    changed = {c["id"]: c for c in diff.get("changed", [])}
    moved = {m["id"]: m for m in diff.get("moved", [])}
    keep = set(classes)
    demand = demand or {}
    rows = []
    for t in document["threats"]:
        if (keep and t["class"] not in keep) or (gaps_only and t["class"] in ADDRESSED):
            continue
        cover = t["coverage"]
        was = changed.get(t["id"])
        move = moved.get(t["id"], {})
        before = move.get("by_layer", {})
        rows.append(
            MatrixRow(
                id=t["id"],
                name=t["name"],
                coverage_class=t["class"],
                all=_cell("all", cover["all"], tau, was=_was(move.get("coverage"))),
                cells=tuple(
                    _cell(
                        layer,
                        cover["by_layer"][layer],
                        tau,
                        layer in off,
                        was=_was(before.get(layer)),
                    )
                    for layer in document["layers"]
                ),
                was=was["from"] if was else None,
                demand=demand.get(t["id"], 0),
            )
        )
    return sorted_rows(rows, sort)


def _cell(
    layer: str, value: float, tau: float, off: bool = False, was: float | None = None
) -> Cell:
    return Cell(layer, value, coverage_step(value), value >= tau - 1e-9, off, was=was)


def _was(move: Mapping | None) -> float | None:
    """The baseline coverage of a diff's ``{from, to, delta}`` when it moved."""
    return move["from"] if move and move["delta"] else None


def sorted_rows(rows: list[MatrixRow], sort: str) -> list[MatrixRow]:
    """Matrix rows ordered by name, class (worst first), coverage (lowest first)
    or demand (the analysis's order: gaps first, each by how many incidents
    use them, most first, then id).

    An unknown ``sort`` sorts by class.
    """
    key = sort.lstrip("-")
    by_name = sorted(rows, key=lambda r: r.name.lower())
    if key == "name":
        return by_name[::-1] if sort.startswith("-") else by_name
    if key == "demand":
        classes = {r.id: r.coverage_class for r in rows}
        order = gaps_by_demand(classes, {r.id: r.demand for r in rows})
        ranked = sorted(rows, key=lambda r: order(r.id))
    elif key == "coverage":
        ranked = sorted(by_name, key=lambda r: r.all.value)
    else:
        ranked = sorted(
            by_name, key=lambda r: (CLASS_ORDER[r.coverage_class], r.all.value)
        )
    return ranked[::-1] if sort.startswith("-") else ranked


SORT_LABELS = {
    "class": "Class, worst first",
    "-class": "Class, best first",
    "coverage": "Coverage, lowest first",
    "-coverage": "Coverage, highest first",
    "name": "Name",
    "demand": "Gaps used by the most incidents first",
}


def sort_options(current: str, demand: bool = False) -> list[tuple[str, str, bool]]:
    """The matrix's sort choices as ``(value, label, selected)``; by demand only
    for a taxonomy with documented incidents.

    >>> sort_options("name")[-1]
    ('name', 'Name', True)
    >>> sort_options("demand", demand=True)[-1][0]
    'demand'
    """
    return [
        (value, label, value == current)
        for value, label in SORT_LABELS.items()
        if demand or value != "demand"
    ]


def next_sort(current: str, column: str) -> str:
    """The sort a column header links to: its own, reversed when already active.

    >>> next_sort("class", "class"), next_sort("-class", "class"), next_sort("name", "coverage")
    ('-class', 'class', 'coverage')
    """
    return f"-{column}" if current == column else column


def aria_sort(current: str, column: str) -> str:
    """The ``aria-sort`` value of a column header under the current sort.

    >>> aria_sort("-coverage", "coverage"), aria_sort("class", "name")
    ('descending', 'none')
    """
    if current.lstrip("-") != column:
        return "none"
    return "descending" if current.startswith("-") else "ascending"


def addressed_count(summary: Mapping[str, int]) -> int:
    """Threats addressed by all layers together (either addressed class).

    >>> addressed_count({"insufficient": 5, "defense-in-depth": 2, "single-layer": 4})
    6
    """
    return sum(summary.get(name, 0) for name in ADDRESSED)


UNADDRESSED_BY_ONE = tuple(c for c in CLASSES if c != "single-layer")


def unaddressed_count(summary: Mapping[str, int]) -> int:
    """Threats no single layer addresses: every class but ``single-layer``.

    >>> unaddressed_count({"unmitigated": 1, "insufficient": 5,
    ...                    "defense-in-depth": 2, "single-layer": 4})
    8
    """
    return sum(n for name, n in summary.items() if name != "single-layer")
