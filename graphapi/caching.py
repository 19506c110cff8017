"""Whole GET responses cached per graph revision token.

A read's answer depends only on the graph (named by its revision token, which
every write changes), the URL and the settings. So once a read has been
answered at a token, the same URL is served from the cache (Django's default
cache) until the next write: one token read and one cache lookup, no
filtering, analysis or serialization. Only 200 answers up to MAX_BODY bytes
are kept. The lookup runs inside the view, after authentication, permissions
and throttling. The token itself may be up to LAYERWISE_REVISION_MAX_AGE
seconds old when another process wrote (see ``selectors.revision_token``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from taxonomy import selectors

KEPT_HEADERS = ("Content-Type", "ETag", "Content-Disposition")
JSON = JSONRenderer()
# Answers at an old revision are never asked for again; let them go.
TIMEOUT = 3600
# Whole-taxonomy answers of a large graph are not worth holding per URL.
MAX_BODY = 1_000_000


def _key(token: str, request: Request) -> str:
    url = request.build_absolute_uri()
    return "response:" + hashlib.sha256(f"{token} {url}".encode()).hexdigest()


def cached_get(method: Callable) -> Callable:
    """Decorate a view's ``get(self, request, ...)``: it finds the revision token
    in ``self.token`` and runs only when the cache has no answer for the URL.

    JSON answers are rendered here, compactly, so a miss and a hit send the
    same bytes.
    """

    @functools.wraps(method)
    def wrapper(self, request: Request, *args, **kwargs) -> HttpResponse:
        self.token = selectors.revision_token()
        key = _key(self.token, request)
        hit = cache.get(key)
        if hit is None:
            response = method(self, request, *args, **kwargs)
            if response.status_code != 200:
                return response
            headers = {
                name: response[name] for name in KEPT_HEADERS if name in response
            }
            if isinstance(response, Response):
                body = JSON.render(response.data)
                headers["Content-Type"] = "application/json"
            else:
                body = response.content
            hit = (body, headers)
            if len(body) <= MAX_BODY:
                cache.set(key, hit, timeout=TIMEOUT)
        body, headers = hit
        response = HttpResponse(body, content_type=headers["Content-Type"])
        for name, value in headers.items():
            response[name] = value
        return response

    return wrapper
