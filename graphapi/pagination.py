"""Pagination of list endpoints: ?limit= and ?offset= over a stable id order."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    default_limit = settings.LAYERWISE_API_PAGE_SIZE
    max_limit = 1000
