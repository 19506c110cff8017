"""How sure are we? The judgements behind every class, one step off, and drawn at random.

Two questions about the strength judgements (low / medium / high) of the
MITIGATES links, on the vectorised model of ``taxonomy.analysis.compiled``:

- **Sensitivity** (deterministic): for every enabled link, the class its
  threat would have with that one link one step lower (``low`` one step
  lower is the link removed) and one step higher (``high`` stays ``high``).
  A link whose move changes its threat's class is *pivotal*. Per threat the
  *margins*: coverage by all layers minus τ, and the best single layer's
  coverage minus τ. The *headline range*: the number of threats no single
  layer addresses if every link were one step lower, and if every link were
  one step higher.
- **Uncertainty** (Monte Carlo): each strength stands for an interval of
  effectiveness (its *band*) centred on the strength's point value, so that
  the draws scatter around the judged values rather than below or above them;
  each link's e is drawn uniformly from its band, independently per link,
  ``samples`` times from ``numpy.random.default_rng(seed)``, and the analysis
  runs once per draw (one *reading* of the judgements).
- **Panels** (``panels``): a link several judges judged
  (``taxonomy.analysis.panels``) takes the panel's median as its strength in
  both, and in the Monte Carlo its e is drawn from the panel as an
  equal-weight mixture: a judge chosen at random (from a stream of its own,
  ``default_rng([seed, 1])``), then e uniform within that judge's interval,
  at the same uniform position the link would take in its single band. So a
  panel of one judge, or of judges who all gave the link's band, draws
  exactly the numbers the single band draws with the same seed.

Both follow the scenario's dependence, threshold and enabled mitigations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from taxonomy.analysis.compiled import CoverageModel, check_scenario, enabled_mask
from taxonomy.analysis.fast import cell_weights, set_weights, top_two
from taxonomy.analysis.model import CLASSES, addressing_weight, strength_weight
from taxonomy.domain.records import STRENGTHS
from taxonomy.domain.scenario import FULL, INDEPENDENT, Scenario

UNMITIGATED, INSUFFICIENT, DEFENSE_IN_DEPTH, SINGLE_LAYER = range(4)
# The project's assumption of what each strength stands for (documented in
# docs/coverage.md); ``LAYERWISE_UNCERTAINTY_*`` settings override it. Each
# band's mean is its strength's point value (0.3, 0.6, 0.9): a band off its
# point value would move every draw one way and the draws' median away from
# the judged headline for no reason but the bands.
DEFAULT_INTERVALS = {"low": (0.15, 0.45), "medium": (0.45, 0.75), "high": (0.85, 0.95)}
# How far a band's mean may be from its point value (float rounding only).
CENTRE_TOLERANCE = 1e-9
DEFAULT_SAMPLES = 2000
MAX_SAMPLES = 20_000
PERCENTILES = (5, 50, 95)
# Monte Carlo draws are analysed in blocks of about this many link draws.
_BLOCK_ENTRIES = 1 << 21


def headline_count(codes: np.ndarray) -> int:
    """Threats no single layer addresses: every class but ``single-layer``.

    >>> headline_count(np.array([0, 1, 2, 3, 3]))
    3
    """
    return int(np.count_nonzero(codes != SINGLE_LAYER))


def _classes(
    counts_total: np.ndarray, total: np.ndarray, best: np.ndarray, theta: float
) -> np.ndarray:
    """Class codes from link counts, the summed set weights and the best layer's
    weight (arrays of one shape, or counts broadcast over draws)."""
    return np.select(
        [np.broadcast_to(counts_total == 0, total.shape), total < theta, best >= theta],
        [UNMITIGATED, INSUFFICIENT, SINGLE_LAYER],
        default=DEFENSE_IN_DEPTH,
    )


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """One-step moves of every enabled link, and what they do.

    Per enabled link ``k`` (indices into the model's link arrays, in link
    order): ``current``, ``lower`` and ``higher`` class codes (into
    ``CLASSES``) of its threat. Per threat: ``coverage``, ``best_layer``,
    and ``classes``. ``headline_lower`` / ``headline_higher`` count the
    threats no single layer addresses with every link one step lower / higher.
    """

    model: CoverageModel
    scenario: Scenario
    links: np.ndarray
    current: np.ndarray
    lower: np.ndarray
    higher: np.ndarray
    coverage: np.ndarray
    best_layer: np.ndarray
    classes: np.ndarray
    headline: int
    headline_lower: int
    headline_higher: int

    @property
    def pivotal(self) -> np.ndarray:
        """Per enabled link, whether a one-step move changes its threat's class."""
        return (self.lower != self.current) | (self.higher != self.current)

    @property
    def moves_headline(self) -> np.ndarray:
        """Per enabled link, whether a one-step move changes the headline count
        (its threat moves in or out of ``single-layer``)."""
        alone = self.current == SINGLE_LAYER
        return ((self.lower == SINGLE_LAYER) != alone) | (
            (self.higher == SINGLE_LAYER) != alone
        )

    def pivotal_links(self) -> list[dict[str, Any]]:
        """The pivotal links, by threat then mitigation, as plain dicts."""
        model = self.model
        out = []
        moves = self.moves_headline
        for j in np.flatnonzero(self.pivotal).tolist():
            k = int(self.links[j])
            out.append(
                {
                    "mitigation": model.mitigations[model.link_mitigation[k]],
                    "threat": model.threats[model.link_threat[k]],
                    "layer": model.layers[model.link_layer[k]],
                    "strength": STRENGTHS[model.link_strength[k]],
                    "class": CLASSES[self.current[j]],
                    "lower": CLASSES[self.lower[j]],
                    "higher": CLASSES[self.higher[j]],
                    "moves_headline": bool(moves[j]),
                }
            )
        return sorted(out, key=lambda p: (p["threat"], p["mitigation"]))


