"""What every page shares: the taxonomy a request shows, reading and
analysing it under the request's scenario, and the numbers several pages show."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from taxonomy import revisions, selectors
from taxonomy.analysis.robustness_report import range_words
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.errors import RevisionError, ScenarioError
from taxonomy.domain.kinds import NODE_KINDS, items_of
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    Taxonomy,
)
from taxonomy.domain.scenario import (
    DEPENDENCE_WORDS,
    DEPENDENCES,
    Scenario,
    is_today,
    today,
)
from taxonomy.domain.scenario_params import (
    SCENARIO_PARAMS,
    scenario_params,
    scenario_values,
)
from taxonomy.domain.scenario_words import scenario_label, scenario_summary
from taxonomy.formats.registry import PAGES, formats_on
from taxonomy.selectors import incidents as incident_selectors
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.web import charts
from taxonomy.web import present as presentation

# Scenario field -> its query parameter: the controls' names, read back by the form.
PARAM = {param.attr: param.name for param in SCENARIO_PARAMS}


# The document's options of most pages: every threat, no chains, no comparison
# (``analyse_request`` puts in the request's taxonomy and scenario).
WHOLE_DOCUMENT = CoverageQuery()

# Above this many MITIGATES links, pages do not compute robustness while the
# reader waits (the Robustness page still does, when asked).
LIVE_ROBUSTNESS_LINKS = 20_000


# (download format, link text, what it follows) of the downloads the matrix, the
# overview and the brief offer: the registry's listed formats. "analysis"
# follows the scenario and the compare switch, "scenario" the scenario,
# "taxonomy" neither: it is the whole taxonomy.
FOLLOWS = {"coverage": "analysis"}
DOWNLOADS = tuple(
    (f.name, f.label, FOLLOWS.get(f.name, "scenario" if f.scenario else "taxonomy"))
    for f in formats_on(PAGES)
    if f.listed
)


@dataclass(frozen=True)
class ChosenTaxonomy:
    """The taxonomy a request shows, and every taxonomy the graph holds.

    Set as ``request.taxonomy`` by ``in_taxonomy``: links, the search box and
    the switcher read it so that a user stays in the taxonomy they chose.
    """

    name: str = DEFAULT_TAXONOMY
    known: dict[str, int] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        """The query parameter that keeps this taxonomy; empty for the seed."""
        return {} if self.name == DEFAULT_TAXONOMY else {"taxonomy": self.name}

    @property
    def switcher(self) -> bool:
        """Whether there is a choice to offer: the graph holds several taxonomies."""
        return len(self.known) > 1


def _taxonomy_name(request, known, record_id: str | None) -> str:
    """The taxonomy ``?taxonomy=`` names; else the prefix of an imported id
    (``atlas:AML.T0024`` → ``atlas``) so that links without the parameter
    still find their page; else the seed."""
    name = request.GET.get("taxonomy", "").strip()
    if name:
        return name
    prefix = record_id.split(":", 1)[0] if record_id and ":" in record_id else None
    return prefix if prefix in known else DEFAULT_TAXONOMY


def in_taxonomy(view):
    """Decorate a page view to show the taxonomy the request names.

    Sets ``request.taxonomy`` (a ``ChosenTaxonomy``) before calling the view;
    a taxonomy the graph does not hold gets a page that says so and lists
    those it does (404), never an error. The seed is always a valid choice.
    A scenario the page cannot compute (see ``analyse_request``) gets the page with
    a message about it.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        known = selectors.taxonomy_names()
        name = _taxonomy_name(request, known, next(iter(kwargs.values()), None))
        if name != DEFAULT_TAXONOMY and name not in known:
            context = {"unknown_taxonomy": name, "known": sorted(known.items())}
            return render(
                request, "taxonomy/unknown_taxonomy.html", context, status=404
            )
        request.taxonomy = ChosenTaxonomy(name=name, known=known)
        try:
            return view(request, *args, **kwargs)
        except ScenarioProblem as problem:
            return _scenario_problem(request, problem)

    return wrapper


