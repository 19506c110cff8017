"""MITIGATES, ENABLES, REQUIRES, INTRODUCES and SUBTYPE_OF links: a list-and-create
view and an item view per link kind of the registry, keyed by the kind's ends."""

from __future__ import annotations

import functools
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
    current,
    current_of_query,
    frozen,
    item,
    params,
    with_key,
)
from taxonomy import selectors, services
from taxonomy.domain.kinds import LINK_KINDS, PLAIN_LINK_KINDS, LinkKind


@dataclass(frozen=True)
class LinkApi:
    """What the API alone knows of a link kind; the rest is the registry's.

    ``select(taxonomy=, **filters)`` lists the links; ``create(values, actor)``
    writes one; ``change`` validates the properties PUT and PATCH change
    (None: the kind has none, and its links are only created and deleted).
    """

    filters: type[Serializer]
    select: Callable[..., list]
    create: Callable[[dict[str, Any], Any], Any]
    change: type[Serializer] | None = None


def _record_create(kind: str) -> Callable[[dict[str, Any], Any], Any]:
    """The create of a link kind with properties (MITIGATES, USES)."""
    record = LINK_KINDS[kind].record

    def create(values: dict[str, Any], actor: Any) -> Any:
        made = record(**{k: frozen(v) for k, v in values.items()})
        return services.property_link_create(kind=kind, record=made, actor=actor)

    return create


def _plain_api(kind: str) -> LinkApi:
    """The API of a link kind without properties."""
    return LinkApi(
        queries.LinkFilterSerializer,
        functools.partial(selectors.link_list, kind=kind),
        lambda values, actor: services.link_create(kind=kind, actor=actor, **values),
    )


def _record_api(kind: str, change: type[Serializer]) -> LinkApi:
    """The API of a link kind with properties listed by the plain filter
    (every kind with properties but MITIGATES)."""
    return LinkApi(
        queries.LinkFilterSerializer,
        functools.partial(selectors.link_list, kind=kind),
        _record_create(kind),
        change=change,
    )


LINK_API: dict[str, LinkApi] = {
    "mitigates": LinkApi(
        queries.MitigatesFilterSerializer,
        selectors.mitigates_list,
        _record_create("mitigates"),
        change=records.MitigatesChangeSerializer,
    ),
    "uses": _record_api("uses", records.UsesChangeSerializer),
    "member_of": _record_api("member_of", records.MemberOfChangeSerializer),
    "in_force_in": _record_api("in_force_in", records.InForceInChangeSerializer),
    "adopts": _record_api("adopts", records.AdoptsChangeSerializer),
    **{name: _plain_api(name) for name in PLAIN_LINK_KINDS},
}


def _link(kind: LinkKind, link: Any, *, created: bool = False) -> Response:
    """A link's answer with its ETag, and its Location when just created."""
    name = kind.name
    location = reverse(f"api:{name}-detail", args=kind.end_ids(link))
    return item(
        ITEM_SERIALIZERS[name](link).data,
        kind=name,
        key=kind.key(link),
        version=link.version,
        code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        location=location if created else "",
    )


# List (filtered, paginated, in the order of the ends) and create links of one
# kind. No docstring: the schema would publish it as the description of operations
# that have none.
class LinkCollection(KindView):
    @cached_get
    def get(self, request: Request) -> Response:
        filters = params(self.api.filters, request)
        _, taxonomy = current(self, filters.pop("taxonomy"))
        page = self.paginate_queryset(self.api.select(taxonomy=taxonomy, **filters))
        return self.get_paginated_response(self.item_serializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        values = body(self.item_serializer(data=request.data))
        link = self.api.create(values, request.user)
        return _link(self.kind, link, created=True)


# Read and delete one link, named by its two ends in the URL. No docstring, as
# above.
class LinkItem(KindView):
    @cached_get
    def get(self, request: Request, **ends: str) -> Response:
        source, target = self._ends(ends)
        link = selectors.link_get(
            taxonomy=current_of_query(self, request),
            kind=self.kind.name,
            source=source,
            target=target,
        )
        return _link(self.kind, link)

    def delete(self, request: Request, **ends: str) -> Response:
        source, target = self._ends(ends)
        services.link_delete(
            kind=self.kind.name,
            source=source,
            target=target,
            expected=self._expected(request, source, target),
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _ends(self, ends: dict[str, str]) -> tuple[str, str]:
        """The URL's two ends, source first."""
        first, second = self.kind.ends
        return ends[first], ends[second]

    def _expected(self, request: Request, source: str, target: str):
        return expected_versions(request, self.kind.name, f"{source}->{target}")


# PUT and PATCH of a link's properties (MITIGATES, USES). No docstring, as above.
class PropertyChanges:
    def put(self, request: Request, **ends: str) -> Response:
        return self._update(request, ends, partial=False)

    def patch(self, request: Request, **ends: str) -> Response:
        return self._update(request, ends, partial=True)

    def _update(self, request: Request, ends: dict[str, str], *, partial: bool):
        source, target = self._ends(ends)
        data = with_key(request.data, ends)
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ends}
        values = body(self.api.change(data=data, partial=partial))
        stored = services.property_link_update(
            kind=self.kind.name,
            source=source,
            target=target,
            changes={k: frozen(v) for k, v in values.items()},
            expected=self._expected(request, source, target),
            actor=request.user,
        )
        return _link(self.kind, stored)


def _views(kind: LinkKind) -> tuple[type, type]:
    """The documented list and item views of one link kind."""
    api = LINK_API[kind.name]
    serializer = ITEM_SERIALIZERS[kind.name]
    shared = {
        "kind": kind,
        "api": api,
        "item_serializer": serializer,
        "serializer_class": serializer,
    }
    title = kind.name.title()
    bases = (PropertyChanges, LinkItem) if api.change else (LinkItem,)
    collection = type(f"{title}Collection", (LinkCollection,), shared)
    detail = type(f"{title}Item", bases, shared)
    return schema.link_collection(collection), schema.link_item(detail)


# Link kind -> its (list, item) views, in the registry's order.
LINK_VIEWS: dict[str, tuple[type, type]] = {
    name: _views(kind) for name, kind in LINK_KINDS.items()
}
