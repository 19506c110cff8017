"""The jurisdictions × threats matrix, with the timeline of the headline per
jurisdiction across the dates recorded (issue 25)."""

from __future__ import annotations

from dataclasses import replace

from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import MATURITIES, Taxonomy
from taxonomy.domain.scenario_params import split_ids
from taxonomy.domain.scenario_words import scenario_summary
from taxonomy.web import present as presentation
from taxonomy.web.pages.common import (
    PARAM,
    ScenarioProblem,
    in_taxonomy,
    names_by_kind,
    read_snapshot,
    scenario_from,
    threshold_box,
)

TEMPLATE = "taxonomy/jurisdictions.html"
# The scenario parameters the page's form does not show: kept as they are.
KEPT = ("disabled_layers", "disabled_mitigations", "adopt", "dependence", "weight")


def _form(snapshot: Taxonomy, get) -> dict:
    """What the page's scenario form shows (the maturities, the date, the
    threshold) and the other parameters of the URL, kept as hidden fields."""
    ticked = set(split_ids(get.getlist(PARAM["maturities"])))
    return {
        "param": PARAM,
        "maturities": [(m, m in ticked) for m in MATURITIES],
        "as_of": get.get(PARAM["as_of"], ""),
        "kept": [(PARAM[a], v) for a in KEPT for v in get.getlist(PARAM[a]) if v],
        **threshold_box(get),
    }


@require_safe
@in_taxonomy
def jurisdiction_matrix(request):
    """Every threat in every place under the URL's scenario, and the headline
    per jurisdiction on every date recorded."""
    snapshot = read_snapshot(request)
    names = names_by_kind(snapshot)
    frame = {"names": names, "form": _form(snapshot, request.GET)}
    if not snapshot.jurisdictions:
        return render(request, TEMPLATE, frame | {"scenario": None})
    asked = dict(token=request.graph_token, taxonomy=request.taxonomy.name)
    try:
        scenario = replace(scenario_from(request), jurisdiction=None)
        found = selectors.jurisdiction_matrix(scenario=scenario, **asked)
        timeline = selectors.jurisdiction_timeline(scenario=scenario, **asked)
    except (ScenarioError, ValueError) as error:
        raise ScenarioProblem(error, TEMPLATE, frame) from error
    places = names["jurisdiction"]
    rows = presentation.jurisdiction_rows(found, names["threat"], places)
    named = names["layer"] | names["mitigation"] | places
    context = frame | {
        "scenario": scenario,
        "scenario_summary": scenario_summary(scenario, named),
        "timeline_summary": scenario_summary(replace(scenario, as_of=None), named),
        "columns": [(p, places.get(p, p)) for p in found["places"]],
        "weighted": found["weights"] is not None,
        "rows": rows,
        "sentence": presentation.jurisdiction_sentence(rows, len(found["places"])),
        "bound_nowhere": presentation.bound_nowhere_words(
            found.get("bound_nowhere", {}),
            names["mitigation"] | places,
            dated=scenario.as_of is not None,
        ),
        "timeline": presentation.timeline_view(timeline, places),
        # The four classes of the analysis: the crosswalk's two (loosely
        # mapped, outside the taxonomy) never occur on this page.
        "class_names": list(presentation.CLASS_ORDER),
    }
    return render(request, TEMPLATE, context)
