"""The API's description of itself: the index of its endpoints, the OpenAPI
schema, and Swagger UI over it."""

from __future__ import annotations

from django.urls import get_script_prefix, reverse
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import openapi, schema
from graphapi.views.common import ApiView, KnownParameters


@schema.api_index
class IndexView(ApiView):
    # Public, as the schema is: it tells a client where to begin.
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        root = request.build_absolute_uri(get_script_prefix()).rstrip("/")
        return Response(
            {
                "title": spectacular_settings.TITLE,
                "version": spectacular_settings.VERSION,
                "schema": request.build_absolute_uri(reverse("api:schema")),
                "docs": request.build_absolute_uri(reverse("api:docs")),
                "endpoints": [
                    {
                        "path": endpoint["path"],
                        "url": root + endpoint["path"],
                        "methods": endpoint["methods"],
                    }
                    for endpoint in openapi.endpoint_index()
                ],
            }
        )


class SchemaView(KnownParameters, SpectacularAPIView):
    """The OpenAPI document; drf-spectacular reads ``lang``."""

    query_parameters = ("lang",)


class DocsView(KnownParameters, SpectacularSwaggerSplitView):
    """Swagger UI; its page loads its script from ``?script`` (the CSP forbids
    inline code) and passes ``lang`` on to the schema."""

    query_parameters = ("lang", "script")
