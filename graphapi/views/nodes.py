"""Layers, threats, mitigations and sources: a list-and-create view and an item
view per node kind of the registry, generated from one pair of classes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from graphapi import schema
from graphapi.caching import cached_get
from graphapi.etags import expected_versions
from graphapi.serializers import queries, records
from graphapi.serializers.records import ITEM_SERIALIZERS
from graphapi.views.common import (
    KindView,
    body,
    classes,
    current,
    frozen,
    item,
    params,
    with_key,
)
from taxonomy import selectors, services
from taxonomy.domain.kinds import NODE_KINDS, NodeKind
from taxonomy.domain.records import Taxonomy

# select(taxonomy, token, its name, filters) -> (records, the list serializer's context)
Select = Callable[[Taxonomy, str, str, dict[str, Any]], tuple[list, dict[str, Any]]]
# read(taxonomy, token, its name, key) -> the detail selector's answer
Read = Callable[[Taxonomy, str, str, str], dict[str, Any]]


@dataclass(frozen=True)
class NodeApi:
    """What the API alone knows of a node kind; the rest is the registry's."""

    listed: type[Serializer]
    detail: type[Serializer]
    select: Select
    read: Read
    filters: type[Serializer] = queries.TextFilterSerializer


def _filtered(selector: Callable[..., list]) -> Select:
    """A list selector that takes the query's filters as they are."""
    return lambda taxonomy, token, name, filters: (
        selector(taxonomy=taxonomy, **filters),
        {},
    )


def _by_key(selector: Callable[..., dict[str, Any]]) -> Read:
    """A detail selector that needs only the item's id."""
    return lambda taxonomy, token, name, key: selector(taxonomy=taxonomy, key=key)


def _threats(taxonomy: Taxonomy, token: str, name: str, filters: dict[str, Any]):
    """Threats filtered by the query; the list shows each one's coverage class."""
    known = classes(token, name)
    threats = selectors.threat_list(taxonomy=taxonomy, classes=known, **filters)
    return threats, {"classes": known}


def _threat(taxonomy: Taxonomy, token: str, name: str, key: str) -> dict[str, Any]:
    """A threat's detail with its coverage entry (nothing disabled)."""
    coverage = selectors.coverage_baseline(token=token, taxonomy=name).get(key)
    return selectors.threat_detail(taxonomy=taxonomy, key=key, coverage=coverage)


NODE_API: dict[str, NodeApi] = {
    "layer": NodeApi(
        records.LayerSerializer,
        records.LayerDetailSerializer,
        _filtered(selectors.layer_list),
        _by_key(selectors.layer_detail),
    ),
    "threat": NodeApi(
        records.ThreatSummarySerializer,
        records.ThreatDetailSerializer,
        _threats,
        _threat,
        filters=queries.ThreatFilterSerializer,
    ),
    "mitigation": NodeApi(
        records.MitigationSerializer,
        records.MitigationDetailSerializer,
        _filtered(selectors.mitigation_list),
        _by_key(selectors.mitigation_detail),
        filters=queries.MitigationFilterSerializer,
    ),
    "source": NodeApi(
        records.SourceSerializer,
        records.SourceDetailSerializer,
        _filtered(selectors.source_list),
        _by_key(selectors.source_detail),
    ),
    "tactic": NodeApi(
        records.TacticSerializer,
        records.TacticDetailSerializer,
        _filtered(selectors.tactic_list),
        _by_key(selectors.tactic_detail),
    ),
    "incident": NodeApi(
        records.IncidentSerializer,
        records.IncidentDetailSerializer,
        _filtered(selectors.incident_list),
        _by_key(selectors.incident_steps),
        filters=queries.IncidentFilterSerializer,
    ),
    "jurisdiction": NodeApi(
        records.JurisdictionSerializer,
        records.JurisdictionDetailSerializer,
        _filtered(selectors.jurisdiction_list),
        _by_key(selectors.jurisdiction_detail),
    ),
    "architecture": NodeApi(
        records.ArchitectureSerializer,
        records.ArchitectureDetailSerializer,
        _filtered(selectors.architecture_list),
        _by_key(selectors.architecture_detail),
    ),
}


class NodeCollection(KindView):
    """List (filtered, paginated, in id order) and create nodes of one kind."""

    @cached_get
    def get(self, request: Request) -> Response:
        filters = params(self.api.filters, request)
        name = filters.pop("taxonomy")
        token, taxonomy = current(self, name)
        found, context = self.api.select(taxonomy, token, name, filters)
        page = self.paginate_queryset(found)
        context = {**self.get_serializer_context(), **context}
        data = self.api.listed(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def post(self, request: Request) -> Response:
        values = body(self.item_serializer(data=request.data))
        record = self.kind.record(**{k: frozen(v) for k, v in values.items()})
        name = self.kind.name
        stored = services.node_create(kind=name, record=record, actor=request.user)
        return item(
            self.item_serializer(stored).data,
            kind=name,
            key=stored.id,
            version=stored.version,
            code=status.HTTP_201_CREATED,
            location=reverse(f"api:{name}-detail", args=[stored.id]),
        )


class NodeItem(KindView):
    """Read (with embeds), replace, change and delete one node."""

    @cached_get
    def get(self, request: Request, key: str) -> Response:
        name = params(queries.TaxonomyQuerySerializer, request)["taxonomy"]
        token, taxonomy = current(self, name)
        detail = self.api.read(taxonomy, token, name, key)
        data = self.api.detail(records.flatten(detail, self.kind.name)).data
        version = detail[self.kind.name].version
        return item(data, kind=self.kind.name, key=key, version=version)

    def put(self, request: Request, key: str) -> Response:
        return self._update(request, key, partial=False)

    def patch(self, request: Request, key: str) -> Response:
        return self._update(request, key, partial=True)

    def _update(self, request: Request, key: str, *, partial: bool) -> Response:
        data = with_key(request.data, {"id": key})
        values = body(self.item_serializer(data=data, partial=partial))
        # The serializer's default would move an item left without a
        # taxonomy into the seed; only a taxonomy the body names is checked.
        if "taxonomy" not in data:
            values.pop("taxonomy", None)
        name = self.kind.name
        stored = services.node_update(
            kind=name,
            key=key,
            changes={k: v for k, v in values.items() if k != "id"},
            expected=expected_versions(request, name, key),
            actor=request.user,
        )
        data = self.item_serializer(stored).data
        return item(data, kind=name, key=key, version=stored.version)

    def delete(self, request: Request, key: str) -> Response:
        cascade = params(queries.CascadeSerializer, request)["cascade"]
        services.node_delete(
            kind=self.kind.name,
            key=key,
            expected=expected_versions(request, self.kind.name, key),
            cascade=cascade,
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _views(kind: NodeKind) -> tuple[type, type]:
    """The documented list and item views of one node kind."""
    api = NODE_API[kind.name]
    shared = {"kind": kind, "api": api, "item_serializer": ITEM_SERIALIZERS[kind.name]}
    title = kind.name.title()
    collection = type(
        f"{title}Collection",
        (NodeCollection,),
        {**shared, "serializer_class": api.listed},
    )
    detail = type(
        f"{title}Item", (NodeItem,), {**shared, "serializer_class": api.detail}
    )
    return schema.node_collection(collection), schema.node_item(detail)


# Node kind -> its (list, item) views, in the registry's order.
NODE_VIEWS: dict[str, tuple[type, type]] = {
    name: _views(kind) for name, kind in NODE_KINDS.items()
}
