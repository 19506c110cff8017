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

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from taxonomy.analysis.compiled import (
    CoverageModel,
    check_scenario,
    coverage_model,
    enabled_mask,
    switched_off,
    unblocked_into_mask,
)
from taxonomy.analysis.layersets import (
    MinimalSets,
    layer_set_counts,
    minimal_set_counts,
    minimal_sets,
)
from taxonomy.analysis.model import (
    CLASSES,
    Analysis,
    LayerSetScore,
    LinkContribution,
    ThreatCoverage,
    addressing_weight,
    layer_set_candidates,
    layer_set_scope,
    strength_weight,
    top_layer_sets,
)
from taxonomy.domain.records import STRENGTHS, Taxonomy
from taxonomy.domain.scenario import BASELINE, FULL, INDEPENDENT, Scenario


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


class LayerCoverages(Mapping):
    """Threat id → its coverage by each layer, read from a run's array when asked:
    a dict of them all would cost a large catalogue's run a third more."""

    def __init__(self, ids: Sequence[str], by_layer: np.ndarray):
        self._ids, self._by_layer = ids, by_layer

    def __getitem__(self, threat_id: str) -> tuple[float, ...]:
        i = bisect_left(self._ids, threat_id)
        if i == len(self._ids) or self._ids[i] != threat_id:
            raise KeyError(threat_id)
        return tuple(self._by_layer[i].tolist())

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def describe_threat(run: _Run, i: int) -> ThreatCoverage:
    """The ``ThreatCoverage`` of threat index ``i`` from a run's arrays.

    >>> from taxonomy.analysis.examples import one_link
    >>> model = coverage_model(one_link())
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
    per_strength = np.array([strength_weight(e) for _, e in scenario.effectiveness])
    link_weight = np.where(link_on, per_strength[model.link_strength], 0.0)
    weights, counts = cell_weights(model, link_weight, link_on, scenario.dependence)
    return weights, counts, link_weight


def cell_weights(
    model: CoverageModel, link_weight: np.ndarray, link_on: np.ndarray, dependence: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per threat and layer, the weight of its links and how many are on.

    The weight adds the links' ``-log(1 - e)`` when they are independent, and
    takes the best link's when the links of a layer fail together.
    """
    shape = (len(model.threats), len(model.layers))
    cell = model.link_threat.astype(np.int64) * shape[1] + model.link_layer
    size = shape[0] * shape[1]
    if dependence == INDEPENDENT:
        weights = np.bincount(cell, link_weight, size)
    else:  # the links of a layer fail together: the layer is as good as its best
        weights = np.zeros(size)
        np.maximum.at(weights, cell, link_weight)
    counts = np.bincount(cell, link_on, size).reshape(shape)
    return weights.reshape(shape), counts


def set_weights(weights: np.ndarray, theta: float, dependence: str) -> np.ndarray:
    """The per-layer weights the layer-set logic sums (see ``coverage.set_misses``).

    Under ``full`` dependence a set addresses a threat iff one of its layers
    does alone, so a layer below θ counts as absent.

    >>> set_weights(np.array([[2.0, 1.0]]), 1.6, "full").tolist()
    [[2.0, 0.0]]
    """
    if dependence != FULL:
        return weights
    return np.where(weights >= theta, weights, 0.0)


def _critical_by_removal(
    model, link_on, link_weight, in_sets, addressed, theta, dependence
):
    """Critical (threat, mitigation) pairs when links fail together, by removal.

    For every addressed threat and every mitigation whose removal (with what
    REQUIRES it) takes away one of its links, the threat's layers are
    recomputed without the removed links. A mitigation that nothing REQUIRES
    and that has one link into the threat changes one cell only, whose best
    link is then its runner-up; every other pair is recomputed link by link.
    """
    n_threats, n_layers = len(model.threats), len(model.layers)
    n_m = len(model.mitigations)
    keep = np.flatnonzero(link_on & addressed[model.link_threat])
    # Links are sorted by threat, layer, mitigation: those of one pair are adjacent.
    pair_key = (
        model.link_threat[keep].astype(np.int64) * n_m + model.link_mitigation[keep]
    )
    repeated = np.zeros(len(keep), dtype=bool)
    same = pair_key[1:] == pair_key[:-1]
    repeated[1:] |= same
    repeated[:-1] |= same
    alone = np.diff(model.closure.indptr) == 1  # nothing REQUIRES it
    simple = alone[model.link_mitigation[keep]] & ~repeated
    # One cell changes: its best becomes the runner-up if this link was the best.
    k = keep[simple]
    cell_of = model.link_threat.astype(np.int64) * n_layers + model.link_layer
    cells = np.arange(n_threats * n_layers)
    top, where, second = top_two(
        link_weight,
        np.searchsorted(cell_of, cells, side="left"),
        np.searchsorted(cell_of, cells, side="right"),
    )
    cell = cell_of[k]
    now = np.where(where[cell] == k, second[cell], top[cell])
    now_in_set = now if dependence != FULL else np.where(now >= theta, now, 0.0)
    threat = model.link_threat[k]
    left = in_sets.sum(axis=1)[threat] - in_sets.reshape(-1)[cell] + now_in_set
    found_threat = [threat[left < theta]]
    found_mitigation = [model.link_mitigation[k][left < theta].astype(np.int64)]
    # Every other pair: recomputed without the links its removal takes away.
    touched = sparse.csr_array(
        (np.ones(len(keep)), (model.link_threat[keep], model.link_mitigation[keep])),
        shape=(n_threats, n_m),
    )
    if model.has_requires:
        touched = (touched @ model.closure.T).tocsr()
    touched.sort_indices()
    pair_threat = np.repeat(np.arange(n_threats), np.diff(touched.indptr))
    pair_mitigation = touched.indices.astype(np.int64)
    # A pair of a mitigation nothing REQUIRES comes from its own links only.
    other = ~alone[pair_mitigation] | (touched.data > 1)
    pair_threat, pair_mitigation = pair_threat[other], pair_mitigation[other]
    lo = model.link_start[pair_threat]
    sizes = model.link_start[pair_threat + 1] - lo
    pair = np.repeat(np.arange(len(pair_threat)), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes - lo, sizes)
    link = np.arange(len(pair)) - starts
    closure = model.closure.tocoo()
    removable = np.sort(closure.row.astype(np.int64) * n_m + closure.col)
    key = pair_mitigation[pair] * n_m + model.link_mitigation[link]
    at = np.minimum(np.searchsorted(removable, key), max(len(removable) - 1, 0))
    removed = removable[at] == key if len(removable) else np.zeros(len(key), bool)
    weight = np.where(removed, 0.0, link_weight[link])
    best = np.zeros(len(pair_threat) * n_layers)
    np.maximum.at(best, pair * n_layers + model.link_layer[link], weight)
    best = best.reshape(len(pair_threat), n_layers)
    critical = set_weights(best, theta, dependence).sum(axis=1) < theta
    found_threat.append(pair_threat[critical])
    found_mitigation.append(pair_mitigation[critical])
    rows, mitigations = np.concatenate(found_threat), np.concatenate(found_mitigation)
    order = np.lexsort((mitigations, rows))
    rows, mitigations = rows[order], mitigations[order]
    return np.searchsorted(rows, np.arange(n_threats + 1)), mitigations


