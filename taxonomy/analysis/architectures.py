"""Governance architectures side by side (issue 25): 2 to 4 scenarios (saved
architectures, or today) compared on one compiled model.

Per architecture, what its single analysis says (each figure is held to
``coverage_document`` run on the scenario alone, in
``tests/taxonomy/analysis/test_architectures.py``):

- the **class** and **coverage** of every threat (in the scenario's
  jurisdiction when it names one, ``analysis.jurisdictions.scoped_model``);
- the **world view** of the *mobile* threats when the scenario names no
  jurisdiction and the taxonomy records places: the place where each is
  weakest and its class and coverage there (``world_view``); as everywhere
  in the world view, a mobile threat counts by its weakest place
  (``analysis.jurisdictions``), so the headline counts (``world_summary``,
  ``world_addressed``, ``world_not_by_one_layer``) take its class there;
- the threats an enabled mitigation **introduces**, with those mitigations;
- the **measures adopted** and their **cost**: the adopted mitigations and
  what they REQUIRE that the adoption brings into effect (on, and off
  without the adoption), each paid once at its ``cost``, as the
  recommendation charges an adoption (``analysis.recommend.problem``); a
  measure adopted in several jurisdictions (``M@J``) is paid once.

Then **where they differ**: the threats whose class, or whose class where
they are weakest, is not the same in every architecture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from taxonomy.analysis.compiled import (
    CoverageModel,
    adopted_mask,
    coverage_model,
    enabled_mask,
)
from taxonomy.analysis.jurisdictions import scoped_model, threat_rows
from taxonomy.analysis.model import (
    ADDRESSED_CLASSES,
    CLASSES,
    class_counts,
    validate_ids,
)
from taxonomy.analysis.world import WorldView, world_view
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario

# How many architectures a comparison takes.
FEWEST, MOST = 2, 4
_ADDRESSED = np.array([c in ADDRESSED_CLASSES for c in CLASSES])


@dataclass(frozen=True, eq=False)
class Outcome:
    """One architecture's analysis, as arrays in the model's threat order.

    ``classes`` index ``CLASSES``; ``weakest`` names, per threat, the place
    where a mobile threat is weakest (None for the others, and for every
    threat when the scenario names a jurisdiction or there is no place);
    ``weakest_tied`` names every place where it is as weak (the same
    coverage and class: the ties ``weakest`` settles by id), empty where
    ``weakest`` is None; ``world_classes`` is the class where the threat is
    weakest (its class when it has no weakest place), ``world_coverage`` its
    coverage there. ``introduced`` pairs each introduced
    threat with the enabled mitigations that introduce it; ``adopted`` lists
    the mitigations its adoption pays for, ``cost`` what they cost together;
    ``adopts`` the mitigations the scenario names (``M@J`` as ``M``, once).
    """

    label: str
    scenario: Scenario
    coverage: np.ndarray
    classes: np.ndarray
    weakest: tuple[str | None, ...]
    weakest_tied: tuple[tuple[str, ...], ...]
    world_classes: np.ndarray
    world_coverage: np.ndarray
    introduced: tuple[tuple[str, tuple[str, ...]], ...]
    adopted: tuple[str, ...]
    cost: float
    adopts: tuple[str, ...] = ()

    @property
    def summary(self) -> dict[str, int]:
        """Threats per class, every class present, in ``CLASSES`` order."""
        return class_counts(self.classes)

    @property
    def addressed(self) -> np.ndarray:
        """``addressed[t]``: threat t is addressed (by one layer or several)."""
        return _ADDRESSED[self.classes]

    @property
    def not_by_one_layer(self) -> np.ndarray:
        """Threats no single layer addresses: unmitigated, insufficient or
        defense-in-depth."""
        return self.classes != CLASSES.index("single-layer")

    @property
    def world_summary(self) -> dict[str, int]:
        """Threats per class, a mobile threat in its weakest place."""
        return class_counts(self.world_classes)

    @property
    def world_addressed(self) -> np.ndarray:
        """``addressed`` with a mobile threat judged where it is weakest."""
        return _ADDRESSED[self.world_classes]

    @property
    def world_not_by_one_layer(self) -> np.ndarray:
        """``not_by_one_layer`` with a mobile threat judged where it is weakest."""
        return self.world_classes != CLASSES.index("single-layer")


@dataclass(frozen=True, eq=False)
class Comparison:
    """Architectures compared: each one's ``Outcome`` over the same threats.

    ``mobile[t]`` marks mobile threats; ``differ`` lists, in threat order,
    the threats whose class or class where weakest is not the same in every
    architecture.
    """

    threats: tuple[str, ...]
    threat_names: tuple[str, ...]
    mobile: np.ndarray
    outcomes: tuple[Outcome, ...]

    @property
    def differ(self) -> np.ndarray:
        """Indices of the threats on which the architectures do not agree."""
        classes = np.stack([o.classes for o in self.outcomes])
        world = np.stack([o.world_classes for o in self.outcomes])
        apart = (classes != classes[0]).any(axis=0) | (world != world[0]).any(axis=0)
        return np.flatnonzero(apart)


def mitigation_costs(taxonomy: Taxonomy, model: CoverageModel) -> np.ndarray:
    """Each mitigation's cost in the model's order (1 for a record without one).

    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> t = Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("b", "B", "hw", "pilot", cost=3.0),
    ...     Mitigation("a", "A", "hw", "pilot")))
    >>> mitigation_costs(t, coverage_model(t)).tolist()
    [1.0, 3.0]
    """
    cost = {m.id: float(m.cost or 1.0) for m in taxonomy.mitigations}
    return np.array([cost.get(m, 1.0) for m in model.mitigations], dtype=float)


def adoption_paid(model: CoverageModel, scenario: Scenario) -> np.ndarray:
    """The mitigations a scenario's adoption brings into effect: adopted (or
    REQUIRED by one adopted), on under the scenario and off without its
    adoption.

    >>> from taxonomy.domain.records import Layer, Link, Mitigation
    >>> m = coverage_model(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=(
    ...     Mitigation("a", "A", "hw", "proposed"), Mitigation("b", "B", "hw",
    ...     "proposed"), Mitigation("c", "C", "hw", "deployed")),
    ...     requires=(Link("a", "b"),)))
    >>> today = Scenario(maturities=["deployed"])
    >>> adoption_paid(m, replace(today, adopt=["a", "c"])).tolist()
    [True, True, False]
    """
    without = enabled_mask(model, replace(scenario, adopt=frozenset()))
    return adopted_mask(model, scenario) & enabled_mask(model, scenario) & ~without


def _introduced(model: CoverageModel, enabled: np.ndarray) -> tuple:
    """Each threat an enabled mitigation introduces, with those mitigations."""
    on = model.introduces.multiply(enabled[None, :]).tocsr()
    on.eliminate_zeros()
    on.sort_indices()
    return tuple(
        (
            model.threats[t],
            tuple(
                model.mitigations[m]
                for m in on.indices[on.indptr[t] : on.indptr[t + 1]].tolist()
            ),
        )
        for t in np.flatnonzero(np.diff(on.indptr)).tolist()
    )


def _ties(view: WorldView) -> tuple[tuple[str, ...], ...]:
    """Per threat, every place as weak as its weakest one (mobile threats only)."""
    per_place = view.per_place
    tied = (per_place.coverage == view.coverage[None, :]) & (
        per_place.classes == view.classes[None, :]
    )
    tied &= view.mobile[None, :]
    return tuple(
        tuple(view.places[r] for r in np.flatnonzero(tied[:, t]).tolist())
        for t in range(len(view.threats))
    )


def outcome(
    taxonomy: Taxonomy,
    model: CoverageModel,
    geography: Geography | None,
    label: str,
    scenario: Scenario,
    cost: np.ndarray,
) -> Outcome:
    """One architecture's ``Outcome`` on a model built once for the comparison.

    Raises ``ScenarioError`` for an id the taxonomy does not hold.
    """
    validate_ids(taxonomy, scenario)
    there, inner = scoped_model(taxonomy, scenario, model)
    enabled = enabled_mask(there, inner)
    coverage, classes = threat_rows(there, inner, enabled[there.link_mitigation])
    weakest: tuple[str | None, ...] = (None,) * len(model.threats)
    tied: tuple[tuple[str, ...], ...] = ((),) * len(model.threats)
    world_classes, world_coverage = classes, coverage
    if geography is not None and scenario.jurisdiction is None:
        view = world_view(model, geography, scenario, as_of=scenario.as_of)
        if view.places:
            named = np.array([*view.places, None], dtype=object)
            weakest = tuple(named[np.where(view.mobile, view.weakest, -1)].tolist())
            tied = _ties(view)
            world_classes = np.where(view.mobile, view.classes, classes)
            world_coverage = np.where(view.mobile, view.coverage, coverage)
    paid = adoption_paid(there, inner)
    return Outcome(
        label=label,
        scenario=scenario,
        coverage=coverage,
        classes=classes,
        weakest=weakest,
        weakest_tied=tied,
        world_classes=world_classes,
        world_coverage=world_coverage,
        introduced=_introduced(there, enabled),
        adopted=tuple(model.mitigations[m] for m in np.flatnonzero(paid).tolist()),
        cost=float(cost[paid].sum()),
        adopts=tuple(sorted(scenario.adopted_ids)),
    )


def compare(
    taxonomy: Taxonomy,
    architectures: Sequence[tuple[str, Scenario]],
    *,
    model: CoverageModel | None = None,
) -> Comparison:
    """2 to 4 architectures (label, scenario) compared on one taxonomy.

    Parameters
    ----------
    taxonomy : Taxonomy
    architectures : sequence of (str, Scenario)
        In the order to show them.
    model : CoverageModel, optional
        ``coverage_model(taxonomy)``, built when not given.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        For fewer than 2 or more than 4 architectures; ``ScenarioError`` for
        an id a scenario names that the taxonomy does not hold.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> t = Taxonomy(layers=(Layer("hw", "HW"),), threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "proposed", cost=2.0),),
    ...     mitigates=(Mitigates("m", "t", "high"),))
    >>> today = Scenario(maturities=["deployed"])
    >>> c = compare(t, [("Today", today), ("M", replace(today, adopt=["m"]))])
    >>> [o.summary["single-layer"] for o in c.outcomes], c.outcomes[1].cost
    ([0, 1], 2.0)
    >>> c.differ.tolist()
    [0]
    """
    if not FEWEST <= len(architectures) <= MOST:
        raise ValueError(
            f"compare {FEWEST} to {MOST} architectures, not {len(architectures)}"
        )
    model = coverage_model(taxonomy) if model is None else model
    geography = Geography.of(taxonomy) if taxonomy.jurisdictions else None
    cost = mitigation_costs(taxonomy, model)
    outcomes = tuple(
        outcome(taxonomy, model, geography, label, scenario, cost)
        for label, scenario in architectures
    )
    mobile = np.zeros(len(model.threats), dtype=bool)
    if geography is not None:
        mobile = np.isin(model.threats, sorted(geography.mobile_threats))
    return Comparison(
        threats=model.threats,
        threat_names=model.threat_names,
        mobile=mobile,
        outcomes=outcomes,
    )
