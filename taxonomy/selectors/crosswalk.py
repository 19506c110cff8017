"""Another catalogue read through a mapping set onto ours (``through=``, issue 26):
its coverage, its incidents replayed, a set's page, what maps onto a threat
and the crosswalk matrix; cached per revision (a mapping write moves it).

Every document here carries ``RULE`` (``taxonomy.analysis.crosswalk``):
show it beside every number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from taxonomy.analysis.crosswalk import (
    RULE,
    ceiling,
    complete_coverage_possible,
    crossed_view,
    crosswalk,
    threat_inputs,
)
from taxonomy.analysis.crosswalk_report import (
    cross_rows,
    crosswalk_document,
    crosswalk_matrix,
    mapped_onto,
    mapping_set_document,
    set_heading,
)
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.incidents import CROSSED_ASSUMPTION
from taxonomy.analysis.incidents_report import (
    crossed_incident_document,
    incident_detail_document,
)
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.model import Analysis, validate_ids
from taxonomy.domain.errors import NotFound, ScenarioError
from taxonomy.domain.mappings import MappingSet, other_taxonomy
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_words import scenario_summary
from taxonomy.selectors.cache import per_revision, revision_token
from taxonomy.selectors.mappings import mapping_set_detail, mapping_set_list
from taxonomy.selectors.snapshot import taxonomy_at


def _cached(token: str, key: tuple, compute):
    return per_revision(token, ("crosswalk", repr(key)), compute)


def mapping_set_through(
    *, mapping_set_id: str, taxonomy: str, token: str
) -> MappingSet:
    """The set ``through=`` names, which must join ``taxonomy`` to another:
    ``ScenarioError`` (a 422 on ``through``) for an unknown set or one that
    does not map ``taxonomy``."""

    def read() -> MappingSet | None:
        try:
            return mapping_set_detail(mapping_set_id=mapping_set_id)
        except NotFound:
            return None

    found = _cached(token, ("set", mapping_set_id), read)
    if found is None or taxonomy not in (found.subject_source, found.object_source):
        raise ScenarioError({"mapping set": [mapping_set_id]})
    if found.subject_source == found.object_source:
        raise ScenarioError({"mapping set": [mapping_set_id]})
    return found


def _ours(token: str, scenario: Scenario, ours: str) -> tuple[Taxonomy, Analysis]:
    """Our taxonomy and its analysis under the scenario (``through`` aside)."""
    snapshot = taxonomy_at(token=token, taxonomy=ours)
    inner = replace(scenario, through=None)
    validate_ids(snapshot, inner)
    analysis = run_scenario(*scoped_model(snapshot, inner))
    return snapshot, replace(analysis, scenario=scenario)


def _summary(snapshot: Taxonomy, scenario: Scenario, mapping_set: MappingSet) -> str:
    named = {
        r.id: r.name
        for r in (*snapshot.layers, *snapshot.mitigations, *snapshot.jurisdictions)
    }
    named[mapping_set.mapping_set_id] = (
        f"the mapping set {set_heading(mapping_set)['title']}"
    )
    return scenario_summary(scenario, named)


def crosswalk_coverage(
    *, taxonomy: str, scenario: Scenario, token: str | None = None
) -> dict:
    """The coverage document of ``taxonomy`` read through ``scenario.through``
    (``crosswalk_document``'s, with ``scenario: {summary}``): what the coverage
    page, API and command show with ``through=``.

    Raises ``ScenarioError`` for an unknown set, a set that does not map
    ``taxonomy``, or ids our taxonomy does not hold.
    """
    token = token or revision_token()
    mapping_set = mapping_set_through(
        mapping_set_id=scenario.through, taxonomy=taxonomy, token=token
    )

    def compute() -> dict:
        ours_name = other_taxonomy(mapping_set, taxonomy)
        ours, analysis = _ours(token, scenario, ours_name)
        other = taxonomy_at(token=token, taxonomy=taxonomy)
        document = crosswalk_document(other, taxonomy, analysis, ours, mapping_set)
        document["scenario"] = {"summary": _summary(ours, scenario, mapping_set)}
        return document

    return _cached(token, ("coverage", taxonomy, scenario.cache_key()), compute)


CSV_COLUMNS = (
    "id",
    "name",
    "class",
    "addressed",
    "coverage",
    "via",
    "predicate",
    "confidence",
    "upper_bound",
    "bound_via",
)


def crosswalk_csv(document: dict) -> str:
    """The through= document as CSV: one line per item, the rule first as a
    comment line, then the ceiling's sentence when no item can be addressed.

    >>> print(crosswalk_csv({"rule": "R", "threats": []}), end="")
    # R
    id,name,class,addressed,coverage,via,predicate,confidence,upper_bound,bound_via
    """
    out = io.StringIO()
    out.write(f"# {document['rule']}\n")
    words = (document.get("ceiling") or {}).get("words")
    if words:
        out.write(f"# {words}\n")
    writer = csv.DictWriter(
        out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(document["threats"])
    return out.getvalue()


def _crossed(token: str, taxonomy: str, scenario: Scenario):
    """The set, our analysis, the other catalogue and its crossed items."""
    mapping_set = mapping_set_through(
        mapping_set_id=scenario.through, taxonomy=taxonomy, token=token
    )
    ours_name = other_taxonomy(mapping_set, taxonomy)
    ours, analysis = _ours(token, scenario, ours_name)
    other = taxonomy_at(token=token, taxonomy=taxonomy)
    ids = {t.id for t in other.threats} | {t.id for t in ours.threats}
    rows = cross_rows(mapping_set, ours_name, ids)
    items = [t.id for t in other.threats]
    crossed = crosswalk(items, rows, *threat_inputs(analysis), scenario.threshold)
    limit = ceiling(
        rows,
        items,
        scenario.threshold,
        complete=complete_coverage_possible(scenario),
    )
    return mapping_set, ours, analysis, other, crossed, limit


def crossed_incident_report(
    *, taxonomy: str, scenario: Scenario, token: str | None = None
) -> dict:
    """``taxonomy``'s incidents replayed against OUR scenario through
    ``scenario.through`` (``crossed_incident_document``, with ``scenario:
    {summary}``). Raises what ``crosswalk_coverage`` raises."""
    token = token or revision_token()

    def compute() -> dict:
        mapping_set, ours, analysis, other, crossed, limit = _crossed(
            token, taxonomy, scenario
        )
        heading = set_heading(mapping_set)
        document = crossed_incident_document(
            other,
            analysis,
            crossed,
            mapping={"id": heading["id"], "name": heading["title"]},
            limit=limit,
        )
        document["scenario"] = {"summary": _summary(ours, scenario, mapping_set)}
        return document

    return _cached(token, ("incidents", taxonomy, scenario.cache_key()), compute)


def crossed_incident_detail(
    *, taxonomy: str, scenario: Scenario, incident_id: str, token: str | None = None
) -> dict:
    """One incident of ``taxonomy`` step by step through the mapping, each
    step's class the crossed class of its technique; ``NotFound`` for an
    unknown incident."""
    token = token or revision_token()

    def compute() -> dict | None:
        mapping_set, ours, analysis, other, crossed, _ = _crossed(
            token, taxonomy, scenario
        )
        if incident_id not in {i.id for i in other.incidents}:
            return None
        document = incident_detail_document(
            other, crossed_view(analysis, crossed), incident_id
        )
        by_id = {c.id: c for c in crossed}
        for step in document["steps"]:
            item = by_id[step["threat"]]
            step.update(via=item.via, confidence=item.confidence)
        heading = set_heading(mapping_set)
        document["through"] = {"id": heading["id"], "name": heading["title"]}
        document["scenario"] = {"summary": _summary(ours, scenario, mapping_set)}
        document["assumption"] = f"{CROSSED_ASSUMPTION} {RULE}"
        return document

    key = ("detail", taxonomy, incident_id, scenario.cache_key())
    found = _cached(token, key, compute)
    if found is None:
        raise NotFound("incident", incident_id)
    return found


def mapping_set_page(*, mapping_set_id: str, token: str | None = None) -> dict:
    """A set as its page shows it (``mapping_set_document``); ``NotFound``."""
    token = token or revision_token()

    def compute() -> dict:
        mapping_set = mapping_set_detail(mapping_set_id=mapping_set_id)
        return mapping_set_document(
            mapping_set,
            taxonomy_at(token=token, taxonomy=mapping_set.subject_source),
            taxonomy_at(token=token, taxonomy=mapping_set.object_source),
        )

    return _cached(token, ("page", mapping_set_id), compute)


def threat_mappings(
    *, taxonomy: str, threat_id: str, token: str | None = None
) -> list[dict]:
    """What maps onto one threat of ``taxonomy`` from every catalogue, per set
    (``mapped_onto``); empty when no set joins it."""
    token = token or revision_token()

    def compute() -> list[dict]:
        sets = [
            (
                s,
                taxonomy_at(token=token, taxonomy=other_taxonomy(s, taxonomy)),
                other_taxonomy(s, taxonomy),
            )
            for s in mapping_set_list(taxonomy=taxonomy)
            if s.subject_source != s.object_source
        ]
        ours = taxonomy_at(token=token, taxonomy=taxonomy)
        return mapped_onto(sets, taxonomy, threat_id, {t.id for t in ours.threats})

    return _cached(token, ("onto", taxonomy, threat_id), compute)


def crosswalk_matrix_page(
    *, mapping_set_id: str, taxonomy: str, token: str | None = None
) -> dict:
    """A set as a matrix: ``taxonomy``'s threats × the other side's items some
    row names, with the names of both (``crosswalk_matrix``)."""
    token = token or revision_token()
    mapping_set = mapping_set_through(
        mapping_set_id=mapping_set_id, taxonomy=taxonomy, token=token
    )

    def compute() -> dict:
        ours = taxonomy_at(token=token, taxonomy=taxonomy)
        other_name = other_taxonomy(mapping_set, taxonomy)
        other = taxonomy_at(token=token, taxonomy=other_name)
        matrix = crosswalk_matrix(
            mapping_set,
            taxonomy,
            sorted(t.id for t in ours.threats),
            [t.id for t in other.threats],
        )
        matrix["names"] = {t.id: t.name for t in ours.threats}
        matrix["other_names"] = {t.id: t.name for t in other.threats}
        matrix["set"] = set_heading(mapping_set)
        matrix["other"] = other_name
        return matrix

    return _cached(token, ("matrix", mapping_set_id, taxonomy), compute)


__all__ = [
    "crossed_incident_detail",
    "crossed_incident_report",
    "crosswalk_coverage",
    "crosswalk_csv",
    "crosswalk_matrix_page",
    "mapping_set_page",
    "mapping_set_through",
    "threat_mappings",
]
