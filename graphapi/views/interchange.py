"""Whole taxonomies: the ones the graph holds, the graph for visualisation, and
export and import in the fixture, ATLAS, STIX, Navigator, GraphML and CSV formats
(and import of the AI Atlas Nexus catalogues of the installed package)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import imports, jobs, schema
from graphapi.caching import cached_get
from graphapi.exceptions import InvalidParameter
from graphapi.formats import YAML_PARSERS, FirstRenderer, UnreadJSONParser
from graphapi.serializers import queries
from graphapi.serializers.documents import GRAPH_NODE_KINDS
from graphapi.serializers.history import TaxonomyCountSerializer
from graphapi.views.common import (
    ApiGenericView,
    ApiView,
    checked_params,
    classes,
    current,
    params,
    scenario,
)
from graphapi.views.jobs import job_document
from taxonomy import selectors
from taxonomy.domain.kinds import items_of
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.formats.registry import FORMATS


@schema.taxonomies
class TaxonomyCollection(ApiGenericView):
    serializer_class = TaxonomyCountSerializer

    @cached_get
    def get(self, request: Request) -> Response:
        counts = selectors.taxonomy_counts(token=self.token)
        rows = [
            {"name": name, "default": name == DEFAULT_TAXONOMY, **kinds}
            for name, kinds in counts.items()
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _node_ref(taxonomy: Taxonomy, around: str | None) -> str | None:
    """``around`` as a graph node id (``kind:id``); a bare id must name one node."""
    if around is None:
        return None
    kinds = [
        kind
        for kind in GRAPH_NODE_KINDS
        if any(item.id == around for item in items_of(taxonomy, kind))
    ]
    prefix, _, rest = around.partition(":")
    if prefix in GRAPH_NODE_KINDS and rest and not kinds:
        return around
    if len(kinds) == 1:
        return f"{kinds[0]}:{around}"
    if kinds:
        choices = ", ".join(f"{k}:{around}" for k in kinds)
        raise InvalidParameter(
            {"around": [f"{around!r} is ambiguous; use one of {choices}"]}
        )
    raise InvalidParameter({"around": [f"no node {around!r}"]})


@schema.graph
class GraphView(ApiView):
    @cached_get
    def get(self, request: Request) -> Response:
        query = params(queries.GraphQuerySerializer, request)
        token, taxonomy = current(self, query["taxonomy"])
        around = _node_ref(taxonomy, query.get("around"))
        try:
            data = selectors.graph_elements(
                snapshot=taxonomy,
                around=around,
                depth=query["depth"],
                classes=classes(token, query["taxonomy"]),
            )
        except KeyError:
            raise InvalidParameter({"around": [f"no node {around!r}"]}) from None
        return Response(data)


def _export_text(name: str, query: dict[str, Any]) -> str:
    """The taxonomy ``name`` in the query's format."""
    return selectors.taxonomy_export(
        format=query["format"],
        taxonomy=name,
        scenario=scenario(query),
        domain=query.get("domain"),
        mapping_set=query.get("mapping_set"),
    )


@schema.export
class ExportView(ApiView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer

    @cached_get
    def get(self, request: Request) -> HttpResponse:
        query, name = checked_params(self, queries.ExportQuerySerializer, request)
        fmt = query["format"]
        written = FORMATS[fmt]
        response = HttpResponse(
            _export_text(name, query), content_type=written.media_type
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{name}-{fmt}.{written.extension}"'
        )
        return response


@schema.import_
class ImportView(ApiView):
    parser_classes = [UnreadJSONParser, *YAML_PARSERS]

    def post(self, request: Request) -> Response:
        query = params(queries.ImportQuerySerializer, request)
        body = request.body
        if query["format"] == "fixtures":
            # The parsers: 415 for a body of no known type, 400 for YAML not UTF-8.
            request.data  # noqa: B018
        media_type = imports.media_type_of(request.content_type)
        imports.check_media_type(query, media_type)
        imports.check_body(query, body)
        if jobs.runs_as_job(len(body), request.headers.get("Prefer")):
            job = jobs.start(query, media_type, body, request.user)
            document = job_document(job)
            return Response(
                document,
                status=202,
                headers={
                    "Location": document["url"],
                    "Preference-Applied": "respond-async",
                },
            )
        return Response(
            imports.run_import(
                query,
                media_type,
                body,
                actor=request.user,
                # the worker lives on: answer at the switch, settle after
                settle_in_background=True,
            )
        )
