"""Governance architectures side by side: the comparison page and its downloads."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from taxonomy.domain.errors import NotFound, ScenarioError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.formats.registry import FORMATS
from taxonomy.selectors.architecture_comparison import (
    RENDERERS,
    architecture_choices,
    architecture_comparison,
    architecture_comparison_rendered,
)
from taxonomy.web import present as presentation
from taxonomy.web.pages.common import in_taxonomy, names_by_kind, read_snapshot
from taxonomy.web.present import architectures as side_by_side

TEMPLATE = "taxonomy/architecture_compare.html"
# The downloads' media types, as the registry gives them.
MEDIA = {"csv": FORMATS["csv"].media_type, "json": "application/json"}


def _names(snapshot) -> dict[str, str]:
    """Every display name the page's sentences use, by id."""
    names: dict[str, str] = {}
    for by_id in names_by_kind(snapshot).values():
        names |= by_id
    return names


def side_by_side_context(snapshot, document: dict) -> dict:
    """What the comparison's tables show (the page and the brief)."""
    names = _names(snapshot) | {a["id"]: a["name"] for a in document["architectures"]}
    return {
        "document": document,
        "differing": side_by_side.threat_rows(document, names, only_differing=True),
        "every_threat": side_by_side.threat_rows(document, names, only_differing=False),
        "glance": side_by_side.glance_rows(document),
        "assumption_lines": side_by_side.assumption_lines(document),
        # The analysis's four classes: the crosswalk's two (loosely mapped,
        # outside the taxonomy) never occur in a comparison.
        "class_info": {c: presentation.CLASS_INFO[c] for c in presentation.CLASS_ORDER},
    }


def brief_comparison(request, snapshot, ids: list[str]) -> dict:
    """The brief's comparison of the architectures ``?architecture=`` names:
    its tables, or the problem in words (the brief is printed all the same)."""
    try:
        document = architecture_comparison(
            ids=ids, taxonomy=request.taxonomy.name, token=request.graph_token
        )
    except NotFound as error:
        return {"problem": f"There is no governance architecture {error.key!r}."}
    except (ValueError, ScenarioError) as error:
        return {"problem": f"These cannot be compared: {error}."}
    return side_by_side_context(snapshot, document)


@require_safe
@in_taxonomy
def architecture_compare(request):
    """2 to 4 governance architectures (or one and today) side by side."""
    snapshot = read_snapshot(request)
    chosen = [i for i in request.GET.getlist("a") if i.strip()]
    keep = request.taxonomy.query
    context = {
        "boxes": side_by_side.choice_boxes(
            chosen, architecture_choices(taxonomy=snapshot)
        ),
        "document": None,
    }
    if not chosen:
        return render(request, TEMPLATE, context)
    try:
        document = architecture_comparison(
            ids=chosen, taxonomy=request.taxonomy.name, token=request.graph_token
        )
    except NotFound as error:
        context["problem"] = f"There is no governance architecture {error.key!r}."
        return render(request, TEMPLATE, context, status=404)
    except (ValueError, ScenarioError) as error:
        context["problem"] = f"These cannot be compared: {error}."
        return render(request, TEMPLATE, context, status=400)
    query = side_by_side.compare_query(chosen, **keep)
    context |= side_by_side_context(snapshot, document) | {
        "matrix_url": reverse("coverage"),
        "downloads": [
            (
                f"This comparison ({fmt.upper()})",
                reverse("architecture-compare-download", args=[fmt]) + query,
            )
            for fmt in RENDERERS
        ],
    }
    return render(request, TEMPLATE, context)


@require_safe
def architecture_compare_download(request, fmt: str):
    """The comparison as a CSV or JSON file to save."""
    if fmt not in RENDERERS:
        raise Http404(f"no download format {fmt!r}: csv or json")
    taxonomy = request.GET.get("taxonomy") or DEFAULT_TAXONOMY
    try:
        text = architecture_comparison_rendered(
            ids=request.GET.getlist("a"), fmt=fmt, taxonomy=taxonomy
        )
    except NotFound as error:
        raise Http404(str(error)) from error
    except (ValueError, ScenarioError) as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    response = HttpResponse(text, content_type=MEDIA[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{taxonomy}-architectures.{fmt}"'
    )
    return response
