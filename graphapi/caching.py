"""Whole GET responses cached per graph revision token (see ``taxonomy.selectors.cache``).

A read's answer depends only on the graph (named by its revision token), the
URL and the settings, so once a read has been answered at a token the same
URL is served from the cache until the next write: one token read and one
cache lookup, no filtering, analysis or serialization. Only 200 answers up
to ``cache.MAX_BODY`` bytes are kept. The process keeps the answers it served
at the current token too (``cache.keep_answer``), so a warm answer is not
fetched from Redis each time. The lookup runs inside the view, after
authentication, permissions and throttling.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from taxonomy.selectors import cache

KEPT_HEADERS = ("Content-Type", "ETag", "Content-Disposition")
JSON = JSONRenderer()


def cached_get(method: Callable) -> Callable:
    """Decorate a view's ``get(self, request, ...)``: it finds the revision token
    in ``self.token`` and runs only when the cache has no answer for the URL.

    JSON answers are rendered here, compactly, so a miss and a hit send the
    same bytes.
    """

    @functools.wraps(method)
    def wrapper(self, request: Request, *args, **kwargs) -> HttpResponse:
        self.token = cache.revision_token()
        key = cache.shared_key("response", self.token, request.build_absolute_uri())
        hit = cache.local_answer(self.token, key)
        if hit is None:
            hit = cache.shared_get(key)
            if hit is not None:
                cache.keep_answer(self.token, key, hit, len(hit[0]))
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
            if len(body) <= cache.MAX_BODY:
                cache.shared_set(key, hit)
                cache.keep_answer(self.token, key, hit, len(body))
        body, headers = hit
        response = HttpResponse(body, content_type=headers["Content-Type"])
        for name, value in headers.items():
            response[name] = value
        return response

    return wrapper
