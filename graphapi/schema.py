"""OpenAPI schema helpers: documented error responses for every operation."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiResponse

from graphapi.serializers import ErrorSerializer
from taxonomy.formats import fixtures

ERROR_DESCRIPTIONS = {
    400: "Malformed request: a body that cannot be parsed or a bad If-Match header.",
    401: "Not authenticated (no or invalid credentials); see WWW-Authenticate.",
    403: "Authenticated, but not in the editors group (or a missing CSRF token).",
    404: "No such item, or no such taxonomy (details.kind is then taxonomy and "
    "details.known lists those the graph holds).",
    406: "The Accept header asks for a format this endpoint cannot produce.",
    409: "Conflicts with what the graph holds: it exists already, or links still "
    "involve it (details.links lists them).",
    412: "If-Match names a version that is no longer current; nothing was changed.",
    413: "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    415: "Unsupported Content-Type of the body.",
    422: "Well-formed but invalid: details maps each field to its problems.",
    429: "Too many requests from this anonymous client; see Retry-After.",
    503: "Neo4j is unreachable; try again later (Retry-After).",
}
UNSAFE = {"post", "put", "patch", "delete"}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for ``extend_schema(responses=...)``."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }


def fixture_file_schema() -> dict[str, Any]:
    """fixtures/schema.json (JSON Schema 2020-12) as an OpenAPI 3.0 schema object:
    ``$defs`` inlined, ``["x", "null"]`` types as ``nullable``."""
    document = json.loads(fixtures.SCHEMA_PATH.read_text())
    defs = document.pop("$defs")

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return convert(defs[node["$ref"].rsplit("/", 1)[1]])
        out = {k: convert(v) for k, v in node.items() if k not in ("$schema", "$id")}
        if isinstance(out.get("type"), list) and "null" in out["type"]:
            (out["type"],) = [t for t in out["type"] if t != "null"]
            out["nullable"] = True
        return out

    return convert(document)


def add_common_errors(
    result: dict[str, Any], generator, request, public
) -> dict[str, Any]:
    """Postprocessing hook: add the errors any operation can answer.

    401, 406 and 429 everywhere; 403 on writes, 413 on those with a body; 503 on every operation that
    reads Neo4j (all but those marked ``x-no-graph``). Reads also list
    anonymous access among their security requirements.
    """
    error_ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = [401, 406, 429]
            if method in UNSAFE:
                codes.append(403)
            if method in ("post", "put", "patch"):
                codes.append(413)
            if not operation.pop("x-no-graph", False):
                codes.append(503)
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    str(code),
                    {
                        "content": {"application/json": {"schema": error_ref}},
                        "description": ERROR_DESCRIPTIONS[code],
                    },
                )
            operation["responses"] = dict(sorted(responses.items()))
            if method == "get" and {} not in operation.get("security", [{}]):
                # Reads are public unless LAYERWISE_API_REQUIRE_LOGIN is set.
                operation["security"].append({})
    return result
