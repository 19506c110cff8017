"""Resilience: how many layers, or mitigations, a threat can lose and stay addressed.

The **layer depth** of a threat is the least number of governance layers
whose loss leaves it unaddressed (0 when it is not addressed); the
**mitigation depth** the same in mitigations, losing a mitigation losing
everything that REQUIRES it too.

Why the largest layers first is exact (when no mitigation REQUIRES one in
another layer). Under every dependence the layer-set logic is additive: a set S of layers addresses v iff Σ_{l∈S} w_l ≥ θ, with
w_l ≥ 0 the layer's weight (``fast.set_weights``: −ln q_l; under ``full`` a
layer too weak to address v alone counts 0). Losing a set R leaves
T − Σ_{l∈R} w_l. Among the sets of k layers, the k heaviest remove the most,
so if any k layers can be lost to unaddress v, the k heaviest can; the depth
is the least k with T − (sum of the k largest weights) < θ. Where a
mitigation of the threat REQUIRES one in another layer, losing that layer
takes it too, and the depth is searched over sets of layers (below; under
``independent`` only where heaviest-first on what each layer's loss takes,
a lower bound, disagrees with it on the layers' own weights, an upper bound).

Mitigations add the same way when each counts alone: under ``independent``
a mitigation's weight into v is the sum of its links', and when neither it
nor any mitigation whose loss takes it along shares a REQUIRES tie with
another of v's mitigations, losing R removes exactly Σ_R; the heaviest-first
argument holds (under ``full``, the depth is then the number of mitigations
with a link that addresses v alone). Under ``independent`` with REQUIRES
ties, losing m removes at least its own weight and at most the sum of the
weights of what it takes, so heaviest-first on each bounds the depth; where
the bounds meet, that is the depth. Otherwise (REQUIRES ties, where losing
one mitigation takes several; or ``within-layer``, where a layer is as good
as its best link) the depth is found by trying every set of k removals,
k = 1, 2, …, among the mitigations whose loss touches v, while that stays
within ``SEARCH_LIMIT`` trials; beyond, it is the greedy bound (remove the
one whose loss costs v most, again) and ``exact`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np
from scipy import sparse

from taxonomy.analysis.compiled import (
    CoverageModel,
    check_scenario,
    coverage_model,
    enabled_mask,
)
from taxonomy.analysis.fast import layer_weights, set_weights
from taxonomy.analysis.model import addressing_weight
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import BASELINE, FULL, INDEPENDENT, Scenario

SEARCH_LIMIT = 20_000


@dataclass(frozen=True, eq=False)
class Depths:
    """Per threat (id order) a depth, and whether it is exact or a greedy bound."""

    threats: tuple[str, ...]
    depth: np.ndarray
    exact: np.ndarray

    def __getitem__(self, threat: str) -> int:
        return int(self.depth[self.threats.index(threat)])

    def as_dict(self) -> dict[str, int]:
        """Threat id → depth."""
        return dict(zip(self.threats, self.depth.tolist(), strict=True))


@dataclass(frozen=True)
class ResilienceSummary:
    """The headline: ``survive_one_layer`` of ``threats`` keep addressed without
    any one layer (layer depth ≥ 2); ``addressed`` are addressed at all."""

    survive_one_layer: int
    threats: int
    addressed: int

    @property
    def line(self) -> str:
        return (
            f"{self.survive_one_layer} of {self.threats} threats survive the loss "
            "of any one layer"
        )


def _as_model(taxonomy: Taxonomy | CoverageModel) -> CoverageModel:
    return taxonomy if isinstance(taxonomy, CoverageModel) else coverage_model(taxonomy)


def _weights(model: CoverageModel, scenario: Scenario):
    check_scenario(model, scenario)
    theta = addressing_weight(scenario.threshold)
    on = enabled_mask(model, scenario)
    link_on = on[model.link_mitigation]
    weights, counts, link_weight = layer_weights(model, link_on, scenario)
    in_sets = set_weights(weights, theta, scenario.dependence)
    addressed = (counts.sum(axis=1) > 0) & (in_sets.sum(axis=1) >= theta)
    return theta, on, link_on, link_weight, in_sets, addressed


def heaviest_first_depth(
    weights: np.ndarray,
    addressed: np.ndarray,
    theta: float,
    totals: np.ndarray | None = None,
) -> np.ndarray:
    """Per row, the least k whose k largest weights leave the rest below θ.

    Parameters
    ----------
    weights : ndarray of shape (threats, parts)
        Non-negative weights lost with each part (layers or mitigations).
    addressed : ndarray of bool
        Rows not addressed get 0.
    theta : float
    totals : ndarray, optional
        Per row the weight before any loss; default the row sum (the weights
        are then additive and disjoint).

    Returns
    -------
    ndarray of int

    >>> heaviest_first_depth(np.array([[0.9, 0.9, 0.2], [2.0, 0.0, 0.0]]),
    ...                      np.array([True, True]), 1.6)
    array([1, 1])
    >>> heaviest_first_depth(np.array([[1.0, 1.0, 1.0]]), np.array([True]), 1.6)
    array([2])
    """
    ordered = -np.sort(-weights, axis=1)
    totals = weights.sum(axis=1) if totals is None else totals
    # rest[:, k - 1]: what remains once the k heaviest are gone, k = 1 .. parts.
    rest = totals[:, None] - np.cumsum(ordered, axis=1)
    still = (rest[:, :-1] >= theta).sum(axis=1) if rest.shape[1] else 0
    return np.where(addressed, 1 + still, 0)


def layer_depth(
    taxonomy: Taxonomy | CoverageModel, scenario: Scenario = BASELINE
) -> Depths:
    """Per threat the least number of layers whose loss leaves it unaddressed.

    Exact under every dependence (see the module docstring).

    Parameters
    ----------
    taxonomy : Taxonomy or CoverageModel
    scenario : Scenario

    Returns
    -------
    Depths

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"), Layer("sw", "SW"), Layer("in", "IN")),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "deployed"),
    ...                  Mitigation("b", "B", "sw", "deployed"),
    ...                  Mitigation("c", "C", "in", "deployed")),
    ...     mitigates=(Mitigates("a", "t", "medium"), Mitigates("b", "t", "medium"),
    ...                Mitigates("c", "t", "medium")))
    >>> layer_depth(tax)["t"]
    2
    """
    model = _as_model(taxonomy)
    theta, on, link_on, link_weight, in_sets, addressed = _weights(model, scenario)
    depth = heaviest_first_depth(in_sets, addressed, theta)
    exact = np.ones(len(depth), dtype=bool)
    # Losing a layer loses what REQUIRES its mitigations, in other layers too.
    n_layers = len(model.layers)
    closure = _enabled_closure(model, on)
    layer_of = sparse.csr_array(
        (
            on.astype(float),
            (model.mitigation_layer, np.arange(len(model.mitigations))),
        ),
        shape=(n_layers, len(model.mitigations)),
    )
    lost_with = (layer_of @ closure).toarray() > 0  # layer × mitigation
    foreign = lost_with.sum(axis=0) > 1
    tangled = np.zeros(len(depth), dtype=bool)
    tangled[model.link_threat[link_on & foreign[model.link_mitigation]]] = True
    tangled &= addressed
    if not tangled.any():
        return Depths(model.threats, depth, exact)
    totals = in_sets.sum(axis=1)
    if scenario.dependence == INDEPENDENT:
        keep = link_on & tangled[model.link_threat]
        per = _per_link(model, link_weight[keep], keep)
        loss = (per @ sparse.csr_array(lost_with.T.astype(float))).toarray()
        low = heaviest_first_depth(loss, addressed, theta, totals)
        tangled &= low != depth
    for v in np.flatnonzero(tangled).tolist():
        depth[v], exact[v] = _layer_search(
            model, scenario, v, lost_with, link_on, link_weight, theta
        )
    return Depths(model.threats, depth, exact)


def _enabled_closure(model: CoverageModel, on: np.ndarray) -> sparse.csr_array:
    """``model.closure`` (``[m, d]``: d is m or REQUIRES m, transitively: what
    losing m takes with it) with only the enabled mitigations' columns kept."""
    return sparse.csr_array(model.closure.astype(float) * on[None, :].astype(float))


