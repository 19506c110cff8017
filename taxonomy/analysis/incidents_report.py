"""The incident documents the selectors return: the replay of every incident
under a scenario, one incident step by step, the incidents that use a
technique, and coverage per tactic, as plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from taxonomy.analysis.crosswalk import (
    OUTSIDE,
    RULE,
    CrossedItem,
    ceiling_words,
    crossed_view,
)
from taxonomy.analysis.incidents import (
    ASSUMPTION,
    CROSSED_ASSUMPTION,
    STOPPERS_SHOWN,
    THRESHOLDS,
    IncidentModel,
    incident_model,
    incident_outcomes,
    stopped_by_threshold,
    stopping_coverage,
    tactic_coverage,
)
from taxonomy.analysis.model import (
    Analysis,
    class_summary,
)
from taxonomy.domain.records import (
    ORDERED_INCIDENT_KINDS,
    Taxonomy,
    Uses,
)


def _round(value: float) -> float:
    return round(float(value), 6) + 0.0


def incident_document(
    taxonomy: Taxonomy, analysis: Analysis, *, model: IncidentModel | None = None
) -> dict:
    """Every incident stopped or not under the analysis's scenario, and the totals.

    Parameters
    ----------
    taxonomy : Taxonomy
    analysis : Analysis
        The coverage analysis of the same taxonomy under the scenario.
    model : IncidentModel, optional
        ``incident_model(taxonomy)``, when already built.

    Returns
    -------
    dict
        ``{revision, threshold, dependence, assumption, incidents, totals,
        stoppers, stoppers_total, by_threshold}``; see
        ``taxonomy.selectors.incidents.incident_report``.

    >>> from taxonomy.analysis.fast import analyse
    >>> incident_document(Taxonomy(), analyse(Taxonomy()))["totals"]["stopped"]
    0
    """
    model = incident_model(taxonomy) if model is None else model
    found = incident_outcomes(model, analysis.addressed_threats)
    stopping = stopping_coverage(model, analysis.coverages)
    dates = {i.id: i.date for i in taxonomy.incidents}
    names = {t.id: t.name for t in taxonomy.threats}
    tau = analysis.scenario.threshold
    return {
        "revision": analysis.revision,
        "threshold": tau,
        "dependence": analysis.scenario.dependence,
        "assumption": ASSUMPTION,
        "incidents": [
            {
                "id": o.id,
                "name": o.name,
                "kind": o.kind,
                "date": dates[o.id],
                "ordered": o.ordered,
                "techniques": o.techniques,
                "steps": o.steps,
                "stopped": o.stopped,
                "first_stopped_step": o.first_stopped_step,
                "steps_addressed": list(o.steps_addressed),
                "techniques_addressed": list(o.techniques_addressed),
                "stopped_up_to": _round(best),
            }
            for o, best in zip(found.incidents, stopping.tolist(), strict=True)
        ],
        "totals": {
            "incidents": len(found.incidents),
            "stopped": found.stopped,
            "by_kind": {
                kind: {"incidents": n, "stopped": k}
                for kind, (n, k) in found.by_kind.items()
            },
        },
        "stoppers": [
            {"threat": t, "name": names[t], "incidents": n}
            for t, n in found.stoppers[:STOPPERS_SHOWN]
        ],
        "stoppers_total": len(found.stoppers),
        "by_threshold": [
            {"threshold": t, "stopped": n}
            for t, n in stopped_by_threshold(stopping, (*THRESHOLDS, tau))
        ],
    }


def _tactic_names(taxonomy: Taxonomy) -> dict[str, str]:
    """Tactic id and shortname → its name (a USES step names either)."""
    names = {t.shortname: t.name for t in taxonomy.tactics if t.shortname}
    return names | {t.id: t.name for t in taxonomy.tactics}


def _step_rows(link: Uses) -> list[tuple[int | None, str, str]]:
    """``(step, tactic, description)`` of each step of a link (one row, step
    None, when it has no steps)."""
    if not link.steps:
        return [
            (
                None,
                link.tactics[0] if link.tactics else "",
                link.descriptions[0] if link.descriptions else "",
            )
        ]
    return [
        (
            step,
            link.tactics[j] if j < len(link.tactics) else "",
            link.descriptions[j] if j < len(link.descriptions) else "",
        )
        for j, step in enumerate(link.steps)
    ]


def incident_detail_document(
    taxonomy: Taxonomy, analysis: Analysis, incident_id: str
) -> dict:
    """One incident's steps in order, each with its technique's class.

    Raises ``KeyError`` when the taxonomy has no such incident.

    Returns
    -------
    dict
        See ``taxonomy.selectors.incidents.incident_detail``.

    >>> from taxonomy.analysis.fast import analyse
    >>> from taxonomy.domain.records import Incident, Threat, Uses
    >>> tax = Taxonomy(threats=(Threat("a", "A"),), incidents=(Incident("i", "I"),),
    ...     uses=(Uses("i", "a", (1,), ("t1",), ("did a",)),))
    >>> doc = incident_detail_document(tax, analyse(tax), "i")
    >>> doc["stopped"], [(s["step"], s["threat"], s["class"]) for s in doc["steps"]]
    (False, [(1, 'a', 'unmitigated')])
    """
    incident = next((i for i in taxonomy.incidents if i.id == incident_id), None)
    if incident is None:
        raise KeyError(incident_id)
    names = {t.id: t.name for t in taxonomy.threats}
    tactics = _tactic_names(taxonomy)
    ordered = incident.kind in ORDERED_INCIDENT_KINDS
    rows = sorted(
        (
            (step if ordered else None, link.threat, tactic, description)
            for link in taxonomy.uses
            if link.incident == incident_id
            for step, tactic, description in _step_rows(link)
        ),
        key=lambda row: (row[0] is None, row[0] or 0, row[1]),
    )
    addressed = analysis.addressed_threats
    hit = [row[0] for row in rows if row[1] in addressed and row[0] is not None]
    first = min(hit, default=None)
    return {
        "id": incident.id,
        "name": incident.name,
        "kind": incident.kind,
        "date": incident.date,
        "summary": incident.summary,
        "sources": list(incident.sources),
        "ordered": ordered,
        "threshold": analysis.scenario.threshold,
        "assumption": ASSUMPTION,
        "stopped": any(row[1] in addressed for row in rows),
        "first_stopped_step": first if ordered else None,
        "steps": [
            {
                "step": step,
                "threat": threat,
                "name": names[threat],
                "tactic": tactic,
                "tactic_name": tactics.get(tactic, tactic),
                "description": description,
                "class": analysis.classes[threat],
                "addressed": threat in addressed,
                "stops": ordered and step == first and threat in addressed,
            }
            for step, threat, tactic, description in rows
        ],
    }


def incidents_using(taxonomy: Taxonomy, threat_id: str) -> list[dict]:
    """The incidents that use a threat, by id, each with the steps at which it does.

    >>> from taxonomy.domain.records import Incident, Threat, Uses
    >>> incidents_using(Taxonomy(threats=(Threat("a", "A"),),
    ...     incidents=(Incident("i", "I", date="2021"),),
    ...     uses=(Uses("i", "a", (2,), ("t1",)),)), "a")
    [{'id': 'i', 'name': 'I', 'kind': 'case-study', 'date': '2021', 'steps': [2], 'tactics': ['t1']}]
    """
    incidents = {i.id: i for i in taxonomy.incidents}
    return [
        {
            "id": link.incident,
            "name": incidents[link.incident].name,
            "kind": incidents[link.incident].kind,
            "date": incidents[link.incident].date,
            "steps": list(link.steps),
            "tactics": list(link.tactics),
        }
        for link in sorted(taxonomy.uses, key=lambda u: u.incident)
        if link.threat == threat_id
    ]


def tactic_document(taxonomy: Taxonomy, analysis: Analysis) -> dict:
    """Coverage per tactic as plain data.

    Returns
    -------
    dict
        ``{tactics: [{id, name, order, threats, by_class}], no_tactic:
        {threats, by_class}, total: {threats, by_class}}``; ``total`` counts
        every threat once.

    >>> from taxonomy.analysis.fast import analyse
    >>> tactic_document(Taxonomy(), analyse(Taxonomy()))["total"]["threats"]
    0
    """
    rows, loose = tactic_coverage(taxonomy, analysis.classes)
    return {
        "tactics": [
            {
                "id": r.id,
                "name": r.name,
                "order": r.order,
                "threats": r.threats,
                "by_class": dict(r.by_class),
            }
            for r in rows
        ],
        "no_tactic": {"threats": loose.threats, "by_class": dict(loose.by_class)},
        "total": {
            "threats": len(analysis.classes),
            "by_class": class_summary(analysis.classes.values()),
        },
    }


def crossed_incident_document(
    other: Taxonomy,
    analysis: Analysis,
    crossed: Iterable[CrossedItem],
    *,
    mapping: Mapping[str, str],
    model: IncidentModel | None = None,
    limit: Mapping | None = None,
) -> dict:
    """The incidents of another catalogue replayed against OUR scenario through
    a mapping set: ``incident_document``'s shape, the other catalogue's
    techniques addressed as the crosswalk counts them.

    Parameters
    ----------
    other : Taxonomy
        The catalogue whose incidents are replayed (ATLAS, say).
    analysis : Analysis
        Our taxonomy under the scenario.
    crossed : iterable of CrossedItem
        ``crosswalk`` of ``other``'s techniques through the mapping.
    mapping : mapping
        ``{"id", "name"}`` of the mapping set, named on every surface.
    model : IncidentModel, optional
        ``incident_model(other)``, when already built.
    limit : mapping, optional
        ``crosswalk.ceiling`` of the mapping's rows: the highest score any
        technique can reach, whatever is adopted.

    Returns
    -------
    dict
        ``incident_document``'s keys (``assumption`` says the crossed rule), plus
        ``through: {id, name, rule}``, ``outside_total`` (techniques used by
        some incident that map to nothing), ``ceiling`` (``limit`` with
        ``words``, the sentence saying no incident can be stopped when so;
        None without ``limit``) and per incident ``outside`` (its techniques
        outside the taxonomy, by id) and ``via`` (per addressed technique the
        row that counts: ``{technique, threat, predicate, confidence}``).
        ``stoppers`` lists only techniques an exact or close row maps to a
        threat of ours (``via``, ``via_name``, ``confidence``): no Layerwise
        measure addresses the others, counted in ``stoppers_unmapped``.

    >>> from taxonomy.analysis.fast import analyse
    >>> from taxonomy.analysis.crosswalk import crosswalk
    >>> from taxonomy.domain.records import Incident, Threat, Uses
    >>> atlas = Taxonomy(threats=(Threat("T1", "One"), Threat("T2", "Two")),
    ...     incidents=(Incident("cs", "Case"),), uses=(Uses("cs", "T1", (1,)),
    ...     Uses("cs", "T2", (2,))))
    >>> crossed = crosswalk(["T1", "T2"], [], {}, {}, {}, 0.8)
    >>> doc = crossed_incident_document(atlas, analyse(Taxonomy()), crossed,
    ...     mapping={"id": "m", "name": "M"})
    >>> doc["totals"]["stopped"], doc["incidents"][0]["outside"]
    (0, ['T1', 'T2'])
    """
    crossed = tuple(crossed)
    model = incident_model(other) if model is None else model
    by_id = {c.id: c for c in crossed}
    document = incident_document(other, crossed_view(analysis, crossed), model=model)
    outside = {c.id for c in crossed if c.coverage_class == OUTSIDE}
    used: dict[str, set[str]] = {}
    for link in other.uses:
        used.setdefault(link.incident, set()).add(link.threat)
    for entry in document["incidents"]:
        entry["outside"] = sorted(used.get(entry["id"], set()) & outside)
        entry["via"] = [
            {
                "technique": t,
                "threat": by_id[t].via,
                "predicate": by_id[t].predicate,
                "confidence": by_id[t].confidence,
            }
            for t in entry["techniques_addressed"]
        ]
    found = incident_outcomes(model, crossed_view(analysis, crossed).addressed_threats)
    names = {t.id: t.name for t in other.threats}
    our_names = {t.id: t.name for t in analysis.threats}
    mapped = [(t, n) for t, n in found.stoppers if by_id[t].via is not None]
    document["stoppers"] = [
        {
            "threat": t,
            "name": names[t],
            "incidents": n,
            "via": by_id[t].via,
            "via_name": our_names.get(by_id[t].via, by_id[t].via),
            "confidence": by_id[t].confidence,
        }
        for t, n in mapped[:STOPPERS_SHOWN]
    ]
    document["stoppers_total"] = len(mapped)
    document["stoppers_unmapped"] = len(found.stoppers) - len(mapped)
    document["ceiling"] = (
        None if limit is None else dict(limit) | {"words": ceiling_words(limit)}
    )
    document["assumption"] = f"{CROSSED_ASSUMPTION} {RULE}"
    document["through"] = {**mapping, "rule": RULE}
    document["outside_total"] = len(set().union(*used.values(), set()) & outside)
    return document
