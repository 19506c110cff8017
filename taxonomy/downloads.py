"""Downloads of a taxonomy in the interchange formats: STIX, Navigator, GraphML, CSV."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from taxonomy import presentation, selectors
from taxonomy.coverage import coverage_scenario
from taxonomy.graph.records import DEFAULT_TAXONOMY
from taxonomy.interchange import EXPORT_FORMATS
from taxonomy.interchange.common import UnknownTaxonomy


@require_GET
def export_download(request, format: str):
    """``<format>`` of ``?taxonomy=`` (default the seed) as a file to save.

    Navigator and CSV take the coverage page's scenario parameters
    (``disable_layer``, ``disable_mitigation``, ``maturity``, ``threshold``).
    """
    if format not in EXPORT_FORMATS:
        raise Http404(f"no export format {format!r}")
    taxonomy = request.GET.get("taxonomy") or DEFAULT_TAXONOMY
    try:
        scenario = coverage_scenario(**presentation.scenario_query_values(request.GET))
        text = selectors.taxonomy_export(
            format=format, taxonomy=taxonomy, scenario=scenario
        )
    except UnknownTaxonomy as e:
        raise Http404(str(e)) from e
    except ValueError as e:
        return HttpResponseBadRequest(str(e), content_type="text/plain")
    media_type, extension = EXPORT_FORMATS[format]
    response = HttpResponse(text, content_type=media_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{taxonomy}-{format}.{extension}"'
    )
    return response
