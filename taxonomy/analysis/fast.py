"""The coverage model vectorised with scipy sparse: index once, run scenarios fast.

``coverage_model`` turns a ``Taxonomy`` into integer arrays and sparse
matrices once; ``run_scenario`` then computes a whole ``Analysis`` for one
scenario without touching a record. The central quantity is the per-threat,
per-layer weight

    W[v, l] = Σ_{enabled links m→v in layer l} −log(1 − e_m) = −log q_l(v),

a ``bincount`` over the links. Misses multiply, so weights add: a layer set S
addresses v iff Σ_{l∈S} W[v, l] ≥ θ = −log(1 − τ), and S is inclusion-minimal
iff it addresses v and Σ_S − min_{l∈S} W[v, l] < θ (weights are
non-negative, so dropping the weakest member is the best chance of still
addressing). Only layers with W > 0 can belong to a minimal set, and a layer
with W ≥ θ is a minimal set on its own and belongs to no other, so subsets
are enumerated over the remaining *candidate* layers only, all threats with
the same candidate count at once (sums and minima of all 2^k subsets by
doubling). The results equal ``taxonomy.analysis.coverage`` (the plain
networkx path); the tests hold them so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from operator import attrgetter

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from taxonomy.analysis.coverage import approximate_minimal_sets, minimal_layer_sets
from taxonomy.analysis.model import (
    CLASSES,
    EXACT_LAYER_LIMIT,
    Analysis,
    LayerSetScore,
    LinkContribution,
    ThreatCoverage,
    addressing_weight,
    check_references,
    layer_set_scope,
    strength_weight,
)
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import MATURITIES, STRENGTHS, Taxonomy
from taxonomy.domain.scenario import BASELINE, Scenario

# Entries (threats × subsets) per block of the subset enumeration: 2^21 doubles
# are 16 MiB per array, which keeps the peak low and the loops long.
_BLOCK = 1 << 21
# Layer sets are kept as int64 bit masks up to this many layers.
_MASK_LAYERS = 62


@dataclass(frozen=True, eq=False)
class CoverageModel:
    """A taxonomy indexed for vectorised analysis; build it once per revision.

    Threats and mitigations are indexed in id order, layers in taxonomy
    order. Links are sorted by threat, then layer, mitigation and strength;
    the links of threat i are ``link_start[i]:link_start[i + 1]``.
    ``closure[m, d]`` is 1 when d is m or REQUIRES m, transitively.
    ``introduces[t, m]`` is 1 when m INTRODUCES t; ``enables`` is the
    threat × threat ENABLES adjacency and ``roots`` marks chain roots.
    """

    revision: int
    layers: tuple[str, ...]
    threats: tuple[str, ...]
    threat_names: tuple[str, ...]
    mitigations: tuple[str, ...]
    mitigation_index: dict[str, int]
    mitigation_layer: np.ndarray
    mitigation_maturity: np.ndarray
    link_threat: np.ndarray
    link_mitigation: np.ndarray
    link_layer: np.ndarray
    link_strength: np.ndarray
    link_start: np.ndarray
    closure: sparse.csr_array
    has_requires: bool
    introduces: sparse.csr_array
    enables_source: np.ndarray
    enables_target: np.ndarray
    roots: np.ndarray


def _index(ids: Sequence[str]) -> dict[str, int]:
    return {value: i for i, value in enumerate(ids)}


def _lookup(index: dict[str, int], values, dtype) -> np.ndarray:
    values = list(values)
    return np.fromiter(map(index.__getitem__, values), dtype=dtype, count=len(values))


def requires_closure_matrix(pairs: np.ndarray, n: int) -> sparse.csr_array:
    """``K[m, d] = 1`` iff d is m or REQUIRES m, transitively.

    Parameters
    ----------
    pairs : ndarray of shape (k, 2)
        ``(dependant, required)`` mitigation indices.
    n : int
        Number of mitigations.

    Returns
    -------
    scipy.sparse.csr_array of int8

    >>> k = requires_closure_matrix(np.array([[1, 0], [2, 1]]), 3)
    >>> k.toarray().tolist()
    [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
    """
    # int32 while growing: path counts would overflow int8.
    closure = sparse.eye_array(n, dtype=np.int32, format="csr")
    if not len(pairs):
        return closure.astype(np.int8)
    step = sparse.csr_array(
        (np.ones(len(pairs), np.int32), (pairs[:, 1], pairs[:, 0])), shape=(n, n)
    )
    while True:
        grown = ((closure + closure @ step) > 0).astype(np.int32)
        if grown.nnz == closure.nnz:
            return closure.astype(np.int8)
        closure = grown


def chain_roots_mask(source: np.ndarray, target: np.ndarray, n: int) -> np.ndarray:
    """Threats in a strongly connected component that nothing else ENABLES.

    >>> chain_roots_mask(np.array([0, 1, 2]), np.array([1, 2, 1]), 3).tolist()
    [True, False, False]
    """
    graph = sparse.csr_array((np.ones(len(source)), (source, target)), shape=(n, n))
    _, labels = csgraph.connected_components(graph, directed=True, connection="strong")
    cross = labels[source] != labels[target]
    entered = np.zeros(labels.max() + 1 if n else 0, dtype=bool)
    entered[labels[target[cross]]] = True
    return ~entered[labels]


def coverage_model(taxonomy: Taxonomy) -> CoverageModel:
    """Index a taxonomy for ``run_scenario``.

    Parameters
    ----------
    taxonomy : Taxonomy

    Returns
    -------
    CoverageModel

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "deployed"),),
    ...     mitigates=(Mitigates("m", "t", "high"), Mitigates("m", "t", "low"))))
    >>> model.link_start.tolist(), model.link_strength.tolist()
    ([0, 2], [0, 2])
    """
    check_references(taxonomy)
    layers = tuple(layer.id for layer in taxonomy.layers)
    threats = sorted(taxonomy.threats, key=attrgetter("id"))
    mitigations = sorted(taxonomy.mitigations, key=attrgetter("id"))
    t_index = _index([t.id for t in threats])
    m_index = _index([m.id for m in mitigations])
    mitigation_layer = _lookup(_index(layers), (m.layer for m in mitigations), np.int32)
    links = taxonomy.mitigates
    link_threat = _lookup(t_index, map(attrgetter("threat"), links), np.int32)
    link_mitigation = _lookup(m_index, map(attrgetter("mitigation"), links), np.int32)
    link_strength = _lookup(
        _index(STRENGTHS), map(attrgetter("strength"), links), np.int8
    )
    link_layer = mitigation_layer[link_mitigation]
    order = np.lexsort((link_strength, link_mitigation, link_layer, link_threat))
    n_threats, n_mitigations = len(threats), len(mitigations)
    requires = np.array(
        [(m_index[r.source], m_index[r.target]) for r in taxonomy.requires],
        dtype=np.int64,
    ).reshape(-1, 2)
    introduces = taxonomy.introduces
    enables = np.array(
        sorted({(t_index[e.source], t_index[e.target]) for e in taxonomy.enables}),
        dtype=np.int64,
    ).reshape(-1, 2)
    return CoverageModel(
        revision=taxonomy.revision,
        layers=layers,
        threats=tuple(t.id for t in threats),
        threat_names=tuple(t.name for t in threats),
        mitigations=tuple(m.id for m in mitigations),
        mitigation_index=m_index,
        mitigation_layer=mitigation_layer,
        mitigation_maturity=_lookup(
            _index(MATURITIES), (m.maturity for m in mitigations), np.int8
        ),
        link_threat=link_threat[order],
        link_mitigation=link_mitigation[order],
        link_layer=link_layer[order],
        link_strength=link_strength[order],
        link_start=np.concatenate(
            ([0], np.cumsum(np.bincount(link_threat, minlength=n_threats)))
        ),
        closure=requires_closure_matrix(requires, n_mitigations),
        has_requires=bool(len(requires)),
        introduces=sparse.csr_array(
            (
                np.ones(len(introduces), np.int8),
                (
                    _lookup(t_index, (i.target for i in introduces), np.int64),
                    _lookup(m_index, (i.source for i in introduces), np.int64),
                ),
            ),
            shape=(n_threats, n_mitigations),
        ),
        enables_source=enables[:, 0],
        enables_target=enables[:, 1],
        roots=chain_roots_mask(enables[:, 0], enables[:, 1], n_threats),
    )


def check_scenario(model: CoverageModel, scenario: Scenario) -> None:
    """Raise ``ScenarioError`` for ids of the scenario the model does not hold.

    >>> check_scenario(coverage_model(Taxonomy()), Scenario(disabled_mitigations=["x"]))
    Traceback (most recent call last):
    ...
    taxonomy.analysis.model.ScenarioError: unknown mitigation: x
    """
    unknown = {
        "layer": scenario.disabled_layers - set(model.layers),
        "mitigation": scenario.disabled_mitigations - set(model.mitigation_index),
    }
    if any(unknown.values()):
        raise ScenarioError(unknown)


def switched_off(model: CoverageModel, scenario: Scenario) -> np.ndarray:
    """Mitigations a scenario disables directly: named, by layer or by maturity.

    >>> switched_off(coverage_model(Taxonomy()), Scenario()).tolist()
    []
    """
    off = np.zeros(len(model.mitigations), dtype=bool)
    off[[model.mitigation_index[m] for m in scenario.disabled_mitigations]] = True
    layers = [model.layers.index(layer) for layer in scenario.disabled_layers]
    off |= np.isin(model.mitigation_layer, layers)
    if scenario.maturities is not None:
        kept = [MATURITIES.index(m) for m in scenario.maturities]
        off |= ~np.isin(model.mitigation_maturity, kept)
    return off


def enabled_mask(model: CoverageModel, scenario: Scenario) -> np.ndarray:
    """Mitigations that count: not switched off and requiring nothing switched off.

    >>> enabled_mask(coverage_model(Taxonomy()), Scenario()).tolist()
    []
    """
    off = switched_off(model, scenario)
    return (model.closure.T @ off.astype(np.int32)) == 0


def minimal_subset_masks(
    weights: np.ndarray, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inclusion-minimal subsets of columns whose weights reach ``theta``, per row.

    All 2^k subsets of the k columns are built by doubling (subset j + bit b
    = subset j plus column b), with their sums and minima.

    Parameters
    ----------
    weights : ndarray of shape (n, k)
        Non-negative weights; k small (≤ 16).
    theta : float

    Returns
    -------
    (rows, masks)
        For each minimal subset its row and its bit mask over the k columns.

    >>> rows, masks = minimal_subset_masks(np.array([[1.0, 1.0, 2.0]]), 2.0)
    >>> rows.tolist(), masks.tolist()
    ([0, 0], [3, 4])
    """
    n, k = weights.shape
    sums = np.empty((n, 1 << k))
    mins = np.empty((n, 1 << k))
    sums[:, 0], mins[:, 0] = 0.0, np.inf
    for b in range(k):
        half = 1 << b
        np.add(sums[:, :half], weights[:, b : b + 1], out=sums[:, half : 2 * half])
        np.minimum(mins[:, :half], weights[:, b : b + 1], out=mins[:, half : 2 * half])
    keep = sums >= theta
    keep &= (sums - mins) < theta
    rows, masks = np.nonzero(keep)
    return rows, masks.astype(np.int64)


