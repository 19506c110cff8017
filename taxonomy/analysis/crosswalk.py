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
from typing import NamedTuple

import numpy as np

from taxonomy.analysis.model import (
    DEFENSE_IN_DEPTH,
    INSUFFICIENT,
    SINGLE_LAYER,
    TOLERANCE,
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
    "is, times the mapping's confidence: only rows saying the item “is the same "
    "as” or “is close to” our threat count (the best of them when there are "
    "several); rows saying it “is narrower than”, “is broader than” or “is "
    "related to” a threat give an upper bound shown apart and never count as "
    "addressed; an item mapped to nothing is outside the taxonomy and never "
    "counts as addressed or stopped."
)

CrossRow = tuple[str, str, str, float]


class CrossedItem(NamedTuple):
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
    rows = [r for r in rows if r[0] == item]
    return crosswalk([item], rows, coverages, best_layer, classes, threshold)[0]


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
    ``crossed_item``'s. The best row of an item is found for all items at
    once (a sort of the rows); only the rows of addressed items are read
    again, for the single-layer test.

    >>> rows = [("a", EXACT, "t", 0.9), ("a", RELATED, "u", 1.0),
    ...         ("b", NARROW, "u", 1.0)]
    >>> found = crosswalk(["a", "b", "c"], rows, {"t": 0.9, "u": 0.3},
    ...     {"t": 0.9, "u": 0.3}, {"t": "single-layer", "u": "insufficient"}, 0.8)
    >>> [(i.id, i.coverage_class, i.addressed) for i in found]
    [('a', 'single-layer', True), ('b', 'loosely-mapped', False), ('c', 'outside-the-taxonomy', False)]
    """
    ids = sorted(set(items))
    index = {item: k for k, item in enumerate(ids)}
    rows = [r for r in rows if r[0] in index]
    n = len(rows)
    threats = sorted({r[2] for r in rows})
    t_index = {t: k for k, t in enumerate(threats)}
    item = np.fromiter((index[r[0]] for r in rows), np.int64, n)
    threat = np.fromiter((t_index[r[2]] for r in rows), np.int64, n)
    predicate = np.fromiter((PREDICATES.index(r[1]) for r in rows), np.int64, n)
    confidence = np.fromiter((r[3] for r in rows), float, n)
    cover = np.fromiter((coverages.get(t, 0.0) for t in threats), float, len(threats))
    value = cover[threat] * confidence if n else np.zeros(0)
    is_counted = predicate < len(COUNTED_PREDICATES)
    mitigated = np.fromiter(
        (classes.get(t, UNMITIGATED) != UNMITIGATED for t in threats),
        bool,
        len(threats),
    )
    # Best first within an item: product, confidence, then smallest threat id
    # and predicate (a total order, so row order never matters).
    order = np.lexsort((predicate, threat, -confidence, -value, ~is_counted, item))
    n_rows = np.bincount(item, minlength=len(ids))
    n_counted = np.bincount(item[is_counted], minlength=len(ids))
    n_mitigated = np.bincount(item[is_counted & mitigated[threat]], minlength=len(ids))
    start = np.searchsorted(item[order], np.arange(len(ids))).tolist()
    # Python lists: the loop below reads one element at a time.
    n_rows, n_counted = n_rows.tolist(), n_counted.tolist()
    n_mitigated, order = n_mitigated.tolist(), order.tolist()
    value, confidence = value.tolist(), confidence.tolist()
    threat, predicate = threat.tolist(), predicate.tolist()
    out = []
    for k, name in enumerate(ids):
        first, count, counted = start[k], n_rows[k], n_counted[k]
        bound = None
        if count > counted:
            b = order[first + counted]
            bound = (value[b], threats[threat[b]])
        if not counted:
            kind = LOOSELY_MAPPED if bound else OUTSIDE
            out.append(
                CrossedItem(
                    name,
                    kind,
                    False,
                    None,
                    None,
                    None,
                    None,
                    *(bound or (None, None)),
                    count,
                )
            )
            continue
        b = order[first]
        best = value[b]
        is_addressed = addressed(best, threshold)
        if not n_mitigated[k]:
            kind = UNMITIGATED
        elif not is_addressed:
            kind = INSUFFICIENT
        else:
            mine = order[first : first + counted]
            single = any(
                addressed(
                    best_layer.get(threats[threat[r]], 0.0) * confidence[r], threshold
                )
                for r in mine
            )
            kind = SINGLE_LAYER if single else DEFENSE_IN_DEPTH
        out.append(
            CrossedItem(
                name,
                kind,
                is_addressed,
                best,
                threats[threat[b]],
                PREDICATES[predicate[b]],
                confidence[b],
                *(bound or (None, None)),
                count,
            )
        )
    return tuple(out)


def ceiling(
    rows: Iterable[CrossRow],
    items: Iterable[str],
    threshold: float,
    *,
    complete: bool = False,
) -> dict:
    """The highest counted score any item can reach through the mapping,
    whatever is adopted: the largest confidence among the exact and close
    rows of ``items`` times a complete (100%) coverage of our threat.

    ``complete`` says whether a threat of ours can be covered completely (a
    strength whose effectiveness is 1); without it a coverage stays below
    100% (in exact arithmetic), so a ceiling equal to the threshold is not
    reached either. ``reachable`` False means the mapping alone decides that
    no item counts as addressed (and no incident as stopped), whatever the
    measures.

    Returns
    -------
    dict
        ``{confidence, score, threshold, reachable}``; ``confidence`` and
        ``score`` None when no exact or close row names one of ``items``.

    >>> ceiling([("a", CLOSE, "t", 0.8), ("a", RELATED, "u", 1.0)], ["a"], 0.8)
    {'confidence': 0.8, 'score': 0.8, 'threshold': 0.8, 'reachable': False}
    >>> ceiling([("a", CLOSE, "t", 0.8)], ["a"], 0.8, complete=True)["reachable"]
    True
    >>> ceiling([("a", EXACT, "t", 0.9)], ["a"], 0.8)["reachable"]
    True
    >>> ceiling([("a", EXACT, "t", 0.9)], ["b"], 0.8)["score"] is None
    True
    """
    wanted = set(items)
    best = max(
        (r[3] for r in rows if r[0] in wanted and r[1] in COUNTED_PREDICATES),
        default=None,
    )
    if best is None:
        reachable = False
    elif best - threshold > TOLERANCE:
        reachable = True
    else:
        reachable = complete and addressed(best, threshold)
    score = None if best is None else round(float(best) * 1.0, 6) + 0.0
    return {
        "confidence": score,
        "score": score,
        "threshold": threshold,
        "reachable": reachable,
    }


def complete_coverage_possible(scenario) -> bool:
    """Whether a threat can be covered completely under ``scenario``: some
    strength's effectiveness is 1 (``ceiling``'s ``complete``).

    >>> from taxonomy.domain.scenario import Scenario
    >>> complete_coverage_possible(Scenario())
    False
    """
    return max(scenario.effectiveness_map.values(), default=0.0) >= 1 - TOLERANCE


def _pct(value: float) -> str:
    return f"{round(value * 100, 1):g}%"


def ceiling_words(found: Mapping, *, what: str = "incident") -> str | None:
    """The sentence every surface shows when ``ceiling`` is not reachable
    (None when it is): ``what`` "incident" (stopped) or "technique" (addressed).

    >>> ceiling_words({"confidence": 0.8, "score": 0.8, "threshold": 0.8,
    ...     "reachable": False})[:75]
    'No incident can count as stopped through this mapping at an 80% threshold: '
    >>> ceiling_words({"reachable": True}) is None
    True
    """
    if found["reachable"]:
        return None
    verb = "stopped" if what == "incident" else "addressed"
    tau = _pct(found["threshold"])
    article = "an" if tau.startswith(("8", "11%", "18%", "11.", "18.")) else "a"
    head = f"No {what} can count as {verb} through this mapping at {article} {tau} threshold: "
    if found["confidence"] is None:
        return (
            head + "it has no exact or close matches, and only those count. "
            "This follows from the mapping, not from the measures adopted."
        )
    best = _pct(found["confidence"])
    if found["confidence"] - found["threshold"] < -TOLERANCE:
        why = (
            f"the rows that count (saying a technique is the same as or close "
            f"to one of our threats) carry at most {best} confidence, so no technique can score more than {best} even if "
            "the threat of ours it maps to were covered completely."
        )
    else:
        why = (
            f"the rows that count (saying a technique is the same as or close "
            f"to one of our threats) carry at most {best} confidence, so a technique would reach {tau} only if the threat "
            "of ours it maps to were covered completely (100%), which measures "
            "that are each less than fully effective never give."
        )
    return (
        head + why + " This follows from the mapping, not from the measures "
        "adopted: a lower threshold, or rows of higher confidence, would change it."
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


class BestLayer(Mapping):
    """Per threat, its best coverage by one layer alone, read from an
    analysis's ``layer_coverages`` only for the threats asked (a large
    analysis reads them on demand).

    >>> BestLayer({"t": (0.3, 0.6)})["t"], BestLayer({"t": ()})["t"]
    (0.6, 0.0)
    """

    def __init__(self, layer_coverages: Mapping[str, tuple[float, ...]]):
        self._by_layer = layer_coverages

    def __getitem__(self, threat: str) -> float:
        return max(self._by_layer[threat], default=0.0)

    def __iter__(self):
        return iter(self._by_layer)

    def __len__(self) -> int:
        return len(self._by_layer)


def threat_inputs(analysis) -> tuple[Mapping, Mapping, Mapping]:
    """``crosswalk``'s per-threat inputs from an ``Analysis`` of our taxonomy:
    coverages, best coverage by one layer alone, classes.

    >>> from taxonomy.analysis.fast import analyse
    >>> from taxonomy.domain.records import Taxonomy
    >>> [len(part) for part in threat_inputs(analyse(Taxonomy()))]
    [0, 0, 0]
    """
    return analysis.coverages, BestLayer(analysis.layer_coverages), analysis.classes


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
