"""Documented incidents under a scenario, demand and coverage per tactic; cached per revision.

Every number of stopped incidents comes with ``assumption``
(``taxonomy.analysis.incidents.ASSUMPTION``) and the threshold it holds at:
show them together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from taxonomy.analysis.demand import threat_demand as demand_of
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.incidents import IncidentModel, incident_model
from taxonomy.analysis.incidents_report import (
    incident_detail_document,
    incident_document,
    incidents_using,
    tactic_document,
)
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.model import Analysis, validate_ids
from taxonomy.domain.errors import NotFound
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors import crosswalk
from taxonomy.selectors.cache import revision_token
from taxonomy.selectors.snapshot import of_snapshot


def _cached(token: str, taxonomy: str, key: tuple, compute: Callable) -> Any:
    """``compute(snapshot)`` once per revision token, taxonomy and ``key``."""
    return of_snapshot("incidents", token, taxonomy, key, compute)


def _analysis(snapshot: Taxonomy, scenario: Scenario) -> Analysis:
    validate_ids(snapshot, scenario)
    return replace(run_scenario(*scoped_model(snapshot, scenario)), scenario=scenario)


def _model(token: str, taxonomy: str) -> IncidentModel:
    return _cached(token, taxonomy, ("model",), incident_model)


def incident_report(
    *, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY, token: str | None = None
) -> dict:
    """Every incident stopped or not under ``scenario``, and the totals.

    ``token`` defaults to the graph's revision token now. Raises
    ``ScenarioError`` for ids the taxonomy does not hold. Returns::

        {"revision": int, "threshold": float, "dependence": str,
         "assumption": str,              # show it beside every count
         "incidents": [                   # by id
            {"id", "name", "kind", "date": str, "ordered": bool,
             "techniques": int,           # distinct techniques it uses
             "steps": int,                # distinct step numbers (0: unordered)
             "stopped": bool,
             "first_stopped_step": int | None,   # None: unordered or not stopped
             "steps_addressed": [int],    # ascending; [] when unordered
             "techniques_addressed": [str],      # by id
             "stopped_up_to": float}],    # stopped at every threshold up to this
         "totals": {"incidents": int, "stopped": int,
                    "by_kind": {kind: {"incidents": int, "stopped": int}}},
                                          # every kind of INCIDENT_KINDS, in order
         "stoppers": [{"threat", "name", "incidents": int}],
                                          # the 50 techniques that would stop the
                                          # most incidents not yet stopped, most
                                          # first, ties by id
         "stoppers_total": int,           # how many techniques would stop some
         "by_threshold": [{"threshold": float, "stopped": int}]}
                                          # 0.5 ... 0.95 and the scenario's own τ

    With ``scenario.through`` (a mapping set onto ours) the incidents of
    ``taxonomy`` are replayed against OUR scenario through it
    (``selectors.crosswalk.crossed_incident_report``): the same keys, plus
    ``through``, ``outside_total``, ``scenario`` and per incident ``outside``
    and ``via``.
    """

    token = token or revision_token()
    if scenario.through:
        return crosswalk.crossed_incident_report(
            taxonomy=taxonomy, scenario=scenario, token=token
        )

    def compute(snapshot: Taxonomy) -> dict:
        model = _model(token, taxonomy)
        return incident_document(snapshot, _analysis(snapshot, scenario), model=model)

    return _cached(token, taxonomy, ("report", scenario.cache_key()), compute)


def incident_detail(
    *,
    scenario: Scenario,
    incident_id: str,
    taxonomy: str = DEFAULT_TAXONOMY,
    token: str | None = None,
) -> dict:
    """One incident's steps in order under ``scenario``.

    Raises ``NotFound("incident", id)`` for an unknown incident and
    ``ScenarioError`` for ids the taxonomy does not hold. Returns::

        {"id", "name", "kind", "date", "summary": str, "sources": [str],
         "ordered": bool, "threshold": float, "assumption": str,
         "stopped": bool,
         "first_stopped_step": int | None,   # None: unordered or not stopped
         "steps": [                           # by step, then technique id; an
                                              # unordered incident's (step None)
                                              # by technique id
            {"step": int | None, "threat": str, "name": str,
             "tactic": str,                   # as the USES link names it
             "tactic_name": str,              # the tactic's name if known
             "description": str,
             "class": str,                    # the technique's coverage class
             "addressed": bool,
             "stops": bool}]}                 # the step that stops the incident
    """

    token = token or revision_token()
    if scenario.through:
        return crosswalk.crossed_incident_detail(
            taxonomy=taxonomy, scenario=scenario, incident_id=incident_id, token=token
        )

    def compute(snapshot: Taxonomy) -> dict | None:
        if incident_id not in {i.id for i in snapshot.incidents}:
            return None
        return incident_detail_document(
            snapshot, _analysis(snapshot, scenario), incident_id
        )

    key = ("detail", incident_id, scenario.cache_key())
    found = _cached(token, taxonomy, key, compute)
    if found is None:
        raise NotFound("incident", incident_id)
    return found


def threat_incidents(
    *, threat_id: str, taxonomy: str = DEFAULT_TAXONOMY, token: str | None = None
) -> list[dict]:
    """The incidents that use a threat, by id (empty for an unknown threat)::

    [{"id", "name", "kind", "date": str, "steps": [int], "tactics": [str]}]
    """
    return _cached(
        token or revision_token(),
        taxonomy,
        ("using", threat_id),
        lambda snapshot: incidents_using(snapshot, threat_id),
    )


def threat_demand(
    *, taxonomy: str = DEFAULT_TAXONOMY, token: str | None = None
) -> dict[str, dict]:
    """Per technique some incident uses, how many incidents use it, by kind;
    threats no incident uses are left out (demand 0)::

    {threat_id: {"total": int, "by_kind": {kind: int}}}   # sorted by id
    """
    token = token or revision_token()
    return _cached(
        token, taxonomy, ("demand",), lambda _: demand_of(_model(token, taxonomy))
    )


def tactic_coverage(
    *, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY, token: str | None = None
) -> dict:
    """Per tactic (by ``order``, then id) the threats IN_TACTIC it per class.

    A threat in several tactics counts in each; ``total`` counts each once.
    Raises ``ScenarioError`` for ids the taxonomy does not hold. Returns::

        {"tactics": [{"id", "name", "order": int, "threats": int,
                      "by_class": {class: int}}],      # every class, CLASSES order
         "no_tactic": {"threats": int, "by_class": {class: int}},
         "total": {"threats": int, "by_class": {class: int}}}
    """
    return _cached(
        token or revision_token(),
        taxonomy,
        ("tactics", scenario.cache_key()),
        lambda snapshot: tactic_document(snapshot, _analysis(snapshot, scenario)),
    )
