"""Browser pages: thin views that read the graph once, analyse once and render."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from taxonomy import revisions, selectors
from taxonomy.analysis import report
from taxonomy.analysis.chains import onward_chains
from taxonomy.analysis.demand import threat_demand as demand_of
from taxonomy.analysis.incidents import incident_model
from taxonomy.analysis.robustness import DEFAULT_SAMPLES, MAX_SAMPLES
from taxonomy.analysis.robustness_report import count_sentence, range_parts, range_words
from taxonomy.domain.errors import RevisionError, ScenarioError
from taxonomy.domain.kinds import NODE_KINDS, items_of
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    INCIDENT_KINDS,
    MATURITIES,
    SEARCH_MAX_LENGTH,
    Taxonomy,
)
from taxonomy.domain.scenario import (
    DEMAND,
    DEPENDENCE_WORDS,
    DEPENDENCES,
    SCENARIO_PARAMS,
    Scenario,
    is_today,
    scenario_label,
    scenario_params,
    scenario_query,
    scenario_summary,
    scenario_values,
    split_ids,
    today,
)
from taxonomy.selectors import incidents as incident_selectors
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.selectors.recommend import recommendation_of_query
from taxonomy.web import charts, glossary, matrix_html, uncertainty
from taxonomy.web import present as presentation
from taxonomy.web.next_words import by_name, equally_good_words, frontier_rows

MAX_GRAPH_DEPTH = 4
# Scenario field -> its query parameter: the controls' names, read back by the form.
PARAM = {param.attr: param.name for param in SCENARIO_PARAMS}
# Above this many MITIGATES links, pages do not compute robustness while the
# reader waits (the Robustness page still does, when asked).
LIVE_ROBUSTNESS_LINKS = 20_000
# How the matrix lists its rows when the taxonomy has tactics: the first is the default.
GROUPS = ("tactic", "none")

# (download format, link text, what it follows) of the downloads the matrix, the
# overview and the brief offer; the formats are those of taxonomy/downloads.py.
# "analysis" follows the scenario and the compare switch, "scenario" the
# scenario, "taxonomy" neither: it is the whole taxonomy.
DOWNLOADS = (
    ("csv", "The matrix (CSV)", "scenario"),
    ("json", "The scenario and its analysis (JSON)", "analysis"),
    ("navigator", "ATT&CK Navigator layer of this scenario", "scenario"),
    ("stix", "The taxonomy as a STIX 2.1 bundle", "taxonomy"),
    ("graphml", "The taxonomy as GraphML (yEd, Gephi)", "taxonomy"),
)


# --- The taxonomy a page shows --------------------------------------------------


@dataclass(frozen=True)
class ChosenTaxonomy:
    """The taxonomy a request shows, and every taxonomy the graph holds.

    Set as ``request.taxonomy`` by ``_in_taxonomy``: links, the search box and
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


def _in_taxonomy(view):
    """Decorate a page view to show the taxonomy the request names.

    Sets ``request.taxonomy`` (a ``ChosenTaxonomy``) before calling the view;
    a taxonomy the graph does not hold gets a page that says so and lists
    those it does (404), never an error. The seed is always a valid choice.
    A scenario the page cannot compute (see ``_analyse``) gets the page with
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
        except _ScenarioProblem as problem:
            return _scenario_problem(request, problem)

    return wrapper


def _snapshot(request) -> Taxonomy:
    """The taxonomy the request shows at the current graph revision.

    Read from Neo4j once per revision per process (the same cache the API's
    reads use), so a page costs one revision check, not a whole-graph read.
    """
    token = selectors.revision_token()
    return selectors.taxonomy_at(token=token, taxonomy=request.taxonomy.name)


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    """``url`` with a query string of ``params`` (none: the bare url)."""
    return f"{url}?{urlencode(params)}" if params else url


def _downloads(request, scenario: Scenario, *, compare: bool = False) -> list:
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
        (label, _with_query(reverse("export", args=[fmt]), params[follows]))
        for fmt, label, follows in DOWNLOADS
    ]


# --- Reading and analysing ------------------------------------------------------------


class _ScenarioProblem(Exception):
    """A scenario a page cannot compute, with the page to explain it on."""

    def __init__(self, error: Exception, template: str, context: dict):
        super().__init__(str(error))
        self.template, self.context = template, context


def _scenario_problem(request, problem: _ScenarioProblem):
    """Render a page with a clear message about a scenario it cannot compute."""
    context = problem.context | {"scenario_error": str(problem), "scenario": None}
    # htmx swaps only successful responses; the message must replace the matrix.
    status = 200 if request.htmx else 400
    return render(request, problem.template, context, status=status)


@dataclass(frozen=True)
class _Analysis:
    """A snapshot under the request's scenario: its names and coverage document."""

    snapshot: Taxonomy
    names: dict[str, dict[str, str]]
    scenario: Scenario
    document: dict

    @property
    def shown(self) -> dict:
        """What every scenario page shows of its scenario, in display names."""
        named = self.names["layer"] | self.names["mitigation"]
        return {
            "names": self.names,
            "scenario": self.scenario,
            "scenario_summary": scenario_summary(self.scenario, named),
        }


