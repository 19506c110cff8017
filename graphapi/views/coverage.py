"""The coverage document, its diff against the baseline and the matrix as CSV,
for the graph now or for a named revision."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from graphapi import schema
from graphapi.caching import cached_get
from graphapi.formats import CSVRenderer, FirstRenderer
from graphapi.serializers.queries import (
    CoverageQuerySerializer,
    RobustnessQuerySerializer,
    threat_page,
)
from graphapi.views.common import ApiView, params, revision_taxonomy, scenario
from taxonomy import revisions, selectors
from taxonomy.analysis.report import coverage_document, render_csv, render_json

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


def _coverage_text(
    view: APIView, request: Request, *, fmt: str, diff_baseline: bool | None = None
) -> str:
    """The coverage document of the query (at ``view.token``) rendered as ``fmt``."""
    query = params(CoverageQuerySerializer, request)
    chosen = scenario(query)
    taxonomy = selectors.taxonomy_checked(token=view.token, taxonomy=query["taxonomy"])
    return selectors.coverage_rendered(
        token=view.token,
        taxonomy=taxonomy,
        scenario=chosen,
        threat=query.get("threat"),
        chains=query.get("chains"),
        diff_baseline=query["diff_baseline"]
        if diff_baseline is None
        else diff_baseline,
        fmt=fmt,
        page=threat_page(query),
    )


def _at_revision(*, fmt: str, diff_baseline: bool | None = None) -> Callable:
    """Decorate a coverage view's ``get``: with ``?revision=NAME`` (not ``current``)
    it answers for that named revision, computed on each request (a name can be
    moved with ``tag --force`` while the graph revision stays), else as before."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, request: Request, *args, **kwargs) -> HttpResponse:
            name = request.query_params.get("revision")
            if not name or name == revisions.CURRENT:
                return method(self, request, *args, **kwargs)
            query = params(CoverageQuerySerializer, request)
            document = coverage_document(
                revision_taxonomy(query["revision"]),
                scenario=scenario(query),
                threat=query.get("threat"),
                chains=query.get("chains"),
                diff_baseline=query["diff_baseline"]
                if diff_baseline is None
                else diff_baseline,
                page=threat_page(query),
            )
            if fmt == "csv":
                return HttpResponse(render_csv(document), content_type=CSV)
            return HttpResponse(render_json(document), content_type=JSON)

        return wrapper

    return decorate


@schema.coverage
class CoverageView(ApiView):
    @_at_revision(fmt="json")
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(
            _coverage_text(self, request, fmt="json"), content_type=JSON
        )


@schema.coverage_diff
class CoverageDiffView(ApiView):
    @_at_revision(fmt="json", diff_baseline=True)
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        text = _coverage_text(self, request, fmt="json", diff_baseline=True)
        return HttpResponse(text, content_type=JSON)


@schema.coverage_robustness
class CoverageRobustnessView(ApiView):
    @cached_get
    def get(self, request: Request) -> Response:
        query = params(RobustnessQuerySerializer, request)
        taxonomy = selectors.taxonomy_checked(
            token=self.token, taxonomy=query["taxonomy"]
        )
        entry = selectors.coverage_robustness(
            token=self.token,
            scenario=scenario(query),
            taxonomy=taxonomy,
            samples=query.get("samples"),
            seed=query.get("seed"),
        )
        return Response(entry)


@schema.coverage_matrix
class CoverageMatrixView(ApiView):
    renderer_classes = [CSVRenderer, JSONRenderer]
    content_negotiation_class = FirstRenderer

    @_at_revision(fmt="csv")
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(_coverage_text(self, request, fmt="csv"), content_type=CSV)