def _per_link(
    model: CoverageModel, values: np.ndarray, keep: np.ndarray
) -> sparse.csr_array:
    """A threat × mitigation matrix of ``values``, one per kept link."""
    return sparse.csr_array(
        (values, (model.link_threat[keep], model.link_mitigation[keep])),
        shape=(len(model.threats), len(model.mitigations)),
    )


def _layer_search(model, scenario, v, lost_with, link_on, link_weight, theta):
    """The layer depth of one threat by trying every set of k layers, k = 1, 2, …"""
    lo, hi = model.link_start[v], model.link_start[v + 1]
    links = np.arange(lo, hi)[link_on[lo:hi]]
    mitigation = model.link_mitigation[links]

    def survives(layers: tuple[int, ...]) -> bool:
        left = ~lost_with[list(layers)][:, mitigation].any(axis=0)
        cells = np.zeros(len(model.layers))
        layer, weight = model.link_layer[links][left], link_weight[links][left]
        if scenario.dependence == INDEPENDENT:
            np.add.at(cells, layer, weight)
        else:
            np.maximum.at(cells, layer, weight)
        total = set_weights(cells[None, :], theta, scenario.dependence).sum()
        return bool(left.any()) and total >= theta

    touching = np.flatnonzero(lost_with[:, mitigation].any(axis=1)).tolist()
    trials = 0
    for k in range(1, len(touching) + 1):
        trials += comb(len(touching), k)
        if trials > SEARCH_LIMIT:
            return _greedy_bound(
                [(j,) for j in touching], lambda s: survives(tuple(s))
            ), False
        for combo in combinations(touching, k):
            if not survives(combo):
                return k, True
    return len(touching), True