def _analyse(
    request, snapshot: Taxonomy, template: str, frame: dict | None = None, **query
) -> _Analysis:
    """``snapshot`` under the scenario the query string names.

    A scenario that cannot be computed (``ScenarioError``, a malformed number)
    renders ``template`` with ``frame``, the names and a clear message instead
    (``_in_taxonomy`` catches the ``_ScenarioProblem``).
    """
    names = _names(snapshot)
    try:
        scenario = _scenario_from(request)
        document = _coverage(snapshot, scenario, **query)
    except (ScenarioError, ValueError) as error:
        context = {"names": names, **(frame or {})}
        raise _ScenarioProblem(error, template, context) from error
    return _Analysis(snapshot, names, scenario, document)


def _node_analysis(request, kind: str, record_id: str, **query) -> tuple:
    """The node a page shows (else 404) and the snapshot's analysis; the page of
    a scenario that cannot be computed still names the node."""
    snapshot = _snapshot(request)
    record = _get_or_404(snapshot, kind, record_id)
    template = f"taxonomy/{kind}.html"
    return record, _analyse(request, snapshot, template, {kind: record}, **query)


def _scenario_from(request) -> Scenario:
    """The scenario the request's query string names (``ValueError`` if malformed)."""
    return coverage_scenario(**scenario_values(_page_params(request.GET)))


def _page_params(get):
    """The query string with the threshold box's percentage
    (``threshold_percent``) read as the codec's threshold in (0, 1]."""
    raw = get.get(presentation.THRESHOLD_PERCENT, "").strip()
    if not raw:
        return get
    params = get.copy()
    params.setlist(PARAM["threshold"], [repr(presentation.threshold_of_percent(raw))])
    return params


def _coverage(snapshot: Taxonomy, scenario: Scenario, **query) -> dict:
    """The coverage document of a snapshot the page has already read.

    ``coverage_report`` computes the same document but reads the graph
    itself; pages also need names and descriptions, so they read the graph
    once and analyse that snapshot.
    """
    return report.coverage_document(snapshot, scenario=scenario, **query)


def _names(snapshot: Taxonomy) -> dict[str, dict[str, str]]:
    """Display names by kind and id (a layer and a threat may share an id)."""
    return {
        kind: {record.id: record.name for record in items_of(snapshot, kind)}
        for kind in NODE_KINDS
    }


def _get_or_404(snapshot: Taxonomy, kind: str, record_id: str):
    """The node of ``kind`` with ``record_id``, else a 404 naming the kind."""
    for record in items_of(snapshot, kind):
        if record.id == record_id:
            return record
    raise Http404(f"No {kind} with id {record_id!r}.")


def _robustness(request, analysis: _Analysis, **draws) -> dict | None:
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


def _robustness_headline(request, analysis: _Analysis) -> dict:
    """What the overview and the brief say of how robust the headline is."""
    entry = _robustness(request, analysis)
    if entry is None:
        return {"robustness": None}
    return {
        "robustness": entry,
        "range_words": range_words(entry, analysis.names["threat"], one_step=False),
        "histogram": charts.headline_histogram(
            entry["monte_carlo"], marked=entry["headline"]["count"]
        ),
    }


# --- Pages ------------------------------------------------------------------------


def _next_step(request, analysis: _Analysis) -> dict:
    """What the overview and the brief say of resilience: the line, and the best
    single next step from the page's scenario with the scenario that adopts it."""
    step = selectors.resilience_next_step(
        token=selectors.revision_token(),
        scenario=analysis.scenario,
        taxonomy=request.taxonomy.name,
    )
    return {
        "resilience": analysis.document["resilience"],
        "next_step": presentation.next_step(step, analysis.names["mitigation"]),
        "next_scenario": step
        and presentation.with_adopted(analysis.scenario, step.mitigation),
    }


def _headline(analysis: _Analysis) -> dict:
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


