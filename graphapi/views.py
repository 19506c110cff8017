"""REST endpoints under /api/v1/: thin views that validate, call one selector or
service, and render.

Reads answer for the graph's current revision token (``graphapi.caching``):
a repeated read is one token check and a cache lookup, and the taxonomy
itself is re-read from Neo4j only after a write. Reads answer for one
taxonomy, ``?taxonomy=`` (default the seed); one the graph does not hold is 404.
Writes go through ``taxonomy.services`` and are single transactions.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from graphapi import serializers as s
from graphapi.caching import cached_get
from graphapi.etags import etag, expected_versions
from graphapi.exceptions import InvalidParameter, json_error
from graphapi.formats import YAML_PARSERS, CSVRenderer, FirstRenderer
from graphapi.schema import errors, fixture_file_schema
from taxonomy import audit, revisions, selectors, services
from taxonomy.analysis.report import coverage_document, render_csv, render_json
from taxonomy.domain.errors import NotFound
from taxonomy.domain.records import DEFAULT_TAXONOMY, Mitigates
from taxonomy.formats import EXPORT_FORMATS, fixtures
from taxonomy.formats.common import DEFAULT_STRENGTH
from taxonomy.graph.repository import NODE_KINDS, TAXONOMY_FIELDS
from taxonomy.selectors.comparison import taxonomy_comparison
from taxonomy.selectors.coverage import coverage_scenario

FIXTURE_FILE = fixture_file_schema()
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="Change only if the item is still at this version: its ETag "
    '(e.g. "threat:guardrail-removal:v3"), a bare version number, or *. '
    "A stale one gets 412 and changes nothing.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The item's version tag; send it back in If-Match.",
)


# --- Helpers -------------------------------------------------------------------------


def _params(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    """Validated query parameters (422 naming each bad one)."""
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise InvalidParameter(serializer.errors)
    return serializer.validated_data


def _body(serializer: Serializer) -> dict[str, Any]:
    """Validated body fields (422 naming each bad one)."""
    if not serializer.is_valid():
        raise InvalidParameter(serializer.errors)
    return serializer.validated_data


def _current(view: APIView, name: str = DEFAULT_TAXONOMY):
    """The revision token the cached GET read (``view.token``) and the taxonomy
    ``name`` at it; UnknownTaxonomy (404) if the graph holds none of it."""
    selectors.taxonomy_checked(token=view.token, taxonomy=name)
    return view.token, selectors.taxonomy_at(token=view.token, taxonomy=name)


def _taxonomy(view: APIView, request: Request) -> tuple[str, Any]:
    """``_current`` for the ``?taxonomy=`` of a read without other parameters."""
    return _current(view, _params(s.TaxonomyQuerySerializer, request)["taxonomy"])


def _with_key(data: Any, fields: dict[str, str]) -> Any:
    """The body with the URL's identifying fields; 422 if the body names others."""
    if not isinstance(data, dict):
        return data
    for field, value in fields.items():
        if field in data and data[field] != value:
            raise InvalidParameter(
                {
                    field: [
                        f"must be {value!r}, as in the URL (an item's identity cannot change)"
                    ]
                }
            )
    return {**data, **fields}


def _frozen(value: Any) -> Any:
    """A list from a serializer as the tuple a frozen record holds."""
    return tuple(value) if isinstance(value, list) else value


def _item(
    data: Any, *, kind: str, key: str, version: int, code: int = 200, location: str = ""
) -> Response:
    response = Response(data, status=code)
    response["ETag"] = etag(kind, key, version)
    if location:
        response["Location"] = location
    return response


# --- Health --------------------------------------------------------------------------


