"""The one rule that picks a set, applied with the MILP; the equally good
sets; every answer checked by the analysis.

**One rule picks the set** (``recommend`` and every row of ``frontier``):
among the sets within the budget, (1) the highest objective, then (2) the
fewest threats introduced, then (3) the lowest cost, then (4) the first by
name: each set's mitigations read in alphabetical order of their names (ids
break equal names), the set whose list comes first. Tied sets have the same
cost, so neither list is the start of the other. Ties are broken by solving
again with the optimum fixed, stage by stage, the names 24 per solve. The
frontier's rows are this rule's answers at the budgets where the answer
changes, so ``recommend`` at any budget returns the set of the frontier's
row for that budget.

**Equally good** sets are those the first three criteria cannot tell apart
from the chosen one: the same objective, as few threats introduced and the
same cost (to 1e-7); only the order of names separates them. They are
enumerated by solving again with each set found cut off, up to a limit
(``EQUALLY_GOOD_LIMIT``), so their count is exact when it is at most the
limit and reads "at least" the limit otherwise (``EquallyGood.exact``).

Every answer is checked with the analysis itself; a threat the solver
counted within its tolerance below τ gets a margin and the problem is solved
again. When the time limit stops the solver, its best set is kept unless the
greedy order's choice within the budget does better; ``method`` names which,
with the gap to the solver's bound; the equally good sets are then unknown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint

from taxonomy.analysis.recommend.milp import (
    MARGIN,
    Milp,
    at_least,
    at_most,
    milp_of,
    solve,
    wrong_threats,
)
from taxonomy.analysis.recommend.problem import (
    Outcome,
    Problem,
    ids_of,
    outcome_of,
    slack,
)

OPTIMAL = "milp-optimal"
ID_BLOCK = 24
# Two costs this close are the same cost (sums of floats differ in the last bits).
COST_TIE = 1e-7
REPAIRS = 4


@dataclass(frozen=True)
class EquallyGood:
    """The other sets as good as a chosen one by every criterion but the names.

    ``count`` is how many were found, ``exact`` True when they are all there
    are (False: at least ``count``, the search stopped at its limit or its
    time limit); ``sets`` lists them up to the limit (each sorted by id), in
    the order of the rule, the first by name first.
    """

    count: int
    exact: bool
    sets: tuple[tuple[str, ...], ...]


def optimise(
    problem: Problem,
    budget: float,
    deadline: float,
    limit: int | None,
    *,
    least_cost: float | None = None,
) -> tuple[Outcome | None, str, float | None, EquallyGood | None]:
    """The set the rule picks within ``budget``, checked by the analysis, with
    up to ``limit`` equally good sets (None when the ties were cut short, or
    not looked for: ``limit`` None).

    ``least_cost``, when known to be what the best objective costs at the
    least, saves a solve where nothing can be introduced.
    """
    allowance = budget + slack(budget)
    for _ in range(REPAIRS):
        milp_ = milp_of(problem)
        rows = [at_most(milp_.cost, allowance)]
        first = solve(milp_, -milp_.reach, rows, deadline)
        if first.x is None:
            return None, "milp-time-limit (no solution found)", None, None
        tied = None
        if not first.optimal:
            problem.built["bound"] = first.bound
            method = f"milp-time-limit (gap {100 * (first.gap or 0):.2f}%)"
            x, gap = first.x, first.gap
        else:
            reach = round(float(milp_.reach @ first.x))
            x, method, tied = _break_ties(
                problem, milp_, rows, deadline, reach=reach, x=first.x, cost=least_cost
            )
            gap = 0.0
        adopted = x[: problem.n] > 0.5
        outcome = outcome_of(problem, adopted)
        claimed = milp_.constant + round(float(milp_.reach @ x))
        wrong = wrong_threats(milp_, x, outcome)
        over = outcome.cost - (budget + slack(budget))
        if (outcome.objective >= claimed or not wrong) and over <= 0:
            rivals = None
            if tied is not None and limit is not None:
                rivals = _equally_good(problem, milp_, tied, outcome, deadline, limit)
            return outcome, method, gap, rivals
        for t in wrong:
            problem.margins[t] = problem.margins.get(t, 0.0) + MARGIN
        if over > 0:
            allowance -= 2 * over
    return outcome, method + " (checked: the solver's tolerance)", gap, None


def _break_ties(problem, milp_, rows, deadline, *, reach, x, cost=None):
    """With the objective fixed at ``reach``: fewest introduced, cheapest, then
    first by name (the module docstring's rule).

    Returns the choice, the method, and the rows that hold exactly for the
    sets tied with it on all but the names (None when the time limit cut the
    ties short); ``x`` is a solution reaching ``reach`` to fall back on;
    ``cost``, when known to be the least for ``reach``, saves a solve where
    nothing can be introduced.
    """
    rows = [*rows, at_least(milp_.reach, reach - 0.5)]
    cut_short = OPTIMAL + " (ties cut short by the time limit)"
    if milp_.introduced.any() or cost is None:
        # Introduced first: a threat more outweighs any saving of cost.
        weight = float(problem.cost.sum()) + 1.0
        objective = weight * milp_.introduced + milp_.cost
        found = solve(milp_, objective, rows, deadline)
        if found.x is None or not found.optimal:
            return (x if found.x is None else found.x), cut_short, None
        x = found.x
        cost = float(milp_.cost @ x)
    rows += [
        at_most(milp_.introduced, round(milp_.introduced @ x) + 0.5),
        at_most(milp_.cost, cost + slack(cost) + COST_TIE),
    ]
    lb, ub = np.zeros(len(milp_.cost)), np.ones(len(milp_.cost))
    for start in range(0, problem.n, ID_BLOCK):
        block = problem.by_name[start : start + ID_BLOCK]
        found = solve(
            milp_, _name_order(problem, milp_, block), rows, deadline, lb=lb, ub=ub
        )
        if found.x is None or not found.optimal:
            return x, cut_short, None
        x = found.x
        lb[block] = ub[block] = np.round(x[block])
    return x, OPTIMAL, rows


def _name_order(problem: Problem, milp_: Milp, block: np.ndarray) -> np.ndarray:
    """An objective that prefers, among ``block`` (in name order), the set that
    holds the first name where two differ: weights 2^(k-1) ... 1, minimised."""
    objective = np.zeros(len(milp_.cost))
    objective[block] = -(2.0 ** np.arange(len(block) - 1, -1, -1))
    return objective


def _equally_good(
    problem: Problem,
    milp_: Milp,
    tied: Sequence[LinearConstraint],
    chosen: Outcome,
    deadline: float,
    limit: int,
) -> EquallyGood:
    """The other sets within the ``tied`` rows that the analysis confirms as
    good as ``chosen`` (objective, threats introduced, cost), up to ``limit``.

    Each solve cuts off every set seen so far (a set differs from another in
    at least one mitigation) and asks only for a feasible set: an objective
    (say, the names' order) makes each solve several times slower. The sets
    are sorted by the rule at the end; past the limit, the ones listed are
    those found first. One solve past the limit tells whether the count is
    exact.
    """
    seen = [chosen.adopted]
    found: list[Outcome] = []
    objective = np.zeros(len(milp_.cost))
    exact = True
    # A set the solver admits within its tolerance but the analysis does
    # not is cut off too; so many solves at most.
    for _ in range(2 * limit + REPAIRS + 1):
        solution = solve(
            milp_, objective, [*tied, _cut_off(milp_, problem.n, seen)], deadline
        )
        if solution.x is None:
            exact = solution.infeasible
            break
        adopted = solution.x[: problem.n] > 0.5
        seen.append(adopted)
        outcome = outcome_of(problem, adopted)
        if _as_good(outcome, chosen):
            found.append(outcome)
        if len(found) > limit or not solution.optimal:
            exact = False
            break
    else:
        exact = False
    listed = sorted(found, key=lambda o: _name_key(problem, o.adopted))[:limit]
    return EquallyGood(
        len(found),
        exact,
        tuple(ids_of(problem, problem.variables[o.adopted].tolist()) for o in listed),
    )


def _cut_off(milp_: Milp, n: int, sets: Sequence[np.ndarray]) -> LinearConstraint:
    """Rows that refuse each of ``sets``: Σ_{i∉S} y_i − Σ_{i∈S} y_i ≥ 1 − |S|."""
    rows = np.zeros((len(sets), len(milp_.cost)))
    for k, adopted in enumerate(sets):
        rows[k, :n] = np.where(adopted, -1.0, 1.0)
    lower = 1.0 - np.array([float(a.sum()) for a in sets])
    return LinearConstraint(sparse.csr_array(rows), lower, np.inf)


def _as_good(outcome: Outcome, chosen: Outcome) -> bool:
    """Whether the analysis ranks two sets alike on all but their names."""
    return (
        outcome.objective == chosen.objective
        and len(outcome.introduced) == len(chosen.introduced)
        and abs(outcome.cost - chosen.cost) <= slack(chosen.cost) + COST_TIE
    )


def _name_key(problem: Problem, adopted: np.ndarray) -> tuple[int, ...]:
    """A set's place in the last tie-break: its members' ranks by name, sorted."""
    return tuple(sorted(problem.rank[adopted].tolist()))


def cheapest(
    problem: Problem,
    level: int,
    deadline: float,
    *,
    bounds=(0.0, math.inf),
    introduced: int | None = None,
) -> Outcome | None:
    """The cheapest choice whose objective reaches ``level`` (None: none does),
    with at most ``introduced`` threats introduced when that is given.

    ``bounds`` on that cost, when known (the last level's least cost, a
    greedy choice's), only help the solver prune.
    """
    for _ in range(REPAIRS):
        milp_ = milp_of(problem)
        rows = [
            at_least(milp_.reach, level - milp_.constant - 0.5),
            LinearConstraint(
                milp_.cost[None, :],
                bounds[0] - slack(bounds[0]),
                bounds[1] + slack(bounds[1]),
            ),
        ]
        if introduced is not None:
            rows.append(at_most(milp_.introduced, introduced + 0.5))
        found = solve(milp_, milp_.cost, rows, deadline)
        if found.x is None:
            return None
        outcome = outcome_of(problem, found.x[: problem.n] > 0.5)
        if outcome.objective >= level:
            return outcome
        for t in wrong_threats(milp_, found.x, outcome):
            problem.margins[t] = problem.margins.get(t, 0.0) + MARGIN
    return None
