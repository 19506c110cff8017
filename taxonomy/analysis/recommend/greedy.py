"""The greedy order: every candidate in turn, the largest gain per cost next;
what ``recommend`` falls back on when the time limit stops the MILP, and the
frontier of a problem too large for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from taxonomy.analysis.compiled import CoverageModel
from taxonomy.analysis.fast import cell_weights, set_weights
from taxonomy.analysis.recommend.inputs import TODAY, as_model
from taxonomy.analysis.recommend.problem import (
    Outcome,
    Problem,
    build_problem,
    ids_of,
    mitigations_on,
    outcome_of,
    slack,
)
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import FULL, INDEPENDENT, Scenario


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
    model = as_model(taxonomy)
    problem = build_problem(
        model, scenario, candidates, costs, count_introduced, threat_weights
    )
    return greedy_steps(problem)


def greedy_within(problem: Problem, budget: float) -> Outcome:
    """The greedy order's steps that fit in the budget, taken in order."""
    adopted = np.zeros(problem.n, dtype=bool)
    index = problem.model.mitigation_index
    for step in greedy_steps(problem):
        if step.cost > budget + slack(budget):
            break
        adopted[problem.var_of[[index[m] for m in step.adopted]]] = True
    return outcome_of(problem, adopted)


class _GreedyState:
    """The mitigations in effect and each threat's cells as the greedy adopts."""

    def __init__(self, problem: Problem):
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
        on = mitigations_on(problem, self.adopted)
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


def greedy_steps(problem: Problem) -> tuple[GreedyStep, ...]:
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
                adopted=ids_of(problem, problem.variables[add].tolist()),
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
