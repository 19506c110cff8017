"""Documented incidents and the matrix grouped by tactic: pages, verdicts, steps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from taxonomy.domain.scenario import Scenario
from taxonomy.web.present.common import ADDRESSED
from taxonomy.web.present.matrix import MatrixRow

# --- Tactics and documented incidents -----------------------------------------------

# Above this many rows in all, the matrix's tactic groups start closed: their
# headings (with each group's gaps) are the overview, a click opens one.
OPEN_GROUP_ROWS = 300


@dataclass(frozen=True)
class MatrixPage:
    """Which rows of a long matrix a page shows (1-based ``first``..``last``)."""

    number: int
    count: int
    first: int
    last: int
    total: int

    @property
    def previous(self) -> str:
        """The previous page's number as the query takes it ('' on the first)."""
        return str(self.number - 1) if self.number > 1 else ""

    @property
    def next(self) -> str:
        """The next page's number as the query takes it ('' on the last)."""
        return str(self.number + 1) if self.number < self.count else ""


def matrix_page(
    rows: list, number: str | int | None, size: int
) -> tuple[list, MatrixPage | None]:
    """The rows of page ``number`` (from 1; a bad or too large number is the
    nearest page) of ``size`` rows, and which page it is (None: one page).

    >>> rows, page = matrix_page(list(range(12)), "3", 5)
    >>> rows, page
    ([10, 11], MatrixPage(number=3, count=3, first=11, last=12, total=12))
    >>> matrix_page(list(range(12)), "x", 5)[1].number, matrix_page(list(range(12)), 9, 5)[1].number
    (1, 3)
    >>> matrix_page(list(range(5)), 1, 5)
    ([0, 1, 2, 3, 4], None)
    """
    if len(rows) <= size:
        return rows, None
    count = -(-len(rows) // size)
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        wanted = 1
    wanted = min(max(wanted, 1), count)
    start = (wanted - 1) * size
    shown = rows[start : start + size]
    return shown, MatrixPage(wanted, count, start + 1, start + len(shown), len(rows))


@dataclass(frozen=True, slots=True)
class TacticGroup:
    """The matrix rows of one tactic (``id`` None: the threats in no tactic);
    ``prefix`` keeps the html ids of its rows apart from other groups'."""

    id: str | None
    name: str
    description: str
    rows: tuple[MatrixRow, ...]
    gaps: int
    prefix: str


def matrix_groups(
    rows: Iterable[MatrixRow], snapshot, tactic: str | None = None
) -> list[TacticGroup]:
    """Matrix rows grouped by tactic, in the tactics' order, then the rows in no tactic.

    A threat in several tactics is listed under each (the class counts above
    the matrix count it once). Groups with no row are left out; ``tactic``
    keeps only that tactic's group. Rows keep their order within a group.

    >>> from taxonomy.domain.records import Link, Tactic, Taxonomy
    >>> from taxonomy.web.present.matrix import Cell
    >>> row = lambda i, c: MatrixRow(i, i.upper(), c, Cell("all", 0, 0, False), ())
    >>> tax = Taxonomy(tactics=(Tactic("y", "Y", order=1), Tactic("x", "X", order=0)),
    ...     in_tactic=(Link("a", "x"), Link("a", "y"), Link("b", "y")))
    >>> groups = matrix_groups([row("a", "unmitigated"), row("b", "single-layer"),
    ...     row("c", "insufficient")], tax)
    >>> [(g.id, [r.id for r in g.rows], g.gaps) for g in groups]
    [('x', ['a'], 1), ('y', ['a', 'b'], 1), (None, ['c'], 1)]
    >>> [g.id for g in matrix_groups([row("a", "unmitigated")], tax, tactic="y")]
    ['y']
    """
    rows = list(rows)
    members: dict[str, set[str]] = {}
    for link in snapshot.in_tactic:
        members.setdefault(link.target, set()).add(link.source)
    placed = set().union(*members.values()) if members else set()
    groups = [
        (
            t.id,
            t.name,
            t.description,
            [r for r in rows if r.id in members.get(t.id, ())],
        )
        for t in sorted(snapshot.tactics, key=lambda t: (t.order, t.id))
        if tactic in (None, t.id)
    ]
    if tactic is None:
        groups.append((None, "No tactic", "", [r for r in rows if r.id not in placed]))
    kept = [group for group in groups if group[3]]
    return [
        TacticGroup(id_, name, text, tuple(mine), sum(map(_is_gap, mine)), f"g{n}-")
        for n, (id_, name, text, mine) in enumerate(kept, start=1)
    ]


def matrix_view_params(form: Mapping) -> dict:
    """The query parameters of a matrix view beyond its scenario: sort, compare,
    classes, gaps, grouping, tactic and revision (empty values are dropped).

    >>> form = {"sort": "class", "compare": False, "classes": [], "gaps": True,
    ...     "has_tactics": True, "group": "tactic", "tactic": "", "revision": ""}
    >>> {k: v for k, v in matrix_view_params(form).items() if v}
    {'sort': 'class', 'gaps': '1'}
    """
    return {
        "sort": form["sort"],
        "compare": "baseline" if form["compare"] else "",
        "class": form["classes"],
        "gaps": "1" if form["gaps"] else "",
        "group": "none" if form["has_tactics"] and form["group"] == "none" else "",
        "tactic": form["tactic"],
        "revision": form["revision"],
    }


def _is_gap(row: MatrixRow) -> bool:
    return row.coverage_class not in ADDRESSED


def tactic_ids(snapshot) -> dict[str, str]:
    """A tactic as a USES step may name it (its id or shortname) → its id.

    >>> from taxonomy.domain.records import Tactic, Taxonomy
    >>> tactic_ids(Taxonomy(tactics=(Tactic("ta1", "Impact", shortname="impact"),)))
    {'impact': 'ta1', 'ta1': 'ta1'}
    """
    named = {t.shortname: t.id for t in snapshot.tactics if t.shortname}
    return named | {t.id: t.id for t in snapshot.tactics}


INCIDENT_KIND_LABELS = {
    "case-study": "Case study",
    "campaign": "Campaign",
    "group": "Group",
    "software": "Software",
}


def incident_kind_label(kind: str) -> str:
    """A readable kind of incident: ``case-study`` → ``Case study``.

    >>> incident_kind_label("case-study"), incident_kind_label("other")
    ('Case study', 'other')
    """
    return INCIDENT_KIND_LABELS.get(kind, kind)


def incident_verdict(entry: Mapping) -> str:
    """What the scenario does to one incident, in words.

    >>> incident_verdict({"stopped": True, "first_stopped_step": 3})
    'Stopped at step 3'
    >>> incident_verdict({"stopped": True, "first_stopped_step": None})
    'Stopped'
    >>> incident_verdict({"stopped": False, "first_stopped_step": None})
    'Not stopped'
    """
    if not entry["stopped"]:
        return "Not stopped"
    step = entry["first_stopped_step"]
    return f"Stopped at step {step}" if step is not None else "Stopped"


def incident_sentence(totals: Mapping) -> str:
    """The headline of the incidents, without its assumption (always show it too).

    >>> incident_sentence({"incidents": 57, "stopped": 12})
    '12 of 57 documented incidents would be stopped under this scenario'
    >>> incident_sentence({"incidents": 1, "stopped": 1})
    '1 of 1 documented incident would be stopped under this scenario'
    """
    noun = "incident" if totals["incidents"] == 1 else "incidents"
    return (
        f"{totals['stopped']} of {totals['incidents']} documented {noun} "
        "would be stopped under this scenario"
    )


def kind_rows(by_kind: Mapping[str, Mapping[str, int]]) -> list[tuple[str, int, int]]:
    """``(kind, incidents, stopped)`` of each kind the taxonomy has incidents of.

    >>> kind_rows({"case-study": {"incidents": 3, "stopped": 1},
    ...     "group": {"incidents": 0, "stopped": 0}})
    [('case-study', 3, 1)]
    """
    return [
        (kind, counts["incidents"], counts["stopped"])
        for kind, counts in by_kind.items()
        if counts["incidents"]
    ]


STATUSES = ("stopped", "not-stopped")


def incidents_shown(
    incidents: Iterable[Mapping], *, kind: str | None = None, status: str | None = None
) -> list[Mapping]:
    """The incidents of one kind (any when None) and status (``STATUSES``; any
    when None), in the report's order.

    >>> found = [{"id": "a", "kind": "group", "stopped": True},
    ...          {"id": "b", "kind": "case-study", "stopped": False}]
    >>> [i["id"] for i in incidents_shown(found, status="not-stopped")]
    ['b']
    >>> [i["id"] for i in incidents_shown(found, kind="group")]
    ['a']
    """
    return [
        i
        for i in incidents
        if kind in (None, i["kind"])
        and status in (None, "stopped" if i["stopped"] else "not-stopped")
    ]


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """How many incidents are stopped at one threshold, the rest of the scenario kept."""

    threshold: float
    stopped: int
    scenario: Scenario
    current: bool


def threshold_rows(by_threshold: Iterable[Mapping], scenario: Scenario) -> list:
    """The margin of the incidents' headline: each threshold, the incidents
    stopped at it, and the scenario that shows it.

    >>> rows = threshold_rows([{"threshold": 0.5, "stopped": 4},
    ...     {"threshold": 0.8, "stopped": 1}], Scenario())
    >>> [(r.threshold, r.stopped, r.scenario.threshold, r.current) for r in rows]
    [(0.5, 4, 0.5, False), (0.8, 1, 0.8, True)]
    """
    return [
        ThresholdRow(
            row["threshold"],
            row["stopped"],
            replace(scenario, threshold=row["threshold"]),
            abs(row["threshold"] - scenario.threshold) < 1e-9,
        )
        for row in by_threshold
    ]


def incident_steps(steps: Iterable[Mapping], snapshot) -> list[dict]:
    """An incident's steps with ``tactic_id``, the id of the tactic a step names
    (None when the taxonomy holds no such tactic), for links to the matrix.

    >>> from taxonomy.domain.records import Tactic, Taxonomy
    >>> tax = Taxonomy(tactics=(Tactic("ta1", "Impact", shortname="impact"),))
    >>> [s["tactic_id"] for s in incident_steps([{"tactic": "impact"},
    ...     {"tactic": "gone"}], tax)]
    ['ta1', None]
    """
    ids = tactic_ids(snapshot)
    return [{**step, "tactic_id": ids.get(step["tactic"])} for step in steps]
