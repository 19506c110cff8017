"""Minimal layer sets and layer-set counts, all threats at once over weight arrays.

A layer set S addresses a threat iff the sum of its layers' weights reaches
θ = −log(1 − τ), and is inclusion-minimal iff dropping its weakest member
falls below θ; subsets are enumerated over candidate layers only, all threats
with the same candidate count at once (see ``taxonomy.analysis.fast``). The
global ranking scores the sets ``model.layer_set_candidates`` chooses, never
every combination of many layers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from taxonomy.analysis.coverage import approximate_minimal_sets, minimal_layer_sets
from taxonomy.analysis.model import EXACT_LAYER_LIMIT

# Entries (threats × subsets) per block of the subset enumeration: 2^21 doubles
# are 16 MiB per array, which keeps the peak low and the loops long.
_BLOCK = 1 << 21
# Layer sets are kept as int64 bit masks up to this many layers.
_MASK_LAYERS = 62


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


def minimal_set_counts(sets: MinimalSets) -> dict[tuple[int, ...], int]:
    """Each minimal layer set of two or three layers → the threats it is minimal for.

    >>> s = MinimalSets(np.array([0, 2, 3]), np.array([3, 5, 3]), np.array([True] * 2))
    >>> minimal_set_counts(s)
    {(0, 1): 2, (0, 2): 1}
    """
    if sets.masks.dtype == object:
        counted = Counter(sets.masks.tolist()).items()
    else:
        found, counts = np.unique(sets.masks, return_counts=True)
        counted = zip(found.tolist(), counts.tolist(), strict=True)
    return {
        tuple(j for j in range(mask.bit_length()) if (mask >> j) & 1): n
        for mask, n in counted
        if 2 <= mask.bit_count() <= 3
    }


def layer_set_counts(
    weights: np.ndarray, theta: float, candidates: Iterable[tuple[int, ...]]
) -> list[tuple[tuple[int, ...], int, int]]:
    """For each candidate layer set: threats it addresses, threats it is minimal for.

    Only threats addressed by all layers can be addressed by a subset, so
    only their rows are scanned, one column-major pass per set.

    Parameters
    ----------
    weights : ndarray of shape (threats, layers)
    theta : float
    candidates : iterable of tuples of layer indices
        From ``taxonomy.analysis.model.layer_set_candidates``.

    Returns
    -------
    list of (layer indices, addressed, minimal_for)
        In the candidates' order.

    >>> layer_set_counts(np.array([[1.0, 1.0]]), 1.5, [(0,), (1,), (0, 1)])
    [((0,), 0, 0), ((1,), 0, 0), ((0, 1), 1, 1)]
    """
    columns = np.asfortranarray(weights[weights.sum(axis=1) >= theta])
    out = []
    for combo in candidates:
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
