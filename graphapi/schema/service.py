"""The API about itself: is the web server up, is Neo4j reachable, and the
index of every endpoint."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from graphapi.serializers import documents, index

ping = extend_schema(
    tags=["health"],
    summary="Is the web server up? (does not touch Neo4j)",
    responses={200: documents.PingSerializer},
    extensions={"x-no-graph": True},
)
health = extend_schema(
    tags=["health"],
    summary="Is Neo4j reachable? 503 when it is not.",
    responses={200: documents.HealthSerializer},
)


api_index = extend_schema(
    tags=["index"],
    summary="Every endpoint of the API, with links to the schema and Swagger UI",
    description="Built from this OpenAPI document: each path with its methods and "
    "their summaries. Public, as the schema is, even when reads require a login.",
    responses={200: index.IndexSerializer},
    extensions={"x-no-graph": True},
)
