"""Whole taxonomies: the ones the graph holds, the graph for visualisation, and
export and import in the fixture, ATLAS, STIX, Navigator, GraphML and CSV formats."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.caching import cached_get
from graphapi.exceptions import InvalidParameter
from graphapi.formats import YAML_PARSERS, FirstRenderer, UnreadJSON, UnreadJSONParser
from graphapi.serializers import queries
from graphapi.serializers.documents import GRAPH_NODE_KINDS
from graphapi.serializers.records import TaxonomyCountSerializer
from graphapi.views.common import (
    ApiGenericView,
    ApiView,
    classes,
    current,
    params,
    scenario,
)
from taxonomy import selectors, services
from taxonomy.domain.kinds import items_of
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.common import DEFAULT_STRENGTH
from taxonomy.formats.registry import FORMATS

CATALOGUE_MEDIA_TYPES = {"application/json", *(p.media_type for p in YAML_PARSERS)}


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
    )


@schema.export
class ExportView(ApiView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer

    @cached_get
    def get(self, request: Request) -> HttpResponse:
        query = params(queries.ExportQuerySerializer, request)
        name = selectors.taxonomy_checked(token=self.token, taxonomy=query["taxonomy"])
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
        if query["format"] != "fixtures":
            return _catalogue_import(request, query)
        # Both read as streams: an item at a time is built, checked, kept.
        if isinstance(request.data, str):
            taxonomy = fixtures_yaml.load_fixture_text(request.data)
        elif isinstance(request.data, UnreadJSON):
            taxonomy = document_json.taxonomy_from_document_stream(request.body)
        else:  # no body at all: the empty document
            taxonomy = document_json.taxonomy_from_document(request.data)
        result = services.taxonomy_import(
            taxonomy=taxonomy,
            prune=query["prune"],
            dry_run=query["dry_run"],
            actor=request.user,
            # the worker lives on: answer at the switch, settle after
            settle_in_background=True,
        )
        return Response(
            {
                "dry_run": result.dry_run,
                "revision": result.revision,
                "changes": result.changes.as_dict(),
                "impact": result.impact,
                "write": result.write.as_dict(),
            }
        )


def _catalogue_import(request: Request, query: dict[str, Any]) -> Response:
    """An ATLAS file or STIX bundle, handed to the parser as the raw body."""
    media_type = request.content_type.split(";")[0].strip()
    if media_type not in CATALOGUE_MEDIA_TYPES:
        raise UnsupportedMediaType(media_type)
    result = services.catalogue_import(
        format=query["format"],
        data=request.body,
        taxonomy=query.get("taxonomy"),
        layer_map=query.get("layer_map"),
        default_strength=query.get("default_strength", DEFAULT_STRENGTH),
        dry_run=query["dry_run"],
        allow_removals=query.get("allow_removals", False),
        actor=request.user,
        channel="api",
        settle_in_background=True,
    )
    report = result.report
    return Response(
        {
            "dry_run": result.dry_run,
            "revision": result.revision,
            "format": report.format,
            "write": result.write.as_dict(),
            "taxonomy": report.taxonomy,
            "title": report.title,
            "changes": result.changes.as_dict(),
            "summary": result.summary(),
            "ignored": dict(report.ignored),
            "warnings": report.warnings,
        }
    )