def _spread(local: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Map masks over candidate positions to masks over layer indices."""
    bits = (local[:, None] >> np.arange(columns.shape[1], dtype=np.int64)) & 1
    return (bits << columns.astype(np.int64)).sum(axis=1)


@dataclass(frozen=True)
class MinimalSets:
    """Minimal layer sets of every threat as bit masks over layer indices.

    The sets of threat i are ``masks[start[i]:start[i + 1]]``; masks are
    int64 up to 62 layers, Python ints beyond. ``exact[i]`` is False when
    threat i had more candidates than the exact limit.
    """

    start: np.ndarray
    masks: np.ndarray
    exact: np.ndarray


def minimal_sets(
    weights: np.ndarray,
    addressed: np.ndarray,
    theta: float,
    threshold: float,
    *,
    limit: int = EXACT_LAYER_LIMIT,
) -> MinimalSets:
    """The minimal layer sets of every threat, from the weight matrix.

    Parameters
    ----------
    weights : ndarray of shape (threats, layers)
        ``W[v, l] = −log q_l(v)``.
    addressed : ndarray of bool
        Threats addressed by all layers together.
    theta : float
        ``addressing_weight(threshold)``.
    threshold : float
        τ, for the approximation beyond ``limit`` candidates.
    limit : int

    Returns
    -------
    MinimalSets

    >>> w = np.array([[0.4, 1.0, 0.0, 0.9], [3.0, 0.0, 0.0, 0.0]])
    >>> s = minimal_sets(w, np.array([True, True]), 1.6, 0.8)
    >>> s.start.tolist(), s.masks.tolist()
    ([0, 1, 2], [10, 1])
    """
    n, n_layers = weights.shape
    if n_layers > _MASK_LAYERS:
        return _minimal_sets_python(weights, addressed, threshold, limit)
    strong = weights >= theta
    weak = (weights > 0) & ~strong
    count = weak.sum(axis=1)
    wanted = addressed & (np.where(weak, weights, 0.0).sum(axis=1) >= theta)
    rows, layers = np.nonzero(strong)
    owners, masks = [rows], [np.left_shift(np.int64(1), layers.astype(np.int64))]
    approximate = wanted & (count > limit)
    for k in np.unique(count[wanted & ~approximate]):
        group = np.flatnonzero(wanted & (count == k))
        columns = np.nonzero(weak[group])[1].reshape(len(group), k)
        block = max(1, _BLOCK >> int(k))
        for lo in range(0, len(group), block):
            cols = columns[lo : lo + block]
            found, local = minimal_subset_masks(
                np.take_along_axis(weights[group[lo : lo + block]], cols, axis=1), theta
            )
            owners.append(group[lo + found])
            masks.append(_spread(local, cols[found]))
    for i in np.flatnonzero(approximate):
        misses = np.exp(-weights[i]).tolist()
        found = approximate_minimal_sets(
            misses, np.flatnonzero(weak[i]).tolist(), threshold
        )
        owners.append(np.full(len(found), i))
        masks.append(np.array([sum(1 << j for j in s) for s in found], dtype=np.int64))
    owner = np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    return MinimalSets(
        start=np.concatenate(([0], np.cumsum(np.bincount(owner, minlength=n)))),
        masks=np.concatenate(masks)[order],
        exact=~approximate,
    )


def _minimal_sets_python(weights, addressed, threshold, limit) -> MinimalSets:
    """``minimal_sets`` one threat at a time, for taxonomies with many layers."""
    per_threat, exact = [], np.ones(len(weights), dtype=bool)
    for i, row in enumerate(weights):
        found, exact[i] = minimal_layer_sets(
            np.exp(-row).tolist(), threshold, limit=limit
        )
        per_threat.append(
            [sum(1 << j for j in s) for s in found] if addressed[i] else []
        )
    sizes = [len(sets) for sets in per_threat]
    masks = np.empty(sum(sizes), dtype=object)
    masks[:] = [mask for sets in per_threat for mask in sets]
    return MinimalSets(
        start=np.concatenate(([0], np.cumsum(sizes, dtype=np.int64))),
        masks=masks,
        exact=exact | ~addressed,
    )


def layer_combinations(n_layers: int) -> list[tuple[int, ...]]:
    """The layer sets the global ranking scores: all, or sizes 1–3 beyond 8 layers.

    >>> layer_combinations(2)
    [(0,), (1,), (0, 1)]
    """
    top = n_layers if layer_set_scope(n_layers) == "all" else min(3, n_layers)
    return [
        c for size in range(1, top + 1) for c in combinations(range(n_layers), size)
    ]


def layer_set_counts(
    weights: np.ndarray, theta: float
) -> list[tuple[tuple[int, ...], int, int]]:
    """For each layer set in scope: threats it addresses, threats it is minimal for.

    Only threats addressed by all layers can be addressed by a subset, so
    only their rows are scanned, one column-major pass per set.

    Parameters
    ----------
    weights : ndarray of shape (threats, layers)
    theta : float

    Returns
    -------
    list of (layer indices, addressed, minimal_for)
        In ``layer_combinations`` order.

    >>> layer_set_counts(np.array([[1.0, 1.0]]), 1.5)
    [((0,), 0, 0), ((1,), 0, 0), ((0, 1), 1, 1)]
    """
    columns = np.asfortranarray(weights[weights.sum(axis=1) >= theta])
    out = []
    for combo in layer_combinations(weights.shape[1]):
        total = columns[:, combo[0]].copy()
        least = total.copy()
        for j in combo[1:]:
            total += columns[:, j]
            np.minimum(least, columns[:, j], out=least)
        hit = total >= theta
        least -= total
        minimal = np.count_nonzero(hit & (least > -theta))
        out.append((combo, int(np.count_nonzero(hit)), int(minimal)))
    return out


def unblocked_into_mask(model: CoverageModel, addressed: np.ndarray) -> np.ndarray:
    """Threats an unblocked ENABLES chain reaches (see ``taxonomy.analysis.chains``).

    A breadth-first search from the unaddressed roots through unaddressed
    threats; a threat counts when a reached threat ENABLES it.

    >>> unblocked_into_mask(coverage_model(Taxonomy()), np.zeros(0, bool)).tolist()
    []
    """
    n = len(model.threats)
    open_ = ~addressed
    keep = open_[model.enables_source] & open_[model.enables_target]
    source, target = model.enables_source[keep], model.enables_target[keep]
    starts = np.flatnonzero(model.roots & open_)
    hit = np.zeros(n, dtype=bool)
    if not len(source) or not len(starts):
        return hit
    graph = sparse.csr_array(
        (
            np.ones(len(source) + len(starts), np.int8),
            (
                np.concatenate([source, np.full(len(starts), n)]),
                np.concatenate([target, starts]),
            ),
        ),
        shape=(n + 1, n + 1),
    )
    reached = np.zeros(n + 1, dtype=bool)
    reached[csgraph.breadth_first_order(graph, n, return_predecessors=False)] = True
    hit[target[reached[source]]] = True
    return hit


@dataclass(frozen=True, eq=False)
class _Run:
    """Arrays of one scenario run, from which threats are described on demand."""

    model: CoverageModel
    scenario: Scenario
    link_on: np.ndarray
    coverage: np.ndarray
    by_layer: np.ndarray
    classes: np.ndarray
    critical_layers: np.ndarray
    critical_start: np.ndarray
    critical_mitigation: np.ndarray
    sets: MinimalSets
    introduces: sparse.csr_array

    @cached_property
    def contributions(self) -> list[LinkContribution]:
        """One shared record per (mitigation, strength): index ``m * 3 + s``."""
        model, effect = self.model, self.scenario.effectiveness_map
        return [
            LinkContribution(m, model.layers[layer], strength, effect[strength])
            for m, layer in zip(
                model.mitigations, model.mitigation_layer.tolist(), strict=True
            )
            for strength in STRENGTHS
        ]

    @cached_property
    def link_key(self) -> np.ndarray:
        return (
            self.model.link_mitigation.astype(np.int64) * 3 + self.model.link_strength
        )

    @cached_property
    def critical_layer_masks(self) -> list[int]:
        flags = self.critical_layers.astype(object)
        weights = np.array([1 << j for j in range(flags.shape[1])], dtype=object)
        return (flags @ weights).tolist() if flags.shape[1] else [0] * len(flags)

    @cached_property
    def decoded(self) -> dict[int, tuple[tuple[int, tuple[int, ...]], tuple[str, ...]]]:
        """Layer-set masks seen so far → (sort key, layer ids), filled on demand."""
        return {}

    def decode(self, mask: int) -> tuple[tuple[int, tuple[int, ...]], tuple[str, ...]]:
        found = self.decoded.get(mask)
        if found is None:
            layers = self.model.layers
            members = tuple(j for j in range(len(layers)) if (mask >> j) & 1)
            found = (len(members), members), tuple(layers[j] for j in members)
            self.decoded[mask] = found
        return found


class ThreatSequence(Sequence):
    """The threats of a fast analysis, sorted by id, each built when asked for."""

    def __init__(self, run: _Run):
        self._run = run
        self.ids = run.model.threats

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return describe_threat(self._run, range(len(self))[index])

    def __iter__(self) -> Iterator[ThreatCoverage]:
        return (describe_threat(self._run, i) for i in range(len(self)))


def describe_threat(run: _Run, i: int) -> ThreatCoverage:
    """The ``ThreatCoverage`` of threat index ``i`` from a run's arrays.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "deployed"),),
    ...     mitigates=(Mitigates("m", "t", "high"),)))
    >>> run_scenario(model, Scenario()).threats[0].minimal_layer_sets
    (('hw',),)
    """
    model, sets, intro = run.model, run.sets, run.introduces
    lo, hi = model.link_start[i], model.link_start[i + 1]
    contributions = run.contributions
    masks = sets.masks[sets.start[i] : sets.start[i + 1]].tolist()
    crit = run.critical_mitigation[run.critical_start[i] : run.critical_start[i + 1]]
    introducers = intro.indices[intro.indptr[i] : intro.indptr[i + 1]]
    return ThreatCoverage(
        id=model.threats[i],
        name=model.threat_names[i],
        coverage_class=CLASSES[run.classes[i]],
        coverage=float(run.coverage[i]),
        by_layer=tuple(run.by_layer[i].tolist()),
        links=tuple(
            contributions[k] for k in run.link_key[lo:hi][run.link_on[lo:hi]].tolist()
        ),
        minimal_layer_sets=tuple(ids for _, ids in sorted(map(run.decode, masks))),
        minimal_layer_sets_exact=bool(sets.exact[i]),
        critical_layers=run.decode(run.critical_layer_masks[i])[1],
        critical_mitigations=tuple(model.mitigations[m] for m in crit.tolist()),
        introduced_by=tuple(model.mitigations[m] for m in introducers.tolist()),
    )


def _critical_mitigations(model, link_on, weights_per_link, total, addressed, theta):
    """Critical (threat, mitigation) pairs, sorted by threat then mitigation id."""
    keep = np.flatnonzero(link_on & addressed[model.link_threat])
    loss = sparse.csr_array(
        (
            weights_per_link[keep],
            (model.link_threat[keep], model.link_mitigation[keep]),
        ),
        shape=(len(model.threats), len(model.mitigations)),
    )
    if model.has_requires:
        loss = (loss @ model.closure.T).tocsr()
    loss.sort_indices()
    rows = np.repeat(np.arange(len(model.threats)), np.diff(loss.indptr))
    critical = total[rows] - loss.data < theta
    rows, mitigations = rows[critical], loss.indices[critical]
    return np.searchsorted(rows, np.arange(len(model.threats) + 1)), mitigations


def layer_weights(
    model: CoverageModel, link_on: np.ndarray, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-threat, per-layer weights and link counts of the enabled links.

    Parameters
    ----------
    model : CoverageModel
    link_on : ndarray of bool
        Per link, whether its mitigation is enabled.
    scenario : Scenario
        For the effectiveness map.

    Returns
    -------
    (weights, counts, link_weight)
        ``weights[v, l] = Σ −log(1 − e)`` and ``counts[v, l]`` over the enabled
        links of layer l into v; ``link_weight`` per link (0 when disabled).

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "deployed"),),
    ...     mitigates=(Mitigates("m", "t", "medium"), Mitigates("m", "t", "medium"))))
    >>> w, n, _ = layer_weights(model, np.array([True, True]), Scenario())
    >>> round(float(-np.expm1(-w[0, 0])), 6), n.tolist()
    (0.84, [[2.0]])
    """
    shape = (len(model.threats), len(model.layers))
    per_strength = np.array([strength_weight(e) for _, e in scenario.effectiveness])
    link_weight = np.where(link_on, per_strength[model.link_strength], 0.0)
    cell = model.link_threat.astype(np.int64) * shape[1] + model.link_layer
    size = shape[0] * shape[1]
    weights = np.bincount(cell, link_weight, size).reshape(shape)
    counts = np.bincount(cell, link_on, size).reshape(shape)
    return weights, counts, link_weight