def read_snapshot(request) -> Taxonomy:
    """The taxonomy the request shows at the current graph revision.

    Read from Neo4j once per revision per process (the same cache the API's
    reads use), so a page costs one revision check, not a whole-graph read.
    """
    token = selectors.revision_token()
    # The analyses of the page read the same revision (``page_coverage``).
    request.graph_token = token
    return selectors.taxonomy_at(token=token, taxonomy=request.taxonomy.name)


def with_query(url: str, params: list[tuple[str, str]]) -> str:
    """``url`` with a query string of ``params`` (none: the bare url)."""
    return f"{url}?{urlencode(params)}" if params else url


def download_links(request, scenario: Scenario, *, compare: bool = False) -> list:
    """(link text, url) of every download of the taxonomy and scenario shown.

    Each keeps the taxonomy; see ``DOWNLOADS`` for which follow the scenario.
    """
    taxonomy = list(request.taxonomy.query.items())
    in_scenario = scenario_params(
        scenario, default_threshold=settings.LAYERWISE_COVERAGE_THRESHOLD
    )
    compared = [("compare", "baseline")] if compare else []
    params = {
        "taxonomy": taxonomy,
        "scenario": in_scenario + taxonomy,
        "analysis": in_scenario + compared + taxonomy,
    }
    return [
        (label, with_query(reverse("export", args=[fmt]), params[follows]))
        for fmt, label, follows in DOWNLOADS
    ]


class ScenarioProblem(Exception):
    """A scenario a page cannot compute, with the page to explain it on."""

    def __init__(self, error: Exception, template: str, context: dict):
        super().__init__(str(error))
        self.template, self.context = template, context


def _scenario_problem(request, problem: ScenarioProblem):
    """Render a page with a clear message about a scenario it cannot compute."""
    context = problem.context | {"scenario_error": str(problem), "scenario": None}
    # htmx swaps only successful responses; the message must replace the matrix.
    status = 200 if request.htmx else 400
    return render(request, problem.template, context, status=status)


@dataclass(frozen=True)
class PageAnalysis:
    """A snapshot under the request's scenario: its names and coverage document."""

    snapshot: Taxonomy
    names: dict[str, dict[str, str]]
    scenario: Scenario
    document: dict

    @property
    def shown(self) -> dict:
        """What every scenario page shows of its scenario, in display names."""
        named = (
            self.names["layer"]
            | self.names["mitigation"]
            | self.names.get("jurisdiction", {})
        )
        world = (self.document or {}).get("world") or {}
        return {
            "names": self.names,
            "scenario": self.scenario,
            "scenario_summary": scenario_summary(self.scenario, named),
            # The world view in a sentence, with jurisdictions recorded and
            # none asked for (docs/coverage.md, "Jurisdictions").
            "world_line": world.get("line", ""),
        }


def analyse_request(
    request,
    snapshot: Taxonomy,
    template: str,
    frame: dict | None = None,
    query: CoverageQuery = WHOLE_DOCUMENT,
) -> PageAnalysis:
    """``snapshot`` under the scenario the query string names: the coverage
    document of ``query`` (its options: the revision, chains, comparison)
    with the request's scenario.

    A scenario that cannot be computed (``ScenarioError``, a malformed number)
    renders ``template`` with ``frame``, the names and a clear message instead
    (``in_taxonomy`` catches the ``ScenarioProblem``).
    """
    names = names_by_kind(snapshot)
    try:
        # ``through=`` reads a catalogue through a mapping (the coverage and
        # incident pages'); every other page shows the taxonomy as it is.
        scenario = replace(scenario_from(request), through=None)
        document = page_coverage(request, replace(query, scenario=scenario))
    except (ScenarioError, ValueError) as error:
        context = {"names": names, **(frame or {})}
        raise ScenarioProblem(error, template, context) from error
    return PageAnalysis(snapshot, names, scenario, document)


