"""The MILP that picks a set (``scipy.optimize.milp``, HiGHS), built and solved.

Binary ``y_d`` per mitigation d that some candidate's closure holds and the
start leaves out; ``y_x ≤ y_r`` for every r that x REQUIRES, and a
mitigation that is no candidate is adopted only with a candidate that
requires it. A mitigation comes into effect when every mitigation it needs adopted is (``e_m``, the
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
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from taxonomy.analysis.fast import cell_weights
from taxonomy.analysis.recommend.problem import Outcome, Problem
from taxonomy.domain.scenario import FULL, INDEPENDENT, WITHIN_LAYER

# A threat the solver counted as addressed below τ is asked this much more.
MARGIN = 1e-6


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
class Milp:
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


def _effect_columns(problem: Problem, b: _Builder) -> np.ndarray:
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


def _requires_rows(problem: Problem, b: _Builder) -> None:
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
    problem: Problem, b: _Builder, effect_col: np.ndarray
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


def milp_of(problem: Problem) -> Milp:
    """The MILP of the module docstring for one problem, built once per margins."""
    key = tuple(sorted(problem.margins.items()))
    if problem.built.get("key") != key:
        problem.built.update(key=key, milp=_build_milp(problem))
    return problem.built["milp"]


def _build_milp(problem: Problem) -> Milp:
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
    return Milp(
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


def solve(
    milp_: Milp,
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


def at_most(vector: np.ndarray, value: float) -> LinearConstraint:
    return LinearConstraint(vector[None, :], -np.inf, value)


def at_least(vector: np.ndarray, value: float) -> LinearConstraint:
    return LinearConstraint(vector[None, :], value, np.inf)


def wrong_threats(milp_: Milp, x: np.ndarray, outcome: Outcome) -> list[int]:
    """Threats the solver counted as addressed that the analysis does not."""
    return [
        t
        for t, col in zip(
            milp_.z_threat.tolist(), milp_.z_columns.tolist(), strict=True
        )
        if x[col] > 0.5 and not outcome.addressed[t]
    ]
