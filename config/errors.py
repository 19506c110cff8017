"""The site's own 404 and 500 answers: the API's error shape under /api/,
Django's pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from graphapi.exceptions import json_error

API_PREFIX = "/api/"


def handler404(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """Unknown URLs: the API's error shape under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return json_error(404, "not_found", f"no endpoint at {request.path}")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    """Crashes outside DRF views: the API's error shape under /api/."""
    if request.path.startswith(API_PREFIX):
        return json_error(
            500, "server_error", "internal server error; see the server log"
        )
    return defaults.server_error(request)