def _standings(analysis: _Analysis) -> tuple[list, _Analysis]:
    """The overview's two panels, and the analysis of today.

    With no scenario chosen: today beside every proposal adopted; with one
    chosen: that scenario beside today (today alone when it is today).
    """
    chosen = analysis.scenario
    now = today(chosen)
    if is_today(chosen):
        now_analysis = analysis
        pair = [analysis, _reanalysed(analysis, chosen.baseline())]
    else:
        now_analysis = _reanalysed(analysis, now)
        first_today = chosen.is_baseline and not chosen.adopt
        pair = [now_analysis, analysis] if first_today else [analysis, now_analysis]
    named = analysis.names["layer"] | analysis.names["mitigation"]
    panels = [
        presentation.standing(
            scenario_label(a.scenario),
            scenario_summary(a.scenario, named),
            a.scenario,
            a.document,
        )
        for a in pair
    ]
    return panels, now_analysis


def _reanalysed(analysis: _Analysis, scenario: Scenario) -> _Analysis:
    """The same snapshot under another scenario."""
    document = _coverage(analysis.snapshot, scenario)
    return replace(analysis, scenario=scenario, document=document)


@require_GET
@_in_taxonomy
def overview(request):
    """The headline: today beside every proposal adopted (or the chosen
    scenario beside today), then the chosen scenario in detail."""
    analysis = _analyse(request, _snapshot(request), "taxonomy/overview.html")
    panels, now = _standings(analysis)
    # Nothing is left to adopt when every proposal already counts: the next
    # step then starts from today.
    nothing_to_adopt = analysis.scenario.is_baseline and not analysis.scenario.adopt
    step_from = now if nothing_to_adopt else analysis
    context = (
        _headline(analysis)
        | _robustness_headline(request, analysis)
        | _next_step(request, step_from)
        | _incident_headline(request, analysis)
        | {
            "panels": panels,
            "detail_label": scenario_label(analysis.scenario),
            "step_scenario": step_from.scenario,
            "step_in_today": nothing_to_adopt,
            "today_scenario": now.scenario,
            "maturity_counts": presentation.maturity_counts(analysis.snapshot),
            "unblocked": analysis.document["unblocked_chains_into"],
            "layers": analysis.snapshot.layers,
            "unaddressed_classes": presentation.UNADDRESSED_BY_ONE,
            "downloads": _downloads(request, analysis.scenario),
        }
    )
    return render(request, "taxonomy/overview.html", context)


@require_GET
def glossary_page(request):
    """Every term the pages use, in plain words."""
    return render(request, "taxonomy/glossary.html", {"terms": glossary.TERMS})


def _scenario_form(snapshot: Taxonomy, request) -> dict:
    """What the scenario controls show: every choice, ticked as the URL says."""
    get = request.GET
    off_layers = set(split_ids(get.getlist(PARAM["disabled_layers"])))
    off_mitigations = set(split_ids(get.getlist(PARAM["disabled_mitigations"])))
    adopted = set(split_ids(get.getlist(PARAM["adopt"])))
    maturities = set(split_ids(get.getlist(PARAM["maturities"])))
    incidents = bool(snapshot.incidents)
    weighted = incidents and get.get(PARAM["weight"]) == DEMAND
    sort = _choice(
        get.get("sort"), presentation.SORTS, "demand" if weighted else "class"
    )
    return _view_form(snapshot, get) | {
        "param": PARAM,
        "layers": [(layer, layer.id in off_layers) for layer in snapshot.layers],
        "mitigation_groups": _mitigation_groups(snapshot, off_mitigations),
        "adopt_groups": _mitigation_groups(snapshot, adopted),
        "adopted_any": bool(adopted),
        "maturities": [(m, m in maturities) for m in MATURITIES],
        "mitigations_off": bool(off_mitigations),
        **_threshold_box(get),
        "dependences": _dependence_choices(get.get(PARAM["dependence"])),
        "compare": get.get("compare") == "baseline",
        "sort": sort,
        "sort_options": presentation.sort_options(sort, demand=incidents),
        "classes": [c for c in get.getlist("class") if c in presentation.CLASS_INFO],
        "revision": get.get("revision", ""),
    }


def _threshold_box(get) -> dict:
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