def class_codes(counts: np.ndarray, weights: np.ndarray, theta: float) -> np.ndarray:
    """Each threat's class as an index into ``CLASSES``.

    >>> class_codes(np.array([[0, 0], [1, 1], [1, 1]]),
    ...             np.array([[0, 0], [0.5, 0.5], [2.0, 0.0]]), 1.6).tolist()
    [0, 1, 3]
    """
    total = weights.sum(axis=1)
    return np.select(
        [counts.sum(axis=1) == 0, total < theta, (weights >= theta).any(axis=1)],
        [0, 1, 3],
        default=2,
    )


def run_scenario(model: CoverageModel, scenario: Scenario) -> Analysis:
    """The whole analysis of one scenario on an indexed taxonomy.

    Parameters
    ----------
    model : CoverageModel
        From ``coverage_model``; reuse it across scenarios.
    scenario : Scenario

    Returns
    -------
    Analysis
        Its ``threats`` are described lazily, one at a time.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> model = coverage_model(Taxonomy(layers=(Layer("hw", "HW"), Layer("sw", "SW")),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "deployed"),
    ...                  Mitigation("n", "N", "sw", "pilot")),
    ...     mitigates=(Mitigates("m", "t", "medium"), Mitigates("n", "t", "low"))))
    >>> run_scenario(model, Scenario()).classes
    {'t': 'insufficient'}
    """
    check_scenario(model, scenario)
    theta = addressing_weight(scenario.threshold)
    enabled = enabled_mask(model, scenario)
    link_on = enabled[model.link_mitigation]
    weights, counts, link_weight = layer_weights(model, link_on, scenario)
    total = weights.sum(axis=1)
    addressed = total >= theta
    critical_layers = addressed[:, None] & (total[:, None] - weights < theta)
    critical_start, critical_mitigation = _critical_mitigations(
        model, link_on, link_weight, total, addressed, theta
    )
    run = _Run(
        model=model,
        scenario=scenario,
        link_on=link_on,
        coverage=-np.expm1(-total),
        by_layer=-np.expm1(-weights),
        classes=class_codes(counts, weights, theta),
        critical_layers=critical_layers,
        critical_start=critical_start,
        critical_mitigation=critical_mitigation,
        sets=minimal_sets(weights, addressed, theta, scenario.threshold),
        introduces=_enabled_columns(model.introduces, enabled),
    )
    off = switched_off(model, scenario)
    return Analysis(
        scenario=scenario,
        revision=model.revision,
        layers=model.layers,
        threats=ThreatSequence(run),
        classes=dict(zip(model.threats, _class_names(run.classes), strict=True)),
        coverages=dict(zip(model.threats, run.coverage.tolist(), strict=True)),
        summary={name: int((run.classes == c).sum()) for c, name in enumerate(CLASSES)},
        layer_totals=_layer_totals(
            model, enabled, link_on, counts, weights >= theta, critical_layers
        ),
        mitigation_ranking=_ranking(model, critical_mitigation),
        mitigation_layers=dict(
            zip(
                model.mitigations,
                _names(model.layers, model.mitigation_layer),
                strict=True,
            )
        ),
        layer_sets=_layer_set_scores(model.layers, weights, theta),
        layer_sets_scope=layer_set_scope(len(model.layers)),
        unblocked_into=_names(
            model.threats, np.flatnonzero(unblocked_into_mask(model, addressed))
        ),
        introduced=_introduced(model, run.introduces),
        disabled_by_requires=_names(model.mitigations, np.flatnonzero(~enabled & ~off)),
        minimal_layer_sets_exact=bool(run.sets.exact.all()),
    )


