"""What to adopt next: the recommendation document, cached per revision and query."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from django.conf import settings

from taxonomy.analysis.demand import demand_weights
from taxonomy.analysis.incidents import incident_model
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.recommend import (
    EquallyGood,
    checked_budget,
    frontier,
    greedy_order,
    recommend,
)
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import (
    DEMAND,
    SCENARIO_PARAMS,
    Scenario,
    scenario_params,
    scenario_summary,
    scenario_values,
    split_ids,
)
from taxonomy.selectors.cache import (
    revision_of,
    revision_token,
    shared_get,
    shared_key,
    shared_set,
)
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.selectors.snapshot import taxonomy_at, taxonomy_checked

TODAY_MATURITIES = frozenset({"deployed"})


def recommendation_scenario(values: Mapping[str, Any], *, given: bool) -> Scenario:
    """The starting scenario of ``coverage_scenario`` keywords; when the request
    named no scenario parameter (``given`` False), today: ``maturity=deployed``."""
    if not given:
        values = {**values, "maturities": TODAY_MATURITIES}
    return coverage_scenario(**values)


def scenario_given(names: Iterable[str]) -> bool:
    """Whether parameter ``names`` (a query's keys) include a scenario parameter."""
    params = {p.name for p in SCENARIO_PARAMS}
    return any(name in params for name in names)


def mitigation_costs(snapshot: Taxonomy) -> dict[str, float]:
    """Mitigation id -> its cost; 1 for a record without one."""
    costs = {}
    for m in snapshot.mitigations:
        cost = getattr(m, "cost", None)
        costs[m.id] = 1.0 if cost is None else float(cost)
    return costs


def recommendation_report(
    *,
    taxonomy: str = DEFAULT_TAXONOMY,
    scenario: Scenario,
    budget: float | None,
    candidates: Iterable[str] | None = None,
    count_introduced: bool = False,
) -> dict:
    """The recommendation document of the graph now (docstring of
    ``taxonomy.analysis.recommend``): the starting scenario, the budget (None:
    no limit), the chosen set with what each member closes, introduces and
    costs, the sets equally good (up to ``EQUALLY_GOOD_SHOWN`` named), the
    threats addressed before and after, the method and its gap, the
    efficient frontier with the step the budget falls in, and the greedy
    order beside it.

    Cached per revision token, taxonomy, scenario and query. Raises
    ``UnknownTaxonomy``, ``ScenarioError`` or ``RecommendationError`` (an
    unknown candidate or one already in effect, a bad budget).
    """
    limit = math.inf if budget is None else checked_budget(budget)
    chosen = None if candidates is None else tuple(sorted(set(candidates)))
    token = revision_token()
    taxonomy_checked(token=token, taxonomy=taxonomy)
    key = shared_key(
        "recommendation",
        token,
        taxonomy,
        scenario.cache_key(),
        limit,
        chosen,
        count_introduced,
    )
    document = shared_get(key)
    if document is None:
        snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
        document = _document(
            snapshot, taxonomy, scenario, limit, chosen, count_introduced
        )
        if snapshot.revision == revision_of(token):
            shared_set(key, document)
    return document


def _document(
    snapshot: Taxonomy,
    taxonomy: str,
    scenario: Scenario,
    budget: float,
    candidates: tuple[str, ...] | None,
    count_introduced: bool,
) -> dict:
    # In a jurisdiction, what is not in force there is off (and so never a
    # candidate); the document still states the scenario as asked.
    model, inner = scoped_model(snapshot, scenario)
    costs = mitigation_costs(snapshot)
    query = {
        "candidates": candidates,
        "costs": costs,
        "count_introduced": count_introduced,
        "threat_weights": demand_weights(incident_model(snapshot))
        if scenario.weight == DEMAND
        else None,
    }
    chosen = recommend(model, inner, budget=budget, **query)
    steps = frontier(model, inner, **query)
    order = greedy_order(model, inner, **query)
    mitigations = {m.id: m for m in snapshot.mitigations}
    named = {
        r.id: r.name
        for r in (*snapshot.mitigations, *snapshot.layers, *snapshot.jurisdictions)
    }
    closes = dict(chosen.closes)
    return {
        "taxonomy": taxonomy,
        "revision": snapshot.revision,
        "scenario": {
            "params": [
                [name, value]
                for name, value in scenario_params(
                    scenario, default_threshold=settings.LAYERWISE_COVERAGE_THRESHOLD
                )
            ],
            "summary": scenario_summary(scenario, named),
            "today": _is_today(scenario),
        },
        "budget": None if math.isinf(budget) else budget,
        "candidates": None if candidates is None else list(candidates),
        "count_introduced": count_introduced,
        "assumptions": {
            "threshold": scenario.threshold,
            "dependence": scenario.dependence,
            "unit_costs": all(cost == 1.0 for cost in costs.values()),
        },
        "chosen": [
            {
                "id": m,
                "name": mitigations[m].name,
                "layer": mitigations[m].layer,
                "maturity": mitigations[m].maturity,
                "cost": costs[m],
                "closes": list(closes.get(m, ())),
                "introduces": [t for t, by in chosen.introduced if m in by],
            }
            for m in chosen.chosen
        ],
        "cost": chosen.cost,
        "addressed_before": chosen.addressed_before,
        "addressed_after": chosen.addressed_after,
        "objective": chosen.objective,
        "newly_addressed": list(chosen.newly_addressed),
        "introduced": [{"threat": t, "by": list(by)} for t, by in chosen.introduced],
        "equally_good": _equally_good(chosen.equally_good, mitigations),
        "method": chosen.method,
        "gap": chosen.gap,
        "frontier": [_plain(asdict(step)) for step in steps],
        "frontier_step": _step_of(steps, budget),
        "greedy": [_plain(asdict(step)) for step in order],
    }


EQUALLY_GOOD_SHOWN = 5


def _equally_good(found: EquallyGood | None, mitigations: Mapping) -> dict | None:
    """The other sets as good as the chosen one, each named, members by name
    (None: unknown, the solver stopped at its time limit)."""
    if found is None:
        return None
    return {
        "count": found.count,
        "exact": found.exact,
        "sets": [
            [
                {"id": m, "name": mitigations[m].name}
                for m in sorted(ids, key=lambda m: (mitigations[m].name, m))
            ]
            for ids in found.sets[:EQUALLY_GOOD_SHOWN]
        ],
    }


def _step_of(steps, budget: float) -> int:
    """The index of the frontier step that holds ``budget``."""
    return max(i for i, s in enumerate(steps) if s.budget <= budget + 1e-9)


def _is_today(scenario: Scenario) -> bool:
    """Whether a scenario is today as the recommendation's default has it."""
    return scenario == coverage_scenario(maturities=TODAY_MATURITIES) and not (
        scenario.adopt
    )


def _plain(entry: dict) -> dict:
    """A step's fields with tuples as lists (the JSON document's shape)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in entry.items()}


TRUE_WORDS = ("1", "true", "on", "yes")


def recommendation_of_query(
    params: Any, *, taxonomy: str = DEFAULT_TAXONOMY
) -> tuple[Scenario, dict]:
    """The starting scenario and the recommendation document a query string
    names (``params`` has ``getlist``, like a ``QueryDict``): the scenario
    parameters, ``budget`` (empty: no limit), ``candidates`` and
    ``count_introduced``. Raises ``ValueError`` (a ``ScenarioError`` or
    ``RecommendationError`` naming the value) for bad input.
    """
    scenario = recommendation_scenario(
        scenario_values(params), given=scenario_given(params.keys())
    )
    raw = (params.get("budget") or "").strip()
    try:
        budget = float(raw) if raw else None
    except ValueError:
        raise RecommendationError(
            "budget", f"the budget must be a number, got {raw!r}"
        ) from None
    candidates = split_ids(params.getlist("candidates")) or None
    document = recommendation_report(
        taxonomy=taxonomy,
        scenario=scenario,
        budget=budget,
        candidates=candidates,
        count_introduced=(params.get("count_introduced") or "").lower() in TRUE_WORDS,
    )
    return scenario, document