def node_analysis(
    request, kind: str, record_id: str, query: CoverageQuery = WHOLE_DOCUMENT
) -> tuple:
    """The node a page shows (else 404) and the snapshot's analysis (of
    ``query`` under the request's scenario); the page of a scenario that
    cannot be computed still names the node."""
    snapshot = read_snapshot(request)
    record = get_or_404(snapshot, kind, record_id)
    template = f"taxonomy/{kind}.html"
    frame = {kind: record}
    return record, analyse_request(request, snapshot, template, frame, query)


def scenario_from(request) -> Scenario:
    """The scenario the request's query string names (``ValueError`` if malformed)."""
    return coverage_scenario(**scenario_values(page_params(request.GET)))


def page_params(get):
    """The query string with the threshold box's percentage
    (``threshold_percent``) read as the codec's threshold in (0, 1]."""
    raw = get.get(presentation.THRESHOLD_PERCENT, "").strip()
    if not raw:
        return get
    params = get.copy()
    params.setlist(PARAM["threshold"], [repr(presentation.threshold_of_percent(raw))])
    return params


def page_coverage(request, query: CoverageQuery) -> dict:
    """The coverage document of ``query`` in the request's taxonomy, from the
    coverage selector (cached on the graph token and the query, as for the
    API), at the revision the page read (``read_snapshot``)."""
    asked = replace(query, taxonomy=request.taxonomy.name)
    return selectors.coverage_report(asked, token=getattr(request, "graph_token", None))


def names_by_kind(snapshot: Taxonomy) -> dict[str, dict[str, str]]:
    """Display names by kind and id (a layer and a threat may share an id)."""
    return {
        kind: {record.id: record.name for record in items_of(snapshot, kind)}
        for kind in NODE_KINDS
    }


def get_or_404(snapshot: Taxonomy, kind: str, record_id: str):
    """The node of ``kind`` with ``record_id``, else a 404 naming the kind."""
    for record in items_of(snapshot, kind):
        if record.id == record_id:
            return record
    raise Http404(f"No {kind} with id {record_id!r}.")


def robustness_of(request, analysis: PageAnalysis, **draws) -> dict | None:
    """The robustness section of the page's scenario (cached per revision), or
    None for a taxonomy too large to compute it while a page waits."""
    if len(analysis.snapshot.mitigates) > LIVE_ROBUSTNESS_LINKS and not draws:
        return None
    return selectors.coverage_robustness(
        token=selectors.revision_token(),
        scenario=analysis.scenario,
        taxonomy=request.taxonomy.name,
        **draws,
    )


def robustness_headline_context(request, analysis: PageAnalysis) -> dict:
    """What the overview and the brief say of how robust the headline is."""
    entry = robustness_of(request, analysis)
    if entry is None:
        return {"robustness": None}
    return {
        "robustness": entry,
        "range_words": range_words(entry, analysis.names["threat"], one_step=False),
        "histogram": charts.headline_histogram(
            entry["monte_carlo"], marked=entry["headline"]["count"]
        ),
    }


def next_step_context(
    request, analysis: PageAnalysis, start: Scenario | None = None
) -> dict:
    """What the overview and the brief say of resilience: the line (of the
    page's scenario), and the best single next step from ``start`` (default
    the page's scenario) with the scenario that adopts it."""
    start = start or analysis.scenario
    step = selectors.resilience_next_step(
        token=selectors.revision_token(),
        scenario=start,
        taxonomy=request.taxonomy.name,
    )
    return {
        "resilience": analysis.document["resilience"],
        "next_step": presentation.next_step(step, analysis.names["mitigation"]),
        "next_scenario": step and presentation.with_adopted(start, step.mitigation),
    }


def headline_context(analysis: PageAnalysis) -> dict:
    """What the overview and the brief share: the headline and its numbers."""
    document = analysis.document
    summary = document["summary"]
    return analysis.shown | {
        "document": document,
        "total": len(document["threats"]),
        "unaddressed": presentation.unaddressed_count(summary),
        "class_rows": presentation.class_rows(summary),
        "ranking": document["mitigation_ranking"][:8],
        "counts": presentation.taxonomy_counts(analysis.snapshot),
    }


