"""Coverage reports of the taxonomy in the graph: one read, then pure analysis."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from taxonomy.analysis.report import coverage_document
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import DEFAULT_EFFECTIVENESS, DEFAULT_THRESHOLD, Scenario


def coverage_scenario(
    *,
    disabled_layers: Iterable[str] = (),
    disabled_mitigations: Iterable[str] = (),
    maturities: Iterable[str] | None = None,
    threshold: float | None = None,
) -> Scenario:
    """A scenario with the threshold and effectiveness map of the settings.

    ``threshold`` None takes ``LAYERWISE_COVERAGE_THRESHOLD``; the strength →
    effectiveness map is always ``LAYERWISE_EFFECTIVENESS``. Raises
    ``ValueError`` (``ScenarioError`` for an unknown maturity) on bad values.
    """
    if threshold is None:
        threshold = getattr(settings, "LAYERWISE_COVERAGE_THRESHOLD", DEFAULT_THRESHOLD)
    return Scenario(
        disabled_layers=frozenset(disabled_layers),
        disabled_mitigations=frozenset(disabled_mitigations),
        maturities=None if maturities is None else frozenset(maturities),
        threshold=threshold,
        effectiveness=getattr(
            settings, "LAYERWISE_EFFECTIVENESS", DEFAULT_EFFECTIVENESS
        ),
    )


def coverage_report(
    *,
    scenario: Scenario,
    threat: str | None = None,
    chains: str | None = None,
    diff_baseline: bool = False,
    taxonomy: str | None = DEFAULT_TAXONOMY,
) -> dict:
    """The coverage document (docs/coverage.md) of the graph under a scenario.

    Reads the taxonomy once (``taxonomy_snapshot``; the seed unless
    ``taxonomy`` names another, None for the whole graph) and analyses it.
    Raises ``ScenarioError`` when the scenario, ``threat`` or ``chains``
    names an id the graph does not hold.
    """
    from taxonomy.selectors import taxonomy_snapshot

    snapshot = taxonomy_snapshot(taxonomy=taxonomy)
    if taxonomy not in (None, DEFAULT_TAXONOMY) and not snapshot.threats:
        raise ScenarioError({"taxonomy": [taxonomy]})
    return coverage_document(
        snapshot,
        scenario=scenario,
        threat=threat,
        chains=chains,
        diff_baseline=diff_baseline,
    )
