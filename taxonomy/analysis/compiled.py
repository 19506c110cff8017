"""A taxonomy compiled for vectorised analysis: integer indexes and sparse matrices.

``coverage_model`` indexes a ``Taxonomy`` once (threats and mitigations in id
order, layers in taxonomy order); ``taxonomy.analysis.fast`` runs scenarios
over it without touching a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from taxonomy.analysis.model import check_references
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import MATURITIES, STRENGTHS, Taxonomy
from taxonomy.domain.scenario import Scenario


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
    mitigation_names: tuple[str, ...]
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
        mitigation_names=tuple(m.name for m in mitigations),
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
    taxonomy.domain.errors.ScenarioError: unknown mitigation: x
    """
    unknown = {
        "layer": scenario.disabled_layers - set(model.layers),
        "mitigation": scenario.disabled_mitigations - set(model.mitigation_index),
        "adopted mitigation": scenario.adopted_ids - set(model.mitigation_index),
    }
    if any(unknown.values()):
        raise ScenarioError(unknown)


def switched_off(model: CoverageModel, scenario: Scenario) -> np.ndarray:
    """Mitigations a scenario disables directly: named, by layer or by maturity.

    An adopted mitigation, and what it REQUIRES, passes the maturity filter.

    >>> switched_off(coverage_model(Taxonomy()), Scenario()).tolist()
    []
    """
    off = np.zeros(len(model.mitigations), dtype=bool)
    off[[model.mitigation_index[m] for m in scenario.disabled_mitigations]] = True
    layers = [model.layers.index(layer) for layer in scenario.disabled_layers]
    off |= np.isin(model.mitigation_layer, layers)
    if scenario.maturities is not None:
        kept = [MATURITIES.index(m) for m in scenario.maturities]
        off |= ~np.isin(model.mitigation_maturity, kept) & ~adopted_mask(
            model, scenario
        )
    return off


def adopted_mask(model: CoverageModel, scenario: Scenario) -> np.ndarray:
    """The mitigations a scenario adopts and every one they REQUIRE, transitively
    (``M@J`` as ``M``: the one-world model does not know where).

    >>> adopted_mask(coverage_model(Taxonomy()), Scenario()).tolist()
    []
    """
    adopt = np.zeros(len(model.mitigations), dtype=np.int32)
    adopt[[model.mitigation_index[m] for m in scenario.adopted_ids]] = 1
    # closure[m, d] = 1 when d REQUIRES m: row m reaches the adopted that need it.
    return (model.closure @ adopt) > 0


def enabled_mask(model: CoverageModel, scenario: Scenario) -> np.ndarray:
    """Mitigations that count: not switched off and requiring nothing switched off.

    >>> enabled_mask(coverage_model(Taxonomy()), Scenario()).tolist()
    []
    """
    off = switched_off(model, scenario)
    return (model.closure.T @ off.astype(np.int32)) == 0


def introduced_only_by_others(
    model: CoverageModel, enabled: np.ndarray
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each threat that mitigations are recorded as INTRODUCING although none
    of them counts (``enabled``), with those mitigations; threats in id order.

    Such a threat still counts in the analysis, as every threat of the
    taxonomy does; the pages say that the measures which would bring it are
    not in effect in the scenario.

    >>> from taxonomy.domain.records import Layer, Link, Mitigation, Threat
    >>> m = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "proposed"),
    ...                  Mitigation("b", "B", "hw", "deployed")),
    ...     introduces=(Link("a", "t"),)))
    >>> introduced_only_by_others(m, enabled_mask(m, Scenario(maturities=["deployed"])))
    (('t', ('a',)),)
    >>> introduced_only_by_others(m, enabled_mask(m, Scenario()))
    ()
    """
    introduces = sparse.csr_array(model.introduces)
    introduces.eliminate_zeros()
    introduces.sort_indices()
    out = []
    for t in np.flatnonzero(np.diff(introduces.indptr)).tolist():
        by = introduces.indices[introduces.indptr[t] : introduces.indptr[t + 1]]
        if not enabled[by].any():
            out.append((model.threats[t], tuple(model.mitigations[m] for m in by)))
    return tuple(out)


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
