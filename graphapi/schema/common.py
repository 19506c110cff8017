"""What many endpoints' documentation shares: the fixture file's schema, the
If-Match, ETag and Content-Disposition headers and the id in a path."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiParameter

from graphapi import etags
from graphapi.serializers import fields
from taxonomy.formats import fixtures_common


def fixture_file_schema() -> dict[str, Any]:
    """fixtures/schema.json (JSON Schema 2020-12) as an OpenAPI 3.0 schema object:
    ``$defs`` inlined, ``["x", "null"]`` types as ``nullable``."""
    document = json.loads(fixtures_common.SCHEMA_PATH.read_text())
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
        for bound, side in (
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ):
            if not isinstance(out.get(bound, True), bool):
                out[side], out[bound] = out[bound], True
        return out

    return convert(document)


FIXTURE_FILE = fixture_file_schema()
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    pattern=etags.IF_MATCH_PATTERN,
    description="Change only if the item is still at this version: its ETag "
    '(e.g. "threat:guardrail-removal:v3"), a bare version number, or *. '
    "A stale one gets 412 and changes nothing; one of another form is 400.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The item's version tag; send it back in If-Match.",
)
CONTENT_DISPOSITION = OpenApiParameter(
    "Content-Disposition",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description='A file name to save as: attachment; filename="<taxonomy>-<format>.<ext>".',
)


def path_id(name: str, description: str) -> OpenApiParameter:
    """A path parameter that holds an id."""
    return OpenApiParameter(
        name,
        str,
        OpenApiParameter.PATH,
        description=description,
        pattern=fields.ID_PATTERN,
    )
