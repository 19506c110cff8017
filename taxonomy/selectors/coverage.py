"""Coverage of a taxonomy: the ONE selector of the coverage document
(``coverage_report``, for a ``CoverageQuery``), its renderings and summaries;
cached per graph revision."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from taxonomy.analysis.compiled import enabled_mask, introduced_only_by_others
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.jurisdictions import scoped_model
from taxonomy.analysis.model import class_summary, validate_ids
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.report_render import render_csv, render_json
from taxonomy.analysis.robustness import DEFAULT_SAMPLES
from taxonomy.analysis.robustness_report import robustness_entry
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.scenario import (
    DEFAULT_EFFECTIVENESS,
    DEFAULT_THRESHOLD,
    INDEPENDENT,
    NO_WEIGHT,
    Scenario,
)
from taxonomy.selectors import crosswalk, named_revisions
from taxonomy.selectors.cache import (
    per_revision,
    revision_of,
    revision_token,
    shared_get,
    shared_key,
    shared_set,
)
from taxonomy.selectors.panels import panel_options
from taxonomy.selectors.snapshot import taxonomy_at


def coverage_scenario(
    *,
    disabled_layers: Iterable[str] = (),
    disabled_mitigations: Iterable[str] = (),
    maturities: Iterable[str] | None = None,
    threshold: float | None = None,
    dependence: str | None = None,
    adopt: Iterable[str] = (),
    weight: str | None = None,
    jurisdiction: str | None = None,
    as_of: Any = None,
    through: str | None = None,
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
        jurisdiction=jurisdiction or None,
        as_of=as_of or None,
        through=through or None,
    )


def robustness_options(*, samples: int | None = None, seed: int | None = None) -> dict:
    """What the robustness section is computed with: the Monte Carlo draws
    (default 2,000, seed 0), the strengths' intervals of the settings and the
    judges' panels (``taxonomy.selectors.panels``; part of every cache key,
    as judgements change without a new graph revision)."""
    return {
        "samples": DEFAULT_SAMPLES if samples is None else samples,
        "seed": 0 if seed is None else seed,
        "intervals": dict(settings.LAYERWISE_UNCERTAINTY),
        "panels": panel_options(),
    }


def coverage_report(
    query: CoverageQuery, *, token: str | None = None, of: Taxonomy | None = None
) -> dict:
    """THE coverage document (docs/coverage.md) a query asks for: what every
    page, API view, history view, export, the ``coverage`` command and the
    editors' impact preview show.

    Cached in Django's cache on (graph token, query) (``token`` default the
    graph's now): a named revision by which recording its name holds, so a
    name moved with ``tag --force`` is computed anew. ``of`` is a taxonomy
    that is not in the graph (an edit applied in memory): computed, never
    cached. Raises ``ScenarioError`` when the query names an id the taxonomy
    does not hold, ``RevisionError`` for an unknown revision.
    """
    if of is not None:
        return coverage_computed(query, of)
    token = token or revision_token()
    if query.scenario.through and query.is_current:
        # Another catalogue read through a mapping set onto ours (issue 26).
        return crosswalk.crosswalk_coverage(
            taxonomy=query.taxonomy, scenario=query.scenario, token=token
        )
    which = _recording(query)
    key = shared_key("coverage-document", token, which, query.cache_key())
    document = shared_get(key)
    if document is None:
        document = coverage_computed(query, _taxonomy_of(query, token))
        if which is not None or document["revision"] == revision_of(token):
            shared_set(key, document)
    return document


def _recording(query: CoverageQuery) -> tuple | None:
    """Which recording a named revision's name holds now (part of the cache
    key: a name moved with ``tag --force`` is another key); None for now.
    Raises ``RevisionError`` for an unknown name."""
    if query.is_current:
        return None
    return named_revisions.revision_identity(name=query.revision)


def _taxonomy_of(query: CoverageQuery, token: str) -> Taxonomy:
    """The taxonomy a query analyses: the graph's at ``token`` (shared with
    every read of the revision), or the named revision's."""
    if not query.is_current:
        return named_revisions.named_taxonomy(name=query.revision)
    snapshot = taxonomy_at(token=token, taxonomy=query.taxonomy)
    if query.taxonomy != DEFAULT_TAXONOMY and not snapshot.threats:
        raise ScenarioError({"taxonomy": [query.taxonomy]})
    return snapshot


def coverage_computed(query: CoverageQuery, taxonomy: Taxonomy) -> dict:
    """The analysis of ``taxonomy`` under the query: the one place the
    document's options are handed to ``analysis.report``."""
    return coverage_document(
        taxonomy,
        scenario=query.scenario,
        threat=query.threat,
        chains=query.chains,
        diff_baseline=query.diff_baseline,
        page=query.page,
        robustness=query.robustness_options,
    )


def coverage_baseline(
    *, token: str, taxonomy: str = DEFAULT_TAXONOMY
) -> dict[str, dict]:
    """Threat id -> its entry of the coverage document with nothing disabled."""
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)

    def compute() -> dict[str, dict]:
        if not snapshot.threats:
            return {}
        query = CoverageQuery(taxonomy=taxonomy, scenario=coverage_scenario())
        document = coverage_report(query, token=token)
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
        analysis = run_scenario(*scoped_model(snapshot, scenario))
        return class_summary(analysis.classes.values())

    return per_revision(
        token,
        ("summary", taxonomy, scenario.cache_key()),
        compute,
        keep=lambda _: snapshot.revision == revision_of(token),
    )


def introduced_elsewhere(
    *, token: str, scenario: Scenario, taxonomy: str = DEFAULT_TAXONOMY
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The threats recorded as introduced by mitigations none of which counts
    under ``scenario``, each with those mitigations (``introduced_only_by_others``),
    cached per revision: they still count, and the pages say why."""
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)

    def compute() -> tuple:
        model, inner = scoped_model(snapshot, scenario)
        return introduced_only_by_others(model, enabled_mask(model, inner))

    return per_revision(
        token,
        ("introduced elsewhere", taxonomy, scenario.cache_key()),
        compute,
        keep=lambda _: snapshot.revision == revision_of(token),
    )


COVERAGE_RENDERERS = {"json": render_json, "csv": render_csv}


def coverage_rendered(
    query: CoverageQuery, *, fmt: str = "json", token: str | None = None
) -> str:
    """The coverage document of ``query`` rendered as the ``coverage`` command
    renders it (json or csv), the text cached on (graph token, query, format).

    Raises what ``coverage_report`` raises.
    """
    render = COVERAGE_RENDERERS[fmt]
    token = token or revision_token()
    if query.scenario.through and query.is_current:
        report = coverage_report(query, token=token)
        return render_json(report) if fmt == "json" else crosswalk.crosswalk_csv(report)
    which = _recording(query)
    key = shared_key("coverage", token, which, fmt, query.cache_key())
    text = shared_get(key)
    if text is None:
        report = coverage_report(query, token=token)
        text = render(report)
        if which is not None or report["revision"] == revision_of(token):
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
        options["panels"],
    )
    entry = shared_get(key)
    if entry is None:
        snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
        validate_ids(snapshot, scenario)
        entry = robustness_entry(*scoped_model(snapshot, scenario), **options)
        if snapshot.revision == revision_of(token):
            shared_set(key, entry)
    return entry
