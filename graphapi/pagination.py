"""Pagination of list endpoints: ?limit= and ?offset= over a stable id order."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from graphapi.exceptions import InvalidParameter

MAX_LIMIT = 1000


class PageQuerySerializer(serializers.Serializer):
    """``limit`` and ``offset``, which DRF alone would quietly ignore when bad."""

    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"Items per page: 1 to {MAX_LIMIT} "
        f"(default {settings.LAYERWISE_API_PAGE_SIZE}).",
    )
    offset = serializers.IntegerField(
        required=False,
        min_value=0,
        default=0,
        help_text="Items to skip (default 0).",
    )


class Pagination(LimitOffsetPagination):
    """DRF's limit and offset, but a value out of range is a 422, not ignored."""

    default_limit = settings.LAYERWISE_API_PAGE_SIZE
    max_limit = MAX_LIMIT

    def _page(self, request: Request) -> dict[str, Any]:
        given = request.query_params
        page = PageQuerySerializer(
            data={k: given[k] for k in ("limit", "offset") if k in given}
        )
        if not page.is_valid():
            raise InvalidParameter(page.errors)
        return page.validated_data

    def get_limit(self, request: Request) -> int:
        return self._page(request).get("limit", self.default_limit)

    def get_offset(self, request: Request) -> int:
        return self._page(request)["offset"]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"] |= {"minimum": 1, "maximum": MAX_LIMIT}
        limit["description"] = PageQuerySerializer().fields["limit"].help_text
        offset["schema"] |= {"minimum": 0}
        offset["description"] = PageQuerySerializer().fields["offset"].help_text
        return [limit, offset]
