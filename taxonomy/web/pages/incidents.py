"""Documented incidents: the list under a scenario, and one incident."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import (
    INCIDENT_KINDS,
    Taxonomy,
)
from taxonomy.domain.scenario_words import scenario_summary
from taxonomy.selectors import crosswalk
from taxonomy.selectors import incidents as incident_selectors
from taxonomy.selectors.mappings import mapping_set_list
from taxonomy.web import present as presentation
from taxonomy.web.pages.common import (
    ChosenTaxonomy,
    ScenarioProblem,
    choice_of,
    get_or_404,
    in_taxonomy,
    incident_report_of,
    names_by_kind,
    read_snapshot,
    scenario_from,
    with_query,
)

INCIDENTS_PER_PAGE = 100


def _incident_read(request, snapshot: Taxonomy, template: str, read, frame=None):
    """``read(scenario)`` under the request's scenario, with what every scenario
    page shows of it; a scenario that cannot be computed renders ``template``
    with ``frame`` and a message instead."""
    names = names_by_kind(snapshot)
    try:
        scenario = scenario_from(request)
        found = read(scenario)
    except (ScenarioError, ValueError) as error:
        context = {"names": names, **(frame or {})}
        raise ScenarioProblem(error, template, context) from error
    named = names["layer"] | names["mitigation"] | names.get("jurisdiction", {})
    summary = scenario_summary(scenario, named)
    if scenario.through:
        # Through a mapping the scenario is about our taxonomy: its words too.
        summary = found["scenario"]["summary"]
    return found, {"names": names, "scenario": scenario, "scenario_summary": summary}


@require_safe
@in_taxonomy
def incident_list(request):
    """Every documented incident, stopped or not under the URL's scenario."""
    snapshot, template = read_snapshot(request), "taxonomy/incidents.html"
    found, shown = _incident_read(
        request, snapshot, template, lambda s: incident_report_of(request, s)
    )
    kind = choice_of(request.GET.get("kind"), INCIDENT_KINDS, "")
    status = choice_of(request.GET.get("status"), presentation.STATUSES, "")
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
        "mapping_sets": _mapping_sets(request),
    }
    return render(request, template, context)


def _mapping_sets(request) -> list[dict]:
    """The mapping sets that join an imported catalogue to another (none for
    the seed): the page offers to replay its incidents through them."""
    if not request.taxonomy.query:
        return []
    return [
        crosswalk.set_heading(s)
        for s in mapping_set_list(taxonomy=request.taxonomy.name)
    ]


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
            with_query(reverse("incidents"), [*ChosenTaxonomy(name).query.items()]),
        )
        for name, count in presentation.holding(
            counts, "incidents", but=request.taxonomy.name
        )
    ]


@require_safe
@in_taxonomy
def incident_detail(request, incident_id: str):
    """One incident's steps in order, each technique's class, and the step that stops it."""
    snapshot = read_snapshot(request)
    incident = get_or_404(snapshot, "incident", incident_id)
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
    context = shown | {
        "incident": incident,
        "detail": detail,
        "steps": presentation.incident_steps(detail["steps"], snapshot),
        "sources": presentation.cited_sources(snapshot, incident.sources),
    }
    return render(request, "taxonomy/incident.html", context)
