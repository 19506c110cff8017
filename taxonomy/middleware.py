"""Turn an unreachable or failing Neo4j into a friendly 503 page, not a stack trace."""

from __future__ import annotations

from django.shortcuts import render

from taxonomy.domain.errors import GraphUnavailable


class GraphUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, GraphUnavailable):
            response = render(
                request, "503.html", {"reason": str(exception)}, status=503
            )
            response["Retry-After"] = "30"
            return response
        return None
