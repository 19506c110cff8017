"""The overview, the printable brief, the glossary and the model's document."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.scenario import DEPENDENCE_WORDS, today
from taxonomy.domain.scenario_words import scenario_label
from taxonomy.web import glossary
from taxonomy.web import present as presentation
from taxonomy.web.pages import crosswalks
from taxonomy.web.pages.architectures import brief_comparison
from taxonomy.web.pages.common import (
    analyse_request,
    counts_one_world,
    download_links,
    headline_context,
    in_taxonomy,
    incident_headline_context,
    next_step_context,
    read_snapshot,
    robustness_headline_context,
    standings_of,
)
from taxonomy.web.present import model_doc


@require_safe
@in_taxonomy
def overview(request):
    """The headline: today beside every proposal adopted (or the chosen
    scenario beside today), then the chosen scenario in detail."""
    analysis = analyse_request(
        request, read_snapshot(request), "taxonomy/overview.html"
    )
    panels = standings_of(request, analysis)
    # Nothing is left to adopt when every proposal already counts: the next
    # step then starts from today.
    now = today(analysis.scenario)
    nothing_to_adopt = analysis.scenario.is_baseline and not analysis.scenario.adopt
    step_from = now if nothing_to_adopt else analysis.scenario
    context = (
        headline_context(analysis)
        | robustness_headline_context(request, analysis)
        | next_step_context(request, analysis, step_from)
        | incident_headline_context(request, analysis)
        | {
            "panels": panels,
            "detail_label": scenario_label(analysis.scenario),
            "step_scenario": step_from,
            "step_in_today": nothing_to_adopt,
            "today_scenario": now,
            "maturity_counts": presentation.maturity_counts(analysis.snapshot),
            "unblocked": analysis.document["unblocked_chains_into"],
            "layers": analysis.snapshot.layers,
            "unaddressed_classes": presentation.UNADDRESSED_BY_ONE,
            "downloads": download_links(request, analysis.scenario),
            "one_world": counts_one_world(analysis.snapshot, analysis.scenario),
        }
    )
    return render(request, "taxonomy/overview.html", context)


@require_safe
def glossary_page(request):
    """Every term the pages use, in plain words."""
    return render(request, "taxonomy/glossary.html", {"terms": glossary.TERMS})


@require_safe
def model_page(request):
    """How the numbers are made: the model's document (docs/model.md)."""
    title, body = model_doc.model_document()
    return render(request, "taxonomy/model.html", {"title": title, "body": body})


@require_safe
@in_taxonomy
def brief(request):
    """A printable brief: headline, matrix and gaps, with scenario, date and
    revision; with ``?architecture=ID`` 2 to 4 times, the governance
    architectures side by side too."""
    snapshot, compared = read_snapshot(request), CoverageQuery(diff_baseline=True)
    analysis = analyse_request(request, snapshot, "taxonomy/brief.html", None, compared)
    document = analysis.document
    context = (
        headline_context(analysis)
        | robustness_headline_context(request, analysis)
        | next_step_context(request, analysis)
        | incident_headline_context(request, analysis)
        | {
            "rows": presentation.matrix_rows(document, sort="class"),
            "comparison": None
            if analysis.scenario.is_baseline
            else presentation.comparison(document, analysis.names, analysis.scenario),
            "gaps": presentation.gaps(document),
            "panels": standings_of(request, analysis),
            "one_world": counts_one_world(analysis.snapshot, analysis.scenario),
            "dependence_words": DEPENDENCE_WORDS[analysis.scenario.dependence],
            "maturity_counts": presentation.maturity_counts(analysis.snapshot),
            "scale": presentation.scale_steps(),
            "class_names": list(presentation.CLASS_ORDER),  # the analysis's four
            "today": timezone.now(),
            # Printed, the brief names where its formulas are, in full.
            "model_url": request.build_absolute_uri(reverse("model")),
            "downloads": download_links(request, analysis.scenario, compare=True),
            # Governance architectures side by side, when ?architecture= asks.
            "side_by_side": _side_by_side(request, snapshot),
            # Real attacks of other catalogues against this mix (issue 26).
            "crossed_incidents": crosswalks.crossed_incident_lines(
                request, analysis.scenario
            ),
        }
    )
    return render(request, "taxonomy/brief.html", context)


def _side_by_side(request, snapshot) -> dict | None:
    """The comparison of the architectures ``?architecture=`` names (2 to 4,
    ``today`` among them), or None when it names none."""
    ids = [i for i in request.GET.getlist("architecture") if i.strip()]
    return brief_comparison(request, snapshot, ids) if ids else None