def _view_form(snapshot: Taxonomy, get) -> dict:
    """How the matrix shows its rows: only gaps, grouped by tactic (the default
    when the taxonomy has tactics) or one list, one tactic alone."""
    tactics = {t.id for t in snapshot.tactics}
    group = _choice(get.get("group"), GROUPS, GROUPS[0]) if tactics else "none"
    return {
        "gaps": get.get("gaps") == "1",
        "has_tactics": bool(tactics),
        "has_incidents": bool(snapshot.incidents),
        "group": group,
        "tactic": _choice(get.get("tactic"), tactics, "") if group == "tactic" else "",
    }


def _mitigation_groups(snapshot: Taxonomy, ticked: set[str]) -> list[tuple]:
    """(layer, [(mitigation, ticked)]) of every layer, in the snapshot's order."""
    return [
        (
            layer,
            [(m, m.id in ticked) for m in snapshot.mitigations if m.layer == layer.id],
        )
        for layer in snapshot.layers
    ]


def _dependence_choices(chosen: str | None) -> list[tuple[str, str, bool]]:
    """(value, words, selected) of every dependence, the URL's selected."""
    chosen = _choice(chosen, DEPENDENCES, DEPENDENCES[0])
    return [(d, DEPENDENCE_WORDS[d], d == chosen) for d in DEPENDENCES]


def _choice(value: str | None, allowed, default: str) -> str:
    """``value`` if it is one of ``allowed``, else ``default``."""
    return value if value in allowed else default


@require_GET
@_in_taxonomy
def coverage_matrix(request):
    """Threats × layers heatmap under the URL's scenario; htmx gets the matrix only.

    ``?revision=NAME`` shows the matrix of a named revision instead of now.
    """
    snapshot = _snapshot_at(request)
    form = _scenario_form(snapshot, request)
    template = (
        "taxonomy/includes/matrix.html" if request.htmx else "taxonomy/coverage.html"
    )
    compare = form["compare"]
    analysis = _analyse(
        request, snapshot, template, {"form": form}, diff_baseline=compare
    )
    downloads = _downloads(request, analysis.scenario, compare=compare)
    robust = None if form["revision"] else _robustness(request, analysis)
    demand = _demand(request, snapshot, form)
    context = _matrix_context(request, form, analysis, demand) | {
        "permalink": request.build_absolute_uri(),
        "downloads": [] if form["revision"] else downloads,
    }
    # A catalogue of 100k threats is shown a page of rows at a time.
    rows, context["pager"] = presentation.matrix_page(
        context["rows"], request.GET.get("page"), settings.LAYERWISE_MATRIX_PAGE
    )
    context["rows"] = uncertainty.with_pivots(rows, robust)
    context |= _grouping(snapshot, form, context["rows"])
    return render(request, template, context)


def _row_links(request, analysis: _Analysis, form: dict) -> matrix_html.RowLinks:
    """The links every row of the matrix repeats, reversed once per page: a
    catalogue's thousands of them would cost more than the analysis."""
    query = scenario_query(
        analysis.scenario,
        default_threshold=settings.LAYERWISE_COVERAGE_THRESHOLD,
        **request.taxonomy.query,
    )
    return matrix_html.RowLinks(
        threat_url=reverse("threat", args=["__id__"]).replace("__id__", "{id}"),
        robustness_url=reverse("robustness"),
        query=query,
        layer_names=analysis.names["layer"],
        demand=form["has_incidents"],
    )


def _head_links(request, analysis: _Analysis, form: dict, columns) -> dict:
    """The links of the matrix's column heads, built once for every table of it:
    each sortable column's (``sort_urls``) and each layer's (``layer_heads``)."""
    threshold, keep = settings.LAYERWISE_COVERAGE_THRESHOLD, request.taxonomy.query
    view = presentation.matrix_view_params(form)
    coverage, scenario = reverse("coverage"), analysis.scenario
    sorted_by = {
        column: scenario_query(
            scenario,
            default_threshold=threshold,
            **(view | {"sort": presentation.next_sort(form["sort"], column)}),
            **keep,
        )
        for column in columns
    }
    here = scenario_query(scenario, default_threshold=threshold, **keep)
    return {
        "sort_urls": {column: coverage + q for column, q in sorted_by.items()},
        "layer_heads": [
            (
                analysis.names["layer"].get(layer, layer),
                reverse("layer", args=[layer]) + here,
            )
            for layer in analysis.document["layers"]
        ],
    }


def _grouping(snapshot: Taxonomy, form: dict, rows: list) -> dict:
    """The rows grouped by tactic (``groups`` None: one list), and whether the
    groups start open (one tactic, or few rows in all)."""
    if form["group"] != "tactic":
        return {"groups": None}
    groups = presentation.matrix_groups(rows, snapshot, form["tactic"] or None)
    listed = sum(len(group.rows) for group in groups)
    return {
        "groups": groups,
        "open_groups": bool(form["tactic"]) or listed <= presentation.OPEN_GROUP_ROWS,
    }


