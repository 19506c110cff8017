"""Pure formatting helpers for the browser pages; the template filters wrap them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from taxonomy.analysis.demand import gaps_by_demand
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.kinds import BY_REL
from taxonomy.domain.records import MATURITIES, SEARCH_MAX_LENGTH
from taxonomy.domain.scenario import Scenario, percent, scenario_summary


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """How a coverage class is shown: a label, an icon and one plain sentence."""

    label: str
    icon: str
    meaning: str


CLASS_INFO = {
    "unmitigated": ClassInfo("Unmitigated", "✕", "no enabled mitigation acts on it"),
    "insufficient": ClassInfo(
        "Insufficient", "◐", "all layers together stay below the threshold"
    ),
    "defense-in-depth": ClassInfo(
        "Defense in depth", "≡", "addressed only by several layers together"
    ),
    "single-layer": ClassInfo("Single layer", "●", "one layer addresses it alone"),
}
ADDRESSED = frozenset({"defense-in-depth", "single-layer"})
# The order a policymaker reads the classes in: worst first.
CLASS_ORDER = {name: rank for rank, name in enumerate(CLASSES)}
STRENGTH_DOTS = {"low": "●○○", "medium": "●●○", "high": "●●●"}


def coverage_step(value: float | None) -> int:
    """The step 0–10 of the colour scale for a coverage; 0 only for none at all.

    >>> coverage_step(0.0), coverage_step(0.01), coverage_step(0.84), coverage_step(1.0)
    (0, 1, 9, 10)
    """
    if not value:
        return 0
    return min(max(int(value * 10 + 1e-9) + 1, 1), 10)


def class_info(name: str | None) -> ClassInfo:
    """The label, icon and meaning of a coverage class (a neutral one if unknown).

    >>> class_info("defense-in-depth").label
    'Defense in depth'
    """
    return CLASS_INFO.get(name or "", ClassInfo(name or "Unknown", "?", ""))


def strength_dots(strength: str) -> str:
    """Three dots filled by strength, so strength never rests on colour alone.

    >>> strength_dots("medium")
    '●●○'
    """
    return STRENGTH_DOTS.get(strength, "○○○")


def share(part: int, whole: int) -> int:
    """``part`` as a whole percentage of ``whole`` (0 when ``whole`` is 0).

    >>> share(3, 12), share(0, 0)
    (25, 0)
    """
    return round(100 * part / whole) if whole else 0


def joined(items: Iterable[str], last: str = "and") -> str:
    """Items as an English list.

    >>> joined(["a"]), joined(["a", "b"]), joined(["a", "b", "c"]), joined([])
    ('a', 'a and b', 'a, b and c', '')
    """
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


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


# --- Overview ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassRow:
    """One bar of the class chart: a class, its count and its share in percent."""

    name: str
    count: int
    share: int


def class_rows(summary: Mapping[str, int]) -> list[ClassRow]:
    """The class chart's bars, worst class first, shares of all threats.

    >>> [(r.name, r.share) for r in class_rows({"unmitigated": 1, "insufficient": 3,
    ...   "defense-in-depth": 0, "single-layer": 0})]
    [('unmitigated', 25), ('insufficient', 75), ('defense-in-depth', 0), ('single-layer', 0)]
    """
    total = sum(summary.values())
    return [
        ClassRow(name, summary.get(name, 0), share(summary.get(name, 0), total))
        for name in CLASSES
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a scenario stands, as one headline panel says it.

    ``label`` names the scenario (Today, Every proposal adopted, This scenario),
    ``summary`` says it in a sentence; ``unaddressed`` threats no single layer
    addresses, ``gaps`` those not addressed even by every layer together.
    """

    label: str
    summary: str
    scenario: Scenario
    total: int
    unaddressed: int
    gaps: int
    addressed: int


def standing(label: str, summary: str, scenario: Scenario, document) -> Standing:
    """A panel's numbers from the scenario's coverage document.

    >>> doc = {"summary": {"unmitigated": 1, "insufficient": 2,
    ...        "defense-in-depth": 3, "single-layer": 4}}
    >>> s = standing("Today", "Today: ...", Scenario(), doc)
    >>> (s.total, s.unaddressed, s.gaps, s.addressed)
    (10, 6, 3, 7)
    """
    summary_counts = document["summary"]
    return Standing(
        label=label,
        summary=summary,
        scenario=scenario,
        total=sum(summary_counts.values()),
        unaddressed=unaddressed_count(summary_counts),
        gaps=sum(summary_counts.get(c, 0) for c in CLASSES if c not in ADDRESSED),
        addressed=addressed_count(summary_counts),
    )