def mitigation_depth(
    taxonomy: Taxonomy | CoverageModel, scenario: Scenario = BASELINE
) -> Depths:
    """Per threat the least number of mitigations whose loss leaves it unaddressed.

    Losing a mitigation loses every mitigation that REQUIRES it, transitively.
    Vectorised where mitigations count alone (see the module docstring),
    searched per threat elsewhere.

    Parameters
    ----------
    taxonomy : Taxonomy or CoverageModel
    scenario : Scenario

    Returns
    -------
    Depths
        ``exact`` is False where the search gave up for the greedy bound.

    >>> from taxonomy.domain.records import Layer, Link, Mitigates, Mitigation, Threat
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"), Layer("sw", "SW")),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "deployed"),
    ...                  Mitigation("b", "B", "sw", "deployed"),
    ...                  Mitigation("c", "C", "sw", "deployed")),
    ...     mitigates=(Mitigates("a", "t", "high"), Mitigates("b", "t", "high"),
    ...                Mitigates("c", "t", "high")),
    ...     requires=(Link("b", "a"), Link("c", "a")))
    >>> mitigation_depth(tax)["t"]
    1
    """
    model = _as_model(taxonomy)
    theta, on, link_on, link_weight, _, addressed = _weights(model, scenario)
    n_t, n_m = len(model.threats), len(model.mitigations)
    keep = link_on & addressed[model.link_threat]
    per = _per_link(model, link_weight[keep], keep)
    per.sum_duplicates()
    strong = _per_link(model, (link_weight[keep] >= theta).astype(float), keep)
    # touched[v, m]: how many of v's mitigations the loss of m takes.
    contributes = sparse.csr_array(per > 0).astype(float)
    closure = _enabled_closure(model, on)
    touched = sparse.csr_array(contributes @ closure.T)
    rows = np.repeat(np.arange(n_t), np.diff(touched.indptr))
    contributors = sparse.coo_array(contributes)
    own = np.isin(
        rows.astype(np.int64) * n_m + touched.indices,
        contributors.row.astype(np.int64) * n_m + contributors.col,
    )
    tangled = np.zeros(n_t, dtype=bool)
    tangled[rows[(touched.data != 1) | ~own]] = True
    simple = addressed & ~tangled
    depth = np.zeros(n_t, dtype=np.int64)
    exact = np.ones(n_t, dtype=bool)
    if scenario.dependence == INDEPENDENT:
        totals = per.sum(axis=1)
        depth[simple] = _sparse_heaviest_first(per, simple, totals, theta)
        # Tangled threats: losing m costs at most the sum of what it takes and
        # at least its own links, so heaviest-first on each bounds the depth.
        tangled_rows = addressed & ~simple
        loss = sparse.csr_array(per @ closure.T)
        low = _sparse_heaviest_first(loss, tangled_rows, totals, theta)
        high = _sparse_heaviest_first(per, tangled_rows, totals, theta)
        settled = np.flatnonzero(tangled_rows)[low == high]
        depth[settled] = low[low == high]
        searched = tangled_rows.copy()
        searched[settled] = False
    elif scenario.dependence == FULL:
        depth[simple] = np.diff(sparse.csr_array(strong > 0).indptr)[simple]
        searched = addressed & ~simple
    else:
        searched = addressed
    for v in np.flatnonzero(searched).tolist():
        losses = touched.indices[touched.indptr[v] : touched.indptr[v + 1]]
        depth[v], exact[v] = _search(
            model, scenario, v, losses, link_on, link_weight, theta
        )
    return Depths(model.threats, depth, exact)


