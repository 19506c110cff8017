"""Crosswalks: the mapping sets, one set's page, its matrix, and another
catalogue's coverage read through a set (the coverage page with ``through=``)."""

from __future__ import annotations

from dataclasses import replace

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.domain.errors import NotFound, ScenarioError
from taxonomy.domain.mappings import PREDICATE_WORDS
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.selectors import crosswalk
from taxonomy.selectors.mappings import mapping_set_list
from taxonomy.web.pages.common import scenario_from
from taxonomy.web.present.crosswalks import (
    HEIGHT,
    WIDTH,
    catalogue_title,
    confidence_bars,
)


def _set_id_or_404(request) -> str:
    """The ``id`` query parameter (a set's IRI), else a 404."""
    set_id = request.GET.get("id", "").strip()
    if not set_id:
        raise Http404("Name a mapping set with ?id=.")
    return set_id


def _item_words(name: str) -> str:
    """A column heading for one side's items: "Our threat", "MITRE ATLAS item"."""
    return "Our threat" if name == DEFAULT_TAXONOMY else f"{catalogue_title(name)} item"


def _sides(heading: dict) -> dict:
    """A set's heading with ``ours`` (the seed's side when it joins the seed,
    else its object side) and ``other``, the catalogue read through it."""
    ours = (
        DEFAULT_TAXONOMY
        if DEFAULT_TAXONOMY in (heading["subject"], heading["object"])
        else heading["object"]
    )
    other = heading["subject"] if ours == heading["object"] else heading["object"]
    return heading | {
        "ours": ours,
        "other": other,
        "subject_title": catalogue_title(heading["subject"]),
        "object_title": catalogue_title(heading["object"]),
        "other_title": catalogue_title(other),
        "subject_item": _item_words(heading["subject"]),
        "object_item": _item_words(heading["object"]),
        # The query an item's page needs (none for the seed's).
        "subject_query": ""
        if heading["subject"] == DEFAULT_TAXONOMY
        else heading["subject"],
        "object_query": ""
        if heading["object"] == DEFAULT_TAXONOMY
        else heading["object"],
    }


@require_safe
def crosswalk_list(request):
    """Every mapping set, with where to read it."""
    sets = [_sides(crosswalk.set_heading(s)) for s in mapping_set_list()]
    return render(request, "taxonomy/crosswalks.html", {"sets": sets})


@require_safe
def mapping_set_page(request):
    """One set: rows, predicates, confidence histogram, unmapped items."""
    set_id = _set_id_or_404(request)
    try:
        document = crosswalk.mapping_set_page(mapping_set_id=set_id)
    except NotFound as error:
        raise Http404(f"No mapping set {set_id!r}.") from error
    context = {
        "set": document,
        "sides": _sides(document),
        "bars": confidence_bars(document["histogram"]),
        "chart": {"width": WIDTH, "height": HEIGHT},
        "predicate_words": PREDICATE_WORDS,
    }
    return render(request, "taxonomy/crosswalk_set.html", context)


@require_safe
def crosswalk_matrix(request):
    """A set as a matrix: our threats × the other side's items it names."""
    set_id = _set_id_or_404(request)
    ours = request.GET.get("ours", "").strip() or DEFAULT_TAXONOMY
    try:
        matrix = crosswalk.crosswalk_matrix_page(mapping_set_id=set_id, taxonomy=ours)
    except ScenarioError as error:
        raise Http404(f"No mapping set {set_id!r} joining {ours!r}.") from error
    rows = [
        {
            "id": t,
            "name": matrix["names"][t],
            "cells": [matrix["cells"][t].get(c) for c in matrix["columns"]],
        }
        for t in matrix["rows"]
    ]
    return render(
        request, "taxonomy/crosswalk_matrix.html", {"matrix": matrix, "rows": rows}
    )


def crosswalk_coverage(request):
    """The request's taxonomy read through ``through=`` onto ours: each item's
    counted coverage, the row that gives it and the loose upper bound (the
    coverage page's view with ``through=``, which resolves the taxonomy)."""
    context = {"taxonomy_name": request.taxonomy.name}
    if request.GET.get("revision", "current") != "current":
        context["scenario_error"] = (
            "through= reads a mapping set against the graph now only, not a "
            "named revision: drop through= to see the revision, or revision= "
            "to read through the mapping set"
        )
        return render(request, "taxonomy/crosswalk_coverage.html", context, status=400)
    try:
        scenario = scenario_from(request)
        document = crosswalk.crosswalk_coverage(
            taxonomy=request.taxonomy.name,
            scenario=scenario,
            token=selectors.revision_token(),
        )
    except (ScenarioError, ValueError) as error:
        context["scenario_error"] = str(error)
        return render(request, "taxonomy/crosswalk_coverage.html", context, status=400)
    context |= {"document": document, "scenario": scenario}
    return render(request, "taxonomy/crosswalk_coverage.html", context)


def crossed_incident_lines(request, scenario) -> list[dict]:
    """For the seed's brief: per mapping set that joins it to a catalogue with
    documented incidents, that catalogue's incidents replayed against this
    scenario through the set (``{set, taxonomy, report}``); none elsewhere."""
    if request.taxonomy.query:
        return []
    token = selectors.revision_token()
    counts = selectors.taxonomy_counts(token=token)
    lines = []
    for mapping_set in mapping_set_list(taxonomy=DEFAULT_TAXONOMY):
        heading = _sides(crosswalk.set_heading(mapping_set))
        other = heading["other"]
        if other == DEFAULT_TAXONOMY or not counts.get(other, {}).get("incidents"):
            continue
        report = crosswalk.crossed_incident_report(
            taxonomy=other,
            scenario=replace(scenario, through=heading["id"]),
            token=token,
        )
        lines.append({"set": heading, "taxonomy": other, "report": report})
    return lines
