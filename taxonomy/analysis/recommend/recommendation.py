"""``recommend``: the set to adopt within a budget, as the rule picks it
(``rule``), with what it closes and introduces; the greedy order's choice
when the time limit stops the MILP with a worse one."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from taxonomy.analysis.compiled import CoverageModel
from taxonomy.analysis.recommend.greedy import greedy_within
from taxonomy.analysis.recommend.inputs import (
    DEFAULT_TIME_LIMIT,
    EQUALLY_GOOD_LIMIT,
    TODAY,
    as_model,
    checked_budget,
    checked_limit,
    checked_time_limit,
)
from taxonomy.analysis.recommend.problem import (
    Outcome,
    Problem,
    addressed_among,
    build_problem,
    ids_of,
    mitigations_on,
)
from taxonomy.analysis.recommend.rule import OPTIMAL, EquallyGood, optimise
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario


@dataclass(frozen=True)
class Recommendation:
    """The set to adopt from a starting scenario within a budget.

    ``chosen`` lists every mitigation adopted (candidates and what they
    REQUIRE), sorted; ``cost`` is what they cost together. ``addressed_before``
    and ``addressed_after`` count the threats the analysis reports addressed
    without and with them; ``objective`` is ``addressed_after``, less the
    introduced threats left unaddressed when those count (each threat
    counted by its weight when ``threat_weights`` are given). ``closes`` pairs each
    chosen mitigation with the threats addressed only with it (and what
    REQUIRES it) in the final set; ``introduced`` pairs each threat that a
    newly effective mitigation INTRODUCES with those mitigations. ``method``
    is ``"milp-optimal"``, ``"milp-time-limit (gap x%)"`` or
    ``"heuristic: ..."``; ``gap`` the solver's relative gap (0 when optimal).
    ``equally_good`` holds the other sets the rule could only tell apart by
    their names (None when the solver did not finish: unknown). ``addressed``
    names the threats addressed with the chosen set.
    """

    scenario: Scenario
    budget: float
    chosen: tuple[str, ...]
    cost: float
    addressed_before: int
    addressed_after: int
    objective: int
    newly_addressed: tuple[str, ...]
    closes: tuple[tuple[str, tuple[str, ...]], ...]
    introduced: tuple[tuple[str, tuple[str, ...]], ...]
    method: str
    gap: float | None
    equally_good: EquallyGood | None = None
    addressed: tuple[str, ...] = ()

    @property
    def adopted_scenario(self) -> Scenario:
        """The starting scenario with the chosen set adopted."""
        return replace(self.scenario, adopt=self.scenario.adopt | set(self.chosen))


def recommend(
    taxonomy: Taxonomy | CoverageModel,
    scenario: Scenario = TODAY,
    *,
    budget: float,
    candidates: Iterable[str] | None = None,
    costs: Mapping[str, float] | None = None,
    count_introduced: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
    threat_weights: Mapping[str, int] | None = None,
    equally_good_limit: int = EQUALLY_GOOD_LIMIT,
) -> Recommendation:
    """The candidates to adopt within a budget to address the most threats,
    picked by the rule (``rule``'s docstring), with the sets equally good.

    Parameters
    ----------
    taxonomy : Taxonomy or CoverageModel
    scenario : Scenario
        The starting point; default ``TODAY`` (deployed mitigations only).
    budget : float
        In cost units, ≥ 0 (``inf``: no limit).
    candidates : iterable of str, optional
        Mitigations that may be adopted; default every one the scenario
        leaves out that adopting can bring into effect.
    costs : mapping, optional
        Mitigation id → positive cost; 1 for an id it does not name.
    count_introduced : bool
        Count each threat the choice INTRODUCES and leaves unaddressed
        against the objective.
    time_limit : float
        Seconds for the solver, over every solve of the tie-breaks.
    threat_weights : mapping, optional
        Threat id → positive integer weight in the objective (1 when
        unnamed); demand weighting passes ``demand.demand_weights``.
    equally_good_limit : int
        How many equally good sets to look for (≥ 1); past it, "at least".

    Returns
    -------
    Recommendation

    Raises
    ------
    RecommendationError
        For an unknown candidate, one already in effect or switched off by
        the scenario, a negative or non-numeric budget or cost.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"), Layer("sw", "SW")),
    ...     threats=(Threat("t", "T"), Threat("u", "U")),
    ...     mitigations=(Mitigation("a", "A", "hw", "proposed"),
    ...                  Mitigation("b", "B", "sw", "proposed"),
    ...                  Mitigation("c", "C", "sw", "proposed")),
    ...     mitigates=(Mitigates("a", "t", "medium"), Mitigates("b", "t", "medium"),
    ...                Mitigates("c", "u", "high")))
    >>> r = recommend(tax, budget=2)
    >>> r.chosen, r.addressed_after, r.method
    (('c',), 1, 'milp-optimal')
    >>> recommend(tax, budget=2, costs={"c": 2.5}).chosen
    ('a', 'b')
    >>> r = recommend(tax, budget=2, costs={"c": 2})
    >>> r.chosen, r.equally_good
    (('a', 'b'), EquallyGood(count=1, exact=True, sets=(('c',),)))
    """
    model = as_model(taxonomy)
    budget = checked_budget(budget)
    deadline = time.monotonic() + checked_time_limit(time_limit)
    limit = checked_limit(equally_good_limit)
    problem = build_problem(
        model, scenario, candidates, costs, count_introduced, threat_weights
    )
    outcome, method, gap, equally_good = optimise(problem, budget, deadline, limit)
    if outcome is None or not method.startswith(OPTIMAL):
        # Stopped by the time limit: the greedy choice may be better.
        greedy = greedy_within(problem, budget)
        if outcome is None or greedy.objective > outcome.objective:
            gained = greedy.objective - int(
                problem.weight[problem.start_addressed].sum()
            )
            outcome, gap = greedy, _gap(problem.built.get("bound"), gained)
            method = (
                "heuristic: greedy within the budget, better than the MILP's best "
                f"in the time limit (gap {100 * (gap or 0):.2f}%)"
                if gap is not None
                else "heuristic: greedy within the budget (no MILP solution in the "
                "time limit)"
            )
            equally_good = None
    return _recommendation(problem, budget, outcome, method, gap, equally_good)


def _gap(bound: float | None, objective: int) -> float | None:
    """The relative gap between the solver's bound (on minus the gain) and a gain."""
    if bound is None or not math.isfinite(bound):
        return None
    best = -bound
    return max(best - objective, 0.0) / max(abs(best), 1e-9)


