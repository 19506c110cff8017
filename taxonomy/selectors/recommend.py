"""What to adopt next: the recommendation document, cached per revision and query."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, replace
from typing import Any

from django.conf import settings

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.demand import demand_weights
from taxonomy.analysis.incidents import incident_model
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.model import validate_ids
from taxonomy.analysis.recommend import (
    EquallyGood,
    checked_budget,
    frontier,
    greedy_order,
    in_jurisdiction,
    recommend,
    recommend_places,
)
from taxonomy.analysis.recommend.where import candidates_in
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.jurisdictions import Geography, place_phrase
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import DEMAND, Scenario, adopt_entry
from taxonomy.domain.scenario_params import (
    SCENARIO_PARAMS,
    scenario_params,
    scenario_values,
    split_ids,
)
from taxonomy.domain.scenario_words import (
    adoption_words,
    places_adoption_words,
    scenario_summary,
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
# ``where=places``: candidates M@P over the places, for the mobile threats.
PLACES = "places"


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
    where: str | None = None,
) -> dict:
    """The recommendation document of the graph now (docstring of
    ``taxonomy.analysis.recommend``): the starting scenario, the budget (None:
    no limit), the chosen set with what each member closes, introduces and
    costs, the sets equally good (up to ``EQUALLY_GOOD_SHOWN`` named), the
    threats addressed before and after, the method and its gap, the
    efficient frontier with the step the budget falls in, and the greedy
    order beside it.

    ``where`` says where the candidates are adopted: None, everywhere (the
    plain ids); a jurisdiction J, in J (``M@J``: the recommendation in J,
    whose scenario's jurisdiction is J); ``PLACES``, each in a place, for
    the mobile threats the world view addresses (``where_places_document``).

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
        where,
    )
    document = shared_get(key)
    if document is None:
        snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
        if where == PLACES:
            document = where_places_document(
                snapshot, taxonomy, scenario, limit, chosen
            )
        else:
            document = _document(
                snapshot, taxonomy, scenario, limit, chosen, count_introduced, where
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
    where: str | None = None,
) -> dict:
    if where is None:
        # In a jurisdiction, what is not in force there is off (and so never a
        # candidate); the document still states the scenario as asked.
        model, inner = scoped_model(snapshot, scenario)
    else:
        scenario = _in_where(snapshot, scenario, where)
        model, inner = in_jurisdiction(
            coverage_model(snapshot),
            Geography.of(snapshot),
            scenario,
            where,
            as_of=scenario.as_of,
        )
        candidates = candidates_in(candidates, where)
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
    place = place_phrase(named.get(where, where))
    return {
        **_document_head(taxonomy, snapshot, scenario, named, budget, candidates),
        "where": where,
        **(
            {
                "words": "Adopt "
                + adoption_words(
                    [(m, where) for m in chosen.chosen],
                    named | {where: place},
                )
                if chosen.chosen
                else f"Nothing within the budget adds a threat addressed in {place}"
            }
            if where
            else {}
        ),
        "count_introduced": count_introduced,
        "assumptions": _assumptions(scenario, costs),
        "chosen": [
            {
                **_mitigation_entry(mitigations[m], costs[m]),
                "closes": list(closes.get(m, ())),
                "introduces": [t for t, by in chosen.introduced if m in by],
                **(
                    {
                        "adopt": adopt_entry(m, where),
                        "jurisdiction": where,
                        "place": place,
                        "words": f"Adopt {mitigations[m].name} in {place}",
                    }
                    if where
                    else {}
                ),
            }
            for m in chosen.chosen
        ],
        "cost": chosen.cost,
        "addressed_before": chosen.addressed_before,
        "addressed_after": chosen.addressed_after,
        "objective": chosen.objective,
        "newly_addressed": list(chosen.newly_addressed),
        **(
            {
                "mobile_addressed": sorted(
                    set(chosen.addressed) & Geography.of(snapshot).mobile_threats
                )
            }
            if where
            else {}
        ),
        "introduced": [{"threat": t, "by": list(by)} for t, by in chosen.introduced],
        "equally_good": _equally_good(chosen.equally_good, mitigations),
        "method": chosen.method,
        "gap": chosen.gap,
        "frontier": [_plain(asdict(step)) for step in steps],
        "frontier_step": _step_of(steps, budget),
        "greedy": [_plain(asdict(step)) for step in order],
    }


def _document_head(
    taxonomy: str,
    snapshot: Taxonomy,
    scenario: Scenario,
    named: Mapping[str, str],
    budget: float,
    candidates: Iterable[str] | None,
) -> dict:
    """What a recommendation document and a where-to-act document open with,
    in this order: the taxonomy, its revision, the scenario (its parameters,
    its summary in words, whether it is today's), the budget (None: none) and
    the candidates (None: every mitigation)."""
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
    }