def counts_one_world(snapshot: Taxonomy, scenario: Scenario) -> bool:
    """Whether a page's counts take the world as one place although
    jurisdictions are recorded (none chosen): the page then says so, since the
    comparison of governance architectures counts a mobile threat where it is
    weakest."""
    return bool(snapshot.jurisdictions) and not scenario.jurisdiction


def standings_of(request, analysis: PageAnalysis) -> list:
    """The overview's two panels: with no scenario chosen, today beside every
    proposal adopted; with one chosen, that scenario beside today (or every
    proposal adopted, when the choice is today). The other panel's counts
    come from the cached class summary, not a second whole analysis."""
    chosen = analysis.scenario
    if is_today(chosen):
        pair = [chosen, chosen.baseline()]
    elif chosen.is_baseline and not chosen.adopt:
        pair = [today(chosen), chosen]
    else:
        pair = [chosen, today(chosen)]
    named = (
        analysis.names["layer"]
        | analysis.names["mitigation"]
        | analysis.names.get("jurisdiction", {})
    )

    def summary(scenario: Scenario) -> dict[str, int]:
        if scenario == chosen:
            return analysis.document["summary"]
        return selectors.coverage_summary(
            token=selectors.revision_token(),
            scenario=scenario,
            taxonomy=request.taxonomy.name,
        )

    def standing(scenario: Scenario):
        counts = summary(scenario)
        elsewhere = selectors.introduced_elsewhere(
            token=selectors.revision_token(),
            scenario=scenario,
            taxonomy=request.taxonomy.name,
        )
        return presentation.standing(
            scenario_label(scenario),
            scenario_summary(scenario, named),
            scenario,
            {"summary": counts},
            presentation.introduced_elsewhere_lines(elsewhere, analysis.names),
        )

    return [standing(scenario) for scenario in pair]


def threshold_box(get) -> dict:
    """What the threshold box shows: the percentage as typed (or the
    scenario's), and a message beside it when it cannot be read."""
    raw = get.get(presentation.THRESHOLD_PERCENT, "").strip()
    box = {"threshold_param": presentation.THRESHOLD_PERCENT, "threshold_error": ""}
    try:
        if raw:
            presentation.threshold_of_percent(raw)
            return box | {"threshold_percent": raw}
        threshold = float(
            get.get(PARAM["threshold"]) or settings.LAYERWISE_COVERAGE_THRESHOLD
        )
    except ValueError as error:
        return box | {"threshold_percent": raw, "threshold_error": str(error)}
    return box | {"threshold_percent": f"{threshold * 100:g}"}


def dependence_choices(chosen: str | None) -> list[tuple[str, str, bool]]:
    """(value, words, selected) of every dependence, the URL's selected."""
    chosen = choice_of(chosen, DEPENDENCES, DEPENDENCES[0])
    return [(d, DEPENDENCE_WORDS[d], d == chosen) for d in DEPENDENCES]


def choice_of(value: str | None, allowed, default: str) -> str:
    """``value`` if it is one of ``allowed``, else ``default``."""
    return value if value in allowed else default


def read_snapshot_at(request) -> Taxonomy:
    """The taxonomy now, or at the named revision ``?revision=`` asks for (else 404)."""
    name = request.GET.get("revision")
    if not name:
        return read_snapshot(request)
    try:
        return revisions.revision_taxonomy(name=name)
    except RevisionError as error:
        raise Http404(str(error)) from None


def incident_report_of(request, scenario: Scenario) -> dict:
    return incident_selectors.incident_report(
        scenario=scenario,
        taxonomy=request.taxonomy.name,
        token=selectors.revision_token(),
    )


def incident_headline_context(request, analysis: PageAnalysis) -> dict:
    """The overview's line on documented incidents (None without any)."""
    if not analysis.snapshot.incidents:
        return {"incident_report": None}
    return {"incident_report": incident_report_of(request, analysis.scenario)}
