"""What a scenario moves against another, threat by threat: coverage and class.

``coverage_moves`` lists every threat whose class changed or whose coverage
moved, by all layers together or by any one layer, with before, after and
the change of each; ``move_order`` is the order people read them in: class
changes first, then the largest move first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from taxonomy.analysis.model import Analysis

# Coverages closer than this are the same number computed along another path.
MOVE_TOLERANCE = 1e-9
DIGITS = 6


def _number(value: float) -> float:
    return round(float(value), DIGITS) + 0.0


def _move(before: float, after: float) -> dict[str, float]:
    return {
        "from": _number(before),
        "to": _number(after),
        "delta": _number(after - before),
    }


def _moved(before: float, after: float) -> bool:
    return abs(after - before) > MOVE_TOLERANCE


def threat_move(
    layers: Sequence[str],
    classes: tuple[str, str],
    coverage: tuple[float, float],
    by_layer: tuple[Sequence[float], Sequence[float]],
) -> dict | None:
    """One threat's move between two analyses, or None when nothing moved.

    Parameters
    ----------
    layers : sequence of str
        The layer ids, in the order of ``by_layer``'s values.
    classes, coverage : (before, after)
        The threat's class and coverage by all layers, on each side.
    by_layer : (before, after)
        Its coverage by each layer, on each side.

    Returns
    -------
    dict or None
        ``{from, to, coverage: {from, to, delta}, by_layer: {layer: {from,
        to, delta}}}`` (every layer listed), or None when the class is the
        same and no coverage moved by more than ``MOVE_TOLERANCE``.

    >>> m = threat_move(["hw", "sw"], ("insufficient", "insufficient"),
    ...     (0.72, 0.6), ([0.6, 0.3], [0.6, 0.0]))
    >>> m["coverage"], m["by_layer"]["sw"]["delta"]
    ({'from': 0.72, 'to': 0.6, 'delta': -0.12}, -0.3)
    >>> threat_move(["hw"], ("insufficient",) * 2, (0.3, 0.3), ([0.3], [0.3]))
    """
    pairs = list(zip(*by_layer, strict=True))
    if (
        classes[0] == classes[1]
        and not _moved(*coverage)
        and not any(_moved(*pair) for pair in pairs)
    ):
        return None
    return {
        "from": classes[0],
        "to": classes[1],
        "coverage": _move(*coverage),
        "by_layer": {
            layer: _move(*pair) for layer, pair in zip(layers, pairs, strict=True)
        },
    }


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
        ``{id, from, to, coverage, by_layer}`` per threat (see
        ``threat_move``); coverages rounded to 6 decimals.

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
    layers = baseline.layers
    moves = []
    for threat, before in baseline.classes.items():
        move = threat_move(
            layers,
            (before, other.classes[threat]),
            (baseline.coverages[threat], other.coverages[threat]),
            (baseline.layer_coverages[threat], other.layer_coverages[threat]),
        )
        if move is not None:
            moves.append({"id": threat, **move})
    return sorted(moves, key=move_order)
