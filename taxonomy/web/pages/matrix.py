"""The coverage matrix with its scenario controls, and the layer combinations."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.analysis.demand import threat_demand as demand_of
from taxonomy.analysis.incidents import incident_model
from taxonomy.domain.coverage_query import CURRENT, CoverageQuery
from taxonomy.domain.records import (
    MATURITIES,
    Taxonomy,
)
from taxonomy.domain.scenario import DEMAND
from taxonomy.domain.scenario_params import scenario_query, split_ids
from taxonomy.selectors import incidents as incident_selectors
from taxonomy.web import matrix_html, uncertainty
from taxonomy.web import present as presentation
from taxonomy.web.pages import crosswalks
from taxonomy.web.pages.common import (
    PARAM,
    PageAnalysis,
    analyse_request,
    choice_of,
    dependence_choices,
    download_links,
    in_taxonomy,
    read_snapshot,
    read_snapshot_at,
    robustness_of,
    threshold_box,
)

# How the matrix lists its rows when the taxonomy has tactics: the first is the default.
GROUPS = ("tactic", "none")


def _scenario_form(snapshot: Taxonomy, request) -> dict:
    """What the scenario controls show: every choice, ticked as the URL says."""
    get = request.GET
    off_layers = set(split_ids(get.getlist(PARAM["disabled_layers"])))
    off_mitigations = set(split_ids(get.getlist(PARAM["disabled_mitigations"])))
    adopted = set(split_ids(get.getlist(PARAM["adopt"])))
    maturities = set(split_ids(get.getlist(PARAM["maturities"])))
    incidents = bool(snapshot.incidents)
    weighted = incidents and get.get(PARAM["weight"]) == DEMAND
    sort = choice_of(
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
        **threshold_box(get),
        "dependences": dependence_choices(get.get(PARAM["dependence"])),
        "compare": get.get("compare") == "baseline",
        "sort": sort,
        "sort_options": presentation.sort_options(sort, demand=incidents),
        "classes": [c for c in get.getlist("class") if c in presentation.CLASS_INFO],
        "revision": get.get("revision", ""),
        # Where and when (issue 25): only for a taxonomy that records jurisdictions.
        "jurisdictions": [
            (j, j.id == get.get(PARAM["jurisdiction"]))
            for j in sorted(snapshot.jurisdictions, key=lambda j: j.name)
        ],
        "as_of": get.get(PARAM["as_of"], ""),
    }


def _view_form(snapshot: Taxonomy, get) -> dict:
    """How the matrix shows its rows: only gaps, grouped by tactic (the default
    when the taxonomy has tactics) or one list, one tactic alone."""
    tactics = {t.id for t in snapshot.tactics}
    group = choice_of(get.get("group"), GROUPS, GROUPS[0]) if tactics else "none"
    return {
        "gaps": get.get("gaps") == "1",
        "has_tactics": bool(tactics),
        "has_incidents": bool(snapshot.incidents),
        "group": group,
        "tactic": choice_of(get.get("tactic"), tactics, "")
        if group == "tactic"
        else "",
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


@require_safe
@in_taxonomy
def coverage_matrix(request):
    """Threats × layers heatmap under the URL's scenario; htmx gets the matrix only.

    ``?revision=NAME`` shows the matrix of a named revision instead of now;
    ``?through=SET`` the taxonomy read through a mapping set onto ours.
    """
    if request.GET.get("through"):
        return crosswalks.crosswalk_coverage(request)
    snapshot = read_snapshot_at(request)
    form = _scenario_form(snapshot, request)
    template = (
        "taxonomy/includes/matrix.html" if request.htmx else "taxonomy/coverage.html"
    )
    compare = form["compare"]
    query = CoverageQuery(
        revision=request.GET.get("revision") or CURRENT, diff_baseline=compare
    )
    analysis = analyse_request(request, snapshot, template, {"form": form}, query)
    downloads = download_links(request, analysis.scenario, compare=compare)
    robust = None if form["revision"] else robustness_of(request, analysis)
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


def _row_links(request, analysis: PageAnalysis, form: dict) -> matrix_html.RowLinks:
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


def _head_links(request, analysis: PageAnalysis, form: dict, columns) -> dict:
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


def _matrix_context(request, form: dict, analysis: PageAnalysis, demand: dict) -> dict:
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
        "class_names": list(presentation.CLASS_ORDER),  # the analysis's four
        "sort_state": {c: presentation.aria_sort(sort, c) for c in columns},
        "json_url": reverse("api:coverage-diff" if compare else "api:coverage"),
        "column_count": len(document["layers"]) + 3 + form["has_incidents"],
        "scale": presentation.scale_steps(),
    }


@require_safe
@in_taxonomy
def layer_combinations(request):
    """Which sets of layers address how many threats (an UpSet-style table)."""
    analysis = analyse_request(
        request, read_snapshot(request), "taxonomy/combinations.html"
    )
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
