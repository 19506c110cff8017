"""Coverage of the taxonomy in the graph: one read, then pure analysis; cached per revision."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.model import class_summary, validate_ids
from taxonomy.analysis.report import (
    ThreatPage,
    coverage_document,
    render_csv,
    render_json,
)
from taxonomy.analysis.robustness import DEFAULT_SAMPLES
from taxonomy.analysis.robustness_report import robustness_entry
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import (
    DEFAULT_EFFECTIVENESS,
    DEFAULT_THRESHOLD,
    INDEPENDENT,
    NO_WEIGHT,
    Scenario,
)
from taxonomy.selectors.cache import (
    per_revision,
    revision_of,
    shared_get,
    shared_key,
    shared_set,
)
from taxonomy.selectors.snapshot import taxonomy_at, taxonomy_snapshot


def coverage_scenario(
    *,
    disabled_layers: Iterable[str] = (),
    disabled_mitigations: Iterable[str] = (),
    maturities: Iterable[str] | None = None,
    threshold: float | None = None,
    dependence: str | None = None,
    adopt: Iterable[str] = (),
    weight: str | None = None,
) -> Scenario:
    """A scenario with the threshold and effectiveness map of the settings.

    ``threshold`` None takes ``LAYERWISE_COVERAGE_THRESHOLD``; the strength →
    effectiveness map is always ``LAYERWISE_EFFECTIVENESS``; ``dependence``
    None is ``independent``; ``weight`` None is ``none``. Raises ``ValueError`` (``ScenarioError`` for an
    unknown maturity) on bad values.
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
        dependence=dependence or INDEPENDENT,
        adopt=frozenset(adopt),
        weight=weight or NO_WEIGHT,
    )


def robustness_options(*, samples: int | None = None, seed: int | None = None) -> dict:
    """What the robustness section is computed with: the Monte Carlo draws
    (default 2,000, seed 0) and the strengths' intervals of the settings."""
    return {
        "samples": DEFAULT_SAMPLES if samples is None else samples,
        "seed": 0 if seed is None else seed,
        "intervals": dict(settings.LAYERWISE_UNCERTAINTY),
    }


def coverage_report(
    *,
    scenario: Scenario,
    threat: str | None = None,
    chains: str | None = None,
    diff_baseline: bool = False,
    taxonomy: str | None = DEFAULT_TAXONOMY,
    robustness: dict | None = None,
    page: ThreatPage | None = None,
) -> dict:
    """The coverage document (docs/coverage.md) of the graph under a scenario
    (with ``page``, only that page of its threats).

    Reads the taxonomy once (``taxonomy_snapshot``; the seed unless
    ``taxonomy`` names another, None for the whole graph) and analyses it.
    Raises ``ScenarioError`` when the scenario, ``threat`` or ``chains``
    names an id the graph does not hold.
    """
    # The document names items and never quotes their prose: a lean read.
    snapshot = taxonomy_snapshot(taxonomy=taxonomy, lean=True)
    if taxonomy not in (None, DEFAULT_TAXONOMY) and not snapshot.threats:
        raise ScenarioError({"taxonomy": [taxonomy]})
    return coverage_document(
        snapshot,
        scenario=scenario,
        threat=threat,
        chains=chains,
        diff_baseline=diff_baseline,
        page=page,
        robustness=robustness,
    )


def coverage_baseline(
    *, token: str, taxonomy: str = DEFAULT_TAXONOMY
) -> dict[str, dict]:
    """Threat id -> its entry of the coverage document with nothing disabled."""
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)

    def compute() -> dict[str, dict]:
        document = coverage_document(snapshot, scenario=coverage_scenario())
        return {entry["id"]: entry for entry in document["threats"]}

    return per_revision(
        token,
        ("baseline", taxonomy),
        compute,
        keep=lambda _: snapshot.revision == revision_of(token),
    )


def coverage_summary(
    *, token: str, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY
) -> dict[str, int]:
    """Threats per coverage class under a scenario (what the overview's panels
    count), cached per revision."""
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)

    def compute() -> dict[str, int]:
        analysis = run_scenario(coverage_model(snapshot), scenario)
        return class_summary(analysis.classes.values())

    return per_revision(
        token,
        ("summary", taxonomy, scenario.cache_key()),
        compute,
        keep=lambda _: snapshot.revision == revision_of(token),
    )


COVERAGE_RENDERERS = {"json": render_json, "csv": render_csv}


def coverage_rendered(
    *,
    token: str,
    scenario: Scenario,
    threat: str | None = None,
    chains: str | None = None,
    diff_baseline: bool = False,
    fmt: str = "json",
    taxonomy: str = DEFAULT_TAXONOMY,
    robustness: dict | None = None,
    page: ThreatPage | None = None,
) -> str:
    """The coverage report rendered as the ``coverage`` command does (json or csv),
    cached per revision token, scenario and query (``page`` included).

    Raises ScenarioError for ids the taxonomy does not hold.
    """
    render = COVERAGE_RENDERERS[fmt]
    key = shared_key(
        "coverage",
        token,
        taxonomy,
        fmt,
        scenario.cache_key(),
        threat,
        chains,
        diff_baseline,
        robustness,
        page,
    )
    text = shared_get(key)
    if text is None:
        report = coverage_report(
            scenario=scenario,
            threat=threat,
            chains=chains,
            diff_baseline=diff_baseline,
            taxonomy=taxonomy,
            robustness=robustness,
            page=page,
        )
        text = render(report)
        if report["revision"] == revision_of(token):
            shared_set(key, text)
    return text


def coverage_robustness(
    *,
    token: str,
    scenario: Scenario,
    taxonomy: str = DEFAULT_TAXONOMY,
    samples: int | None = None,
    seed: int | None = None,
) -> dict:
    """The robustness section (docs/coverage.md) of a taxonomy at ``token`` under
    a scenario, cached per revision token, scenario, samples and seed.

    Raises ScenarioError for ids the taxonomy does not hold.
    """
    options = robustness_options(samples=samples, seed=seed)
    key = shared_key(
        "robustness",
        token,
        taxonomy,
        scenario.cache_key(),
        options["samples"],
        options["seed"],
        sorted(options["intervals"].items()),
    )
    entry = shared_get(key)
    if entry is None:
        snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
        validate_ids(snapshot, scenario)
        entry = robustness_entry(coverage_model(snapshot), scenario, **options)
        if snapshot.revision == revision_of(token):
            shared_set(key, entry)
    return entry
