"""What a scenario moves against another, threat by threat: coverage and class.

``coverage_moves`` lists every threat whose class changed or whose coverage
moved, by all layers together or by any one layer, with before, after and
the change of each; ``move_order`` is the order people read them in: class
changes first, then the largest move first. Vectorised: a catalogue's
scenario can move tens of thousands of threats.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from taxonomy.analysis.model import Analysis

# Coverages closer than this are the same number computed along another path.
MOVE_TOLERANCE = 1e-9
DIGITS = 6


def _rows(analysis: Analysis, ids: list[str], layers: int) -> np.ndarray:
    """Threat × (all layers, then each layer) coverages of ``ids``."""
    table = np.empty((len(ids), 1 + layers))
    table[:, 0] = [analysis.coverages[t] for t in ids]
    if layers:
        table[:, 1:] = [analysis.layer_coverages[t] for t in ids]
    return table


def _sides(before: np.ndarray, after: np.ndarray) -> list[list[dict[str, float]]]:
    """Per row, per column: ``{from, to, delta}`` rounded to ``DIGITS``, never -0.0."""
    parts = [np.round(x, DIGITS) + 0.0 for x in (before, after, after - before)]
    return [
        [{"from": f, "to": t, "delta": d} for f, t, d in zip(*row, strict=True)]
        for row in zip(*(x.tolist() for x in parts), strict=True)
    ]


def move_order(move: Mapping) -> tuple:
    """The sort key of a move: class changes first, then the largest change by
    all layers, then the largest by one layer, then the id.

    >>> moves = [{"id": "a", "from": "x", "to": "x", "coverage": {"delta": -0.3},
    ...           "by_layer": {"hw": {"delta": -0.3}}},
    ...          {"id": "b", "from": "x", "to": "y", "coverage": {"delta": -0.1},
    ...           "by_layer": {"hw": {"delta": -0.1}}}]
    >>> [m["id"] for m in sorted(moves, key=move_order)]
    ['b', 'a']
    """
    layer_moves = [abs(m["delta"]) for m in move["by_layer"].values()]
    return (
        move["from"] == move["to"],
        -abs(move["coverage"]["delta"]),
        -max(layer_moves, default=0.0),
        move["id"],
    )


def coverage_moves(baseline: Analysis, other: Analysis) -> list[dict]:
    """Every threat of one taxonomy whose class or coverage differs between two
    analyses of it, in ``move_order``.

    Parameters
    ----------
    baseline : Analysis
        What is compared with, usually nothing disabled.
    other : Analysis
        The scenario's analysis, of the same taxonomy.

    Returns
    -------
    list of dict
        ``{id, from, to, coverage: {from, to, delta}, by_layer: {layer:
        {from, to, delta}}}`` per threat: its class on each side, and its
        coverage by all layers and by each layer (every layer listed), rounded
        to 6 decimals. A coverage moved when its two sides differ by more than
        ``MOVE_TOLERANCE``.

    >>> from taxonomy.analysis.coverage import analyse
    >>> from taxonomy.domain.records import (
    ...     Layer, Mitigates, Mitigation, Taxonomy, Threat)
    >>> from taxonomy.domain.scenario import Scenario
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"),), threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),),
    ...     mitigates=(Mitigates("a", "t", "high"),))
    >>> [m["coverage"] for m in coverage_moves(
    ...     analyse(tax), analyse(tax, Scenario(maturities=["deployed"])))]
    [{'from': 0.9, 'to': 0.0, 'delta': -0.9}]
    """
    layers, ids = baseline.layers, list(baseline.classes)
    before = _rows(baseline, ids, len(layers))
    after = _rows(other, ids, len(layers))
    reclassed = np.array([baseline.classes[t] != other.classes[t] for t in ids])
    moved = np.abs(after - before).max(axis=1, initial=0.0) > MOVE_TOLERANCE
    rows = np.flatnonzero(moved | reclassed) if ids else np.array([], dtype=int)
    sides = _sides(before[rows], after[rows])
    moves = [
        {
            "id": ids[i],
            "from": baseline.classes[ids[i]],
            "to": other.classes[ids[i]],
            "coverage": side[0],
            "by_layer": dict(zip(layers, side[1:], strict=True)),
        }
        for i, side in zip(rows.tolist(), sides, strict=True)
    ]
    return sorted(moves, key=move_order)