def _demand(request, snapshot: Taxonomy, form: dict) -> dict[str, int]:
    """Threat id → how many documented incidents use it (empty without any); a
    named revision's from its own incidents."""
    if not snapshot.incidents:
        return {}
    if form["revision"]:
        found = demand_of(incident_model(snapshot))
    else:
        found = incident_selectors.threat_demand(
            taxonomy=request.taxonomy.name, token=selectors.revision_token()
        )
    return {threat: entry["total"] for threat, entry in found.items()}


def _snapshot_at(request) -> Taxonomy:
    """The taxonomy now, or at the named revision ``?revision=`` asks for (else 404)."""
    name = request.GET.get("revision")
    if not name:
        return _snapshot(request)
    try:
        return revisions.revision_taxonomy(name=name)
    except RevisionError as error:
        raise Http404(str(error)) from None


def _matrix_context(request, form: dict, analysis: _Analysis, demand: dict) -> dict:
    """What the matrix region shows: rows, sort links, class counts, legend."""
    sort, compare, document = form["sort"], form["compare"], analysis.document
    columns = ("name", "coverage", "class", "demand")
    rows = presentation.matrix_rows(
        document,
        sort=sort,
        classes=form["classes"],
        gaps_only=form["gaps"],
        demand=demand,
    )
    return analysis.shown | {
        "form": form,
        "document": document,
        "rows": rows,
        "shown": len(rows),
        "row_links": _row_links(request, analysis, form),
        **_head_links(request, analysis, form, columns),
        "class_rows": presentation.class_rows(document["summary"]),
        "comparison": presentation.comparison(
            document, analysis.names, analysis.scenario
        ),
        "class_names": list(presentation.CLASS_INFO),
        "sort_state": {c: presentation.aria_sort(sort, c) for c in columns},
        "json_url": reverse("api:coverage-diff" if compare else "api:coverage"),
        "column_count": len(document["layers"]) + 3 + form["has_incidents"],
        "scale": presentation.scale_steps(),
    }


@require_GET
@_in_taxonomy
def threat_detail(request, threat_id: str):
    """One threat: class, coverage by layer, its mitigations and its chains."""
    threat, analysis = _node_analysis(request, "threat", threat_id, chains=threat_id)
    snapshot, document = analysis.snapshot, analysis.document
    entry = presentation.threat_entry(document, threat_id)
    context = analysis.shown | {
        "threat": threat,
        "entry": entry,
        "document": document,
        "groups": presentation.layer_groups(snapshot, entry, document),
        "chains_in": document["chains"],
        "chains_out": _onward(snapshot, threat_id, document),
        "classes": presentation.class_by_threat(document),
        "direct": selectors.threat_detail(
            taxonomy=snapshot, key=threat_id, coverage=None
        ),
        "pivotal": uncertainty.pivotal_for(_robustness(request, analysis), threat_id),
        **_depth_words(request, analysis, entry),
        **_threat_incidents(request, snapshot, threat_id),
    }
    return render(request, "taxonomy/threat.html", context)


def _depth_words(request, analysis: _Analysis, entry: dict) -> dict:
    """What the threat page says of its depth in layers and in mitigations."""
    lost = selectors.resilience_layer_loss(
        token=selectors.revision_token(),
        scenario=analysis.scenario,
        threat=entry["id"],
        taxonomy=request.taxonomy.name,
    )
    depth = entry["depth"]
    return {
        "depth_layers": presentation.layer_depth_sentence(
            depth, lost, analysis.names["layer"]
        ),
        "depth_mitigations": presentation.mitigation_depth_sentence(depth),
    }


def _onward(snapshot: Taxonomy, threat_id: str, document: dict) -> list:
    """The ENABLES chains that start at a threat, with the addressed threats on them."""
    enables = [(link.source, link.target) for link in snapshot.enables]
    return onward_chains(enables, threat_id, presentation.addressed_ids(document))


@require_GET
@_in_taxonomy
def mitigation_detail(request, mitigation_id: str):
    """One mitigation: what it acts on, how strongly, why, and what depends on it."""
    mitigation, analysis = _node_analysis(request, "mitigation", mitigation_id)
    snapshot, document = analysis.snapshot, analysis.document
    context = analysis.shown | {
        "mitigation": mitigation,
        "links": presentation.mitigation_links(snapshot, mitigation_id, document),
        "classes": presentation.class_by_threat(document),
        "critical_for": presentation.critical_for(document, mitigation_id),
        "related": presentation.mitigation_relations(snapshot, mitigation_id),
        "without_scenario": presentation.without_mitigation(
            analysis.scenario, mitigation_id
        ),
    }
    return render(request, "taxonomy/mitigation.html", context)


