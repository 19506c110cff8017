"""What to do next: the set to adopt within a budget, and the frontier."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from taxonomy.domain.jurisdictions import place_phrase
from taxonomy.domain.records import (
    MATURITIES,
)
from taxonomy.domain.scenario import DEMAND
from taxonomy.domain.scenario_params import scenario_query
from taxonomy.selectors.recommend import PLACES, recommendation_of_query
from taxonomy.web import charts
from taxonomy.web.next_words import (
    by_name,
    equally_good_words,
    frontier_rows,
    mobile_words,
)
from taxonomy.web.pages.common import (
    ScenarioProblem,
    counts_one_world,
    dependence_choices,
    in_taxonomy,
    names_by_kind,
    page_params,
    read_snapshot,
    threshold_box,
)


@require_safe
@in_taxonomy
def next_steps(request):
    """What to do next: the set to adopt within a budget, and the frontier."""
    snapshot = read_snapshot(request)
    frame = {"names": names_by_kind(snapshot), "snapshot": snapshot, "scenario": None}
    frame |= {"budget": request.GET.get("budget", ""), "maturities": MATURITIES}
    frame["dependences"] = dependence_choices(request.GET.get("dependence"))
    frame["form"] = threshold_box(request.GET)
    frame["where_choices"] = _where_choices(snapshot, request.GET.get("where", ""))
    try:
        scenario, document = recommendation_of_query(
            page_params(request.GET), taxonomy=request.taxonomy.name
        )
    except ValueError as error:
        raise ScenarioProblem(error, "taxonomy/next.html", frame) from error
    chosen = {m.get("adopt", m["id"]) for m in document["chosen"]}
    where = document.get("where")
    adopted = replace(
        scenario,
        adopt=scenario.adopt | chosen,
        jurisdiction=scenario.jurisdiction if where in (None, PLACES) else where,
    )
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
        "mobile_words": mobile_words(document),
        # In one jurisdiction (``where`` or the scenario's), counts are there.
        "one_world": not where and counts_one_world(snapshot, scenario),
    }
    return render(request, "taxonomy/next.html", context)


def _where_choices(snapshot, current: str) -> list[tuple[str, str, bool]]:
    """The "where" select: everywhere, each jurisdiction by name, the places
    (none but everywhere when the taxonomy records no jurisdiction)."""
    if not snapshot.jurisdictions:
        return []
    choices = [("", "Everywhere, as recorded")]
    choices += [
        (j.id, f"In {place_phrase(j.name)}")
        for j in sorted(snapshot.jurisdictions, key=lambda j: j.name)
    ]
    choices.append(
        (
            PLACES,
            "In the places that close most mobile threats",
        )
    )
    return [(value, words, value == current) for value, words in choices]
