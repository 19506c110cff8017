"""Search and the graph explorer."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.domain.records import (
    SEARCH_MAX_LENGTH,
)
from taxonomy.domain.scenario_words import scenario_summary
from taxonomy.web import present as presentation
from taxonomy.web.pages.common import in_taxonomy, read_snapshot

MAX_GRAPH_DEPTH = 4


@require_safe
@in_taxonomy
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


@require_safe
@in_taxonomy
def graph_explorer(request):
    """The taxonomy as a graph: Cytoscape.js draws it from the API, the HTML lists it."""
    snapshot = read_snapshot(request)
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
        "class_names": list(presentation.CLASS_ORDER),  # the analysis's four
        # The classes the graph colours are those with nothing disabled
        # (graphapi.views.common.classes): the scenario says so.
        "classes_scenario": scenario_summary(selectors.coverage_scenario(), {}),
    }
    return render(request, "taxonomy/graph.html", context)


def _depth(request) -> int:
    """The neighbourhood depth the URL asks for, clamped to 1–MAX_GRAPH_DEPTH."""
    try:
        return min(max(int(request.GET.get("depth", 1)), 1), MAX_GRAPH_DEPTH)
    except ValueError:
        return 1