@extend_schema(
    tags=["health"],
    summary="Is the web server up? (does not touch Neo4j)",
    responses={200: s.PingSerializer},
    extensions={"x-no-graph": True},
)
class PingView(APIView):
    """A trivial answer from the web server alone: a liveness check and the
    benchmark's baseline. It does not touch Neo4j."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


@extend_schema(
    tags=["health"],
    summary="Is Neo4j reachable? 503 when it is not.",
    responses={200: s.HealthSerializer},
)
class HealthView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        revision = selectors.revision_of(selectors.revision_token(fresh=True))
        return Response(
            {"status": "ok", "neo4j": selectors.server_version(), "revision": revision}
        )


# --- Nodes: layers, threats, mitigations, sources ---------------------------------------


class NodeCollection(GenericAPIView):
    """List (filtered, paginated, in id order) and create nodes of one kind."""

    kind: str
    filter_class: type[Serializer] = s.TextFilterSerializer
    item_serializer: type[Serializer]

    def select(self, taxonomy, token: str, params: dict[str, Any]) -> list:
        raise NotImplementedError

    def extra_context(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        """What the list's serializer needs besides the records."""
        return {}

    @cached_get
    def get(self, request: Request) -> Response:
        params = _params(self.filter_class, request)
        token, taxonomy = _current(self, params["taxonomy"])
        page = self.paginate_queryset(self.select(taxonomy, token, params))
        context = {**self.get_serializer_context(), **self.extra_context(token, params)}
        data = self.get_serializer_class()(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def post(self, request: Request) -> Response:
        values = _body(self.item_serializer(data=request.data))
        record = NODE_KINDS[self.kind][1](**{k: _frozen(v) for k, v in values.items()})
        stored = services.node_create(kind=self.kind, record=record, actor=request.user)
        return _item(
            self.item_serializer(stored).data,
            kind=self.kind,
            key=stored.id,
            version=stored.version,
            code=status.HTTP_201_CREATED,
            location=reverse(f"api:{self.kind}-detail", args=[stored.id]),
        )


class NodeItem(GenericAPIView):
    """Read (with embeds), replace, change and delete one node."""

    kind: str
    item_serializer: type[Serializer]

    def detail(self, taxonomy, token: str, key: str, name: str) -> dict[str, Any]:
        """The item ``key`` of ``taxonomy`` (named ``name``) with its embeds."""
        raise NotImplementedError

    @cached_get
    def get(self, request: Request, key: str) -> Response:
        name = _params(s.TaxonomyQuerySerializer, request)["taxonomy"]
        token, taxonomy = _current(self, name)
        detail = self.detail(taxonomy, token, key, name)
        record = detail[self.kind]
        data = self.get_serializer_class()(s.flatten(detail, self.kind)).data
        return _item(data, kind=self.kind, key=key, version=record.version)

    def put(self, request: Request, key: str) -> Response:
        return self._update(request, key, partial=False)

    def patch(self, request: Request, key: str) -> Response:
        return self._update(request, key, partial=True)

    def _update(self, request: Request, key: str, *, partial: bool) -> Response:
        data = _with_key(request.data, {"id": key})
        values = _body(self.item_serializer(data=data, partial=partial))
        # The serializer's default would move an item left without a
        # taxonomy into the seed; only a taxonomy the body names is checked.
        if "taxonomy" not in data:
            values.pop("taxonomy", None)
        stored = services.node_update(
            kind=self.kind,
            key=key,
            changes={k: v for k, v in values.items() if k != "id"},
            expected=expected_versions(request, self.kind, key),
            actor=request.user,
        )
        data = self.item_serializer(stored).data
        return _item(data, kind=self.kind, key=key, version=stored.version)

    def delete(self, request: Request, key: str) -> Response:
        params = _params(s.CascadeSerializer, request)
        services.node_delete(
            kind=self.kind,
            key=key,
            expected=expected_versions(request, self.kind, key),
            cascade=params["cascade"],
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _collection_schema(plural: str, item: type, summary: type, filters: type):
    return extend_schema_view(
        get=extend_schema(
            tags=[plural],
            summary=f"List {plural} in id order",
            description="Paginated with limit and offset; the filters combine (AND). "
            "An unknown taxonomy is 404.",
            parameters=[filters],
            responses={200: summary(many=True), **errors(404, 422)},
        ),
        post=extend_schema(
            tags=[plural],
            summary=f"Create one of the {plural}",
            description="Answers with the item as stored (version 1), its ETag and "
            "its Location. An id in use is 409; an unknown reference 422.",
            request=item,
            responses={201: item, **errors(400, 409, 415, 422)},
            parameters=[ETAG],
        ),
    )


def _item_schema(plural: str, item: type, detail: type, delete_note: str):
    key = OpenApiParameter(
        "key", str, OpenApiParameter.PATH, description="The id.", pattern=s.ID_PATTERN
    )
    return extend_schema_view(
        get=extend_schema(
            tags=[plural],
            summary="Read one, with what it links to",
            description="The ETag names the item's version, for If-Match. An item "
            "of another taxonomy than `taxonomy` is 404.",
            parameters=[key, s.TaxonomyQuerySerializer, ETAG],
            responses={200: detail, **errors(404, 422)},
        ),
        put=extend_schema(
            tags=[plural],
            summary="Replace every field (the id stays)",
            description="Fields left out take their defaults. Answers with the item "
            "as stored (without embeds) and its new ETag.",
            parameters=[key, IF_MATCH, ETAG],
            request=item,
            responses={200: item, **errors(400, 404, 412, 415, 422)},
        ),
        patch=extend_schema(
            tags=[plural],
            summary="Change some fields",
            description="Only the fields sent change. Answers with the item as "
            "stored (without embeds) and its new ETag.",
            parameters=[key, IF_MATCH, ETAG],
            request=item,
            responses={200: item, **errors(400, 404, 412, 415, 422)},
        ),
        delete=extend_schema(
            tags=[plural],
            summary="Delete one",
            description=delete_note,
            parameters=[key, IF_MATCH, s.CascadeSerializer],
            responses={204: None, **errors(400, 404, 409, 412, 422)},
        ),
    )


@_collection_schema(
    "layers", s.LayerSerializer, s.LayerSerializer, s.TextFilterSerializer
)
class LayerCollection(NodeCollection):
    kind = "layer"
    serializer_class = item_serializer = s.LayerSerializer

    def select(self, taxonomy, token, params):
        return selectors.layer_list(taxonomy=taxonomy, q=params.get("q"))


@_item_schema(
    "layers",
    s.LayerSerializer,
    s.LayerDetailSerializer,
    "Refused with 409 while mitigations are in the layer; with cascade=true "
    "they are deleted too, with their links.",
)
class LayerItem(NodeItem):
    kind = "layer"
    item_serializer = s.LayerSerializer
    serializer_class = s.LayerDetailSerializer

    def detail(self, taxonomy, token, key, name):
        return selectors.layer_detail(taxonomy=taxonomy, key=key)


@_collection_schema(
    "threats", s.ThreatSerializer, s.ThreatSummarySerializer, s.ThreatFilterSerializer
)
class ThreatCollection(NodeCollection):
    kind = "threat"
    filter_class = s.ThreatFilterSerializer
    serializer_class = s.ThreatSummarySerializer
    item_serializer = s.ThreatSerializer

    def select(self, taxonomy, token, params):
        return selectors.threat_list(
            taxonomy=taxonomy,
            classes=_classes(token, params["taxonomy"]),
            q=params.get("q"),
            layer=params.get("layer"),
            mitigation=params.get("mitigation"),
            coverage_class=params.get("class"),
        )

    def extra_context(self, token, params):
        return {"classes": _classes(token, params["taxonomy"])}


def _classes(token: str, taxonomy: str) -> dict[str, str]:
    """Threat id -> its coverage class with nothing disabled."""
    baseline = selectors.coverage_baseline(token=token, taxonomy=taxonomy)
    return {threat: entry["class"] for threat, entry in baseline.items()}


@_item_schema(
    "threats",
    s.ThreatSerializer,
    s.ThreatDetailSerializer,
    "Refused with 409 while links involve the threat; cascade=true deletes them too.",
)
class ThreatItem(NodeItem):
    kind = "threat"
    item_serializer = s.ThreatSerializer
    serializer_class = s.ThreatDetailSerializer

    def detail(self, taxonomy, token, key, name):
        coverage = selectors.coverage_baseline(token=token, taxonomy=name).get(key)
        return selectors.threat_detail(taxonomy=taxonomy, key=key, coverage=coverage)


@_collection_schema(
    "mitigations",
    s.MitigationSerializer,
    s.MitigationSerializer,
    s.MitigationFilterSerializer,
)
class MitigationCollection(NodeCollection):
    kind = "mitigation"
    filter_class = s.MitigationFilterSerializer
    serializer_class = item_serializer = s.MitigationSerializer

    def select(self, taxonomy, token, params):
        return selectors.mitigation_list(
            taxonomy=taxonomy,
            q=params.get("q"),
            layer=params.get("layer"),
            maturity=params.get("maturity"),
            threat=params.get("threat"),
        )


@_item_schema(
    "mitigations",
    s.MitigationSerializer,
    s.MitigationDetailSerializer,
    "Refused with 409 while links involve the mitigation; cascade=true deletes them too.",
)
class MitigationItem(NodeItem):
    kind = "mitigation"
    item_serializer = s.MitigationSerializer
    serializer_class = s.MitigationDetailSerializer

    def detail(self, taxonomy, token, key, name):
        return selectors.mitigation_detail(taxonomy=taxonomy, key=key)


@_collection_schema(
    "sources", s.SourceSerializer, s.SourceSerializer, s.TextFilterSerializer
)
class SourceCollection(NodeCollection):
    kind = "source"
    serializer_class = item_serializer = s.SourceSerializer

    def select(self, taxonomy, token, params):
        return selectors.source_list(taxonomy=taxonomy, q=params.get("q"))


@_item_schema(
    "sources",
    s.SourceSerializer,
    s.SourceDetailSerializer,
    "Refused with 409 while MITIGATES links cite the source; cascade=true "
    "removes it from their sources.",
)
class SourceItem(NodeItem):
    kind = "source"
    item_serializer = s.SourceSerializer
    serializer_class = s.SourceDetailSerializer

    def detail(self, taxonomy, token, key, name):
        return selectors.source_detail(taxonomy=taxonomy, key=key)


# --- Links ---------------------------------------------------------------------------


def _end(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, description=description, pattern=s.ID_PATTERN
    )


MITIGATES_ENDS = [
    _end("mitigation", "The mitigation's id."),
    _end("threat", "The threat's id."),
]


@extend_schema_view(
    get=extend_schema(
        tags=["mitigates"],
        summary="List MITIGATES links by (mitigation, threat)",
        description="Those whose mitigation is of `taxonomy`.",
        parameters=[s.MitigatesFilterSerializer],
        responses={200: s.MitigatesSerializer(many=True), **errors(404, 422)},
    ),
    post=extend_schema(
        tags=["mitigates"],
        summary="Create a MITIGATES link",
        description="Its mitigation, threat and sources must exist (422 names the field).",
        parameters=[ETAG],
        responses={201: s.MitigatesSerializer, **errors(400, 409, 415, 422)},
    ),
)
class MitigatesCollection(GenericAPIView):
    serializer_class = s.MitigatesSerializer

    @cached_get
    def get(self, request: Request) -> Response:
        params = _params(s.MitigatesFilterSerializer, request)
        _, taxonomy = _current(self, params.pop("taxonomy"))
        links = selectors.mitigates_list(taxonomy=taxonomy, **params)
        page = self.paginate_queryset(links)
        return self.get_paginated_response(s.MitigatesSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        values = _body(s.MitigatesSerializer(data=request.data))
        record = Mitigates(**{k: _frozen(v) for k, v in values.items()})
        stored = services.mitigates_create(record=record, actor=request.user)
        return _mitigates_response(stored, code=status.HTTP_201_CREATED)


def _mitigates_response(link: Mitigates, code: int = 200) -> Response:
    key = f"{link.mitigation}->{link.threat}"
    location = reverse("api:mitigates-detail", args=[link.mitigation, link.threat])
    return _item(
        s.MitigatesSerializer(link).data,
        kind="mitigates",
        key=key,
        version=link.version,
        code=code,
        location=location if code == status.HTTP_201_CREATED else "",
    )


@extend_schema_view(
    get=extend_schema(
        tags=["mitigates"],
        summary="Read one MITIGATES link",
        parameters=[*MITIGATES_ENDS, s.TaxonomyQuerySerializer, ETAG],
        responses={200: s.MitigatesSerializer, **errors(404, 422)},
    ),
    put=extend_schema(
        tags=["mitigates"],
        summary="Replace strength, rationale and sources",
        parameters=[*MITIGATES_ENDS, IF_MATCH, ETAG],
        request=s.MitigatesChangeSerializer,
        responses={200: s.MitigatesSerializer, **errors(400, 404, 412, 415, 422)},
    ),
    patch=extend_schema(
        tags=["mitigates"],
        summary="Change some of strength, rationale and sources",
        parameters=[*MITIGATES_ENDS, IF_MATCH, ETAG],
        request=s.MitigatesChangeSerializer,
        responses={200: s.MitigatesSerializer, **errors(400, 404, 412, 415, 422)},
    ),
    delete=extend_schema(
        tags=["mitigates"],
        summary="Delete one MITIGATES link",
        parameters=[*MITIGATES_ENDS, IF_MATCH],
        responses={204: None, **errors(400, 404, 412)},
    ),
)
class MitigatesItem(GenericAPIView):
    serializer_class = s.MitigatesSerializer

    @cached_get
    def get(self, request: Request, mitigation: str, threat: str) -> Response:
        _, taxonomy = _taxonomy(self, request)
        link = selectors.link_get(
            taxonomy=taxonomy, kind="mitigates", source=mitigation, target=threat
        )
        return _mitigates_response(link)

    def put(self, request: Request, mitigation: str, threat: str) -> Response:
        return self._update(request, mitigation, threat, partial=False)

    def patch(self, request: Request, mitigation: str, threat: str) -> Response:
        return self._update(request, mitigation, threat, partial=True)

    def _update(self, request: Request, mitigation: str, threat: str, *, partial: bool):
        data = _with_key(request.data, {"mitigation": mitigation, "threat": threat})
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("mitigation", "threat")}
        values = _body(s.MitigatesChangeSerializer(data=data, partial=partial))
        if "sources" in values:
            values["sources"] = tuple(values["sources"])
        stored = services.mitigates_update(
            mitigation=mitigation,
            threat=threat,
            changes=values,
            expected=expected_versions(request, "mitigates", f"{mitigation}->{threat}"),
            actor=request.user,
        )
        return _mitigates_response(stored)

    def delete(self, request: Request, mitigation: str, threat: str) -> Response:
        services.link_delete(
            kind="mitigates",
            source=mitigation,
            target=threat,
            expected=expected_versions(request, "mitigates", f"{mitigation}->{threat}"),
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


LINK_DOCS = {
    "enables": ("ENABLES", "source threat makes target threat possible or cheaper"),
    "requires": (
        "REQUIRES",
        "source mitigation cannot work without target mitigation; no cycles",
    ),
    "introduces": ("INTRODUCES", "source mitigation creates target threat"),
    "subtype": (
        "SUBTYPE_OF",
        "source threat is a special case of target threat; no cycles",
    ),
}


class LinkCollection(GenericAPIView):
    kind: str
    serializer_class = s.LinkSerializer

    @cached_get
    def get(self, request: Request) -> Response:
        params = _params(s.LinkFilterSerializer, request)
        _, taxonomy = _current(self, params.pop("taxonomy"))
        links = selectors.link_list(taxonomy=taxonomy, kind=self.kind, **params)
        page = self.paginate_queryset(links)
        return self.get_paginated_response(s.LinkSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        values = _body(s.LinkSerializer(data=request.data))
        link = services.link_create(kind=self.kind, actor=request.user, **values)
        return _item(
            s.LinkSerializer(link).data,
            kind=self.kind,
            key=f"{link.source}->{link.target}",
            version=link.version,
            code=status.HTTP_201_CREATED,
            location=reverse(
                f"api:{self.kind}-detail", args=[link.source, link.target]
            ),
        )


class LinkItem(GenericAPIView):
    kind: str
    serializer_class = s.LinkSerializer

    @cached_get
    def get(self, request: Request, source: str, target: str) -> Response:
        _, taxonomy = _taxonomy(self, request)
        link = selectors.link_get(
            taxonomy=taxonomy, kind=self.kind, source=source, target=target
        )
        key = f"{source}->{target}"
        return _item(
            s.LinkSerializer(link).data, kind=self.kind, key=key, version=link.version
        )

    def delete(self, request: Request, source: str, target: str) -> Response:
        key = f"{source}->{target}"
        services.link_delete(
            kind=self.kind,
            source=source,
            target=target,
            expected=expected_versions(request, self.kind, key),
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _link_views(kind: str) -> tuple[type, type]:
    rel, meaning = LINK_DOCS[kind]
    tag = TAXONOMY_FIELDS[kind]
    ends = [_end("source", "The source's id."), _end("target", "The target's id.")]
    collection = extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"List {rel} links ({meaning})",
            parameters=[s.LinkFilterSerializer],
            responses={200: s.LinkSerializer(many=True), **errors(404, 422)},
        ),
        post=extend_schema(
            tags=[tag],
            summary=f"Create a {rel} link",
            description=f"{meaning}. Both ends must exist (422 names the field).",
            parameters=[ETAG],
            responses={201: s.LinkSerializer, **errors(400, 409, 415, 422)},
        ),
    )(type(f"{kind.title()}Collection", (LinkCollection,), {"kind": kind}))
    item = extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"Read one {rel} link",
            parameters=[*ends, s.TaxonomyQuerySerializer, ETAG],
            responses={200: s.LinkSerializer, **errors(404, 422)},
        ),
        delete=extend_schema(
            tags=[tag],
            summary=f"Delete one {rel} link",
            parameters=[*ends, IF_MATCH],
            responses={204: None, **errors(400, 404, 412)},
        ),
    )(type(f"{kind.title()}Item", (LinkItem,), {"kind": kind}))
    return collection, item


EnablesCollection, EnablesItem = _link_views("enables")
RequiresCollection, RequiresItem = _link_views("requires")
IntroducesCollection, IntroducesItem = _link_views("introduces")
SubtypeCollection, SubtypeItem = _link_views("subtype")


# --- Coverage ------------------------------------------------------------------------


def _scenario(params: dict[str, Any]):
    return coverage_scenario(
        disabled_layers=params["disable_layer"],
        disabled_mitigations=params["disable_mitigation"],
        maturities=params.get("maturity") or None,
        threshold=params.get("threshold"),
    )


def _coverage_text(
    view: APIView, request: Request, *, fmt: str, diff_baseline: bool | None = None
) -> str:
    params = _params(s.CoverageQuerySerializer, request)
    scenario = _scenario(params)
    taxonomy = selectors.taxonomy_checked(token=view.token, taxonomy=params["taxonomy"])
    return selectors.coverage_rendered(
        token=view.token,
        taxonomy=taxonomy,
        scenario=scenario,
        threat=params.get("threat"),
        chains=params.get("chains"),
        diff_baseline=params["diff_baseline"]
        if diff_baseline is None
        else diff_baseline,
        fmt=fmt,
    )


def _revision_taxonomy(name: str):
    """A named revision's taxonomy (``current``: now), else 404 naming the revision."""
    try:
        return revisions.revision_taxonomy(name=name)
    except revisions.RevisionError:
        raise NotFound("revision", name) from None


def _at_revision(*, fmt: str, diff_baseline: bool | None = None):
    """Decorate a coverage view's ``get``: with ``?revision=NAME`` (not ``current``)
    it answers for that named revision, computed on each request (a name can be
    moved with ``tag --force`` while the graph revision stays), else as before."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, request: Request, *args, **kwargs) -> HttpResponse:
            name = request.query_params.get("revision")
            if not name or name == revisions.CURRENT:
                return method(self, request, *args, **kwargs)
            params = _params(s.CoverageQuerySerializer, request)
            document = coverage_document(
                _revision_taxonomy(params["revision"]),
                scenario=_scenario(params),
                threat=params.get("threat"),
                chains=params.get("chains"),
                diff_baseline=params["diff_baseline"]
                if diff_baseline is None
                else diff_baseline,
            )
            if fmt == "csv":
                return HttpResponse(
                    render_csv(document), content_type="text/csv; charset=utf-8"
                )
            return HttpResponse(render_json(document), content_type="application/json")

        return wrapper

    return decorate


COVERAGE_DOC = (
    "The same document as `manage.py coverage --format json` with the same "
    "scenario, byte for byte. Served from a cache keyed by the graph revision, "
    "so repeated reads do not recompute. Unknown ids give 422 naming the parameter; "
    "an unknown `taxonomy` 404 (`manage.py coverage --taxonomy`). "
    "With `revision` it analyses a named revision instead (404 if there is none)."
)


@extend_schema(
    tags=["coverage"],
    summary="Coverage of every threat by the layers, under a what-if scenario",
    description=COVERAGE_DOC,
    parameters=[s.CoverageQuerySerializer],
    responses={200: s.CoverageDocumentSerializer, **errors(404, 422)},
)
class CoverageView(APIView):
    @_at_revision(fmt="json")
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(
            _coverage_text(self, request, fmt="json"), content_type="application/json"
        )


@extend_schema(
    tags=["coverage"],
    summary="The scenario diffed against the baseline (nothing disabled)",
    description=COVERAGE_DOC + " `diff` lists the threats whose class changes "
    "(like `--diff-baseline`).",
    parameters=[s.CoverageQuerySerializer],
    responses={200: s.CoverageDocumentSerializer, **errors(404, 422)},
)
class CoverageDiffView(APIView):
    @_at_revision(fmt="json", diff_baseline=True)
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        text = _coverage_text(self, request, fmt="json", diff_baseline=True)
        return HttpResponse(text, content_type="application/json")


@extend_schema(
    tags=["coverage"],
    summary="The threat × layer coverage matrix as CSV",
    description="Header `threat,class,all,<layers>`; as `manage.py coverage --format csv` "
    "(`--taxonomy` as `taxonomy`). An unknown taxonomy is 404.",
    parameters=[s.CoverageQuerySerializer],
    responses={(200, "text/csv"): OpenApiTypes.STR, **errors(404, 422)},
)
class CoverageMatrixView(APIView):
    renderer_classes = [CSVRenderer, JSONRenderer]
    content_negotiation_class = FirstRenderer

    @_at_revision(fmt="csv")
    @cached_get
    def get(self, request: Request) -> HttpResponse:
        text = _coverage_text(self, request, fmt="csv")
        return HttpResponse(text, content_type="text/csv; charset=utf-8")


# --- Graph, export, import --------------------------------------------------------------


def _node_ref(taxonomy, around: str | None) -> str | None:
    """``around`` as a graph node id (``kind:id``); a bare id must name one node."""
    if around is None:
        return None
    kinds = [
        kind
        for kind, items in (
            ("layer", taxonomy.layers),
            ("threat", taxonomy.threats),
            ("mitigation", taxonomy.mitigations),
        )
        if any(item.id == around for item in items)
    ]
    prefix, _, rest = around.partition(":")
    if prefix in ("layer", "threat", "mitigation") and rest and not kinds:
        return around
    if len(kinds) == 1:
        return f"{kinds[0]}:{around}"
    if kinds:
        choices = ", ".join(f"{k}:{around}" for k in kinds)
        raise InvalidParameter(
            {"around": [f"{around!r} is ambiguous; use one of {choices}"]}
        )
    raise InvalidParameter({"around": [f"no node {around!r}"]})


@extend_schema(
    tags=["graph"],
    summary="Nodes and edges for visualisation",
    description="Layers, threats and mitigations as nodes (ids prefixed by kind), "
    "links as edges; threats carry their coverage class. With `around`, only the "
    "nodes within `depth` hops of that node. An unknown taxonomy is 404.",
    parameters=[s.GraphQuerySerializer],
    responses={200: s.GraphSerializer, **errors(404, 422)},
)
class GraphView(APIView):
    @cached_get
    def get(self, request: Request) -> Response:
        params = _params(s.GraphQuerySerializer, request)
        token, taxonomy = _current(self, params["taxonomy"])
        around = _node_ref(taxonomy, params.get("around"))
        try:
            data = selectors.graph_elements(
                snapshot=taxonomy,
                around=around,
                depth=params["depth"],
                classes=_classes(token, params["taxonomy"]),
            )
        except KeyError:
            raise InvalidParameter({"around": [f"no node {around!r}"]}) from None
        return Response(data)


NAVIGATOR_LAYER = {
    "type": "object",
    "description": "An ATT&CK Navigator layer, format 4.5.",
    "required": ["name", "versions", "domain", "techniques"],
    "properties": {
        "name": {"type": "string"},
        "versions": {"type": "object"},
        "domain": {"type": "string"},
        "techniques": {"type": "array", "items": {"type": "object"}},
    },
}
STIX_BUNDLE = {
    "type": "object",
    "description": "A STIX 2.1 bundle.",
    "required": ["type", "id", "objects"],
    "properties": {
        "type": {"type": "string", "enum": ["bundle"]},
        "id": {"type": "string"},
        "objects": {"type": "array", "items": {"type": "object"}},
    },
}
CONTENT_DISPOSITION = OpenApiParameter(
    "Content-Disposition",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description='A file name to save as: attachment; filename="<taxonomy>-<format>.<ext>".',
)
# format -> (media type, file extension) of the fixture formats, beside EXPORT_FORMATS
FIXTURE_EXPORTS = {
    "yaml": ("application/yaml; charset=utf-8", "yaml"),
    "json": ("application/json", "json"),
}


@extend_schema(
    tags=["taxonomies"],
    summary="The taxonomies in the graph, with their items counted",
    description="Each name is a value of the `taxonomy` parameter of the reads; "
    "`layerwise` is the seed and the default.",
    responses={200: s.TaxonomyCountSerializer(many=True)},
)
class TaxonomyCollection(GenericAPIView):
    serializer_class = s.TaxonomyCountSerializer

    @cached_get
    def get(self, request: Request) -> Response:
        counts = selectors.taxonomy_counts(token=self.token)
        rows = [
            {"name": name, "default": name == DEFAULT_TAXONOMY, **kinds}
            for name, kinds in counts.items()
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(
    tags=["import/export"],
    summary="One taxonomy as a file: fixtures (yaml, json), STIX, Navigator, GraphML, CSV",
    description="As `manage.py export --format F --taxonomy T` for stix, navigator, "
    "graphml and csv; navigator and csv take the coverage scenario (`threshold`, "
    "`disable_layer`, `disable_mitigation`, `maturity`), which other formats "
    "refuse (422). An unknown taxonomy is 404.",
    parameters=[s.ExportQuerySerializer, CONTENT_DISPOSITION],
    responses={
        (200, "application/json"): {
            "anyOf": [
                {"$ref": "#/components/schemas/TaxonomyDocument"},
                NAVIGATOR_LAYER,
            ]
        },
        (200, "application/yaml"): FIXTURE_FILE,
        (200, EXPORT_FORMATS["stix"][0]): STIX_BUNDLE,
        (200, EXPORT_FORMATS["graphml"][0]): OpenApiTypes.STR,
        (200, EXPORT_FORMATS["csv"][0]): OpenApiTypes.STR,
        **errors(404, 422),
    },
)
class ExportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer

    @cached_get
    def get(self, request: Request) -> HttpResponse:
        params = _params(s.ExportQuerySerializer, request)
        fmt = params["format"]
        name = selectors.taxonomy_checked(token=self.token, taxonomy=params["taxonomy"])
        if fmt in FIXTURE_EXPORTS:
            snapshot = selectors.taxonomy_at(token=self.token, taxonomy=name)
            export = (
                fixtures.export_yaml_text if fmt == "yaml" else fixtures.export_json
            )
            text = export(snapshot)
        else:
            text = selectors.taxonomy_export(
                format=fmt,
                taxonomy=name,
                scenario=_scenario(params),
                domain=params.get("domain"),
            )
        media_type, extension = {**EXPORT_FORMATS, **FIXTURE_EXPORTS}[fmt]
        response = HttpResponse(text, content_type=media_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{name}-{fmt}.{extension}"'
        )
        return response


CATALOGUE_MEDIA_TYPES = {"application/json", *(p.media_type for p in YAML_PARSERS)}


@extend_schema(
    tags=["import/export"],
    summary="Import a fixture file or document, a MITRE ATLAS file or a STIX 2.1 "
    "bundle, all or nothing",
    description="`format=fixtures` (the default): one fixture file (YAML) or the "
    "canonical document (JSON), validated like `manage.py taxonomy validate`: any "
    "problem (422, each with its line for YAML and its field) writes nothing; YAML "
    "that is not YAML is 400. Without `prune` the graph keeps what the import does "
    "not mention. `dry_run=true` writes nothing and reports the change set and its "
    "coverage impact.\n\n"
    "`format=atlas` (ATLAS.yaml, sent as YAML) and `format=stix` (a STIX 2.1 "
    "bundle, sent as JSON) work as `manage.py import_atlas` / `import_stix`: the "
    "file replaces what the graph holds of its taxonomy and touches no other; a "
    "file that cannot be imported, or a `layer_map` naming an unknown layer, is 422 "
    "with every problem in `details.problems` and writes nothing; an id another "
    "taxonomy holds is 409. The answer lists the changes and a summary per kind.",
    parameters=[s.ImportQuerySerializer],
    request={
        "application/json": s.TaxonomyDocumentSerializer,
        "application/yaml": FIXTURE_FILE,
    },
    responses={
        200: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="ImportAnswer",
                serializers=[
                    s.ImportResultSerializer,
                    s.CatalogueImportResultSerializer,
                ],
                resource_type_field_name=None,
            ),
            description="Applied or dry run: ImportResult for fixtures, "
            "CatalogueImportResult for atlas and stix.",
        ),
        **errors(400, 409, 413, 415, 422),
    },
)
class ImportView(APIView):
    parser_classes = [JSONParser, *YAML_PARSERS]

    def post(self, request: Request) -> Response:
        params = _params(s.ImportQuerySerializer, request)
        if params["format"] != "fixtures":
            return _catalogue_import(request, params)
        if isinstance(request.data, str):
            taxonomy = fixtures.load_fixture_text(request.data)
        else:
            taxonomy = fixtures.taxonomy_from_document(request.data)
        result = services.taxonomy_import(
            taxonomy=taxonomy,
            prune=params["prune"],
            dry_run=params["dry_run"],
            actor=request.user,
        )
        return Response(
            {
                "dry_run": result.dry_run,
                "revision": result.revision,
                "changes": result.changes.as_dict(),
                "impact": result.impact,
            }
        )


def _catalogue_import(request: Request, params: dict[str, Any]) -> Response:
    """An ATLAS file or STIX bundle, handed to the parser as the raw body."""
    media_type = request.content_type.split(";")[0].strip()
    if media_type not in CATALOGUE_MEDIA_TYPES:
        raise UnsupportedMediaType(media_type)
    result = services.catalogue_import(
        format=params["format"],
        data=request.body,
        taxonomy=params.get("taxonomy"),
        layer_map=params.get("layer_map"),
        default_strength=params.get("default_strength", DEFAULT_STRENGTH),
        dry_run=params["dry_run"],
        actor=request.user,
        channel="api",
    )
    report = result.report
    return Response(
        {
            "dry_run": result.dry_run,
            "revision": result.revision,
            "format": report.format,
            "taxonomy": report.taxonomy,
            "title": report.title,
            "changes": result.changes.as_dict(),
            "summary": result.summary(),
            "ignored": dict(report.ignored),
            "warnings": report.warnings,
        }
    )


# --- Audit log and named revisions -------------------------------------------------------


@extend_schema(
    tags=["history"],
    summary="The audit log: every write, newest first",
    description="Who changed what (each item before and after), when, how "
    "(browser, api, fixtures, import) and why. Paginated with limit and offset; "
    "the filters combine (AND).",
    parameters=[s.AuditQuerySerializer],
    responses={200: s.AuditEntrySerializer(many=True), **errors(422)},
)
class AuditCollection(GenericAPIView):
    serializer_class = s.AuditEntrySerializer

    def get(self, request: Request) -> Response:
        params = _params(s.AuditQuerySerializer, request)
        entries = audit.audit_list(
            actor=params.get("editor"),
            since=params.get("since"),
            until=params.get("until"),
            kind=params.get("kind"),
            channel=params.get("channel"),
        )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(s.AuditEntrySerializer(page, many=True).data)


@extend_schema(
    tags=["history"],
    summary="The named revisions, newest first",
    description="Each is the whole taxonomy as it was when `manage.py taxonomy tag "
    "NAME` ran; analyse one with `coverage/?revision=NAME`.",
    responses={200: s.NamedRevisionSerializer(many=True)},
)
class RevisionCollection(GenericAPIView):
    serializer_class = s.NamedRevisionSerializer

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(revisions.revision_list())
        return self.get_paginated_response(
            s.NamedRevisionSerializer(page, many=True).data
        )


@extend_schema(
    tags=["history"],
    summary="Compare two revisions: items added, removed, changed, and the coverage impact",
    description="The document of `manage.py taxonomy diff --format json`, between "
    "two named revisions (or `current`, the graph now).",
    parameters=[s.RevisionCompareQuerySerializer],
    responses={200: s.ComparisonSerializer, **errors(404, 422)},
)
class RevisionCompareView(APIView):
    def get(self, request: Request) -> Response:
        params = _params(s.RevisionCompareQuerySerializer, request)
        old, new = (_revision_taxonomy(params[side]) for side in ("a", "b"))
        return Response(
            taxonomy_comparison(old, new, old_name=params["a"], new_name=params["b"])
        )


# --- Django's own error pages under /api/ ---------------------------------------------


def handler404(request, exception=None):
    """Unknown URLs: the API's error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error(404, "not_found", f"no endpoint at {request.path}")
    return defaults.page_not_found(request, exception)


def handler500(request):
    """Crashes outside DRF views: the API's error shape under /api/."""
    if request.path.startswith("/api/"):
        return json_error(
            500, "server_error", "internal server error; see the server log"
        )
    return defaults.server_error(request)
