"""The jurisdictions × threats matrix and the timeline of the headline per
jurisdiction (``analysis.jurisdiction_matrix``), cached per revision like
the coverage documents."""

from __future__ import annotations

import datetime
from dataclasses import replace

from taxonomy.analysis import jurisdiction_matrix as matrix
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.model import validate_ids
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors.cache import revision_of, shared_get, shared_key, shared_set
from taxonomy.selectors.snapshot import taxonomy_at


def _cached(key: str, token: str, taxonomy: str, scenario: Scenario, compute) -> dict:
    """``compute(model, geography, scenario)`` of the taxonomy at ``token``,
    kept in Django's cache unless a write landed while it ran. The scenario's
    jurisdiction is set aside (the matrix has every place); its other ids are
    checked (``ScenarioError``)."""
    scenario = replace(scenario, jurisdiction=None)
    value = shared_get(key)
    if value is None:
        snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
        validate_ids(snapshot, scenario)
        value = compute(coverage_model(snapshot), Geography.of(snapshot), scenario)
        if snapshot.revision == revision_of(token):
            shared_set(key, value)
    return value


def jurisdiction_matrix(
    *, token: str, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY
) -> dict:
    """Every threat's class in every place of the world view under a scenario
    (``analysis.jurisdiction_matrix.jurisdiction_matrix``), cached on
    (token, taxonomy, scenario). Raises ``ScenarioError`` for unknown ids."""
    key = shared_key(
        "jurisdiction-matrix",
        token,
        taxonomy,
        replace(scenario, jurisdiction=None).cache_key(),
    )
    return _cached(key, token, taxonomy, scenario, matrix.jurisdiction_matrix)


def jurisdiction_timeline(
    *,
    token: str,
    scenario: Scenario,
    taxonomy: str = DEFAULT_TAXONOMY,
    today: datetime.date | None = None,
) -> dict:
    """The headline per jurisdiction on every date recorded and ``today``
    (default the server's date), under a scenario whose ``as_of`` is set
    aside; cached on (token, taxonomy, scenario, today)."""
    today = today or datetime.date.today()
    plain = replace(scenario, jurisdiction=None, as_of=None)
    key = shared_key("jurisdiction-timeline", token, taxonomy, plain.cache_key(), today)

    def compute(model, geography, scenario):
        return matrix.jurisdiction_timeline(model, geography, scenario, today=today)

    return _cached(key, token, taxonomy, plain, compute)
