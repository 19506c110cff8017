"""Downloads of a taxonomy in the formats the registry offers the pages
(``taxonomy.formats.registry``): fixtures, STIX, Navigator, GraphML, CSV, and
the coverage document of a scenario (``coverage``)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_safe

from taxonomy import selectors
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.errors import UnknownTaxonomy
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_params import scenario_values
from taxonomy.formats.registry import PAGES, export_format
from taxonomy.selectors.coverage import coverage_scenario

# The coverage document (docs/coverage.md) of the scenario: what the API's
# /coverage/ answers, here for any taxonomy.
SCENARIO_FORMAT = "coverage"


@require_safe
def export_download(request, format: str):
    """``<format>`` of ``?taxonomy=`` (default the seed) as a file to save.

    ``coverage`` (the scenario's coverage document, ``compare=baseline`` adds
    the diff), Navigator and CSV take the coverage page's scenario parameters
    (``taxonomy.domain.scenario_params.PARAM_NAMES``); ``json`` is the taxonomy's
    canonical document, as in the API.
    """
    try:
        written = export_format(format, PAGES)
    except ValueError as e:
        raise Http404(str(e)) from e
    taxonomy = request.GET.get("taxonomy") or DEFAULT_TAXONOMY
    try:
        scenario = coverage_scenario(**scenario_values(request.GET))
        text = _download_text(request, format, taxonomy, scenario)
    except UnknownTaxonomy as e:
        raise Http404(str(e)) from e
    except ValueError as e:
        return HttpResponseBadRequest(str(e), content_type="text/plain")
    name = "scenario" if format == SCENARIO_FORMAT else format
    response = HttpResponse(text, content_type=written.media_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{taxonomy}-{name}.{written.extension}"'
    )
    return response


def _download_text(request, format: str, taxonomy: str, scenario: Scenario) -> str:
    """The file's text; raises UnknownTaxonomy, or ValueError for a bad scenario."""
    if format != SCENARIO_FORMAT:
        return selectors.taxonomy_export(
            format=format, taxonomy=taxonomy, scenario=scenario
        )
    known = selectors.taxonomy_names()
    if taxonomy != DEFAULT_TAXONOMY and taxonomy not in known:
        raise UnknownTaxonomy(taxonomy, known)
    query = CoverageQuery(
        taxonomy=taxonomy,
        scenario=scenario,
        diff_baseline=request.GET.get("compare") == "baseline",
    )
    return selectors.coverage_rendered(query)
