"""What to adopt next: the candidate set that addresses the most threats on a budget.

Adopting a mitigation counts it as in effect whatever its maturity
(``Scenario.adopt``), with everything it REQUIRES, and the adoption pays for
every mitigation of that closure not already in effect. A mitigation that
was off only because something it REQUIRES was off comes into effect free
once that is adopted.

**The MILP** (``scipy.optimize.milp``, HiGHS). Binary ``y_d`` per
mitigation d that some candidate's closure holds and the start leaves out;
``y_x ≤ y_r`` for every r that x REQUIRES, and a mitigation that is no
candidate is adopted only with a candidate that requires it. A mitigation
comes into effect when every mitigation it needs adopted is (``e_m``, the
product of those ``y``, linearised). Per threat v not yet addressed, a
binary ``z_v`` that may be 1 only if the threat is then addressed:

- ``independent``: weights add, ``Σ w_k e_{m(k)} ≥ (θ − W₀(v)) z_v`` over the
  new links k into v, with ``w = −ln(1 − e)``, ``θ = −ln(1 − τ)`` and ``W₀``
  the weight already in effect: linear, exact;
- ``within-layer``: a layer is as good as its best link and layers add, so
  per layer one new link at most counts (a choice variable per link, bounded
  by its mitigation's ``e`` and summing to at most 1 per layer): exact;
- ``full``: a threat is addressed iff one link in effect reaches τ alone,
  ``z_v ≤ Σ e_m`` over such links: exact.

The objective is Σ z (threats addressed), or with ``count_introduced`` that
minus the threats the new mitigations INTRODUCE that stay unaddressed; with
``threat_weights`` (demand weighting: 1 + the incidents that use the threat,
``demand.demand_weights``) each threat counts its integer weight instead
of 1, in the MILP, the greedy order and the check alike.

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
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Real

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from taxonomy.analysis.compiled import (
    CoverageModel,
    check_scenario,
    coverage_model,
    enabled_mask,
    switched_off,
)
from taxonomy.analysis.fast import cell_weights, set_weights
from taxonomy.analysis.model import addressing_weight, strength_weight
from taxonomy.domain.errors import RecommendationError
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import FULL, INDEPENDENT, WITHIN_LAYER, Scenario

TODAY = Scenario(maturities=frozenset({"deployed"}))
DEFAULT_TIME_LIMIT = 30.0
# Beyond this many mitigations to choose among, the frontier is the greedy one.
FRONTIER_EXACT_LIMIT = 64
ID_BLOCK = 24
# Two costs this close are the same cost (sums of floats differ in the last bits).
COST_TIE = 1e-7
# A threat the solver counted as addressed below τ is asked this much more.
MARGIN = 1e-6
REPAIRS = 4

OPTIMAL = "milp-optimal"
# Equally good sets looked for beyond the chosen one: each costs a solve, and
# on an ATLAS-sized problem one solve can take a second.
EQUALLY_GOOD_LIMIT = 5


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
    their names (None when the solver did not finish: unknown).
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

    @property
    def adopted_scenario(self) -> Scenario:
        """The starting scenario with the chosen set adopted."""
        return replace(self.scenario, adopt=self.scenario.adopt | set(self.chosen))


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


@dataclass(frozen=True)
class GreedyStep:
    """One step of the greedy order: a candidate and what adopting it adds.

    ``adopted`` is the candidate with what it REQUIRES that was not yet in
    effect; ``step_cost`` their cost, ``cost`` the running total; ``gain`` the
    change of the objective; ``addressed`` and ``objective`` after the step.
    """

    mitigation: str
    adopted: tuple[str, ...]
    step_cost: float
    cost: float
    gain: int
    addressed: int
    objective: int
    introduced: tuple[str, ...]


# --- Checking the input ------------------------------------------------------------


def _number(value, what: str, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise RecommendationError(field_name, f"{what} must be a number, got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise RecommendationError(field_name, f"{what} must be a number, got nan")
    return value


def checked_budget(budget) -> float:
    """A budget as a float ≥ 0 (``inf`` for no limit), or ``RecommendationError``.

    >>> checked_budget(2), checked_budget(float("inf"))
    (2.0, inf)
    >>> checked_budget(-1)
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: the budget must be ≥ 0, got -1.0
    """
    value = _number(budget, "the budget", "budget")
    if value < 0:
        raise RecommendationError("budget", f"the budget must be ≥ 0, got {value}")
    return value


def checked_costs(
    model: CoverageModel, costs: Mapping[str, object] | None
) -> np.ndarray:
    """Per mitigation (model order) its cost: positive and finite, 1 when unnamed.

    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),)))
    >>> checked_costs(model, {"a": 2.5}).tolist(), checked_costs(model, None).tolist()
    ([2.5], [1.0])
    >>> checked_costs(model, {"a": 0})
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: the cost of a must be a positive finite number, got 0.0
    """
    out = np.ones(len(model.mitigations))
    costs = dict(costs or {})
    unknown = sorted(set(costs) - set(model.mitigation_index))
    if unknown:
        raise RecommendationError(
            "costs", f"costs name unknown mitigations: {', '.join(unknown)}"
        )
    for mitigation, raw in sorted(costs.items()):
        value = _number(raw, f"the cost of {mitigation}", "costs")
        if not 0 < value < math.inf:
            raise RecommendationError(
                "costs",
                f"the cost of {mitigation} must be a positive finite number, "
                f"got {value}",
            )
        out[model.mitigation_index[mitigation]] = value
    return out


def checked_weights(
    model: CoverageModel, weights: Mapping[str, object] | None
) -> np.ndarray:
    """Per threat (model order) its weight in the objective: a positive integer,
    1 when unnamed.

    >>> from taxonomy.domain.records import Threat
    >>> model = coverage_model(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B"))))
    >>> checked_weights(model, {"b": 3}).tolist()
    [1, 3]
    >>> checked_weights(model, {"a": 0.5})
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.RecommendationError: the weight of a must be a positive integer, got 0.5
    """
    out = np.ones(len(model.threats), dtype=np.int64)
    index = {t: i for i, t in enumerate(model.threats)}
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(index))
    if unknown:
        raise RecommendationError(
            "threat_weights", f"weights name unknown threats: {', '.join(unknown)}"
        )
    for threat, raw in sorted(weights.items()):
        if (
            isinstance(raw, bool)
            or not isinstance(raw, Real)
            or raw != int(raw)
            or raw < 1
        ):
            raise RecommendationError(
                "threat_weights",
                f"the weight of {threat} must be a positive integer, got {raw!r}",
            )
        out[index[threat]] = int(raw)
    return out


# --- The problem -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Problem:
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


def _as_model(taxonomy: Taxonomy | CoverageModel) -> CoverageModel:
    return taxonomy if isinstance(taxonomy, CoverageModel) else coverage_model(taxonomy)


def _requirements(model: CoverageModel) -> sparse.csr_array:
    """Row x: x and every mitigation x REQUIRES, transitively."""
    return sparse.csr_array(model.closure.T)


def _problem(
    model: CoverageModel,
    scenario: Scenario,
    candidates: Iterable[str] | None,
    costs: Mapping[str, object] | None,
    count_introduced: bool,
    threat_weights: Mapping[str, object] | None = None,
) -> _Problem:
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
    problem = _Problem(
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


def _addressed(problem: _Problem, on: np.ndarray) -> np.ndarray:
    """Per threat, whether it is addressed with exactly the mitigations ``on``."""
    model = problem.model
    link_on = on[model.link_mitigation]
    dependence = problem.scenario.dependence
    weights, counts = cell_weights(
        model, np.where(link_on, problem.link_weight, 0.0), link_on, dependence
    )
    total = set_weights(weights, problem.theta, dependence).sum(axis=1)
    return (counts.sum(axis=1) > 0) & (total >= problem.theta)


def _addressed_among(
    problem: _Problem, on: np.ndarray, threats: np.ndarray
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


def _on(problem: _Problem, adopted: np.ndarray) -> np.ndarray:
    """The mitigations in effect with the variables ``adopted`` (bool) adopted."""
    ids = [problem.model.mitigations[m] for m in problem.variables[adopted].tolist()]
    scenario = replace(problem.scenario, adopt=problem.scenario.adopt | set(ids))
    return enabled_mask(problem.model, scenario)


def _introducers(problem: _Problem, newly: np.ndarray) -> dict[int, list[int]]:
    """Threat index → the newly effective mitigations that INTRODUCE it."""
    intro = problem.model.introduces.tocsc()
    out: dict[int, list[int]] = {}
    for m in np.flatnonzero(newly).tolist():
        for t in intro.indices[intro.indptr[m] : intro.indptr[m + 1]].tolist():
            out.setdefault(t, []).append(m)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class _Outcome:
    adopted: np.ndarray
    on: np.ndarray
    addressed: np.ndarray
    introduced: dict[int, list[int]]
    objective: int
    cost: float


def _outcome(problem: _Problem, adopted: np.ndarray) -> _Outcome:
    """What the analysis says of one choice: the oracle every answer is checked by."""
    on = _on(problem, adopted)
    addressed = _addressed(problem, on)
    introduced = _introducers(problem, on & ~problem.start_on)
    weight = problem.weight
    objective = int(weight[addressed].sum())
    if problem.count_introduced:
        objective -= sum(int(weight[t]) for t in introduced if not addressed[t])
    return _Outcome(
        adopted=adopted,
        on=on,
        addressed=addressed,
        introduced=introduced,
        objective=objective,
        cost=float(problem.cost[adopted].sum()),
    )


# --- The MILP ----------------------------------------------------------------------


class _Builder:
    """Columns and rows of a MILP, added in blocks of triplets."""

    def __init__(self, n: int) -> None:
        self.integral = [np.ones(n)]
        self.n = n
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.m = 0

    def columns(self, count: int) -> np.ndarray:
        """``count`` new continuous columns in [0, 1]."""
        self.integral.append(np.zeros(count))
        self.n += count
        return np.arange(self.n - count, self.n)

    def rows(self, row, col, val, lo, hi) -> None:
        """Rows ``lo ≤ Σ val·x[col] ≤ hi``, ``row`` numbering them from 0."""
        row = np.asarray(row, np.int64)
        count = int(row.max()) + 1 if len(row) else 0
        self.triplets.append(
            (row + self.m, np.asarray(col, np.int64), np.asarray(val, float))
        )
        self.lo.append(np.broadcast_to(np.asarray(lo, float), count))
        self.hi.append(np.broadcast_to(np.asarray(hi, float), count))
        self.m += count

    def matrix(self) -> tuple[sparse.csr_array, np.ndarray, np.ndarray]:
        rows, cols, vals = (
            np.concatenate(part) for part in zip(*self.triplets, strict=True)
        )
        shape = (self.m, self.n)
        return (
            sparse.csr_array((vals, (rows, cols)), shape=shape),
            np.concatenate(self.lo),
            np.concatenate(self.hi),
        )


@dataclass(frozen=True, eq=False)
class _Milp:
    """A problem's MILP: ``reach`` is Σwz − Σwp (to maximise; w the threats'
    weights), ``introduced`` Σu."""

    constraint: LinearConstraint
    integrality: np.ndarray
    reach: np.ndarray
    introduced: np.ndarray
    cost: np.ndarray
    z_threat: np.ndarray
    z_columns: np.ndarray
    constant: int


def _effect_columns(problem: _Problem, b: _Builder) -> np.ndarray:
    """Per mitigation the column that is 1 when it comes into effect (-1: never)."""
    effect_col = np.full(len(problem.model.mitigations), -1)
    ands: dict[tuple[int, ...], list[int]] = {}
    for m, needed in enumerate(problem.effect):
        if needed is not None and len(needed) == 1:
            effect_col[m] = needed[0]
        elif needed is not None:
            ands.setdefault(needed, []).append(m)
    for needed, ms in ands.items():
        (col,) = b.columns(1)
        effect_col[ms] = col
        k = len(needed)
        # e ≤ y_d for each d, and e ≥ Σ y_d − (k − 1): e is their product.
        b.rows(
            np.r_[np.arange(k), np.arange(k)],
            np.r_[[col] * k, needed],
            np.r_[[1.0] * k, [-1.0] * k],
            -np.inf,
            0.0,
        )
        b.rows(np.zeros(k + 1), [col, *needed], [1.0] + [-1.0] * k, 1 - k, np.inf)
    return effect_col


def _requires_rows(problem: _Problem, b: _Builder) -> None:
    """y_x ≤ y_r for what x REQUIRES; a non-candidate only with a candidate."""
    pairs = np.array(
        [(x, r) for x in range(problem.n) for r in problem.closure_of[x] if r != x],
        dtype=np.int64,
    ).reshape(-1, 2)
    k = np.arange(len(pairs))
    if len(pairs):
        b.rows(
            np.r_[k, k],
            np.r_[pairs[:, 0], pairs[:, 1]],
            np.r_[k * 0 + 1.0, k * 0 - 1.0],
            -np.inf,
            0.0,
        )
    for r in np.flatnonzero(~problem.is_candidate).tolist():
        needers = [x for x, y in pairs.tolist() if y == r and problem.is_candidate[x]]
        b.rows(
            np.zeros(1 + len(needers)),
            [r, *needers],
            [1.0] + [-1.0] * len(needers),
            -np.inf,
            0.0,
        )


def _threat_rows(
    problem: _Problem, b: _Builder, effect_col: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """z_v ≤ [v addressed] per open threat v some choice can reach; returns the
    vs and their z columns (the within-layer choices add columns after them)."""
    model, theta = problem.model, problem.theta
    dependence = problem.scenario.dependence
    start_link = problem.start_on[model.link_mitigation]
    start_w = np.where(start_link, problem.link_weight, 0.0)
    cells, _ = cell_weights(model, start_w, start_link, dependence)
    open_ = ~problem.start_addressed
    use = (effect_col[model.link_mitigation] >= 0) & open_[model.link_threat]
    v, layer = model.link_threat[use], model.link_layer[use]
    col, w = effect_col[model.link_mitigation[use]], problem.link_weight[use]
    need = theta - cells.sum(axis=1)
    if dependence == FULL:
        strong = w >= theta
        v, col, w = v[strong], col[strong], np.ones(strong.sum())
        layer = np.zeros(len(v), np.int64)
        need = np.ones(len(model.threats))
    elif dependence != INDEPENDENT:
        # A layer counts its best link: the gain of a link over the layer's best.
        w = np.maximum(w - cells[v, layer], 0.0)
    else:
        layer = np.zeros(len(v), np.int64)
    for threat, margin in problem.margins.items():
        need[threat] += margin
    # No link yet and θ ≤ 0: one link in effect is enough.
    trivial = need <= 0
    need = np.where(trivial, 1.0, need)
    w = np.where(trivial[v], 1.0, w)
    keep = w > 0
    v, layer, col, w = v[keep], layer[keep], col[keep], w[keep]
    # One term per (threat, layer, column): links of one mitigation combine.
    key = np.stack([v, layer, col])
    key, inverse = np.unique(key, axis=1, return_inverse=True)
    inverse = inverse.reshape(-1)
    if dependence == INDEPENDENT or dependence == FULL:
        value = np.bincount(inverse, w, key.shape[1])
    else:
        value = np.zeros(key.shape[1])
        np.maximum.at(value, inverse, w)
    tv, tl, tc = key
    value = np.minimum(value, need[tv])
    reach = np.bincount(tv, value, len(model.threats))
    reachable = np.flatnonzero(open_ & (reach >= need - MARGIN) & (reach > 0))
    z = b.n + np.arange(len(reachable))
    b.columns(len(reachable))
    b.integral[-1][:] = 1
    z_of = np.full(len(model.threats), -1)
    z_of[reachable] = z
    mine = z_of[tv] >= 0
    tv, tl, tc, value = tv[mine], tl[mine], tc[mine], value[mine]
    if dependence == WITHIN_LAYER:
        tc = _best_link_choices(b, tv, tl, tc)
    row = np.searchsorted(reachable, tv)
    b.rows(
        np.r_[row, np.arange(len(reachable))],
        np.r_[tc, z],
        np.r_[value, -need[reachable]],
        0.0,
        np.inf,
    )
    return reachable, z


def _best_link_choices(b: _Builder, tv, tl, tc) -> np.ndarray:
    """Within a layer one new link counts: λ ≤ e per link, Σλ ≤ 1 per layer.

    Returns the column each term uses: its effect column where the layer has
    one new link, else a λ of its own.
    """
    cell = tv.astype(np.int64) * (int(tl.max()) + 1 if len(tl) else 1) + tl
    _, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
    terms = np.flatnonzero(counts[inverse.reshape(-1)] > 1)
    if not len(terms):
        return tc
    lam = b.columns(len(terms))
    k = np.arange(len(terms))
    b.rows(
        np.r_[k, k],
        np.r_[lam, tc[terms]],
        np.r_[k * 0 + 1.0, k * 0 - 1.0],
        -np.inf,
        0.0,
    )
    _, group = np.unique(cell[terms], return_inverse=True)
    b.rows(group.reshape(-1), lam, np.ones(len(terms)), -np.inf, 1.0)
    out = tc.copy()
    out[terms] = lam
    return out


def _milp(problem: _Problem) -> _Milp:
    """The MILP of the module docstring for one problem, built once per margins."""
    key = tuple(sorted(problem.margins.items()))
    if problem.built.get("key") != key:
        problem.built.update(key=key, milp=_build_milp(problem))
    return problem.built["milp"]


def _build_milp(problem: _Problem) -> _Milp:
    model = problem.model
    b = _Builder(problem.n)
    _requires_rows(problem, b)
    effect_col = _effect_columns(problem, b)
    z_threat, z_columns = _threat_rows(problem, b, effect_col)
    z_of = dict(zip(z_threat.tolist(), z_columns.tolist(), strict=True))
    intro = model.introduces.tocsc()
    users: dict[int, set[int]] = {}
    for m in np.flatnonzero(effect_col >= 0).tolist():
        for t in intro.indices[intro.indptr[m] : intro.indptr[m + 1]].tolist():
            users.setdefault(t, set()).add(int(effect_col[m]))
    u_columns, penalty_columns = [], []
    for t, cols in sorted(users.items()):
        (u,) = b.columns(1)
        cols = sorted(cols)
        k = len(cols)
        b.rows(
            np.r_[np.arange(k), np.arange(k)],
            np.r_[[u] * k, cols],
            np.r_[[1.0] * k, [-1.0] * k],
            0.0,
            np.inf,
        )
        u_columns.append(u)
        if problem.count_introduced and not problem.start_addressed[t]:
            (p,) = b.columns(1)
            z = [z_of[t]] if t in z_of else []
            b.rows(
                np.zeros(2 + len(z)),
                [p, u, *z],
                [1.0, -1.0] + [1.0] * len(z),
                0.0,
                np.inf,
            )
            penalty_columns.append((p, t))
    if not b.triplets:
        b.rows(np.zeros(0), np.zeros(0), np.zeros(0), 0.0, 0.0)
    matrix, lo, hi = b.matrix()
    reach = np.zeros(b.n)
    reach[z_columns] = problem.weight[z_threat]
    for p, t in penalty_columns:
        reach[p] = -problem.weight[t]
    introduced = np.zeros(b.n)
    introduced[u_columns] = 1.0
    cost = np.zeros(b.n)
    cost[: problem.n] = problem.cost
    return _Milp(
        constraint=LinearConstraint(matrix, lo, hi),
        integrality=np.concatenate(b.integral),
        reach=reach,
        introduced=introduced,
        cost=cost,
        z_threat=z_threat,
        z_columns=z_columns,
        constant=int(problem.weight[problem.start_addressed].sum()),
    )


@dataclass
class _Solution:
    x: np.ndarray | None
    optimal: bool
    gap: float | None
    bound: float | None = None
    infeasible: bool = False


def _solve(
    milp_: _Milp,
    objective: np.ndarray,
    rows: Sequence[LinearConstraint],
    deadline: float,
    *,
    lb: np.ndarray | None = None,
    ub: np.ndarray | None = None,
) -> _Solution:
    """Minimise ``objective`` under the MILP and extra rows until the deadline."""
    n = len(objective)
    if n == 0:  # nothing to choose: the empty choice, if the rows allow it
        fits = all(
            (np.asarray(r.lb) <= 0).all() and (np.asarray(r.ub) >= 0).all()
            for r in rows
        )
        return _Solution(np.zeros(0) if fits else None, True, 0.0, infeasible=not fits)
    remaining = max(deadline - time.monotonic(), 0.01)
    result = milp(
        objective,
        integrality=milp_.integrality,
        bounds=Bounds(
            np.zeros(n) if lb is None else lb, np.ones(n) if ub is None else ub
        ),
        constraints=[milp_.constraint, *rows],
        options={"time_limit": remaining, "mip_rel_gap": 0.0},
    )
    gap = getattr(result, "mip_gap", None)
    bound = getattr(result, "mip_dual_bound", None)
    return _Solution(
        result.x,
        result.status == 0,
        None if gap is None else float(gap),
        None if bound is None else float(bound),
        infeasible=result.status == 2,
    )


def _at_most(vector: np.ndarray, value: float) -> LinearConstraint:
    return LinearConstraint(vector[None, :], -np.inf, value)


def _at_least(vector: np.ndarray, value: float) -> LinearConstraint:
    return LinearConstraint(vector[None, :], value, np.inf)


def _slack(value: float) -> float:
    return 1e-9 * max(1.0, abs(value)) if math.isfinite(value) else 0.0


def _optimise(
    problem: _Problem,
    budget: float,
    deadline: float,
    limit: int | None,
    *,
    least_cost: float | None = None,
) -> tuple[_Outcome | None, str, float | None, EquallyGood | None]:
    """The set the rule picks within ``budget``, checked by the analysis, with
    up to ``limit`` equally good sets (None when the ties were cut short, or
    not looked for: ``limit`` None).

    ``least_cost``, when known to be what the best objective costs at the
    least, saves a solve where nothing can be introduced.
    """
    allowance = budget + _slack(budget)
    for _ in range(REPAIRS):
        milp_ = _milp(problem)
        rows = [_at_most(milp_.cost, allowance)]
        first = _solve(milp_, -milp_.reach, rows, deadline)
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
        outcome = _outcome(problem, adopted)
        claimed = milp_.constant + round(float(milp_.reach @ x))
        wrong = _wrong_threats(milp_, x, outcome)
        over = outcome.cost - (budget + _slack(budget))
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
    rows = [*rows, _at_least(milp_.reach, reach - 0.5)]
    cut_short = OPTIMAL + " (ties cut short by the time limit)"
    if milp_.introduced.any() or cost is None:
        # Introduced first: a threat more outweighs any saving of cost.
        weight = float(problem.cost.sum()) + 1.0
        objective = weight * milp_.introduced + milp_.cost
        found = _solve(milp_, objective, rows, deadline)
        if found.x is None or not found.optimal:
            return (x if found.x is None else found.x), cut_short, None
        x = found.x
        cost = float(milp_.cost @ x)
    rows += [
        _at_most(milp_.introduced, round(milp_.introduced @ x) + 0.5),
        _at_most(milp_.cost, cost + _slack(cost) + COST_TIE),
    ]
    lb, ub = np.zeros(len(milp_.cost)), np.ones(len(milp_.cost))
    for start in range(0, problem.n, ID_BLOCK):
        block = problem.by_name[start : start + ID_BLOCK]
        found = _solve(
            milp_, _name_order(problem, milp_, block), rows, deadline, lb=lb, ub=ub
        )
        if found.x is None or not found.optimal:
            return x, cut_short, None
        x = found.x
        lb[block] = ub[block] = np.round(x[block])
    return x, OPTIMAL, rows


def _name_order(problem: _Problem, milp_: _Milp, block: np.ndarray) -> np.ndarray:
    """An objective that prefers, among ``block`` (in name order), the set that
    holds the first name where two differ: weights 2^(k-1) ... 1, minimised."""
    objective = np.zeros(len(milp_.cost))
    objective[block] = -(2.0 ** np.arange(len(block) - 1, -1, -1))
    return objective


def _equally_good(
    problem: _Problem,
    milp_: _Milp,
    tied: Sequence[LinearConstraint],
    chosen: _Outcome,
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
    found: list[_Outcome] = []
    objective = np.zeros(len(milp_.cost))
    exact = True
    # A set the solver admits within its tolerance but the analysis does
    # not is cut off too; so many solves at most.
    for _ in range(2 * limit + REPAIRS + 1):
        solution = _solve(
            milp_, objective, [*tied, _cut_off(milp_, problem.n, seen)], deadline
        )
        if solution.x is None:
            exact = solution.infeasible
            break
        adopted = solution.x[: problem.n] > 0.5
        seen.append(adopted)
        outcome = _outcome(problem, adopted)
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
        tuple(_ids(problem, problem.variables[o.adopted].tolist()) for o in listed),
    )


def _cut_off(milp_: _Milp, n: int, sets: Sequence[np.ndarray]) -> LinearConstraint:
    """Rows that refuse each of ``sets``: Σ_{i∉S} y_i − Σ_{i∈S} y_i ≥ 1 − |S|."""
    rows = np.zeros((len(sets), len(milp_.cost)))
    for k, adopted in enumerate(sets):
        rows[k, :n] = np.where(adopted, -1.0, 1.0)
    lower = 1.0 - np.array([float(a.sum()) for a in sets])
    return LinearConstraint(sparse.csr_array(rows), lower, np.inf)


def _as_good(outcome: _Outcome, chosen: _Outcome) -> bool:
    """Whether the analysis ranks two sets alike on all but their names."""
    return (
        outcome.objective == chosen.objective
        and len(outcome.introduced) == len(chosen.introduced)
        and abs(outcome.cost - chosen.cost) <= _slack(chosen.cost) + COST_TIE
    )


def _name_key(problem: _Problem, adopted: np.ndarray) -> tuple[int, ...]:
    """A set's place in the last tie-break: its members' ranks by name, sorted."""
    return tuple(sorted(problem.rank[adopted].tolist()))


def _wrong_threats(milp_: _Milp, x: np.ndarray, outcome: _Outcome) -> list[int]:
    """Threats the solver counted as addressed that the analysis does not."""
    return [
        t
        for t, col in zip(
            milp_.z_threat.tolist(), milp_.z_columns.tolist(), strict=True
        )
        if x[col] > 0.5 and not outcome.addressed[t]
    ]


def _cheapest(
    problem: _Problem,
    level: int,
    deadline: float,
    *,
    bounds=(0.0, math.inf),
    introduced: int | None = None,
) -> _Outcome | None:
    """The cheapest choice whose objective reaches ``level`` (None: none does),
    with at most ``introduced`` threats introduced when that is given.

    ``bounds`` on that cost, when known (the last level's least cost, a
    greedy choice's), only help the solver prune.
    """
    for _ in range(REPAIRS):
        milp_ = _milp(problem)
        rows = [
            _at_least(milp_.reach, level - milp_.constant - 0.5),
            LinearConstraint(
                milp_.cost[None, :],
                bounds[0] - _slack(bounds[0]),
                bounds[1] + _slack(bounds[1]),
            ),
        ]
        if introduced is not None:
            rows.append(_at_most(milp_.introduced, introduced + 0.5))
        found = _solve(milp_, milp_.cost, rows, deadline)
        if found.x is None:
            return None
        outcome = _outcome(problem, found.x[: problem.n] > 0.5)
        if outcome.objective >= level:
            return outcome
        for t in _wrong_threats(milp_, found.x, outcome):
            problem.margins[t] = problem.margins.get(t, 0.0) + MARGIN
    return None


# --- What the answers say -----------------------------------------------------------


def _ids(problem: _Problem, mitigations: Iterable[int]) -> tuple[str, ...]:
    return tuple(sorted(problem.model.mitigations[m] for m in mitigations))


def _closes(
    problem: _Problem, outcome: _Outcome
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
        off = np.flatnonzero(outcome.on & ~_on(problem, without))
        links = np.flatnonzero(np.isin(model.link_mitigation, off))
        touched = np.unique(model.link_threat[links])
        still = _addressed_among(
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
    problem: _Problem,
    budget: float,
    outcome: _Outcome,
    method: str,
    gap,
    equally_good: EquallyGood | None,
) -> Recommendation:
    model = problem.model
    newly = outcome.addressed & ~problem.start_addressed
    return Recommendation(
        scenario=problem.scenario,
        budget=budget,
        chosen=_ids(problem, problem.variables[outcome.adopted].tolist()),
        cost=outcome.cost,
        addressed_before=int(problem.start_addressed.sum()),
        addressed_after=int(outcome.addressed.sum()),
        objective=outcome.objective,
        newly_addressed=tuple(model.threats[t] for t in np.flatnonzero(newly).tolist()),
        closes=_closes(problem, outcome),
        introduced=tuple(
            (model.threats[t], _ids(problem, ms))
            for t, ms in outcome.introduced.items()
        ),
        method=method,
        gap=gap,
        equally_good=equally_good,
    )


def _check_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise RecommendationError(
            "equally_good_limit",
            f"the limit of equally good sets must be an integer ≥ 1, got {limit!r}",
        )
    return limit


def _check_time_limit(time_limit) -> float:
    value = _number(time_limit, "the time limit", "time_limit")
    if not value > 0:
        raise RecommendationError(
            "time_limit", f"the time limit must be positive, got {value}"
        )
    return value


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
    picked by the module docstring's rule, with the sets equally good.

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
    model = _as_model(taxonomy)
    budget = checked_budget(budget)
    deadline = time.monotonic() + _check_time_limit(time_limit)
    limit = _check_limit(equally_good_limit)
    problem = _problem(
        model, scenario, candidates, costs, count_introduced, threat_weights
    )
    outcome, method, gap, equally_good = _optimise(problem, budget, deadline, limit)
    if outcome is None or not method.startswith(OPTIMAL):
        # Stopped by the time limit: the greedy choice may be better.
        greedy = _greedy_within(problem, budget)
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


def _greedy_within(problem: _Problem, budget: float) -> _Outcome:
    """The greedy order's steps that fit in the budget, taken in order."""
    adopted = np.zeros(problem.n, dtype=bool)
    index = problem.model.mitigation_index
    for step in _greedy(problem):
        if step.cost > budget + _slack(budget):
            break
        adopted[problem.var_of[[index[m] for m in step.adopted]]] = True
    return _outcome(problem, adopted)


def _gap(bound: float | None, objective: int) -> float | None:
    """The relative gap between the solver's bound (on minus the gain) and a gain."""
    if bound is None or not math.isfinite(bound):
        return None
    best = -bound
    return max(best - objective, 0.0) / max(abs(best), 1e-9)


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
    the one ``recommend`` returns for every budget in that range (the module
    docstring's rule): a step's budget is the least cost at which the rule
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
    model = _as_model(taxonomy)
    time_limit = _check_time_limit(time_limit)
    problem = _problem(
        model, scenario, candidates, costs, count_introduced, threat_weights
    )
    if problem.n > FRONTIER_EXACT_LIMIT:
        return _greedy_frontier(problem)
    reached = _outcome(problem, np.zeros(problem.n, dtype=bool))
    # Costs are positive: at budget 0 the empty set is the only one.
    steps = [_step(problem, reached, OPTIMAL)]
    greedy = _greedy(problem)
    while True:
        deadline = time.monotonic() + time_limit
        budget = _next_budget(problem, reached, greedy, deadline)
        if budget is None:
            break
        found, method, _, _ = _optimise(
            problem, budget, deadline, None, least_cost=budget
        )
        if found is None or _rule_key(found) >= _rule_key(reached):
            break  # the time limit stopped the solver: no better set known
        step = _step(problem, found, method)
        if found.cost <= reached.cost + _slack(reached.cost):
            steps[-1] = step  # the last step was not the rule's answer
        else:
            steps.append(step)
        reached = found
    return tuple(steps)


def _next_budget(
    problem: _Problem, reached: _Outcome, greedy, deadline: float
) -> float | None:
    """The least cost of a set the rule ranks above ``reached``: a higher
    objective, or as high with fewer threats introduced (None: none is)."""
    known = [s.cost for s in greedy if s.objective > reached.objective]
    bounds = (reached.cost, min(known, default=math.inf))
    more = _cheapest(problem, reached.objective + 1, deadline, bounds=bounds)
    best = math.inf if more is None else more.cost
    if reached.introduced and _milp(problem).introduced.any():
        fewer = _cheapest(
            problem,
            reached.objective,
            deadline,
            bounds=(reached.cost, best),
            introduced=len(reached.introduced) - 1,
        )
        if fewer is not None:
            best = min(best, fewer.cost)
    return None if math.isinf(best) else best


def _rule_key(outcome: _Outcome) -> tuple[int, int]:
    """The first two criteria of the rule, lower is better."""
    return (-outcome.objective, len(outcome.introduced))


def _step(problem: _Problem, outcome: _Outcome, method: str) -> FrontierStep:
    """The frontier step of the rule's answer ``outcome``, at its cost."""
    return FrontierStep(
        budget=outcome.cost,
        objective=outcome.objective,
        addressed=int(outcome.addressed.sum()),
        chosen=_ids(problem, problem.variables[outcome.adopted].tolist()),
        cost=outcome.cost,
        introduced=tuple(problem.model.threats[t] for t in outcome.introduced),
        method=method,
    )


# --- The greedy order --------------------------------------------------------------


def greedy_order(
    taxonomy: Taxonomy | CoverageModel,
    scenario: Scenario = TODAY,
    *,
    candidates: Iterable[str] | None = None,
    costs: Mapping[str, float] | None = None,
    count_introduced: bool = False,
    threat_weights: Mapping[str, int] | None = None,
) -> tuple[GreedyStep, ...]:
    """Every candidate in greedy order: the largest gain per cost next.

    The gain is the change of the objective (threats addressed, less the
    introduced ones left unaddressed with ``count_introduced``); the cost of
    a step is what the candidate and what it REQUIRES cost beyond what is
    already adopted. Ties: fewer threats introduced, then lower cost, then
    name (then id). A candidate already adopted as another's requirement has no step.

    Parameters
    ----------
    taxonomy, scenario, candidates, costs, count_introduced, threat_weights
        As for ``recommend``.

    Returns
    -------
    tuple of GreedyStep

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"), Threat("u", "U")),
    ...     mitigations=(Mitigation("a", "A", "hw", "proposed"),
    ...                  Mitigation("b", "B", "hw", "proposed")),
    ...     mitigates=(Mitigates("a", "t", "high"), Mitigates("b", "u", "high"),
    ...                Mitigates("b", "t", "high")))
    >>> [(s.mitigation, s.gain, s.cost) for s in greedy_order(tax, costs={"b": 1.5})]
    [('b', 2, 1.5), ('a', 0, 2.5)]
    """
    model = _as_model(taxonomy)
    problem = _problem(
        model, scenario, candidates, costs, count_introduced, threat_weights
    )
    return _greedy(problem)


def _greedy_frontier(problem: _Problem) -> tuple[FrontierStep, ...]:
    """The frontier the greedy order traces, labelled a heuristic."""
    method = "heuristic: greedy order"
    objective = _outcome(problem, np.zeros(problem.n, dtype=bool)).objective
    steps = [
        FrontierStep(
            0.0, objective, int(problem.start_addressed.sum()), (), 0.0, (), method
        )
    ]
    chosen: list[str] = []
    introduced: set[str] = set()
    for step in _greedy(problem):
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


class _GreedyState:
    """The mitigations in effect and each threat's cells as the greedy adopts."""

    def __init__(self, problem: _Problem):
        model = problem.model
        self.problem = problem
        self.adopted = np.zeros(problem.n, dtype=bool)
        self.on = problem.start_on.copy()
        link_on = self.on[model.link_mitigation]
        self.cells, counts = cell_weights(
            model,
            np.where(link_on, problem.link_weight, 0.0),
            link_on,
            problem.scenario.dependence,
        )
        self.count = counts.sum(axis=1)
        self.total = set_weights(
            self.cells, problem.theta, problem.scenario.dependence
        ).sum(axis=1)
        self.addressed = problem.start_addressed.copy()
        self.introduced = np.zeros(len(model.threats), dtype=bool)
        order = np.argsort(model.link_mitigation, kind="stable")
        self.links_of = (
            order,
            np.searchsorted(
                model.link_mitigation[order], np.arange(len(model.mitigations) + 1)
            ),
        )

    def links(self, mitigations: np.ndarray) -> np.ndarray:
        order, start = self.links_of
        lo, hi = start[mitigations], start[mitigations + 1]
        return order[_ranges(lo, hi)]

    def objective(self) -> int:
        weight = self.problem.weight
        penalty = (
            self.introduced & ~self.addressed if self.problem.count_introduced else 0
        )
        return int(weight[self.addressed].sum() - np.sum(weight * penalty))

    def adopt(self, add: np.ndarray) -> np.ndarray:
        """Adopt variables; returns the threats newly introduced."""
        problem, model = self.problem, self.problem.model
        self.adopted |= add
        on = _on(problem, self.adopted)
        newly = np.flatnonzero(on & ~self.on)
        self.on = on
        links = self.links(newly)
        v, layer = model.link_threat[links], model.link_layer[links]
        if problem.scenario.dependence == INDEPENDENT:
            np.add.at(self.cells, (v, layer), problem.link_weight[links])
        else:
            np.maximum.at(self.cells, (v, layer), problem.link_weight[links])
        np.add.at(self.count, v, 1)
        touched = np.unique(v)
        self.total[touched] = set_weights(
            self.cells[touched], problem.theta, problem.scenario.dependence
        ).sum(axis=1)
        self.addressed[touched] = (self.count[touched] > 0) & (
            self.total[touched] >= problem.theta
        )
        intro = (
            model.introduces[:, newly].tocoo().row if len(newly) else np.zeros(0, int)
        )
        fresh = np.unique(intro[~self.introduced[intro]])
        self.introduced[fresh] = True
        return fresh


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(lo[i], hi[i])``."""
    sizes = hi - lo
    starts = np.repeat(lo - np.cumsum(sizes) + sizes, sizes)
    return starts + np.arange(int(sizes.sum()))


def _greedy(problem: _Problem) -> tuple[GreedyStep, ...]:
    """The greedy order of ``greedy_order``; gains of every candidate at once."""
    model, theta = problem.model, problem.theta
    dependence = problem.scenario.dependence
    state = _GreedyState(problem)
    cands = np.flatnonzero(problem.is_candidate)
    closure = sparse.csr_array(
        (
            np.ones(sum(len(problem.closure_of[x]) for x in cands)),
            (
                np.repeat(
                    np.arange(len(cands)), [len(problem.closure_of[x]) for x in cands]
                ),
                np.concatenate(
                    [problem.closure_of[x] for x in cands] or [np.zeros(0, int)]
                ),
            ),
        ),
        shape=(len(cands), problem.n),
    )
    effect_rows = [(m, e) for m, e in enumerate(problem.effect) if e is not None]
    effects = sparse.csr_array(
        (
            np.ones(sum(len(e) for _, e in effect_rows)),
            (
                np.repeat(
                    [m for m, _ in effect_rows], [len(e) for _, e in effect_rows]
                ).astype(np.int64),
                np.concatenate([list(e) for _, e in effect_rows] or [[]]).astype(
                    np.int64
                ),
            ),
        ),
        shape=(len(model.mitigations), problem.n),
    )
    rank = problem.rank[cands]
    steps: list[GreedyStep] = []
    entries, previous = None, None
    total_cost = 0.0
    while True:
        alive = ~state.adopted[cands]
        if not alive.any():
            return tuple(steps)
        missing = ~state.adopted
        needed = effects @ missing.astype(float)
        hit = sparse.csr_array((closure * missing[None, :]) @ effects.T)
        hit = sparse.csr_array(hit.multiply(alive[:, None].astype(float)))
        rows = np.repeat(np.arange(len(cands)), np.diff(hit.indptr))
        good = (hit.data == needed[hit.indices]) & ~state.on[hit.indices]
        key = rows[good].astype(np.int64) * len(model.mitigations) + hit.indices[good]
        # Rebuild only when a living candidate's newly effective set changed:
        # the entries of adopted ones are ignored.
        if previous is not None:
            previous = previous[alive[previous // len(model.mitigations)]]
        if previous is None or not np.array_equal(key, previous):
            entries = _entries(state, rows[good], hit.indices[good], len(cands))
        previous = key
        gain, n_intro = _gains(state, entries, len(cands), theta, dependence)
        price = closure @ (problem.cost * missing)
        ratio = np.where(alive, gain / np.where(alive, price, 1.0), -np.inf)
        best = np.lexsort((rank, price, n_intro, -ratio, ~alive))[0]
        add = np.zeros(problem.n, dtype=bool)
        add[problem.closure_of[cands[best]]] = True
        add &= ~state.adopted
        before = state.objective()
        fresh = state.adopt(add)
        step_cost = float(problem.cost[add].sum())
        total_cost += step_cost
        steps.append(
            GreedyStep(
                mitigation=model.mitigations[problem.variables[cands[best]]],
                adopted=_ids(problem, problem.variables[add].tolist()),
                step_cost=step_cost,
                cost=total_cost,
                gain=state.objective() - before,
                addressed=int(state.addressed.sum()),
                objective=state.objective(),
                introduced=tuple(model.threats[t] for t in fresh.tolist()),
            )
        )


@dataclass(frozen=True)
class _Entries:
    """Per (candidate, open threat) what its newly effective links would add."""

    group_candidate: np.ndarray
    group_threat: np.ndarray
    group_weight: np.ndarray  # independent: Σ w; full: max w
    entry_group: np.ndarray  # within-layer: per (candidate, threat, layer)
    entry_threat: np.ndarray
    entry_layer: np.ndarray
    entry_weight: np.ndarray
    intro_candidate: np.ndarray
    intro_threat: np.ndarray


def _entries(state: _GreedyState, rows, mitigations, n_cands) -> _Entries:
    problem, model = state.problem, state.problem.model
    order, start = state.links_of
    lo, hi = start[mitigations], start[mitigations + 1]
    links = order[_ranges(lo, hi)]
    cand = np.repeat(rows, hi - lo)
    v = model.link_threat[links]
    keep = ~state.addressed[v]
    cand, links, v = cand[keep], links[keep], v[keep]
    layer, w = model.link_layer[links], problem.link_weight[links]
    n_threats = len(model.threats)
    cell_key = (cand.astype(np.int64) * n_threats + v) * len(model.layers) + layer
    cells, cell_of = np.unique(cell_key, return_inverse=True)
    cell_w = np.zeros(len(cells))
    if problem.scenario.dependence == INDEPENDENT:
        np.add.at(cell_w, cell_of.reshape(-1), w)
    else:
        np.maximum.at(cell_w, cell_of.reshape(-1), w)
    pair = cells // len(model.layers)
    groups, group_of = np.unique(pair, return_inverse=True)
    group_of = group_of.reshape(-1)
    if problem.scenario.dependence == FULL:
        group_w = np.zeros(len(groups))
        np.maximum.at(group_w, group_of, cell_w)
    else:
        group_w = np.bincount(group_of, cell_w, len(groups))
    intro = sparse.csr_array(
        (np.ones(len(rows)), (rows, mitigations)),
        shape=(n_cands, len(model.mitigations)),
    ) @ model.introduces.T.astype(float)
    intro = sparse.csr_array(intro)
    return _Entries(
        group_candidate=groups // n_threats,
        group_threat=groups % n_threats,
        group_weight=group_w,
        entry_group=group_of,
        entry_threat=(cells // len(model.layers)) % n_threats,
        entry_layer=cells % len(model.layers),
        entry_weight=cell_w,
        intro_candidate=np.repeat(np.arange(n_cands), np.diff(intro.indptr)),
        intro_threat=intro.indices,
    )


def _gains(state: _GreedyState, e: _Entries, n_cands, theta, dependence):
    """Per candidate the gain of the objective and the threats it newly introduces."""
    gv = e.group_threat
    if dependence == FULL:
        newly = e.group_weight >= theta
    elif dependence == INDEPENDENT:
        newly = state.total[gv] + e.group_weight >= theta
    else:
        better = np.maximum(
            e.entry_weight - state.cells[e.entry_threat, e.entry_layer], 0
        )
        newly = state.total[gv] + np.bincount(e.entry_group, better, len(gv)) >= theta
    newly &= ~state.addressed[gv]
    weight = state.problem.weight
    gain = np.bincount(
        e.group_candidate[newly], weight[gv[newly]], minlength=n_cands
    ).astype(float)
    fresh = ~state.introduced[e.intro_threat]
    n_intro = np.bincount(e.intro_candidate[fresh], minlength=n_cands)
    if state.problem.count_introduced:
        closed = (
            e.group_candidate[newly].astype(np.int64) * len(state.addressed) + gv[newly]
        )
        ic, it = e.intro_candidate[fresh], e.intro_threat[fresh]
        open_after = ~state.addressed[it] & ~np.isin(
            ic.astype(np.int64) * len(state.addressed) + it, closed
        )
        gain -= np.bincount(ic[open_after], weight[it[open_after]], minlength=n_cands)
        penalised = newly & (state.introduced & ~state.addressed)[gv]
        gain += np.bincount(
            e.group_candidate[penalised], weight[gv[penalised]], minlength=n_cands
        )
    return gain, n_intro