def _per_strength(scenario: Scenario) -> np.ndarray:
    return np.array([strength_weight(e) for _, e in scenario.effectiveness])


def _shifted_classes(
    model: CoverageModel, link_on: np.ndarray, scenario: Scenario, step: int, theta
) -> np.ndarray:
    """Every threat's class with every enabled link ``step`` strengths off."""
    shifted = model.link_strength.astype(np.int64) + step
    on = link_on & (shifted >= 0)
    weight = np.where(on, _per_strength(scenario)[np.clip(shifted, 0, 2)], 0.0)
    weights, counts = cell_weights(model, weight, on, scenario.dependence)
    in_sets = set_weights(weights, theta, scenario.dependence)
    best = weights.max(axis=1, initial=0.0)
    return _classes(counts.sum(axis=1), in_sets.sum(axis=1), best, theta)


def sensitivity(model: CoverageModel, scenario: Scenario) -> Sensitivity:
    """Every enabled link one step lower and one step higher, each on its own.

    Parameters
    ----------
    model : CoverageModel
    scenario : Scenario

    Returns
    -------
    Sensitivity

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.examples import two_layers
    >>> model = coverage_model(two_layers())
    >>> s = sensitivity(model, Scenario())
    >>> [(p["mitigation"], p["lower"], p["higher"]) for p in s.pivotal_links()]
    [('m', 'insufficient', 'single-layer'), ('n', 'insufficient', 'single-layer')]
    >>> s.headline, s.headline_lower, s.headline_higher
    (1, 1, 0)
    """
    check_scenario(model, scenario)
    theta = addressing_weight(scenario.threshold)
    dependence = scenario.dependence
    link_on = enabled_mask(model, scenario)[model.link_mitigation]
    per_strength = _per_strength(scenario)
    link_weight = np.where(link_on, per_strength[model.link_strength], 0.0)
    weights, counts = cell_weights(model, link_weight, link_on, dependence)
    in_sets = set_weights(weights, theta, dependence)
    row_links = counts.sum(axis=1)
    best = weights.max(axis=1, initial=0.0)
    classes = _classes(row_links, in_sets.sum(axis=1), best, theta)
    reach = best if dependence == FULL else weights.sum(axis=1)
    links = np.flatnonzero(link_on)
    v = model.link_threat[links]
    strength = model.link_strength[links].astype(np.int64)
    n_layers = len(model.layers)
    cell_of = model.link_threat.astype(np.int64) * n_layers + model.link_layer
    cells = np.arange(weights.size)
    cell_best = top_two(
        link_weight,
        np.searchsorted(cell_of, cells, side="left"),
        np.searchsorted(cell_of, cells, side="right"),
    )
    rows = np.arange(weights.shape[0]) * n_layers
    row_best = top_two(weights.reshape(-1), rows, rows + n_layers)
    context = _Context(
        weights,
        row_links,
        in_sets.sum(axis=1),
        in_sets,
        theta,
        dependence,
        link_weight,
        cell_of,
        cell_best,
        row_best,
    )
    lower, higher = (
        context.moved(
            links,
            v,
            np.where(
                strength + step >= 0, per_strength[np.clip(strength + step, 0, 2)], 0.0
            ),
            strength + step < 0,
        )
        for step in (-1, 1)
    )
    return Sensitivity(
        model=model,
        scenario=scenario,
        links=links,
        current=classes[v],
        lower=lower,
        higher=higher,
        coverage=-np.expm1(-reach),
        best_layer=-np.expm1(-best),
        classes=classes,
        headline=headline_count(classes),
        headline_lower=headline_count(
            _shifted_classes(model, link_on, scenario, -1, theta)
        ),
        headline_higher=headline_count(
            _shifted_classes(model, link_on, scenario, 1, theta)
        ),
    )