# Where a panel's sentence puts its linked count and the glossary's "addressed".
COUNT, ADDRESSED_TERM = "[count]", "[addressed]"


def standing_words(panel: Standing, maturities: Mapping[str, int]) -> list[str]:
    """A headline panel's sentence as text parts around ``COUNT`` (the linked
    "U of N") and ``ADDRESSED_TERM`` (the glossary's word).

    >>> doc = {"summary": {"unmitigated": 0, "insufficient": 8,
    ...        "defense-in-depth": 2, "single-layer": 2}}
    >>> today = standing("Today", "", Scenario(maturities=["deployed"]), doc)
    >>> "".join(standing_words(today, {}))
    'Today, with only the measures already deployed, [count] threats are not [addressed] by any single governance layer; 8 of them are not addressed even by all layers together.'
    >>> future = standing("Every proposal adopted", "", Scenario(), doc)
    >>> "".join(standing_words(future, {"proposed": 3, "pilot": 1}))[:62]
    'If every proposal were adopted (3 proposed and 1 pilot measure'
    """
    gaps = (
        f"; {panel.gaps} of them {{}} even by all layers together."
        if panel.gaps
        else "; every one of them {} by several layers together."
    )
    if panel.label == "Today":
        opening, verb = "Today, with only the measures already deployed, ", "are"
    elif panel.label == "Every proposal adopted":
        waiting = maturities.get("proposed", 0) + maturities.get("pilot", 0)
        opening = (
            f"If every proposal were adopted ({maturities.get('proposed', 0)} "
            f"proposed and {maturities.get('pilot', 0)} pilot "
            f"measure{'s' if waiting != 1 else ''} counted as if in force), "
        )
        verb = "would be"
    else:
        opening, verb = "In this scenario, ", "are"
    negated = "would not be" if verb == "would be" else "are not"
    if not panel.unaddressed:
        gaps = "."
    elif not panel.gaps:
        gaps = gaps.format(verb + " addressed")
    else:
        gaps = gaps.format(negated + " addressed")
    return [
        opening,
        COUNT,
        f" threats {negated} ",
        ADDRESSED_TERM,
        " by any single governance layer" + gaps,
    ]


# The threshold box's query parameter: a percentage, as every page shows
# coverage; the codec (and the API) keep ``threshold`` in (0, 1].
THRESHOLD_PERCENT = "threshold_percent"


def threshold_of_percent(raw: str) -> float:
    """The threshold a person typed as a percentage, in (0, 1].

    >>> threshold_of_percent("70"), threshold_of_percent(" 85.5 % ")
    (0.7, 0.855)
    >>> threshold_of_percent("0.7")
    Traceback (most recent call last):
    ...
    ValueError: Type the threshold as a percentage from 1 to 100: 0.7 would mean 0.7%; for 70% type 70
    """
    text = raw.strip().removesuffix("%").strip()
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"Type the threshold as a percentage from 1 to 100, e.g. 80 (not {raw!r})"
        ) from None
    if 0 < value < 1:
        raise ValueError(
            "Type the threshold as a percentage from 1 to 100: "
            f"{text} would mean {text}%; for {value * 100:g}% type {value * 100:g}"
        )
    if not 1 <= value <= 100:
        raise ValueError(
            f"Type the threshold as a percentage from 1 to 100, e.g. 80 (not {text})"
        )
    return round(value / 100, 6)


def maturity_counts(snapshot) -> dict[str, int]:
    """How many mitigations a snapshot holds at each maturity.

    >>> from taxonomy.domain.records import Mitigation, Taxonomy
    >>> maturity_counts(Taxonomy(mitigations=(Mitigation("a", "A", "hw", "pilot"),)))
    {'proposed': 0, 'pilot': 1, 'deployed': 0}
    """
    counts = dict.fromkeys(MATURITIES, 0)
    for mitigation in snapshot.mitigations:
        counts[mitigation.maturity] += 1
    return counts


def taxonomy_counts(snapshot) -> dict[str, int]:
    """How many layers, threats, mitigations, links and sources a snapshot holds."""
    return {
        "layers": len(snapshot.layers),
        "threats": len(snapshot.threats),
        "mitigations": len(snapshot.mitigations),
        "links": len(snapshot.mitigates),
        "sources": len(snapshot.sources),
    }