@require_GET
@_in_taxonomy
def layer_detail(request, layer_id: str):
    """One layer: what it covers, and what falls through without it."""
    layer, analysis = _node_analysis(request, "layer", layer_id)
    snapshot, document = analysis.snapshot, analysis.document
    # The layer exists, so switching it off too cannot make the scenario invalid.
    without_scenario = presentation.without_layer(analysis.scenario, layer_id)
    falls_through = presentation.changed_classes(
        document, _coverage(snapshot, without_scenario)
    )
    context = analysis.shown | {
        "layer": layer,
        "totals": document["layer_totals"][layer_id],
        "covered": presentation.layer_coverage(document, layer_id),
        "falls_through": falls_through,
        "dependants": presentation.dependants(falls_through),
        "without_scenario": without_scenario,
        "mitigations": [m for m in snapshot.mitigations if m.layer == layer_id],
    }
    return render(request, "taxonomy/layer.html", context)


@require_GET
@_in_taxonomy
def source_detail(request, source_id: str):
    """One source and every link that cites it."""
    snapshot = _snapshot(request)
    source = _get_or_404(snapshot, "source", source_id)
    citing = [link for link in snapshot.mitigates if source_id in link.sources]
    context = {
        "source": source,
        "links": presentation.link_views(snapshot, citing, counted=()),
        "names": _names(snapshot),
    }
    return render(request, "taxonomy/source.html", context)


@require_GET
@_in_taxonomy
def layer_combinations(request):
    """Which sets of layers address how many threats (an UpSet-style table)."""
    analysis = _analyse(request, _snapshot(request), "taxonomy/combinations.html")
    document = analysis.document
    sets = presentation.upset_rows(document)
    context = analysis.shown | {
        "layers": analysis.snapshot.layers,
        "sets": sets,
        "sets_note": presentation.upset_note(document["layer_sets"]),
        "total": len(document["threats"]),
        "best_single": presentation.best_single_layer(document["layer_totals"]),
        "all_layers": presentation.addressed_count(document["summary"]),
    }
    return render(request, "taxonomy/combinations.html", context)


@require_GET
@_in_taxonomy
def search(request):
    """Full-text search over names and descriptions, results grouped by kind."""
    query = request.GET.get("q", "").strip()
    too_long = presentation.search_too_long(query)
    groups = (
        selectors.search_results(text=query, taxonomy=request.taxonomy.name)
        if query and not too_long
        else {}
    )
    context = {
        "query": query,
        "query_error": too_long,
        "max_length": SEARCH_MAX_LENGTH,
        "groups": [(kind, hits) for kind, hits in groups.items() if hits],
        "total": sum(len(hits) for hits in groups.values()),
    }
    return render(request, "taxonomy/search.html", context)


@require_GET
@_in_taxonomy
def graph_explorer(request):
    """The taxonomy as a graph: Cytoscape.js draws it from the API, the HTML lists it."""
    snapshot = _snapshot(request)
    around = request.GET.get("around") or None
    depth = _depth(request)
    try:
        elements = selectors.graph_elements(
            snapshot=snapshot, around=around, depth=depth
        )
    except KeyError:
        raise Http404(f"No node {around!r} in the graph.") from None
    context = {
        "around": around,
        "depth": depth,
        "focus_choices": presentation.focus_choices(snapshot),
        "listing": presentation.graph_listing(elements),
        "elements_url": reverse("api:graph"),
        "taxonomy": request.taxonomy.name,
        "around_name": presentation.node_name(elements, around),
        "class_names": list(presentation.CLASS_INFO),
    }
    return render(request, "taxonomy/graph.html", context)


def _depth(request) -> int:
    """The neighbourhood depth the URL asks for, clamped to 1–MAX_GRAPH_DEPTH."""
    try:
        return min(max(int(request.GET.get("depth", 1)), 1), MAX_GRAPH_DEPTH)
    except ValueError:
        return 1