@dataclass(frozen=True)
class _Context:
    """What moving one link needs to know about its cell and its threat's row."""

    weights: np.ndarray
    row_links: np.ndarray
    row_total: np.ndarray
    in_sets: np.ndarray
    theta: float
    dependence: str
    link_weight: np.ndarray
    cell_of: np.ndarray
    cell_best: tuple[np.ndarray, np.ndarray, np.ndarray]
    row_best: tuple[np.ndarray, np.ndarray, np.ndarray]

    def moved(
        self, links: np.ndarray, v: np.ndarray, weight: np.ndarray, removed: np.ndarray
    ) -> np.ndarray:
        """The class of each link's threat with that one link's weight replaced
        by ``weight`` (``removed``: the link is gone)."""
        cell = self.cell_of[links]
        if self.dependence == INDEPENDENT:
            now = self.weights.reshape(-1)[cell] - self.link_weight[links] + weight
        else:  # the cell's best without this link, then with its new weight
            top, where, second = self.cell_best
            others = np.where(where[cell] == links, second[cell], top[cell])
            now = np.maximum(others, weight)
        in_set = (
            now if self.dependence != FULL else np.where(now >= self.theta, now, 0.0)
        )
        total = self.row_total[v] - self.in_sets.reshape(-1)[cell] + in_set
        top, where, second = self.row_best
        other_layers = np.where(where[v] == cell, second[v], top[v])
        best = np.maximum(other_layers, now)
        return _classes(self.row_links[v] - removed, total, best, self.theta)


@dataclass(frozen=True, eq=False)
class MonteCarlo:
    """The analysis under ``samples`` random draws of every link's effectiveness.

    ``addressed[i]``: the share of draws in which threat i is addressed;
    ``class_share[i, c]``: of each class; ``coverage_percentiles[i]``: the
    5th, 50th and 95th percentiles of its coverage, ``coverage_mean[i]`` its
    mean over the draws; ``headline[d]`` and
    ``class_counts[d, c]``: per draw, the headline count and the count of
    each class.
    """

    model: CoverageModel
    scenario: Scenario
    samples: int
    seed: int
    intervals: dict[str, tuple[float, float]]
    addressed: np.ndarray
    class_share: np.ndarray
    coverage_percentiles: np.ndarray
    coverage_mean: np.ndarray
    headline: np.ndarray
    class_counts: np.ndarray


def checked_intervals(
    intervals: dict[str, tuple[float, float]],
    effectiveness: dict[str, float] | None = None,
) -> dict[str, tuple[float, float]]:
    """The intervals in ``STRENGTHS`` order, each 0 <= low <= high <= 1, and,
    with ``effectiveness``, each one's mean that strength's point value.

    >>> checked_intervals({"low": (0.1, 0.2), "medium": (0.5, 0.5), "high": (1, 1)})
    {'low': (0.1, 0.2), 'medium': (0.5, 0.5), 'high': (1.0, 1.0)}
    >>> checked_intervals(DEFAULT_INTERVALS, {"low": 0.3, "medium": 0.6, "high": 0.8})
    Traceback (most recent call last):
    ...
    ValueError: the interval of 'high' (0.85-0.95) must have its strength's effectiveness 0.8 as its mean, got 0.9
    """
    if set(intervals) != set(STRENGTHS):
        raise ValueError(f"intervals must name exactly {', '.join(STRENGTHS)}")
    out = {}
    for strength in STRENGTHS:
        low, high = (float(x) for x in intervals[strength])
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(
                f"the interval of {strength!r} must satisfy 0 <= low <= high <= 1, "
                f"got {low}-{high}"
            )
        out[strength] = (low, high)
    for strength, e in (effectiveness or {}).items():
        low, high = out[strength]
        if abs((low + high) / 2 - e) > CENTRE_TOLERANCE:
            raise ValueError(
                f"the interval of {strength!r} ({low:g}-{high:g}) must have its "
                f"strength's effectiveness {e:g} as its mean, got {(low + high) / 2:g}"
            )
    return out


