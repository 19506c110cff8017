"""The documents built on a crosswalk, as plain data: another catalogue's
coverage read through a mapping set, and the mapping set itself (rows,
predicates, confidence histogram, unmapped items on either side)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from taxonomy.analysis.crosswalk import (
    CROSSED_CLASSES,
    RULE,
    CrossRow,
    ceiling,
    ceiling_words,
    complete_coverage_possible,
    crossed_summary,
    crosswalk,
    threat_inputs,
)
from taxonomy.analysis.model import Analysis
from taxonomy.domain.mappings import (
    PREDICATE_WORDS,
    PREDICATES,
    MappingSet,
    local_id,
    node_id,
    oriented_rows,
    other_taxonomy,
)
from taxonomy.domain.records import Taxonomy

# Confidence histogram bins: [0, 0.1), [0.1, 0.2) ... [0.9, 1.0].
BINS = 10


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6) + 0.0


def cross_rows(
    mapping_set: MappingSet, ours: str, ids: Collection[str] | None = None
) -> list[CrossRow]:
    """The set's rows as ``crosswalk`` takes them, "their item → our threat"
    (an unstated confidence counts 1); ``ids``, the graph's item ids of both
    sides, name imported items as the graph does (``node_id``).

    >>> from taxonomy.domain.mappings import MappingRow
    >>> cross_rows(MappingSet("m", "atlas", "layerwise", rows=(MappingRow(
    ...     "atlas:T1", "skos:narrowMatch", "layerwise:t"),)), "layerwise")
    [('T1', 'skos:narrowMatch', 't', 1.0)]
    """
    return [
        (r.other_id, r.predicate, r.threat_id, r.weight)
        for r in oriented_rows(mapping_set, ours, ids)
    ]


def set_heading(mapping_set: MappingSet) -> dict:
    """How every surface names a set: ``{id, title, subject, object, rows}``.

    >>> set_heading(MappingSet("m", "atlas", "layerwise"))["title"]
    'm'
    """
    return {
        "id": mapping_set.mapping_set_id,
        "title": mapping_set.mapping_set_title or mapping_set.mapping_set_id,
        "subject": mapping_set.subject_source,
        "object": mapping_set.object_source,
        "rows": len(mapping_set.rows),
    }


def crosswalk_document(
    other: Taxonomy,
    other_name: str,
    analysis: Analysis,
    ours: Taxonomy,
    mapping_set: MappingSet,
) -> dict:
    """The coverage of ``other``'s threats read through ``mapping_set`` onto
    ``ours`` under ``analysis``'s scenario (the ``through=`` document).

    Parameters
    ----------
    other : Taxonomy
        The catalogue read (its threats are the items).
    other_name : str
        Its taxonomy name (one side of the set).
    analysis : Analysis
        Our taxonomy under the scenario.
    ours : Taxonomy
        Our taxonomy (names of the threats rows point at).
    mapping_set : MappingSet

    Returns
    -------
    dict
        ``{revision, taxonomy, through: {id, title, subject, object, rows,
        ours, rule}, rule, threshold, ceiling, summary: {class: n}, addressed,
        threats: [{id, name, class, addressed, coverage, via, via_name,
        predicate, confidence, upper_bound, bound_via, bound_via_name,
        rows}]}``, threats by id; ``coverage`` and ``upper_bound`` None
        when no row of their kind exists. ``ceiling`` is
        ``crosswalk.ceiling``'s with ``words``, its sentence when no item can
        reach the threshold whatever is adopted (else None).

    >>> from taxonomy.analysis.fast import analyse
    >>> from taxonomy.domain.records import Threat
    >>> doc = crosswalk_document(Taxonomy(threats=(Threat("T1", "One"),)), "atlas",
    ...     analyse(Taxonomy()), Taxonomy(), MappingSet("m", "atlas", "layerwise"))
    >>> doc["summary"]["outside-the-taxonomy"], doc["addressed"]
    (1, 0)
    """
    ours_name = other_taxonomy(mapping_set, other_name)
    tau = analysis.scenario.threshold
    ids = {t.id for t in other.threats} | {t.id for t in ours.threats}
    rows = cross_rows(mapping_set, ours_name, ids)
    items = [t.id for t in other.threats]
    crossed = crosswalk(items, rows, *threat_inputs(analysis), tau)
    limit = ceiling(
        rows, items, tau, complete=complete_coverage_possible(analysis.scenario)
    )
    names = {t.id: t.name for t in other.threats}
    our_names = {t.id: t.name for t in ours.threats}
    summary = crossed_summary(crossed)
    return {
        "revision": analysis.revision,
        "taxonomy": other_name,
        "through": {**set_heading(mapping_set), "ours": ours_name, "rule": RULE},
        "rule": RULE,
        "threshold": tau,
        "ceiling": limit | {"words": ceiling_words(limit, what="technique")},
        "summary": summary,
        "classes": list(CROSSED_CLASSES),
        "addressed": sum(1 for c in crossed if c.addressed),
        "threats": [
            {
                "id": c.id,
                "name": names[c.id],
                "class": c.coverage_class,
                "addressed": c.addressed,
                "coverage": _round(c.coverage),
                "via": c.via,
                "via_name": our_names.get(c.via, c.via) if c.via else None,
                "predicate": c.predicate,
                "confidence": _round(c.confidence),
                "upper_bound": _round(c.upper_bound),
                "bound_via": c.bound_via,
                "bound_via_name": (
                    our_names.get(c.bound_via, c.bound_via) if c.bound_via else None
                ),
                "rows": c.rows,
            }
            for c in crossed
        ],
    }


def confidence_histogram(confidences: list[float | None]) -> list[dict]:
    """Rows per confidence tenth (1.0 in the last), and those with none stated.

    >>> [b["rows"] for b in confidence_histogram([0.05, 0.95, 1.0, None])][-2:]
    [2, 1]
    """
    counts = Counter(
        "none" if c is None else min(int(c * BINS + 1e-9), BINS - 1)
        for c in confidences
    )
    bins = [
        {
            "from": k / BINS,
            "to": (k + 1) / BINS,
            "label": f"{k / BINS:.1f}–{(k + 1) / BINS:.1f}",
            "rows": counts.get(k, 0),
        }
        for k in range(BINS)
    ]
    return bins + [
        {"from": None, "to": None, "label": "not stated", "rows": counts.get("none", 0)}
    ]


def mapping_set_document(
    mapping_set: MappingSet, subjects: Taxonomy, objects: Taxonomy
) -> dict:
    """A mapping set as its page shows it: heading, metadata, rows with the
    items' names, counts per predicate, the confidence histogram and the
    items of either side no row names.

    >>> from taxonomy.domain.mappings import MappingRow
    >>> from taxonomy.domain.records import Threat
    >>> doc = mapping_set_document(MappingSet("m", "atlas", "layerwise",
    ...     rows=(MappingRow("atlas:T1", "skos:exactMatch", "layerwise:t", confidence=0.9),)),
    ...     Taxonomy(threats=(Threat("T1", "One"), Threat("T2", "Two"))),
    ...     Taxonomy(threats=(Threat("t", "T"),)))
    >>> doc["predicates"]["skos:exactMatch"], [u["id"] for u in doc["unmapped_subjects"]]
    (1, ['T2'])
    """
    s_names = {t.id: t.name for t in subjects.threats}
    o_names = {t.id: t.name for t in objects.threats}
    rows = sorted(mapping_set.rows, key=lambda r: (r.subject_id, r.object_id))

    def subject(row) -> str:
        return node_id(local_id(row.subject_id), mapping_set.subject_source, s_names)

    def obj(row) -> str:
        return node_id(local_id(row.object_id), mapping_set.object_source, o_names)

    named_s = {subject(r) for r in rows}
    named_o = {obj(r) for r in rows}
    by_predicate = Counter(r.predicate_id for r in rows)
    return {
        **set_heading(mapping_set),
        "license": mapping_set.license,
        "creators": list(mapping_set.creator_id),
        "date": mapping_set.mapping_date,
        "description": mapping_set.mapping_set_description,
        "rule": RULE,
        "rows_list": [
            {
                "subject": subject(r),
                "subject_name": s_names.get(subject(r), r.subject_label),
                "subject_known": subject(r) in s_names,
                "predicate": r.predicate_id,
                "predicate_words": PREDICATE_WORDS[r.predicate_id],
                "object": obj(r),
                "object_name": o_names.get(obj(r), r.object_label),
                "object_known": obj(r) in o_names,
                "confidence": r.confidence,
                "justification": r.mapping_justification,
                "comment": r.comment,
            }
            for r in rows
        ],
        "predicates": {p: by_predicate.get(p, 0) for p in PREDICATES},
        "histogram": confidence_histogram([r.confidence for r in rows]),
        "unmapped_subjects": [
            {"id": t.id, "name": t.name}
            for t in sorted(subjects.threats, key=lambda t: t.id)
            if t.id not in named_s
        ],
        "unmapped_objects": [
            {"id": t.id, "name": t.name}
            for t in sorted(objects.threats, key=lambda t: t.id)
            if t.id not in named_o
        ],
    }


def mapped_onto(
    mapping_sets: list[tuple[MappingSet, Taxonomy, str]],
    ours: str,
    threat_id: str,
    our_ids: Collection[str] = (),
) -> list[dict]:
    """What maps onto one of our threats from every catalogue: per set (given
    with the other side's taxonomy and name), its rows onto ``threat_id``;
    ``our_ids`` our threats' ids, so that imported items are named as the
    graph names them.

    >>> from taxonomy.domain.mappings import MappingRow
    >>> from taxonomy.domain.records import Threat
    >>> s = MappingSet("m", "atlas", "layerwise", rows=(MappingRow("atlas:T1",
    ...     "skos:closeMatch", "layerwise:t", confidence=0.8),))
    >>> [(r["item"], r["confidence"]) for r in mapped_onto([(s, Taxonomy(
    ...     threats=(Threat("T1", "One"),)), "atlas")], "layerwise", "t")[0]["rows"]]
    [('T1', 0.8)]
    """
    out = []
    for mapping_set, other, other_name in mapping_sets:
        names = {t.id: t.name for t in other.threats}
        rows = [
            {
                "item": r.other_id,
                "name": names.get(r.other_id, r.other_id),
                "predicate": r.predicate,
                "words": PREDICATE_WORDS[r.predicate],
                "counted": r.carries,
                "confidence": r.confidence,
                "comment": r.row.comment,
            }
            for r in oriented_rows(mapping_set, ours, {*names, *our_ids})
            if r.threat_id == threat_id
        ]
        if rows:
            out.append(
                {**set_heading(mapping_set), "taxonomy": other_name, "rows": rows}
            )
    return out


def crosswalk_matrix(
    mapping_set: MappingSet, ours: str, our_threats: list[str], their_items: list[str]
) -> dict:
    """The crosswalk as a matrix: our threats (rows) × their items (columns)
    that some row names, each cell the row's predicate and confidence.

    >>> from taxonomy.domain.mappings import MappingRow
    >>> m = crosswalk_matrix(MappingSet("m", "atlas", "layerwise", rows=(MappingRow(
    ...     "atlas:T1", "skos:exactMatch", "layerwise:t", confidence=1.0),)),
    ...     "layerwise", ["t", "u"], ["T1", "T2"])
    >>> m["columns"], m["cells"]["t"]["T1"]["predicate"]
    (['T1'], 'skos:exactMatch')
    """
    cells: dict[str, dict[str, dict]] = {t: {} for t in our_threats}
    for r in oriented_rows(mapping_set, ours, {*our_threats, *their_items}):
        if r.threat_id in cells:
            cells[r.threat_id][r.other_id] = {
                "predicate": r.predicate,
                "confidence": r.confidence,
                "counted": r.carries,
            }
    used = sorted({i for row in cells.values() for i in row} & set(their_items))
    return {"rows": list(our_threats), "columns": used, "cells": cells}
