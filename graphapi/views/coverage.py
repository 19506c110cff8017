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
from graphapi.views.common import ApiView, checked_params, params, scenario
from taxonomy import selectors
from taxonomy.domain.coverage_query import CURRENT, CoverageQuery
from taxonomy.domain.errors import NotFound, RevisionError

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


def _coverage_query(request: Request, *, diff: bool = False) -> CoverageQuery:
    """The coverage query of the request's parameters (``diff``: the diff
    view's, which always compares with the baseline)."""
    query = params(CoverageQuerySerializer, request)
    return CoverageQuery(
        taxonomy=query["taxonomy"],
        revision=query.get("revision") or CURRENT,
        scenario=scenario(query),
        threat=query.get("threat"),
        chains=query.get("chains"),
        diff_baseline=diff or query["diff_baseline"],
        page=threat_page(query),
    )


def _coverage_answer(
    view: APIView, request: Request, *, fmt: str, diff: bool = False
) -> HttpResponse:
    """The coverage document of the request rendered as ``fmt``, through the
    coverage selector (at ``view.token``, the token the cached GET read)."""
    query = _coverage_query(request, diff=diff)
    token = getattr(view, "token", None) or selectors.revision_token()
    if query.is_current:
        selectors.taxonomy_checked(token=token, taxonomy=query.taxonomy)
    try:
        text = selectors.coverage_rendered(query, fmt=fmt, token=token)
    except RevisionError:
        raise NotFound("revision", query.revision) from None
    return HttpResponse(text, content_type=CSV if fmt == "csv" else JSON)


def _at_revision(method: Callable) -> Callable:
    """Decorate a coverage view's ``get``: with ``?revision=NAME`` (not
    ``current``) the whole-answer cache of the URL is skipped (a name can be
    moved with ``tag --force`` while the graph revision stays); the selector
    still caches the document by which recording the name holds."""

    @functools.wraps(method)
    def wrapper(self, request: Request, *args, **kwargs) -> HttpResponse:
        name = request.query_params.get("revision")
        if not name or name == CURRENT:
            return method(self, request, *args, **kwargs)
        return method.__wrapped__(self, request, *args, **kwargs)

    return wrapper


@schema.coverage
class CoverageView(ApiView):
    @_at_revision
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        return _coverage_answer(self, request, fmt="json")


@schema.coverage_diff
class CoverageDiffView(ApiView):
    @_at_revision
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        return _coverage_answer(self, request, fmt="json", diff=True)


@schema.coverage_robustness
class CoverageRobustnessView(ApiView):
    @cached_get
    def get(self, request: Request) -> Response:
        query, taxonomy = checked_params(self, RobustnessQuerySerializer, request)
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

    @_at_revision
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        return _coverage_answer(self, request, fmt="csv")