def panel_model(model: CoverageModel, panels: Sequence | None) -> CoverageModel:
    """``model`` with each panel-judged link at its panel's strength.

    ``panels``: ``[mitigation, threat, strength, intervals, strengths]`` per
    link (``taxonomy.analysis.panels.panel_draws``); a panel of a link the
    model does not hold is left out.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.examples import one_link
    >>> model = coverage_model(one_link("low"))
    >>> panel_model(model, [["m", "t", "high", [[0.8, 1.0]], ["high"]]]).link_strength
    array([2]...)
    """
    found = _panel_links(model, panels)
    if not found:
        return model
    strength = model.link_strength.copy()
    for k, panel in found:
        strength[k] = STRENGTHS.index(panel[2])
    return replace(model, link_strength=strength)


def _panel_links(model: CoverageModel, panels: Sequence | None) -> list[tuple]:
    """``(link index, panel)`` for each panel of a link the model holds."""
    if not panels:
        return []
    index = {
        (model.mitigations[m], model.threats[t]): k
        for k, (m, t) in enumerate(
            zip(model.link_mitigation.tolist(), model.link_threat.tolist(), strict=True)
        )
    }
    return [(index[(p[0], p[1])], p) for p in panels if (p[0], p[1]) in index]


def monte_carlo(
    model: CoverageModel,
    scenario: Scenario,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    intervals: dict[str, tuple[float, float]] = DEFAULT_INTERVALS,
    panels: Sequence | None = None,
) -> MonteCarlo:
    """The analysis of ``samples`` draws of every enabled link's effectiveness.

    Reproducible: the same model, scenario, ``samples``, ``seed`` and
    ``intervals`` give the same numbers on every machine (one
    ``numpy.random.default_rng(seed)``; each draw gives the links their
    numbers in the order of threat id, mitigation id and strength, whatever
    the order of the layers). Each interval's mean must be its strength's
    effectiveness in ``scenario`` (``ValueError`` otherwise). ``panels``:
    see ``panel_model``; the model's strengths should be the panels' already.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.examples import one_link
    >>> model = coverage_model(one_link())
    >>> mc = monte_carlo(model, Scenario(), samples=4000, seed=1)
    >>> float(mc.addressed[0])  # e ~ U(0.85, 0.95) is always at least 0.8
    1.0
    >>> mc = monte_carlo(model, Scenario(threshold=0.9), samples=4000, seed=1)
    >>> abs(float(mc.addressed[0]) - 0.5) < 0.03  # P(e >= 0.9)
    True
    """
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, got {samples}")
    intervals = checked_intervals(intervals, scenario.effectiveness_map)
    check_scenario(model, scenario)
    theta = addressing_weight(scenario.threshold)
    dependence = scenario.dependence
    link_on = enabled_mask(model, scenario)[model.link_mitigation]
    n_threats, n_links = len(model.threats), len(model.link_threat)
    low = np.array([intervals[s][0] for s in STRENGTHS])[model.link_strength]
    span = np.array([intervals[s][1] - intervals[s][0] for s in STRENGTHS])[
        model.link_strength
    ]
    rng = np.random.default_rng(seed)
    n_layers = len(model.layers)
    cells = n_threats * n_layers
    cell_of = model.link_threat.astype(np.int64) * n_layers + model.link_layer
    _, counts = cell_weights(model, np.zeros(n_links), link_on, dependence)
    row_links = counts.sum(axis=1)
    coverage = np.zeros((samples, n_threats), dtype=np.float32)
    codes = np.zeros((samples, n_threats), dtype=np.int8)
    block = max(1, _BLOCK_ENTRIES // max(n_links, 1))
    # Links take their draws in the order of (threat id, mitigation id,
    # strength), which does not depend on the order of the layers.
    canonical = np.lexsort(
        (model.link_strength, model.link_mitigation, model.link_threat)
    )
    position = np.empty(n_links, dtype=np.int64)
    position[canonical] = np.arange(n_links)
    mixture = _Mixture.of(model, panels, seed)
    for first in range(0, samples, block):
        size = min(block, samples - first)
        # Row-major draws: the same numbers whatever the block size.
        u = rng.random((size, n_links))[:, position]
        e = low + span * u
        mixture.draw(e, u)
        weight = np.where(link_on, _weights_of(e), 0.0)
        flat = (np.arange(size)[:, None] * cells + cell_of).ravel()
        if dependence == INDEPENDENT:
            weights = np.bincount(flat, weight.ravel(), size * cells)
        else:
            weights = np.zeros(size * cells)
            np.maximum.at(weights, flat, weight.ravel())
        weights = weights.reshape(size, n_threats, n_layers)
        in_sets = set_weights(weights, theta, dependence)
        best = weights.max(axis=2, initial=0.0)
        reach = best if dependence == FULL else weights.sum(axis=2)
        coverage[first : first + size] = -np.expm1(-reach)
        codes[first : first + size] = _classes(
            row_links, in_sets.sum(axis=2), best, theta
        )
    class_counts = np.stack(
        [(codes == c).sum(axis=1) for c in range(len(CLASSES))], axis=1
    )
    class_share = np.stack(
        [(codes == c).mean(axis=0) for c in range(len(CLASSES))], axis=1
    )
    return MonteCarlo(
        model=model,
        scenario=scenario,
        samples=samples,
        seed=seed,
        intervals=intervals,
        addressed=(codes >= DEFENSE_IN_DEPTH).mean(axis=0),
        class_share=class_share,
        coverage_percentiles=np.percentile(coverage, PERCENTILES, axis=0).T,
        coverage_mean=coverage.mean(axis=0, dtype=np.float64),
        headline=(codes != SINGLE_LAYER).sum(axis=1),
        class_counts=class_counts,
    )


@dataclass(frozen=True)
class _Mixture:
    """The panel-judged links' judges: ``lows[i, j]`` and ``spans[i, j]`` of
    judge j of panel link ``links[i]``, ``judges[i]`` how many there are."""

    links: np.ndarray
    lows: np.ndarray
    spans: np.ndarray
    judges: np.ndarray
    rng: np.random.Generator

    @classmethod
    def of(cls, model: CoverageModel, panels: Sequence | None, seed: int):
        found = _panel_links(model, panels)
        width = max((len(p[3]) for _, p in found), default=0)
        lows, spans = np.zeros((len(found), width)), np.zeros((len(found), width))
        for i, (_, panel) in enumerate(found):
            for j, (lo, hi) in enumerate(panel[3]):
                lows[i, j], spans[i, j] = lo, hi - lo
        return cls(
            links=np.array([k for k, _ in found], dtype=np.int64),
            lows=lows,
            spans=spans,
            judges=np.array([len(p[3]) for _, p in found], dtype=np.int64),
            rng=np.random.default_rng([seed, 1]),
        )

    def draw(self, e: np.ndarray, u: np.ndarray) -> None:
        """Each panel link's e of every draw: a judge at random, then that
        judge's interval at the link's uniform position ``u`` (in place)."""
        if not self.links.size:
            return
        size = e.shape[0]
        judge = np.minimum(
            (self.rng.random((size, self.links.size)) * self.judges).astype(np.int64),
            self.judges - 1,
        )
        rows = np.arange(self.links.size)
        e[:, self.links] = (
            self.lows[rows, judge] + self.spans[rows, judge] * u[:, self.links]
        )


def _weights_of(e: np.ndarray) -> np.ndarray:
    """``-log(1 - e)`` per link, capped where e reaches 1 (see ``strength_weight``)."""
    with np.errstate(divide="ignore"):
        return np.minimum(-np.log1p(-e), strength_weight(1.0))


def distribution(values: np.ndarray) -> dict[str, float]:
    """Median and the 5th-95th percentile range of a sample of counts.

    >>> distribution(np.array([1, 2, 3, 4, 5]))
    {'median': 3.0, 'p5': 1.2, 'p95': 4.8}
    """
    p5, p50, p95 = np.percentile(values, PERCENTILES)
    return {"median": float(p50), "p5": float(p5), "p95": float(p95)}