# --- Detail pages -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkView:
    """A MITIGATES link as a detail page lists it, with its records resolved."""

    mitigation: object
    threat: object
    strength: str
    rationale: str
    sources: tuple
    counted: bool


@dataclass(frozen=True, slots=True)
class LayerGroup:
    """The links of one layer into a threat, with that layer's coverage."""

    layer: object
    coverage: float
    step: int
    links: tuple[LinkView, ...]
    critical: bool
    off: bool


def link_views(snapshot, links, counted: Iterable[tuple[str, str]]) -> list[LinkView]:
    """MITIGATES links with their mitigation, threat and source records.

    ``counted`` holds the ``(mitigation, threat)`` pairs the scenario counts;
    the others are shown as switched off.
    """
    mitigations = {m.id: m for m in snapshot.mitigations}
    threats = {t.id: t for t in snapshot.threats}
    sources = {s.id: s for s in snapshot.sources}
    counted = set(counted)
    return [
        LinkView(
            mitigation=mitigations[link.mitigation],
            threat=threats[link.threat],
            strength=link.strength,
            rationale=link.rationale,
            sources=tuple(sources[s] for s in link.sources if s in sources),
            counted=(link.mitigation, link.threat) in counted,
        )
        for link in links
    ]


def layer_groups(snapshot, entry: Mapping, document: Mapping) -> list[LayerGroup]:
    """A threat's links grouped by layer, in layer order, strongest first.

    ``entry`` is the threat's item in the coverage ``document``.
    """
    counted = {(link["mitigation"], entry["id"]) for link in entry["links"]}
    links = [m for m in snapshot.mitigates if m.threat == entry["id"]]
    views = link_views(snapshot, links, counted)
    rank = {s: i for i, s in enumerate(("high", "medium", "low"))}
    off = set(document["scenario"]["disabled_layers"])
    groups = []
    for layer in snapshot.layers:
        mine = [v for v in views if v.mitigation.layer == layer.id]
        mine.sort(key=lambda v: (rank.get(v.strength, 9), v.mitigation.name))
        value = entry["coverage"]["by_layer"].get(layer.id, 0.0)
        critical = layer.id in entry["critical_layers"]
        groups.append(
            LayerGroup(
                layer,
                value,
                coverage_step(value),
                tuple(mine),
                critical,
                layer.id in off,
            )
        )
    return groups


def threat_entry(document: Mapping, threat_id: str) -> Mapping:
    """The item of one threat in a coverage document; ``KeyError`` if absent."""
    for entry in document["threats"]:
        if entry["id"] == threat_id:
            return entry
    raise KeyError(threat_id)


def class_by_threat(document: Mapping) -> dict[str, str]:
    """Threat id → coverage class, from a coverage document."""
    return {t["id"]: t["class"] for t in document["threats"]}


def addressed_ids(document: Mapping) -> set[str]:
    """Ids of the threats in an addressed class."""
    return {t["id"] for t in document["threats"] if t["class"] in ADDRESSED}


def scale_steps() -> list[tuple[int, str]]:
    """The legend of the colour scale: each step and the range it stands for.

    >>> scale_steps()[:2], scale_steps()[-1]
    ([(0, '0'), (1, '<10')], (10, '≥90'))
    """
    steps = [(0, "0"), (1, "<10")]
    steps += [(k, f"{(k - 1) * 10}–{k * 10}") for k in range(2, 10)]
    return steps + [(10, "≥90")]


def mitigation_links(snapshot, mitigation_id: str, document: Mapping) -> list[LinkView]:
    """The links out of a mitigation, strongest first, counted as the scenario says."""
    counted = {
        (link["mitigation"], t["id"])
        for t in document["threats"]
        for link in t["links"]
    }
    links = [m for m in snapshot.mitigates if m.mitigation == mitigation_id]
    rank = {"high": 0, "medium": 1, "low": 2}
    views = link_views(snapshot, links, counted)
    return sorted(views, key=lambda v: (rank.get(v.strength, 9), v.threat.name))


def critical_for(document: Mapping, mitigation_id: str) -> list[str]:
    """Threats that lose their addressed status without a mitigation.

    >>> critical_for({"threats": [{"id": "t", "critical_mitigations": ["m"]}]}, "m")
    ['t']
    """
    return [
        t["id"]
        for t in document["threats"]
        if mitigation_id in t["critical_mitigations"]
    ]