def _closes(
    problem: Problem, outcome: Outcome
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per chosen mitigation, the threats addressed only with it (and what needs it)."""
    model = problem.model
    out = []
    for var in np.flatnonzero(outcome.adopted).tolist():
        dependants = [
            x
            for x in np.flatnonzero(outcome.adopted).tolist()
            if var in problem.closure_of[x]
        ]
        without = outcome.adopted.copy()
        without[dependants] = False
        off = np.flatnonzero(outcome.on & ~mitigations_on(problem, without))
        links = np.flatnonzero(np.isin(model.link_mitigation, off))
        touched = np.unique(model.link_threat[links])
        still = addressed_among(
            problem, outcome.on & ~np.isin(np.arange(len(outcome.on)), off), touched
        )
        lost = np.zeros(len(model.threats), dtype=bool)
        lost[touched] = outcome.addressed[touched] & ~still
        out.append(
            (
                model.mitigations[problem.variables[var]],
                tuple(model.threats[t] for t in np.flatnonzero(lost).tolist()),
            )
        )
    return tuple(sorted(out))


def _recommendation(
    problem: Problem,
    budget: float,
    outcome: Outcome,
    method: str,
    gap,
    equally_good: EquallyGood | None,
) -> Recommendation:
    model = problem.model
    newly = outcome.addressed & ~problem.start_addressed
    return Recommendation(
        scenario=problem.scenario,
        budget=budget,
        chosen=ids_of(problem, problem.variables[outcome.adopted].tolist()),
        cost=outcome.cost,
        addressed_before=int(problem.start_addressed.sum()),
        addressed_after=int(outcome.addressed.sum()),
        objective=outcome.objective,
        newly_addressed=tuple(model.threats[t] for t in np.flatnonzero(newly).tolist()),
        closes=_closes(problem, outcome),
        introduced=tuple(
            (model.threats[t], ids_of(problem, ms))
            for t, ms in outcome.introduced.items()
        ),
        method=method,
        gap=gap,
        equally_good=equally_good,
        addressed=tuple(
            model.threats[t] for t in np.flatnonzero(outcome.addressed).tolist()
        ),
    )
