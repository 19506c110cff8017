"""Brute force over every subset of candidates: the oracle of the recommendation tests."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import networkx as nx

from taxonomy.analysis import scenarios
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import taxonomy_graph
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario


def default_candidates(taxonomy: Taxonomy, scenario: Scenario) -> list[str]:
    """Mitigations out of effect that adopting can bring into effect."""
    g = taxonomy_graph(taxonomy)
    on = scenarios.enabled_mitigations(g, scenario)
    hard = scenarios.scenario_seeds(g, replace(scenario, maturities=None, adopt=()))
    blocked = scenarios.requires_closure(g, hard)
    return sorted({m.id for m in taxonomy.mitigations} - on - blocked)


def required(taxonomy: Taxonomy, mitigation: str) -> set[str]:
    """The mitigation and every one it REQUIRES, transitively."""
    view = scenarios.requires_view(taxonomy_graph(taxonomy))
    return {mitigation} | {
        m for _, m in nx.descendants(view, ("mitigation", mitigation))
    }


def every_choice(taxonomy, scenario, candidates, costs, count_introduced, weights=None):
    """Each distinct adopted set with its (objective, introduced, cost, addressed);
    with ``weights`` each threat counts its weight in the objective."""
    weight = (lambda t: weights[t]) if weights else (lambda t: 1)
    model = coverage_model(taxonomy)
    g = taxonomy_graph(taxonomy)
    on = scenarios.enabled_mitigations(g, scenario)
    closures = {c: required(taxonomy, c) - on for c in candidates}
    seen = {}
    for size in range(len(candidates) + 1):
        for subset in combinations(candidates, size):
            chosen = frozenset().union(*(closures[c] for c in subset))
            if chosen in seen:
                continue
            adopted = replace(scenario, adopt=scenario.adopt | chosen)
            analysis = run_scenario(model, adopted)
            newly = scenarios.enabled_mitigations(g, adopted) - on
            introduced = {t for t, ms in analysis.introduced if set(ms) & newly}
            hit = analysis.addressed_threats
            objective = sum(weight(t) for t in hit)
            if count_introduced:
                objective -= sum(weight(t) for t in introduced - hit)
            cost = sum(costs.get(m, 1.0) for m in chosen)
            seen[chosen] = (objective, len(introduced), cost, len(hit))
    return seen


def name_order(taxonomy: Taxonomy) -> list[str]:
    """Mitigation ids in alphabetical order of their names (ids break ties)."""
    return [m.id for m in sorted(taxonomy.mitigations, key=lambda m: (m.name, m.id))]


def by_names(chosen: frozenset[str], order) -> tuple[int, ...]:
    """A set as the reader sees it: its members' places in ``order``
    (alphabetical by name), sorted; the lower tuple comes first."""
    rank = {i: n for n, i in enumerate(order)}
    return tuple(sorted(rank[i] for i in chosen))


def tie_key(chosen: frozenset[str], value, order) -> tuple:
    """Most objective, fewest introduced, cheapest, then the set whose members,
    read in ``order`` (alphabetical by name), come first."""
    objective, introduced, cost, _ = value
    return (-objective, introduced, round(cost, 9), by_names(chosen, order))


def best_within(choices: dict, budget: float, order) -> tuple[frozenset[str], tuple]:
    """The choice the recommendation must return for a budget."""
    affordable = {c: v for c, v in choices.items() if v[2] <= budget + 1e-9}
    chosen = min(affordable, key=lambda c: tie_key(c, affordable[c], order))
    return chosen, affordable[chosen]


def as_good(choices: dict, chosen: frozenset[str]) -> set[frozenset[str]]:
    """Every other choice alike with ``chosen`` on all but names: the same
    objective, as many threats introduced and the same cost."""
    objective, introduced, cost, _ = choices[chosen]
    return {
        c
        for c, v in choices.items()
        if c != chosen and v[:2] == (objective, introduced) and abs(v[2] - cost) < 1e-7
    }
