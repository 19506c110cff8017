"""Coverage across a mapping: another catalogue's items read against the Layerwise mix.

A mapping set (SSSOM) says which of our threats each item of another
taxonomy is. Its rows, oriented "other item → our threat" (broad and narrow
inverted by the mapping module), are taken here as plain tuples
``(item, predicate, threat, confidence)``. ``crosswalk`` gives every item of
the other taxonomy:

- a **counted** coverage: the best, over its ``exactMatch`` and
  ``closeMatch`` rows, of our threat's coverage times the row's confidence;
  the item is addressed when it reaches the scenario's threshold τ;
- an **upper bound** from its ``broadMatch``, ``narrowMatch`` and
  ``relatedMatch`` rows (the same product), shown apart and never counted;
- or, mapped to nothing, the class ``outside-the-taxonomy``: never addressed,
  never counted as stopped.

``RULE`` says this in one sentence; every surface that shows a number from
here shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from taxonomy.analysis.model import (
    DEFENSE_IN_DEPTH,
    INSUFFICIENT,
    SINGLE_LAYER,
    UNMITIGATED,
    addressed,
)

EXACT, CLOSE = "skos:exactMatch", "skos:closeMatch"
BROAD, NARROW, RELATED = "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"
COUNTED_PREDICATES = (EXACT, CLOSE)
BOUND_PREDICATES = (BROAD, NARROW, RELATED)
PREDICATES = COUNTED_PREDICATES + BOUND_PREDICATES
# The classes an item of another taxonomy can have besides the coverage classes.
LOOSELY_MAPPED = "loosely-mapped"
OUTSIDE = "outside-the-taxonomy"
CROSSED_CLASSES = (OUTSIDE, LOOSELY_MAPPED, UNMITIGATED, INSUFFICIENT) + (
    DEFENSE_IN_DEPTH,
    SINGLE_LAYER,
)

RULE = (
    "An item of another catalogue is covered as the Layerwise threat it maps to "
    "is, times the mapping's confidence: only exact and close matches count (the "
    "best of them when it maps to several); broad, narrow and related matches "
    "give an upper bound shown apart and never count as addressed; an item mapped "
    "to nothing is outside the taxonomy and never counts as addressed or stopped."
)

CrossRow = tuple[str, str, str, float]


@dataclass(frozen=True, slots=True)
class CrossedItem:
    """One item of the other taxonomy read through the mapping.

    ``coverage`` is the counted coverage (None without an exact or close
    row); ``via``, ``predicate`` and ``confidence`` name the row that gives
    it. ``upper_bound`` and ``bound_via`` the same for the broad, narrow and
    related rows (None without one). ``coverage_class`` is one of
    ``CROSSED_CLASSES``; ``addressed`` only ever holds for a counted coverage.
    """

    id: str
    coverage_class: str
    addressed: bool
    coverage: float | None
    via: str | None
    predicate: str | None
    confidence: float | None
    upper_bound: float | None
    bound_via: str | None
    rows: int


def _best(
    rows: Iterable[CrossRow], coverages: Mapping[str, float]
) -> tuple[float, CrossRow] | None:
    """The row with the highest coverage × confidence (ties: higher confidence,
    then threat id, then predicate), with that product."""
    best = None
    for row in rows:
        value = coverages.get(row[2], 0.0) * row[3]
        key = (value, row[3], _neg(row[2]), _neg(row[1]))
        if best is None or key > best[0]:
            best = (key, row)
    return None if best is None else (best[0][0], best[1])


def _neg(text: str) -> tuple[int, ...]:
    """A key that sorts texts in reverse, so a max picks the smallest id."""
    return tuple(-ord(c) for c in text) + (1,)


def crossed_item(
    item: str,
    rows: Iterable[CrossRow],
    coverages: Mapping[str, float],
    best_layer: Mapping[str, float],
    classes: Mapping[str, str],
    threshold: float,
) -> CrossedItem:
    """One item through its rows (those whose first element is ``item``).

    Parameters
    ----------
    item : str
    rows : iterable of (item, predicate, threat, confidence)
    coverages, best_layer, classes : mapping
        Per threat of ours: its coverage, its best coverage by one layer
        alone, its class under the scenario (a threat missing counts 0 and
        unmitigated).
    threshold : float

    Returns
    -------
    CrossedItem

    >>> cov, one, cls = {"t": 0.9}, {"t": 0.9}, {"t": "single-layer"}
    >>> crossed_item("x", [("x", EXACT, "t", 1.0)], cov, one, cls, 0.8).coverage_class
    'single-layer'
    >>> c = crossed_item("x", [("x", CLOSE, "t", 0.5)], cov, one, cls, 0.8)
    >>> c.coverage, c.addressed, c.coverage_class
    (0.45, False, 'insufficient')
    >>> c = crossed_item("x", [("x", RELATED, "t", 1.0)], cov, one, cls, 0.8)
    >>> c.coverage_class, c.addressed, c.upper_bound
    ('loosely-mapped', False, 0.9)
    >>> crossed_item("x", [], cov, one, cls, 0.8).coverage_class
    'outside-the-taxonomy'
    """
    rows = list(rows)
    counted = [r for r in rows if r[1] in COUNTED_PREDICATES]
    loose = [r for r in rows if r[1] in BOUND_PREDICATES]
    best = _best(counted, coverages)
    bound = _best(loose, coverages)
    upper = None if bound is None else bound[0]
    bound_via = None if bound is None else bound[1][2]
    if best is None:
        return CrossedItem(
            item,
            LOOSELY_MAPPED if loose else OUTSIDE,
            False,
            None,
            None,
            None,
            None,
            upper,
            bound_via,
            len(rows),
        )
    value, row = best
    is_addressed = addressed(value, threshold)
    if all(classes.get(r[2], UNMITIGATED) == UNMITIGATED for r in counted):
        kind = UNMITIGATED
    elif not is_addressed:
        kind = INSUFFICIENT
    elif any(addressed(best_layer.get(r[2], 0.0) * r[3], threshold) for r in counted):
        kind = SINGLE_LAYER
    else:
        kind = DEFENSE_IN_DEPTH
    return CrossedItem(
        item,
        kind,
        is_addressed,
        value,
        row[2],
        row[1],
        row[3],
        upper,
        bound_via,
        len(rows),
    )


def crosswalk(
    items: Iterable[str],
    rows: Iterable[CrossRow],
    coverages: Mapping[str, float],
    best_layer: Mapping[str, float],
    classes: Mapping[str, str],
    threshold: float,
) -> tuple[CrossedItem, ...]:
    """Every item of the other taxonomy through the mapping, by id.

    Rows whose item is not among ``items`` are ignored (a mapping may cover
    more of a catalogue than a taxonomy holds); the other arguments are
    ``crossed_item``'s.

    >>> rows = [("a", EXACT, "t", 0.9), ("a", RELATED, "u", 1.0),
    ...         ("b", NARROW, "u", 1.0)]
    >>> found = crosswalk(["a", "b", "c"], rows, {"t": 0.9, "u": 0.3},
    ...     {"t": 0.9, "u": 0.3}, {"t": "single-layer", "u": "insufficient"}, 0.8)
    >>> [(i.id, i.coverage_class, i.addressed) for i in found]
    [('a', 'single-layer', True), ('b', 'loosely-mapped', False), ('c', 'outside-the-taxonomy', False)]
    """
    by_item: dict[str, list[CrossRow]] = {}
    for row in rows:
        by_item.setdefault(row[0], []).append(row)
    return tuple(
        crossed_item(i, by_item.get(i, ()), coverages, best_layer, classes, threshold)
        for i in sorted(set(items))
    )


def crossed_summary(crossed: Iterable[CrossedItem]) -> dict[str, int]:
    """Items per class, every class of ``CROSSED_CLASSES`` present, in order.

    >>> crossed_summary([])["outside-the-taxonomy"]
    0
    """
    counts = dict.fromkeys(CROSSED_CLASSES, 0)
    for item in crossed:
        counts[item.coverage_class] += 1
    return counts


def addressed_items(crossed: Iterable[CrossedItem]) -> frozenset[str]:
    """The items the mapping counts as addressed.

    >>> addressed_items([])
    frozenset()
    """
    return frozenset(i.id for i in crossed if i.addressed)


def threat_inputs(
    analysis,
) -> tuple[dict[str, float], dict[str, float], dict[str, str]]:
    """``crosswalk``'s per-threat inputs from an ``Analysis`` of our taxonomy:
    coverages, best coverage by one layer alone, classes.

    >>> from taxonomy.analysis.fast import analyse
    >>> from taxonomy.domain.records import Taxonomy
    >>> threat_inputs(analyse(Taxonomy()))
    ({}, {}, {})
    """
    best = {t: max(by, default=0.0) for t, by in analysis.layer_coverages.items()}
    return dict(analysis.coverages), best, dict(analysis.classes)


@dataclass(frozen=True)
class CrossedView:
    """The other taxonomy's items seen as an analysis of their own, for the
    documents that read one (the incident replay): ``classes`` and
    ``coverages`` per item (a counted coverage, 0 without one),
    ``addressed_threats`` the items the mapping counts as addressed;
    ``scenario`` and ``revision`` those of our analysis."""

    scenario: object
    revision: int
    classes: Mapping[str, str]
    coverages: Mapping[str, float]
    addressed_threats: frozenset[str]


def crossed_view(analysis, crossed: Iterable[CrossedItem]) -> CrossedView:
    """Our analysis's scenario with the crossed items as its threats.

    >>> from taxonomy.analysis.fast import analyse
    >>> from taxonomy.domain.records import Taxonomy
    >>> item = crossed_item("x", [], {}, {}, {}, 0.8)
    >>> crossed_view(analyse(Taxonomy()), [item]).classes
    {'x': 'outside-the-taxonomy'}
    """
    crossed = tuple(crossed)
    return CrossedView(
        scenario=analysis.scenario,
        revision=analysis.revision,
        classes={c.id: c.coverage_class for c in crossed},
        coverages={c.id: c.coverage or 0.0 for c in crossed},
        addressed_threats=addressed_items(crossed),
    )