def top_two(
    values: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per segment ``values[starts[i]:ends[i]]`` (contiguous, in order, covering
    ``values``): its best value, the position of its first best entry (-1 when
    empty), and the best of its other entries (0 when none).

    >>> top, where, second = top_two(np.array([1.0, 3.0, 3.0, 2.0]),
    ...                               np.array([0, 2, 4]), np.array([2, 4, 4]))
    >>> top.tolist(), where.tolist(), second.tolist()
    ([3.0, 3.0, 0.0], [1, 2, -1], [1.0, 2.0, 0.0])
    """
    n = len(starts)
    top, second, where = np.zeros(n), np.zeros(n), np.full(n, -1)
    full = ends > starts
    if not full.any():
        return top, where, second
    top[full] = np.maximum.reduceat(values, starts[full])
    segment = np.repeat(np.arange(n), ends - starts)
    hits = np.flatnonzero(values == top[segment])
    segments, first = np.unique(segment[hits], return_index=True)
    where[segments] = hits[first]
    others = values.astype(float)
    others[where[segments]] = -np.inf
    rest = np.maximum.reduceat(others, starts[full])
    second[full] = np.where(np.isfinite(rest), rest, 0.0)
    return top, where, second


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

    >>> from taxonomy.analysis.examples import two_layers
    >>> model = coverage_model(two_layers("pilot", "low"))
    >>> run_scenario(model, Scenario()).classes
    {'t': 'insufficient'}
    """
    check_scenario(model, scenario)
    theta = addressing_weight(scenario.threshold)
    enabled = enabled_mask(model, scenario)
    link_on = enabled[model.link_mitigation]
    dependence = scenario.dependence
    weights, counts, link_weight = layer_weights(model, link_on, scenario)
    in_sets = set_weights(weights, theta, dependence)
    total = in_sets.sum(axis=1)
    addressed = total >= theta
    critical_layers = addressed[:, None] & (total[:, None] - in_sets < theta)
    if dependence == INDEPENDENT:
        critical_start, critical_mitigation = _critical_mitigations(
            model, link_on, link_weight, total, addressed, theta
        )
    else:
        critical_start, critical_mitigation = _critical_by_removal(
            model, link_on, link_weight, in_sets, addressed, theta, dependence
        )
    reach = weights.max(axis=1, initial=0.0) if dependence == FULL else weights.sum(1)
    run = _Run(
        model=model,
        scenario=scenario,
        link_on=link_on,
        coverage=-np.expm1(-reach),
        by_layer=-np.expm1(-weights),
        classes=class_codes(counts, in_sets, theta),
        critical_layers=critical_layers,
        critical_start=critical_start,
        critical_mitigation=critical_mitigation,
        sets=minimal_sets(in_sets, addressed, theta, scenario.threshold),
        introduces=_enabled_columns(model.introduces, enabled),
    )
    off = switched_off(model, scenario)
    layer_sets, layer_sets_total = _layer_set_scores(
        model.layers, in_sets, theta, run.sets
    )
    return Analysis(
        scenario=scenario,
        revision=model.revision,
        layers=model.layers,
        threats=ThreatSequence(run),
        classes=dict(zip(model.threats, _class_names(run.classes), strict=True)),
        coverages=dict(zip(model.threats, run.coverage.tolist(), strict=True)),
        layer_coverages=LayerCoverages(model.threats, run.by_layer),
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
        layer_sets=layer_sets,
        layer_sets_scope=layer_set_scope(len(model.layers)),
        layer_sets_total=layer_sets_total,
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


def _layer_set_scores(layers, weights, theta, sets) -> tuple[tuple, int]:
    """The listed layer sets, best first within each size, and how many are in scope."""
    counts = minimal_set_counts(sets) if layer_set_scope(len(layers)) != "all" else {}
    candidates, total = layer_set_candidates(len(layers), counts)
    scores = [
        LayerSetScore(tuple(layers[i] for i in combo), hit, minimal)
        for combo, hit, minimal in top_layer_sets(
            layer_set_counts(weights, theta, candidates)
        )
    ]
    return tuple(sorted(scores, key=lambda s: (len(s.layers), -s.addressed))), total