def mitigation_relations(snapshot, mitigation_id: str) -> dict[str, list[str]]:
    """What a mitigation requires, what requires it and which threats it introduces."""
    return {
        "requires": [
            link.target for link in snapshot.requires if link.source == mitigation_id
        ],
        "required_by": [
            link.source for link in snapshot.requires if link.target == mitigation_id
        ],
        "introduces": [
            link.target for link in snapshot.introduces if link.source == mitigation_id
        ],
    }


def without_layer(scenario: Scenario, layer_id: str) -> Scenario:
    """The same scenario with one more layer switched off."""
    return replace(scenario, disabled_layers=scenario.disabled_layers | {layer_id})


@dataclass(frozen=True, slots=True)
class LayerShare:
    """A threat a layer acts on: the layer's coverage and whether it suffices alone."""

    id: str
    name: str
    coverage_class: str
    coverage: float
    step: int
    alone: bool
    critical: bool


def layer_coverage(document: Mapping, layer_id: str) -> list[LayerShare]:
    """The threats a layer covers at all, most covered first.

    >>> doc = {"threats": [{"id": "t", "name": "T", "class": "single-layer",
    ...   "coverage": {"by_layer": {"hw": 0.9}}, "minimal_layer_sets": [["hw"]],
    ...   "critical_layers": ["hw"]}]}
    >>> [(s.id, s.alone, s.critical) for s in layer_coverage(doc, "hw")]
    [('t', True, True)]
    """
    shares = [
        LayerShare(
            id=t["id"],
            name=t["name"],
            coverage_class=t["class"],
            coverage=t["coverage"]["by_layer"].get(layer_id, 0.0),
            step=coverage_step(t["coverage"]["by_layer"].get(layer_id, 0.0)),
            alone=[layer_id] in t["minimal_layer_sets"],
            critical=layer_id in t["critical_layers"],
        )
        for t in document["threats"]
    ]
    return sorted(
        (s for s in shares if s.coverage > 0), key=lambda s: (-s.coverage, s.name)
    )


@dataclass(frozen=True, slots=True)
class ClassChange:
    """A threat whose class differs between two documents."""

    id: str
    name: str
    before: str
    after: str
    coverage_before: float
    coverage_after: float


def changed_classes(before: Mapping, after: Mapping) -> list[ClassChange]:
    """Threats whose class differs between two coverage documents, worst after first.

    >>> a = {"threats": [{"id": "t", "name": "T", "class": "single-layer",
    ...                   "coverage": {"all": 0.9}}]}
    >>> b = {"threats": [{"id": "t", "name": "T", "class": "unmitigated",
    ...                   "coverage": {"all": 0.0}}]}
    >>> [(c.before, c.after) for c in changed_classes(a, b)]
    [('single-layer', 'unmitigated')]
    """
    then = {t["id"]: t for t in before["threats"]}
    changes = [
        ClassChange(
            t["id"],
            t["name"],
            then[t["id"]]["class"],
            t["class"],
            then[t["id"]]["coverage"]["all"],
            t["coverage"]["all"],
        )
        for t in after["threats"]
        if t["id"] in then and then[t["id"]]["class"] != t["class"]
    ]
    return sorted(changes, key=lambda c: (CLASS_ORDER[c.after], c.name))


# --- A scenario compared with the baseline -----------------------------------

# How many moved threats the matrix page lists before "show the rest".
MOVES_SHOWN = 8
MINUS = "\u2212"


def whole_points(value: float) -> int:
    """A coverage in whole percentage points, rounded down as ``percent`` shows it.

    >>> whole_points(0.657), whole_points(0.51), whole_points(1.0)
    (65, 51, 100)
    """
    return min(int(value * 100 + 1e-9), 100)


def change_text(before: float, after: float) -> str:
    """A move in points as a cell shows it, from the shown percentages; a move
    too small to change them is "<1" with its sign.

    >>> change_text(0.657, 0.51), change_text(0.3, 0.6), change_text(0.986, 0.98)
    ('−14', '+30', '−<1')
    """
    points = whole_points(after) - whole_points(before)
    sign = MINUS if after < before else "+"
    return f"{sign}{abs(points) or '<1'}"


def change_words(before: float, after: float) -> str:
    """A move in points in words: how many points higher or lower.

    >>> change_words(0.657, 0.51), change_words(0.3, 0.31), change_words(0.986, 0.98)
    ('14 points lower', '1 point higher', 'under 1 point lower')
    """
    points = abs(whole_points(after) - whole_points(before))
    way = "lower" if after < before else "higher"
    if not points:
        return f"under 1 point {way}"
    return f"{points} point{'s' * (points != 1)} {way}"


