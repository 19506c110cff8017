"""The choice a recommendation makes, indexed for the solvers, and the
analysis every answer is checked by (``outcome_of``).

Adopting a mitigation counts it as in effect whatever its maturity
(``Scenario.adopt``), with everything it REQUIRES, and the adoption pays for
every mitigation of that closure not already in effect. A mitigation that
was off only because something it REQUIRES was off comes into effect free
once that is adopted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse

from taxonomy.analysis.compiled import (
    CoverageModel,
    check_scenario,
    enabled_mask,
    switched_off,
)
from taxonomy.analysis.fast import cell_weights, set_weights
from taxonomy.analysis.model import addressing_weight, strength_weight
from taxonomy.analysis.recommend.inputs import checked_costs, checked_weights
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.scenario import INDEPENDENT, Scenario


@dataclass(frozen=True, eq=False)
class Problem:
    """A starting scenario, its candidates and costs, indexed for the solver.

    ``variables`` are the mitigation indices a choice may adopt (id order);
    ``effect[m]`` is, per mitigation, the variables that must all be adopted
    for it to come into effect (None: it never does, or already is);
    ``by_name`` lists the variables in the order of the last tie-break (name,
    then id) and ``rank`` is each variable's place in that list.
    """

    model: CoverageModel
    scenario: Scenario
    theta: float
    start_on: np.ndarray
    variables: np.ndarray
    is_candidate: np.ndarray
    cost: np.ndarray
    closure_of: list[np.ndarray]
    effect: list[tuple[int, ...] | None]
    link_weight: np.ndarray
    start_addressed: np.ndarray
    count_introduced: bool
    var_of: np.ndarray
    weight: np.ndarray
    by_name: np.ndarray
    rank: np.ndarray
    margins: dict[int, float] = field(default_factory=dict)
    built: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.variables)


def _requirements(model: CoverageModel) -> sparse.csr_array:
    """Row x: x and every mitigation x REQUIRES, transitively."""
    return sparse.csr_array(model.closure.T)


def build_problem(
    model: CoverageModel,
    scenario: Scenario,
    candidates: Iterable[str] | None,
    costs: Mapping[str, object] | None,
    count_introduced: bool,
    threat_weights: Mapping[str, object] | None = None,
) -> Problem:
    """Check the input and index the choice; raise before computing anything."""
    check_scenario(model, scenario)
    cost = checked_costs(model, costs)
    weight = checked_weights(model, threat_weights)
    start_on = enabled_mask(model, scenario)
    hard_off = switched_off(model, replace(scenario, maturities=None, adopt=()))
    blocked = (model.closure.T @ hard_off.astype(np.int32)) > 0
    adoptable = ~start_on & ~blocked
    index = model.mitigation_index
    if candidates is None:
        chosen = np.flatnonzero(adoptable)
    else:
        named = sorted(set(candidates))
        unknown = [c for c in named if c not in index]
        if unknown:
            raise RecommendationError(
                "candidates", f"unknown candidate mitigations: {', '.join(unknown)}"
            )
        already = [c for c in named if start_on[index[c]]]
        if already:
            raise RecommendationError(
                "candidates",
                f"already in effect in the starting scenario: {', '.join(already)}",
            )
        off = [c for c in named if blocked[index[c]]]
        if off:
            raise RecommendationError(
                "candidates",
                "switched off by the starting scenario (by name, by layer or "
                f"through what they REQUIRE), so adopting cannot count them: "
                f"{', '.join(off)}",
            )
        chosen = np.array(sorted(index[c] for c in named), dtype=np.int64)
    requirements = _requirements(model)
    universe = np.zeros(len(model.mitigations), dtype=bool)
    for x in chosen.tolist():
        universe[
            requirements.indices[requirements.indptr[x] : requirements.indptr[x + 1]]
        ] = True
    universe &= ~start_on
    variables = np.flatnonzero(universe)
    var_of = np.full(len(model.mitigations), -1)
    var_of[variables] = np.arange(len(variables))
    is_candidate = np.zeros(len(variables), dtype=bool)
    is_candidate[var_of[chosen]] = True
    must_adopt = switched_off(model, scenario) & ~hard_off
    effect: list[tuple[int, ...] | None] = [None] * len(model.mitigations)
    for m in np.flatnonzero(adoptable).tolist():
        needed = requirements.indices[
            requirements.indptr[m] : requirements.indptr[m + 1]
        ]
        needed = needed[must_adopt[needed]]
        if len(needed) and (var_of[needed] >= 0).all():
            effect[m] = tuple(sorted(var_of[needed].tolist()))
    closure_of = [
        var_of[
            requirements.indices[requirements.indptr[v] : requirements.indptr[v + 1]]
        ]
        for v in variables.tolist()
    ]
    closure_of = [c[c >= 0] for c in closure_of]
    per_strength = np.array([strength_weight(e) for _, e in scenario.effectiveness])
    theta = addressing_weight(scenario.threshold)
    by_name = np.array(
        sorted(
            range(len(variables)),
            key=lambda i: (
                model.mitigation_names[variables[i]],
                model.mitigations[variables[i]],
            ),
        ),
        dtype=np.int64,
    )
    rank = np.empty(len(variables), dtype=np.int64)
    rank[by_name] = np.arange(len(variables))
    problem = Problem(
        model=model,
        scenario=scenario,
        theta=theta,
        start_on=start_on,
        variables=variables,
        is_candidate=is_candidate,
        cost=cost[variables],
        closure_of=closure_of,
        effect=effect,
        link_weight=per_strength[model.link_strength],
        start_addressed=np.zeros(0, bool),
        count_introduced=count_introduced,
        var_of=var_of,
        weight=weight,
        by_name=by_name,
        rank=rank,
    )
    object.__setattr__(problem, "start_addressed", _addressed(problem, start_on))
    return problem


def _addressed(problem: Problem, on: np.ndarray) -> np.ndarray:
    """Per threat, whether it is addressed with exactly the mitigations ``on``."""
    model = problem.model
    link_on = on[model.link_mitigation]
    dependence = problem.scenario.dependence
    weights, counts = cell_weights(
        model, np.where(link_on, problem.link_weight, 0.0), link_on, dependence
    )
    total = set_weights(weights, problem.theta, dependence).sum(axis=1)
    return (counts.sum(axis=1) > 0) & (total >= problem.theta)


def addressed_among(
    problem: Problem, on: np.ndarray, threats: np.ndarray
) -> np.ndarray:
    """``_addressed`` for some threats only, from their own links."""
    model = problem.model
    lo, hi = model.link_start[threats], model.link_start[threats + 1]
    sizes = hi - lo
    links = np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
    row = np.repeat(np.arange(len(threats)), sizes)
    link_on = on[model.link_mitigation[links]]
    cell = row * len(model.layers) + model.link_layer[links]
    size = len(threats) * len(model.layers)
    weight = np.where(link_on, problem.link_weight[links], 0.0)
    if problem.scenario.dependence == INDEPENDENT:
        cells = np.bincount(cell, weight, size)
    else:
        cells = np.zeros(size)
        np.maximum.at(cells, cell, weight)
    cells = cells.reshape(len(threats), len(model.layers))
    total = set_weights(cells, problem.theta, problem.scenario.dependence).sum(axis=1)
    count = np.bincount(row, link_on, len(threats))
    return (count > 0) & (total >= problem.theta)


def mitigations_on(problem: Problem, adopted: np.ndarray) -> np.ndarray:
    """The mitigations in effect with the variables ``adopted`` (bool) adopted."""
    ids = [problem.model.mitigations[m] for m in problem.variables[adopted].tolist()]
    scenario = replace(problem.scenario, adopt=problem.scenario.adopt | set(ids))
    return enabled_mask(problem.model, scenario)


def _introducers(problem: Problem, newly: np.ndarray) -> dict[int, list[int]]:
    """Threat index → the newly effective mitigations that INTRODUCE it."""
    intro = problem.model.introduces.tocsc()
    out: dict[int, list[int]] = {}
    for m in np.flatnonzero(newly).tolist():
        for t in intro.indices[intro.indptr[m] : intro.indptr[m + 1]].tolist():
            out.setdefault(t, []).append(m)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Outcome:
    adopted: np.ndarray
    on: np.ndarray
    addressed: np.ndarray
    introduced: dict[int, list[int]]
    objective: int
    cost: float


def outcome_of(problem: Problem, adopted: np.ndarray) -> Outcome:
    """What the analysis says of one choice: the oracle every answer is checked by."""
    on = mitigations_on(problem, adopted)
    addressed = _addressed(problem, on)
    introduced = _introducers(problem, on & ~problem.start_on)
    weight = problem.weight
    objective = int(weight[addressed].sum())
    if problem.count_introduced:
        objective -= sum(int(weight[t]) for t in introduced if not addressed[t])
    return Outcome(
        adopted=adopted,
        on=on,
        addressed=addressed,
        introduced=introduced,
        objective=objective,
        cost=float(problem.cost[adopted].sum()),
    )


def ids_of(problem: Problem, mitigations: Iterable[int]) -> tuple[str, ...]:
    return tuple(sorted(problem.model.mitigations[m] for m in mitigations))


def slack(value: float) -> float:
    return 1e-9 * max(1.0, abs(value)) if math.isfinite(value) else 0.0