@require_GET
@_in_taxonomy
def robustness(request):
    """How sure are we? Margins, pivotal judgements and the uncertainty of each number."""
    analysis = _analyse(request, _snapshot(request), "taxonomy/robustness.html")
    try:
        entry = _robustness(request, analysis, **_draws(request))
    except ValueError as error:
        frame = {"names": analysis.names}
        raise _ScenarioProblem(error, "taxonomy/robustness.html", frame) from error
    context = analysis.shown | {
        "entry": entry,
        "sentence": count_sentence(entry),
        "range_parts": range_parts(entry, analysis.names["threat"]),
        "judged_differs": uncertainty.judged_differs(entry),
        "rows": uncertainty.robustness_rows(entry),
        "histogram": charts.headline_histogram(
            entry["monte_carlo"], marked=entry["headline"]["count"]
        ),
        "by_dependence": [
            (d, counts, replace(analysis.scenario, dependence=d))
            for d, counts in entry["summary_by_dependence"].items()
        ],
        "threshold": analysis.scenario.threshold,
    }
    return render(request, "taxonomy/robustness.html", context)


def _draws(request) -> dict[str, int]:
    """``samples`` and ``seed`` of the Monte Carlo draws the query asks for."""
    draws = {}
    for name in ("samples", "seed"):
        raw = request.GET.get(name, "").strip()
        if raw:
            if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
                raise ValueError(f"{name} must be a whole number, got {raw!r}")
            draws[name] = int(raw)
    samples = draws.get("samples", DEFAULT_SAMPLES)
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, got {samples}")
    return draws


@require_GET
@_in_taxonomy
def brief(request):
    """A printable brief: headline, matrix and gaps, with scenario, date and revision."""
    analysis = _analyse(
        request, _snapshot(request), "taxonomy/brief.html", diff_baseline=True
    )
    document = analysis.document
    context = (
        _headline(analysis)
        | _robustness_headline(request, analysis)
        | _next_step(request, analysis)
        | _incident_headline(request, analysis)
        | {
            "rows": presentation.matrix_rows(document, sort="class"),
            "comparison": None
            if analysis.scenario.is_baseline
            else presentation.comparison(document, analysis.names, analysis.scenario),
            "gaps": presentation.gaps(document),
            "panels": _standings(analysis)[0],
            "dependence_words": DEPENDENCE_WORDS[analysis.scenario.dependence],
            "maturity_counts": presentation.maturity_counts(analysis.snapshot),
            "scale": presentation.scale_steps(),
            "class_names": list(presentation.CLASS_INFO),
            "today": timezone.now(),
            "downloads": _downloads(request, analysis.scenario, compare=True),
        }
    )
    return render(request, "taxonomy/brief.html", context)


@require_GET
@_in_taxonomy
def next_steps(request):
    """What to do next: the set to adopt within a budget, and the frontier."""
    snapshot = _snapshot(request)
    frame = {"names": _names(snapshot), "snapshot": snapshot, "scenario": None}
    frame |= {"budget": request.GET.get("budget", ""), "maturities": MATURITIES}
    frame["dependences"] = _dependence_choices(request.GET.get("dependence"))
    frame["form"] = _threshold_box(request.GET)
    try:
        scenario, document = recommendation_of_query(
            _page_params(request.GET), taxonomy=request.taxonomy.name
        )
    except ValueError as error:
        raise _ScenarioProblem(error, "taxonomy/next.html", frame) from error
    chosen = {m["id"] for m in document["chosen"]}
    adopted = replace(scenario, adopt=scenario.adopt | chosen)
    threshold, keep = settings.LAYERWISE_COVERAGE_THRESHOLD, request.taxonomy.query
    query = scenario_query(adopted, default_threshold=threshold, **keep)
    context = frame | {
        "scenario": scenario,
        "document": document,
        "chart": charts.frontier_chart(document["frontier"]),
        "matrix_url": reverse("coverage") + query,
        "equally_good": equally_good_words(
            document, weighted=scenario.weight == DEMAND
        ),
        "chosen": by_name(document["chosen"]),
        "frontier_rows": frontier_rows(document, frame["names"]),
    }
    return render(request, "taxonomy/next.html", context)


# --- Documented incidents ---------------------------------------------------------

INCIDENTS_PER_PAGE = 100


def _incident_read(request, snapshot: Taxonomy, template: str, read, frame=None):
    """``read(scenario)`` under the request's scenario, with what every scenario
    page shows of it; a scenario that cannot be computed renders ``template``
    with ``frame`` and a message instead."""
    names = _names(snapshot)
    try:
        scenario = _scenario_from(request)
        found = read(scenario)
    except (ScenarioError, ValueError) as error:
        context = {"names": names, **(frame or {})}
        raise _ScenarioProblem(error, template, context) from error
    named = names["layer"] | names["mitigation"]
    summary = scenario_summary(scenario, named)
    return found, {"names": names, "scenario": scenario, "scenario_summary": summary}