def _assumptions(scenario: Scenario, costs: Mapping[str, float]) -> dict:
    """What a recommendation assumed: the scenario's threshold and dependence,
    and whether every mitigation costs 1."""
    return {
        "threshold": scenario.threshold,
        "dependence": scenario.dependence,
        "unit_costs": all(cost == 1.0 for cost in costs.values()),
    }


def _mitigation_entry(mitigation, cost: float) -> dict:
    """How a chosen mitigation opens its entry: id, name, layer, maturity, cost."""
    return {
        "id": mitigation.id,
        "name": mitigation.name,
        "layer": mitigation.layer,
        "maturity": mitigation.maturity,
        "cost": cost,
    }


def _in_where(snapshot: Taxonomy, scenario: Scenario, where: str) -> Scenario:
    """The starting scenario of a recommendation in ``where`` (its jurisdiction);
    ``RecommendationError`` for an unknown one or a scenario in another."""
    validate_ids(snapshot, scenario)
    if where not in {j.id for j in snapshot.jurisdictions}:
        raise RecommendationError(
            "where",
            f"unknown jurisdiction {where!r}: where takes a jurisdiction id "
            f"or {PLACES!r}",
        )
    if scenario.jurisdiction not in (None, where):
        raise RecommendationError(
            "where",
            f"where={where} adopts in {where}, but the scenario counts only what "
            f"is in force in {scenario.jurisdiction}: name one of them",
        )
    return replace(scenario, jurisdiction=where)


def where_places_document(
    snapshot: Taxonomy,
    taxonomy: str,
    scenario: Scenario,
    budget: float,
    candidates: tuple[str, ...] | None,
) -> dict:
    """The document of ``where=places``: which measures, adopted in which
    places, make the world view address the most mobile threats
    (``recommend.where.recommend_places``)."""
    validate_ids(snapshot, scenario)
    if scenario.jurisdiction is not None:
        raise RecommendationError(
            "where",
            "where=places looks at every place; the scenario names the "
            f"jurisdiction {scenario.jurisdiction}: leave it out",
        )
    costs = mitigation_costs(snapshot)
    found = recommend_places(
        coverage_model(snapshot),
        Geography.of(snapshot),
        scenario,
        budget=budget,
        candidates=candidates,
        costs=costs,
    )
    named = {
        r.id: r.name
        for r in (
            *snapshot.mitigations,
            *snapshot.layers,
            *snapshot.jurisdictions,
            *snapshot.threats,
        )
    }
    mitigations = {m.id: m for m in snapshot.mitigations}
    spoken = named | {j.id: place_phrase(j.name) for j in snapshot.jurisdictions}
    before, after = found.addressed_before, found.addressed_after
    introduces = dict(found.introduces)
    return {
        **_document_head(taxonomy, snapshot, scenario, named, budget, candidates),
        "where": PLACES,
        "places": [{"id": p, "name": named[p]} for p in found.places],
        "mobile": [
            {
                "id": t,
                "name": named[t],
                "addressed_before": t in before,
                "addressed_after": t in after,
            }
            for t in found.mobile
        ],
        "words": "Adopt " + places_adoption_words(found.chosen, spoken, found.places)
        if found.chosen
        else "Nothing within the budget closes another mobile threat in every place",
        "count_introduced": False,
        "assumptions": _assumptions(scenario, costs),
        "chosen": [
            {
                **_mitigation_entry(mitigations[m], costs[m]),
                "closes": [],
                "introduces": list(introduces[m, p]),
                "adopt": adopt_entry(m, p),
                "jurisdiction": p,
                "place": spoken[p],
                "words": f"Adopt {mitigations[m].name} in {spoken[p]}",
            }
            for m, p in found.chosen
        ],
        "cost": found.cost,
        "addressed_before": len(before),
        "addressed_after": len(after),
        "objective": len(after),
        "newly_addressed": list(found.newly_addressed),
        "introduced": [
            {"threat": t, "by": by} for t, by in _introducers(found.introduces)
        ],
        "equally_good": None,
        "method": found.method,
        "gap": 0.0,
        "frontier": [],
        "frontier_step": None,
        "greedy": [],
    }


def _introducers(introduces) -> list[tuple[str, list[str]]]:
    """Each threat introduced over the places with the ``M@P`` entries that
    introduce it, threats in order."""
    out: dict[str, list[str]] = {}
    for (m, p), threats in introduces:
        for t in threats:
            out.setdefault(t, []).append(adopt_entry(m, p))
    return sorted(out.items())


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
        where=(params.get("where") or "").strip() or None,
    )
    return scenario, document
