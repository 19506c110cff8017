"""Liveness and readiness: is the web server up, can it reach Neo4j and the cache?"""

from __future__ import annotations

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.views.common import ApiView
from taxonomy import selectors
from taxonomy.selectors import cache


@schema.ping
class PingView(ApiView):
    """A trivial answer from the web server alone: a liveness check and the
    benchmark's baseline. It does not touch Neo4j."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


@schema.health
class HealthView(ApiView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        revision = selectors.revision_of(selectors.revision_token(fresh=True))
        missing = selectors.schema_missing()
        return Response(
            {
                "status": "ok" if not missing else "schema_missing",
                "neo4j": selectors.server_version(),
                "revision": revision,
                "schema_missing": missing,
                "cache": cache.cache_status(),
                "load": selectors.load_status(),
            }
        )