def _incident_report(request, scenario: Scenario) -> dict:
    return incident_selectors.incident_report(
        scenario=scenario,
        taxonomy=request.taxonomy.name,
        token=selectors.revision_token(),
    )


@require_GET
@_in_taxonomy
def incident_list(request):
    """Every documented incident, stopped or not under the URL's scenario."""
    snapshot, template = _snapshot(request), "taxonomy/incidents.html"
    found, shown = _incident_read(
        request, snapshot, template, lambda s: _incident_report(request, s)
    )
    kind = _choice(request.GET.get("kind"), INCIDENT_KINDS, "")
    status = _choice(request.GET.get("status"), presentation.STATUSES, "")
    listed = presentation.incidents_shown(
        found["incidents"], kind=kind or None, status=status or None
    )
    context = shown | {
        "report": found,
        "sentence": presentation.incident_sentence(found["totals"]),
        "kinds": presentation.kind_rows(found["totals"]["by_kind"]),
        "margin": presentation.threshold_rows(found["by_threshold"], shown["scenario"]),
        "kind": kind,
        "status": status,
        "statuses": presentation.STATUSES,
        "page": Paginator(listed, INCIDENTS_PER_PAGE).get_page(request.GET.get("page")),
        "elsewhere": _incidents_elsewhere(request, found["totals"]["incidents"]),
    }
    return render(request, template, context)


def _incidents_elsewhere(request, held: int) -> list[tuple[str, int, str]]:
    """(taxonomy, incidents, its incidents page) of the other taxonomies that hold
    incidents, for the page of one that holds none (none asked otherwise)."""
    if held:
        return []
    counts = selectors.taxonomy_counts(token=selectors.revision_token())
    return [
        (
            name,
            count,
            _with_query(reverse("incidents"), [*ChosenTaxonomy(name).query.items()]),
        )
        for name, count in presentation.holding(
            counts, "incidents", but=request.taxonomy.name
        )
    ]


@require_GET
@_in_taxonomy
def incident_detail(request, incident_id: str):
    """One incident's steps in order, each technique's class, and the step that stops it."""
    snapshot = _snapshot(request)
    incident = _get_or_404(snapshot, "incident", incident_id)
    detail, shown = _incident_read(
        request,
        snapshot,
        "taxonomy/incident.html",
        lambda scenario: incident_selectors.incident_detail(
            scenario=scenario,
            incident_id=incident_id,
            taxonomy=request.taxonomy.name,
            token=selectors.revision_token(),
        ),
        frame={"incident": incident},
    )
    sources = {s.id: s for s in snapshot.sources}
    context = shown | {
        "incident": incident,
        "detail": detail,
        "steps": presentation.incident_steps(detail["steps"], snapshot),
        "sources": [sources[s] for s in incident.sources if s in sources],
    }
    return render(request, "taxonomy/incident.html", context)


@require_GET
@_in_taxonomy
def tactic_detail(request, tactic_id: str):
    """One tactic: what the adversary seeks, and its threats with their coverage."""
    tactic, analysis = _node_analysis(request, "tactic", tactic_id)
    snapshot = analysis.snapshot
    sources = {s.id: s for s in snapshot.sources}
    context = analysis.shown | {
        "tactic": tactic,
        "threats": presentation.tactic_threats(snapshot, tactic_id, analysis.document),
        "sources": [sources[s] for s in tactic.sources if s in sources],
    }
    return render(request, "taxonomy/tactic.html", context)


def _threat_incidents(request, snapshot: Taxonomy, threat_id: str) -> dict:
    """What the threat page says of tactics and incidents: the tactics the
    threat is in, and the documented incidents that use it."""
    tactics = {t.id: t for t in snapshot.tactics}
    return {
        "tactics": [
            tactics[x.target]
            for x in snapshot.in_tactic
            if x.source == threat_id and x.target in tactics
        ],
        "incidents": incident_selectors.threat_incidents(
            threat_id=threat_id,
            taxonomy=request.taxonomy.name,
            token=selectors.revision_token(),
        )
        if snapshot.incidents
        else [],
    }


def _incident_headline(request, analysis: _Analysis) -> dict:
    """The overview's line on documented incidents (None without any)."""
    if not analysis.snapshot.incidents:
        return {"incident_report": None}
    return {"incident_report": _incident_report(request, analysis.scenario)}