def _names(ids: Sequence[str], indices: np.ndarray) -> tuple[str, ...]:
    return tuple(ids[i] for i in indices.tolist())


def _class_names(codes: np.ndarray) -> list[str]:
    return np.array(CLASSES, dtype=object)[codes].tolist()


def _enabled_columns(matrix: sparse.csr_array, enabled: np.ndarray) -> sparse.csr_array:
    """``matrix`` without the entries in disabled mitigations' columns, sorted."""
    kept = (matrix * enabled[None, :].astype(np.int8)).tocsr()
    kept.eliminate_zeros()
    kept.sort_indices()
    return kept


def _ranking(model: CoverageModel, critical_mitigation: np.ndarray) -> tuple:
    counts = np.bincount(critical_mitigation, minlength=len(model.mitigations))
    ranked = np.flatnonzero(counts)
    ranked = ranked[np.lexsort((ranked, -counts[ranked]))]
    return tuple((model.mitigations[m], int(counts[m])) for m in ranked.tolist())


def _introduced(model: CoverageModel, introduces: sparse.csr_array) -> tuple:
    return tuple(
        (
            model.threats[t],
            _names(
                model.mitigations,
                introduces.indices[introduces.indptr[t] : introduces.indptr[t + 1]],
            ),
        )
        for t in np.flatnonzero(np.diff(introduces.indptr)).tolist()
    )


def analyse(taxonomy: Taxonomy, scenario: Scenario = BASELINE) -> Analysis:
    """``run_scenario`` on a model built for one use; reuse a model for several.

    >>> analyse(Taxonomy()).summary["unmitigated"]
    0
    """
    return run_scenario(coverage_model(taxonomy), scenario)


def _layer_totals(model, enabled, link_on, link_count, alone, critical_layers):
    n = len(model.layers)
    columns = {
        "mitigations": np.bincount(model.mitigation_layer[enabled], minlength=n),
        "links": np.bincount(model.link_layer[link_on], minlength=n),
        "threats": (link_count > 0).sum(axis=0),
        "addressed_alone": alone.sum(axis=0),
        "critical_for": critical_layers.sum(axis=0),
    }
    return {
        layer: {name: int(values[j]) for name, values in columns.items()}
        for j, layer in enumerate(model.layers)
    }


def _layer_set_scores(layers, weights, theta) -> tuple[LayerSetScore, ...]:
    scores = [
        LayerSetScore(tuple(layers[i] for i in combo), hit, minimal)
        for combo, hit, minimal in layer_set_counts(weights, theta)
    ]
    return tuple(sorted(scores, key=lambda s: (len(s.layers), -s.addressed)))
