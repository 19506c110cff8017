"""Resilience under a scenario: depths, what loss breaks a threat, the next step."""

from __future__ import annotations

from dataclasses import dataclass, replace

from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.recommend import GreedyStep, greedy_order
from taxonomy.analysis.report import depth_entries, resilience_entry
from taxonomy.analysis.resilience import layer_depth, mitigation_depth
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors.snapshot import of_snapshot


@dataclass(frozen=True)
class Resilience:
    """Per threat ``{layers, mitigations, exact}`` (the coverage document's
    ``depth``) and the ``resilience`` line, of one scenario."""

    depths: dict[str, dict]
    summary: dict


def _cached(token: str, taxonomy: str, key: tuple, compute):
    """``compute(snapshot)`` once per revision token, taxonomy and ``key``."""
    return of_snapshot("resilience", token, taxonomy, key, compute)


def resilience_depths(
    *, token: str, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY
) -> Resilience:
    """The layer and mitigation depth of every threat and the resilience line.

    The same numbers as the coverage document's ``depth`` and ``resilience``
    (``resilience.layer_depth``, ``mitigation_depth``). Raises
    ``ScenarioError`` for ids the taxonomy does not hold.
    """

    def compute(snapshot) -> Resilience:
        model, inner = scoped_model(snapshot, scenario)
        layers = layer_depth(model, inner)
        return Resilience(
            depth_entries(layers, mitigation_depth(model, inner)),
            resilience_entry(layers),
        )

    return _cached(token, taxonomy, ("depths", scenario.cache_key()), compute)


def resilience_layer_loss(
    *, token: str, scenario: Scenario, threat: str, taxonomy: str = DEFAULT_TAXONOMY
) -> tuple[str, ...] | None:
    """Layers, as many as the threat's layer depth, whose loss leaves it unaddressed.

    The layers that cover it most, checked by analysing the scenario with
    them off; None when the threat is not addressed, or when that set does
    not break it (a mitigation REQUIRES one in another layer, so a weaker
    layer takes more with it): the depth stands, the set is not known here.
    Raises ``ScenarioError`` for an unknown threat or scenario id.
    """

    def compute(snapshot) -> tuple[str, ...] | None:
        model, inner = scoped_model(snapshot, scenario)
        if threat not in model.threats:
            raise ScenarioError({"threat": [threat]})
        depth = layer_depth(model, inner)[threat]
        coverage = run_scenario(model, inner).threat(threat).by_layer
        order = sorted(range(len(model.layers)), key=lambda i: -coverage[i])
        lost = tuple(model.layers[i] for i in sorted(order[:depth]))
        off = replace(inner, disabled_layers=inner.disabled_layers | set(lost))
        if not depth or threat in run_scenario(model, off).addressed_threats:
            return None
        return lost

    return _cached(token, taxonomy, ("loss", scenario.cache_key(), threat), compute)


def resilience_next_step(
    *, token: str, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY
) -> GreedyStep | None:
    """The best single next step from a scenario: the first of ``greedy_order``
    at the mitigations' costs, the adoption that addresses the most threats
    per unit of cost (as ``/next/`` ranks them); None when the scenario
    leaves nothing to adopt.
    """

    def compute(snapshot) -> GreedyStep | None:
        costs = {m.id: m.cost for m in snapshot.mitigations}
        steps = greedy_order(*scoped_model(snapshot, scenario), costs=costs)
        return steps[0] if steps else None

    return _cached(token, taxonomy, ("next", scenario.cache_key()), compute)