def _sparse_heaviest_first(
    losses: sparse.csr_array, rows: np.ndarray, totals: np.ndarray, theta: float
) -> np.ndarray:
    """Per chosen row of a threat × mitigation matrix of losses, the least k
    whose k largest losses bring the row's total below θ."""
    chosen = sparse.csr_array(losses[np.flatnonzero(rows)])
    sizes = np.diff(chosen.indptr)
    row = np.repeat(np.arange(len(sizes)), sizes)
    order = np.lexsort((-chosen.data, row))
    taken = np.cumsum(chosen.data[order])
    starts = np.cumsum(sizes) - sizes
    before = np.r_[0.0, taken][starts]
    rest = totals[rows][row] - (taken - np.repeat(before, sizes))
    return 1 + np.bincount(row, rest >= theta, len(sizes)).astype(np.int64)


def _search(
    model, scenario, v, losses, link_on, link_weight, theta
) -> tuple[int, bool]:
    """The mitigation depth of one threat by trying removals, smallest first.

    ``losses`` are the mitigations whose loss takes some link of the threat.
    """
    lo, hi = model.link_start[v], model.link_start[v + 1]
    links = np.arange(lo, hi)[link_on[lo:hi]]
    mitigations = model.link_mitigation[links]
    closure = model.closure.tocsr()
    takes = {}
    for m in losses.tolist():
        gone = closure.indices[closure.indptr[m] : closure.indptr[m + 1]]
        hit = np.isin(mitigations, gone)
        if hit.any():
            takes.setdefault(tuple(np.flatnonzero(hit).tolist()), m)
    options = _undominated(list(takes))

    def survives(lost: set[int]) -> bool:
        left = np.array([i not in lost for i in range(len(links))], dtype=bool)
        cells = np.zeros(len(model.layers))
        layer, weight = model.link_layer[links][left], link_weight[links][left]
        if scenario.dependence == INDEPENDENT:
            np.add.at(cells, layer, weight)
        else:
            np.maximum.at(cells, layer, weight)
        total = set_weights(cells[None, :], theta, scenario.dependence).sum()
        return bool(left.any()) and total >= theta

    trials = 0
    for k in range(1, len(options) + 1):
        trials += comb(len(options), k)
        if trials > SEARCH_LIMIT:
            return _greedy_bound(options, survives), False
        for combo in combinations(options, k):
            if not survives(set().union(*combo)):
                return k, True
    return len(options), True


def _undominated(sets: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The sets no other set strictly contains: losing a superset is never worse."""
    as_sets = [set(s) for s in sets]
    return [
        s for s, a in zip(sets, as_sets, strict=True) if not any(a < b for b in as_sets)
    ]


def _greedy_bound(options, survives) -> int:
    lost: set[int] = set()
    for k in range(1, len(options) + 1):
        lost |= set(max(options, key=lambda o: len(set(o) - lost)))
        if not survives(lost):
            return k
    return len(options)


def resilience_summary(
    taxonomy: Taxonomy | CoverageModel, scenario: Scenario = BASELINE
) -> ResilienceSummary:
    """The headline line: how many threats survive the loss of any one layer.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"), Layer("sw", "SW")),
    ...     threats=(Threat("t", "T"), Threat("u", "U")),
    ...     mitigations=(Mitigation("a", "A", "hw", "deployed"),
    ...                  Mitigation("b", "B", "sw", "deployed")),
    ...     mitigates=(Mitigates("a", "t", "high"), Mitigates("b", "t", "high"),
    ...                Mitigates("a", "u", "high")))
    >>> resilience_summary(tax).line
    '1 of 2 threats survive the loss of any one layer'
    """
    depths = layer_depth(taxonomy, scenario)
    return ResilienceSummary(
        survive_one_layer=int((depths.depth >= 2).sum()),
        threats=len(depths.threats),
        addressed=int((depths.depth >= 1).sum()),
    )