def points_text(before: float, after: float) -> str:
    """A move in signed points as a sentence shows it; "" when it did not move.

    >>> points_text(0.657, 0.51), points_text(0.3, 0.31), points_text(0.986, 0.98)
    ('−14 points', '+1 point', 'under 1 point down')
    >>> points_text(0.5, 0.5)
    ''
    """
    if after == before:
        return ""
    points = abs(whole_points(after) - whole_points(before))
    if not points:
        return f"under 1 point {'down' if after < before else 'up'}"
    sign = MINUS if after < before else "+"
    return f"{sign}{points} point{'s' * (points != 1)}"


@dataclass(frozen=True, slots=True)
class LayerMove:
    """One layer's coverage of a moved threat, in the baseline and the scenario."""

    layer: str
    name: str
    before: float
    after: float

    @property
    def points(self) -> str:
        """The move in signed points (``points_text``)."""
        return points_text(self.before, self.after)


@dataclass(frozen=True, slots=True)
class CoverageMove:
    """A threat whose class or coverage moved: both sides, all layers and by layer."""

    id: str
    name: str
    before_class: str
    after_class: str
    before: float
    after: float
    layers: tuple[LayerMove, ...]

    @property
    def class_changed(self) -> bool:
        """Whether the threat changed class."""
        return self.before_class != self.after_class

    @property
    def points(self) -> str:
        """The move by all layers in signed points (``points_text``); "" if none."""
        return points_text(self.before, self.after)

    @property
    def class_words(self) -> str:
        """The class in words: "still insufficient", or "now X, was Y"."""
        after = class_info(self.after_class).label.lower()
        if not self.class_changed:
            return f"still {after}"
        return f"now {after}, was {class_info(self.before_class).label.lower()}"

    @property
    def sentence(self) -> str:
        """The whole move as one line of plain words.

        >>> CoverageMove("j", "Jurisdiction shopping", "insufficient",
        ...     "insufficient", 0.657, 0.51, ()).sentence
        'Jurisdiction shopping: 65% → 51% (−14 points), still insufficient'
        """
        points = f" ({self.points})" if self.points else ""
        return (
            f"{self.name}: {percent(self.before)} → {percent(self.after)}"
            f"{points}, {self.class_words}"
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """A scenario compared with the baseline: every moved threat in order, the
    first ``MOVES_SHOWN`` apart from the rest, and how many did not move."""

    against: str
    moves: tuple[CoverageMove, ...]
    unchanged: int

    @property
    def class_changes(self) -> int:
        """How many moved threats changed class."""
        return sum(move.class_changed for move in self.moves)

    @property
    def first(self) -> tuple[CoverageMove, ...]:
        """The moves a page lists at once."""
        return self.moves[:MOVES_SHOWN]

    @property
    def rest(self) -> tuple[CoverageMove, ...]:
        """The moves a page lists on request."""
        return self.moves[MOVES_SHOWN:]


def comparison(
    document: Mapping, names: Mapping[str, Mapping[str, str]], scenario: Scenario
) -> Comparison | None:
    """The comparison of a coverage document diffed with the baseline of its
    ``scenario``, in display names (None without a diff); a layer is listed
    under a threat when its coverage moved.

    >>> move = {"id": "j", "from": "insufficient", "to": "insufficient",
    ...     "coverage": {"from": 0.657, "to": 0.51, "delta": -0.147},
    ...     "by_layer": {"hw": {"from": 0.0, "to": 0.0, "delta": 0.0},
    ...                  "in": {"from": 0.657, "to": 0.51, "delta": -0.147}}}
    >>> names = {"threat": {"j": "J"}, "layer": {"in": "Institutional"}}
    >>> doc = {"diff": {"moved": [move], "unchanged": 9}}
    >>> c = comparison(doc, names, Scenario(disabled_layers=["hw"]))
    >>> c.moves[0].sentence, [m.name for m in c.moves[0].layers], c.unchanged
    ('J: 65% → 51% (−14 points), still insufficient', ['Institutional'], 9)
    """
    diff = document.get("diff")
    if not diff:
        return None
    threats, layers = names.get("threat", {}), names.get("layer", {})
    moves = tuple(
        CoverageMove(
            id=move["id"],
            name=threats.get(move["id"], move["id"]),
            before_class=move["from"],
            after_class=move["to"],
            before=move["coverage"]["from"],
            after=move["coverage"]["to"],
            layers=tuple(
                LayerMove(layer, layers.get(layer, layer), m["from"], m["to"])
                for layer, m in move["by_layer"].items()
                if m["delta"]
            ),
        )
        for move in diff["moved"]
    )
    return Comparison(
        against=scenario_summary(scenario.baseline(), {}),
        moves=moves,
        unchanged=diff["unchanged"],
    )


def without_mitigation(scenario: Scenario, mitigation_id: str) -> Scenario:
    """The same scenario with one more mitigation switched off (and so what
    requires it).

    >>> sorted(without_mitigation(Scenario(), "tee").disabled_mitigations)
    ['tee']
    """
    return replace(
        scenario, disabled_mitigations=scenario.disabled_mitigations | {mitigation_id}
    )


@dataclass(frozen=True, slots=True)
class UpsetRow:
    """One layer set: which layers it holds, and the threats it addresses."""

    layers: tuple[str, ...]
    member: tuple[bool, ...]
    addressed: int
    minimal_for: int
    share: int


def upset_rows(document: Mapping) -> list[UpsetRow]:
    """Layer sets by size, then threats addressed, as the rows of an UpSet table.

    >>> doc = {"layers": ["hw", "sw"], "threats": [{}, {}],
    ...        "layer_sets": {"sets": [{"layers": ["hw"], "addressed": 1, "minimal_for": 1}]}}
    >>> upset_rows(doc)
    [UpsetRow(layers=('hw',), member=(True, False), addressed=1, minimal_for=1, share=50)]
    """
    total = len(document["threats"])
    rows = [
        UpsetRow(
            layers=tuple(s["layers"]),
            member=tuple(layer in s["layers"] for layer in document["layers"]),
            addressed=s["addressed"],
            minimal_for=s["minimal_for"],
            share=share(s["addressed"], total),
        )
        for s in document["layer_sets"]["sets"]
    ]
    return sorted(rows, key=lambda r: (len(r.layers), -r.addressed))


def upset_note(layer_sets: Mapping) -> str:
    """Which layer sets the table lists, and how many of how many, in words.

    >>> upset_note({"scope": "all", "total": 3, "sets": [{}, {}, {}]})
    ''
    >>> upset_note({"scope": "all", "total": 255, "sets": [{}] * 200})
    'Showing the 200 sets that address the most threats, of 255 combinations.'
    >>> upset_note({"scope": "sizes 1-3", "total": 90, "sets": [{}] * 90})[:45]
    'With this many layers the table lists every s'
    """
    shown, total = len(layer_sets["sets"]), layer_sets["total"]
    note = ""
    if layer_sets["scope"] != "all":
        note = (
            "With this many layers the table lists every single layer and the sets "
            "of two or three layers that are minimal for at least one threat. "
        )
    if shown < total:
        note += (
            f"Showing the {shown} sets that address the most threats, "
            f"of {total} combinations."
        )
    elif note:
        note += f"All {total} are shown."
    return note


def best_single_layer(layer_totals: Mapping[str, Mapping[str, int]]) -> int:
    """The most threats any one layer addresses alone (listed in the table or not).

    >>> best_single_layer({"hw": {"addressed_alone": 3}, "sw": {"addressed_alone": 1}})
    3
    """
    return max((t["addressed_alone"] for t in layer_totals.values()), default=0)


def focus_choices(snapshot) -> list[tuple[str, list[tuple[str, str]]]]:
    """The explorer's focus options: node ids by kind, sorted by name."""
    groups = (
        ("Layers", "layer", snapshot.layers),
        ("Threats", "threat", snapshot.threats),
        ("Mitigations", "mitigation", snapshot.mitigations),
    )
    return [
        (
            label,
            [(f"{kind}:{r.id}", r.name) for r in sorted(records, key=lambda r: r.name)],
        )
        for label, kind, records in groups
    ]


def graph_listing(elements: Mapping) -> dict[str, list[dict]]:
    """The explorer's elements as lists for the HTML: nodes by kind, edges by type.

    An edge is listed in words (``e["words"]``) and only between listed nodes.

    >>> listing = graph_listing({
    ...     "nodes": [{"id": "threat:t", "kind": "threat", "name": "T"}],
    ...     "edges": [{"source": "threat:t", "target": "tactic:x", "type": "IN_TACTIC"}],
    ... })
    >>> listing["threat"][0]["name"], listing["edges"]
    ('T', [])
    """
    listing: dict[str, list[dict]] = {"layer": [], "threat": [], "mitigation": []}
    for node in sorted(elements["nodes"], key=lambda n: n["name"]):
        listing.setdefault(node["kind"], []).append(node)
    names = {n["id"]: n["name"] for n in elements["nodes"]}
    listing["edges"] = [
        {
            **e,
            "source_name": names[e["source"]],
            "target_name": names[e["target"]],
            "words": BY_REL[e["type"]].words,
        }
        for e in elements["edges"]
        if e["type"] in BY_REL and e["source"] in names and e["target"] in names
    ]
    return listing


def gaps(document: Mapping) -> list[Mapping]:
    """Threats not addressed at all (unmitigated or insufficient), lowest coverage first."""
    open_ = [t for t in document["threats"] if t["class"] not in ADDRESSED]
    return sorted(open_, key=lambda t: (t["coverage"]["all"], t["name"]))


def node_name(elements: Mapping, node_id: str | None) -> str:
    """The name of a node among graph elements, or the id itself.

    >>> node_name({"nodes": [{"id": "layer:hw", "name": "Hardware"}]}, "layer:hw")
    'Hardware'
    """
    return next(
        (n["name"] for n in elements["nodes"] if n["id"] == node_id), node_id or ""
    )


# --- Resilience -------------------------------------------------------------------


def _layers_word(n: int) -> str:
    """``one layer``, ``2 layers``.

    >>> _layers_word(1), _layers_word(3)
    ('one layer', '3 layers')
    """
    return "one layer" if n == 1 else f"{n} layers"


def _and_names(ids: Iterable[str], names: Mapping[str, str]) -> str:
    """Display names joined as a sentence says them.

    >>> _and_names(["a", "b", "c"], {"a": "A", "b": "B"})
    'A, B and c'
    """
    words = [names.get(i, i) for i in ids]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def layer_depth_sentence(
    depth: Mapping, lost: Iterable[str] | None, names: Mapping[str, str]
) -> str:
    """What a threat's layer depth means, with the layers whose loss breaks it
    when they are known (``lost``).

    >>> d = {"layers": 2, "mitigations": 3, "exact": True}
    >>> layer_depth_sentence(d, ["hw", "sw"], {"hw": "Hardware", "sw": "Software"})
    'Survives the loss of any one layer; the loss of Hardware and Software leaves it unaddressed.'
    >>> layer_depth_sentence(d, None, {})
    'Survives the loss of any one layer; the loss of some 2 layers leaves it unaddressed.'
    >>> layer_depth_sentence({"layers": 1, "exact": True}, ["hw"], {"hw": "Hardware"})
    'Depends on a single layer: the loss of Hardware alone leaves it unaddressed.'
    >>> layer_depth_sentence({"layers": 0, "exact": True}, None, {})
    'Not addressed in this scenario (depth 0).'
    """
    k = depth["layers"]
    if k == 0:
        return "Not addressed in this scenario (depth 0)."
    if k == 1:
        which = _and_names(lost, names) if lost else "some one layer"
        return f"Depends on a single layer: the loss of {which} alone leaves it unaddressed."
    which = _and_names(lost, names) if lost else f"some {_layers_word(k)}"
    return (
        f"Survives the loss of any {_layers_word(k - 1)}; "
        f"the loss of {which} leaves it unaddressed."
    )


def mitigation_depth_sentence(depth: Mapping) -> str:
    """What a threat's mitigation depth means.

    >>> mitigation_depth_sentence({"layers": 2, "mitigations": 3, "exact": True})
    'The loss of 3 mitigations (and the measures that require them) leaves it unaddressed; no fewer do.'
    >>> mitigation_depth_sentence({"layers": 1, "mitigations": 4, "exact": False})
    'The loss of 4 mitigations (and the measures that require them) leaves it unaddressed, perhaps fewer: the search gave up for a greedy bound.'
    >>> mitigation_depth_sentence({"layers": 0, "mitigations": 0, "exact": True})
    'Not addressed in this scenario (depth 0).'
    """
    k = depth["mitigations"]
    if k == 0:
        return "Not addressed in this scenario (depth 0)."
    what = "one mitigation" if k == 1 else f"{k} mitigations"
    tail = (
        "; no fewer do."
        if depth["exact"]
        else ", perhaps fewer: the search gave up for a greedy bound."
    )
    return f"The loss of {what} (and the measures that require them) leaves it unaddressed{tail}"


def dependants(changes: Iterable[ClassChange]) -> list[ClassChange]:
    """The threats that depend on a layer: addressed with it, unaddressed without
    it (``changed_classes`` of the layer switched off); their layer depth is 1.

    >>> c = [ClassChange("t", "T", "single-layer", "insufficient", 0.9, 0.3),
    ...      ClassChange("u", "U", "single-layer", "defense-in-depth", 0.9, 0.85)]
    >>> [d.id for d in dependants(c)]
    ['t']
    """
    return [c for c in changes if c.before in ADDRESSED and c.after not in ADDRESSED]


@dataclass(frozen=True, slots=True)
class NextStep:
    """The best single next step: a mitigation to adopt and what it adds."""

    mitigation: str
    name: str
    also: str
    gain: int
    addressed: int


def next_step(step, names: Mapping[str, str]) -> NextStep | None:
    """A ``GreedyStep`` as the overview and the brief show it (None stays None);
    ``also`` names what it requires that comes with it.

    >>> from taxonomy.analysis.recommend import GreedyStep
    >>> s = GreedyStep("b", ("a", "b"), 2.0, 2.0, 3, 7, 7, ())
    >>> next_step(s, {"a": "Chip attestation", "b": "Deployer liability"})
    NextStep(mitigation='b', name='Deployer liability', also='Chip attestation', gain=3, addressed=7)
    """
    if step is None:
        return None
    also = [m for m in step.adopted if m != step.mitigation]
    return NextStep(
        step.mitigation,
        names.get(step.mitigation, step.mitigation),
        _and_names(also, names) if also else "",
        step.gain,
        step.addressed,
    )


def with_adopted(scenario: Scenario, mitigation: str) -> Scenario:
    """The scenario with one more mitigation adopted.

    >>> sorted(with_adopted(Scenario(adopt=["a"]), "b").adopt)
    ['a', 'b']
    """
    return replace(scenario, adopt=scenario.adopt | {mitigation})


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


# --- Tactics ------------------------------------------------------------------------


def tactic_threats(snapshot, tactic_id: str, document: Mapping) -> list[dict]:
    """The threats in a tactic, by name, each with its coverage class and coverage.

    >>> from taxonomy.domain.records import Link, Taxonomy, Threat
    >>> snap = Taxonomy(threats=(Threat("b", "B"), Threat("a", "A")),
    ...                 in_tactic=(Link("b", "x"), Link("a", "x"), Link("a", "y")))
    >>> doc = {"threats": [{"id": "a", "class": "unmitigated", "coverage": {"all": 0}},
    ...                    {"id": "b", "class": "single-layer", "coverage": {"all": .9}}]}
    >>> [(t["name"], t["class"]) for t in tactic_threats(snap, "x", doc)]
    [('A', 'unmitigated'), ('B', 'single-layer')]
    """
    entries = {t["id"]: t for t in document["threats"]}
    inside = {link.source for link in snapshot.in_tactic if link.target == tactic_id}
    return [
        {
            "id": threat.id,
            "name": threat.name,
            "class": entries[threat.id]["class"],
            "coverage": entries[threat.id]["coverage"]["all"],
        }
        for threat in sorted(snapshot.threats, key=lambda t: (t.name, t.id))
        if threat.id in inside and threat.id in entries
    ]


# --- Search -----------------------------------------------------------------------


def search_too_long(query: str, limit: int = SEARCH_MAX_LENGTH) -> str:
    """The message for a search longer than the index accepts, else "".

    >>> search_too_long("export"), search_too_long("x" * 12, limit=10)
    ('', 'A search can be at most 10 characters long; this one has 12. Shorten it to a few words.')
    """
    if len(query) <= limit:
        return ""
    return (
        f"A search can be at most {limit:,} characters long; this one has "
        f"{len(query):,}. Shorten it to a few words."
    )


def holding(
    counts: Mapping[str, Mapping[str, int]], field: str, but: str = ""
) -> list[tuple[str, int]]:
    """(taxonomy, count) of each taxonomy but ``but`` that holds items of ``field``.

    >>> holding({"layerwise": {"incidents": 0}, "atlas": {"incidents": 57},
    ...          "acme": {"incidents": 2}}, "incidents", but="acme")
    [('atlas', 57)]
    """
    return sorted(
        (name, kinds[field])
        for name, kinds in counts.items()
        if name != but and kinds.get(field)
    )
