"""The efficient frontier: every budget where ``recommend``'s answer changes,
and the set it returns there."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from taxonomy.analysis.compiled import CoverageModel
from taxonomy.analysis.recommend.greedy import greedy_steps
from taxonomy.analysis.recommend.inputs import (
    DEFAULT_TIME_LIMIT,
    TODAY,
    as_model,
    checked_time_limit,
)
from taxonomy.analysis.recommend.milp import milp_of
from taxonomy.analysis.recommend.problem import (
    Outcome,
    Problem,
    build_problem,
    ids_of,
    outcome_of,
    slack,
)
from taxonomy.analysis.recommend.rule import OPTIMAL, cheapest, optimise
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario

# Beyond this many mitigations to choose among, the frontier is the greedy one.
FRONTIER_EXACT_LIMIT = 64


@dataclass(frozen=True)
class FrontierStep:
    """The best a budget buys: every budget from ``budget`` to the next step's.

    ``chosen`` is what ``recommend`` returns for each of those budgets (its
    ``equally_good`` sets are ``recommend``'s to find: a solve each).
    """

    budget: float
    objective: int
    addressed: int
    chosen: tuple[str, ...]
    cost: float
    introduced: tuple[str, ...]
    method: str


def frontier(
    taxonomy: Taxonomy | CoverageModel,
    scenario: Scenario = TODAY,
    *,
    candidates: Iterable[str] | None = None,
    costs: Mapping[str, float] | None = None,
    count_introduced: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
    threat_weights: Mapping[str, int] | None = None,
) -> tuple[FrontierStep, ...]:
    """The efficient frontier: every budget where ``recommend``'s answer changes.

    A step holds from its ``budget`` up to the next step's, and its set is
    the one ``recommend`` returns for every budget in that range (the rule
    of ``rule``'s docstring): a step's budget is the least cost at which the rule
    finds something better than the step before, either a higher objective
    or the same with fewer threats introduced. Each step is found by asking
    the MILP for the cheapest set better than the last step, then for the
    rule's answer at that cost. With more than ``FRONTIER_EXACT_LIMIT``
    mitigations to choose among, the steps are the greedy order's
    (``method`` says so), and need not match ``recommend``.

    Parameters
    ----------
    taxonomy, scenario, candidates, costs, count_introduced, time_limit, threat_weights
        As for ``recommend``; the time limit applies to each step.

    Returns
    -------
    tuple of FrontierStep
        Budgets strictly increasing, the first at budget 0; each step has a
        higher objective than the one before, or the same with fewer threats
        introduced.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"), Threat("u", "U")),
    ...     mitigations=(Mitigation("a", "A", "hw", "proposed"),
    ...                  Mitigation("b", "B", "hw", "proposed")),
    ...     mitigates=(Mitigates("a", "t", "high"), Mitigates("b", "u", "high")))
    >>> [(s.budget, s.objective, s.chosen) for s in frontier(tax)]
    [(0.0, 0, ()), (1.0, 1, ('a',)), (2.0, 2, ('a', 'b'))]
    """
    model = as_model(taxonomy)
    time_limit = checked_time_limit(time_limit)
    problem = build_problem(
        model, scenario, candidates, costs, count_introduced, threat_weights
    )
    if problem.n > FRONTIER_EXACT_LIMIT:
        return _greedy_frontier(problem)
    reached = outcome_of(problem, np.zeros(problem.n, dtype=bool))
    # Costs are positive: at budget 0 the empty set is the only one.
    steps = [_step(problem, reached, OPTIMAL)]
    greedy = greedy_steps(problem)
    while True:
        deadline = time.monotonic() + time_limit
        budget = _next_budget(problem, reached, greedy, deadline)
        if budget is None:
            break
        found, method, _, _ = optimise(
            problem, budget, deadline, None, least_cost=budget
        )
        if found is None or _rule_key(found) >= _rule_key(reached):
            break  # the time limit stopped the solver: no better set known
        step = _step(problem, found, method)
        if found.cost <= reached.cost + slack(reached.cost):
            steps[-1] = step  # the last step was not the rule's answer
        else:
            steps.append(step)
        reached = found
    return tuple(steps)


def _next_budget(
    problem: Problem, reached: Outcome, greedy, deadline: float
) -> float | None:
    """The least cost of a set the rule ranks above ``reached``: a higher
    objective, or as high with fewer threats introduced (None: none is)."""
    known = [s.cost for s in greedy if s.objective > reached.objective]
    bounds = (reached.cost, min(known, default=math.inf))
    more = cheapest(problem, reached.objective + 1, deadline, bounds=bounds)
    best = math.inf if more is None else more.cost
    if reached.introduced and milp_of(problem).introduced.any():
        fewer = cheapest(
            problem,
            reached.objective,
            deadline,
            bounds=(reached.cost, best),
            introduced=len(reached.introduced) - 1,
        )
        if fewer is not None:
            best = min(best, fewer.cost)
    return None if math.isinf(best) else best


def _rule_key(outcome: Outcome) -> tuple[int, int]:
    """The first two criteria of the rule, lower is better."""
    return (-outcome.objective, len(outcome.introduced))


def _step(problem: Problem, outcome: Outcome, method: str) -> FrontierStep:
    """The frontier step of the rule's answer ``outcome``, at its cost."""
    return FrontierStep(
        budget=outcome.cost,
        objective=outcome.objective,
        addressed=int(outcome.addressed.sum()),
        chosen=ids_of(problem, problem.variables[outcome.adopted].tolist()),
        cost=outcome.cost,
        introduced=tuple(problem.model.threats[t] for t in outcome.introduced),
        method=method,
    )


def _greedy_frontier(problem: Problem) -> tuple[FrontierStep, ...]:
    """The frontier the greedy order traces, labelled a heuristic."""
    method = "heuristic: greedy order"
    objective = outcome_of(problem, np.zeros(problem.n, dtype=bool)).objective
    steps = [
        FrontierStep(
            0.0, objective, int(problem.start_addressed.sum()), (), 0.0, (), method
        )
    ]
    chosen: list[str] = []
    introduced: set[str] = set()
    for step in greedy_steps(problem):
        chosen += step.adopted
        introduced |= set(step.introduced)
        if step.objective > steps[-1].objective:
            steps.append(
                FrontierStep(
                    step.cost,
                    step.objective,
                    step.addressed,
                    tuple(sorted(chosen)),
                    step.cost,
                    tuple(sorted(introduced)),
                    method,
                )
            )
    return tuple(steps)
