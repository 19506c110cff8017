"""How the OpenAPI document is generated and read: the inspector that reads
each operation's security from its view, the postprocessing hook that adds
the errors every operation can answer (and their one table), and the
document's paths as the views (which refuse an undocumented query
parameter) and the API's index read them. What each endpoint says is
``graphapi.schema``'s.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from graphapi.permissions import anonymous_may
from graphapi.serializers import documents

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
    422: "Well-formed but invalid: details maps each field to its problems (also "
    "an empty query parameter, a query parameter the operation does not "
    "document, and text holding a NUL character).",
    429: "Too many requests from this anonymous client; see Retry-After.",
    503: "Neo4j is unreachable; try again later (Retry-After).",
}
UNSAFE = {"post", "put", "patch", "delete"}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for ``extend_schema(responses=...)``."""
    return {
        code: OpenApiResponse(
            documents.ErrorSerializer, description=ERROR_DESCRIPTIONS[code]
        )
        for code in codes
    }


def listed(tags: list[str], summary: str, query: type, item: type) -> Any:
    """The schema of a GET that lists ``item``s filtered by the ``query``
    serializer's parameters (422 for a bad one)."""
    return extend_schema(
        tags=tags,
        summary=summary,
        parameters=[query],
        responses={200: item(many=True), **errors(422)},
    )


def collection(
    tags: list[str],
    item: type,
    query: type,
    *,
    lists: str,
    creates: str,
    description: str | None = None,
) -> Any:
    """The schema of a collection: its GET lists ``item``s (``listed``) and its
    POST, an editor's, creates one from the same serializer (201)."""
    return extend_schema_view(
        get=listed(tags, lists, query, item),
        post=extend_schema(
            tags=tags,
            summary=creates,
            description=description,
            request=item,
            responses={201: item, **errors(400, 401, 403, 404, 422)},
        ),
    )


class ApiSchema(AutoSchema):
    """drf-spectacular's inspector, with each operation's security read from the
    view's permission classes under the settings of the moment: one an anonymous
    client may call requires nothing (``security: [{}]``, no padlock in Swagger
    UI); the others a token or a session."""

    def get_auth(self) -> list[dict[str, Any]]:
        """The operation's security requirements: [{}] when it is public."""
        # Called first in any case: it registers the security schemes.
        schemes = [scheme for scheme in super().get_auth() if scheme]
        return [{}] if anonymous_may(self.view, self.method) else schemes


def add_common_errors(
    result: dict[str, Any], generator, request, public
) -> dict[str, Any]:
    """Postprocessing hook: add the errors any operation can answer.

    401, 406, 422 (a query parameter it does not document) and 429 everywhere;
    403 on writes, 413 on those with a body; 503 on every operation that reads
    Neo4j (all but those marked ``x-no-graph``). The canonical document, which
    an import validates as strictly as a fixture file, admits no other fields.
    """
    error_ref = {"$ref": "#/components/schemas/Error"}
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        if name.startswith(("TaxonomyDocument", "Document")):
            component["additionalProperties"] = False
    if "TaxonomyDocumentRequest" in schemas:
        # What export answers is what import takes (``export`` refers to it).
        schemas["TaxonomyDocument"] = schemas["TaxonomyDocumentRequest"]
    _id_from_the_url(result.get("paths", {}), schemas)
    _blank_alternative_dropped(result)
    _defaults_beside_one_of(result)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = [401, 406, 422, 429]
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
    return result


_BLANK = {"type": "string", "maxLength": 0}


def _blank_alternative_dropped(node: Any) -> None:
    """A blank-or-pattern field whose pattern already matches "" is the
    pattern alone.

    drf-spectacular documents a field that allows blanks and has a pattern as
    ``oneOf: [{pattern}, {maxLength: 0}]``; when the pattern matches the empty
    string too (a mapping set's title, comment or date), "" is valid under both
    alternatives, which ``oneOf`` forbids, so its own default "" is refused.

    >>> node = {"oneOf": [{"type": "string", "pattern": "^a*$"}, dict(_BLANK)]}
    >>> _blank_alternative_dropped(node); node
    {'type': 'string', 'pattern': '^a*$'}
    >>> url = {"oneOf": [{"type": "string", "pattern": "^a+$"}, dict(_BLANK)]}
    >>> _blank_alternative_dropped(url); len(url["oneOf"])
    2
    """
    if isinstance(node, list):
        for item in node:
            _blank_alternative_dropped(item)
    if not isinstance(node, dict):
        return
    alternatives = node.get("oneOf")
    if (
        isinstance(alternatives, list)
        and len(alternatives) == 2
        and alternatives[1] == _BLANK
        and isinstance(alternatives[0], dict)
        and isinstance(alternatives[0].get("pattern"), str)
        and re.search(alternatives[0]["pattern"], "") is not None
    ):
        inner = node.pop("oneOf")[0]
        for key, value in inner.items():
            node.setdefault(key, value)
    for value in node.values():
        _blank_alternative_dropped(value)


def _defaults_beside_one_of(node: Any) -> None:
    """Move a default out of the alternative that holds it to their parent.

    drf-spectacular documents a blank-or-pattern field (a source's url) as
    ``oneOf: [{pattern, default: ""}, {maxLength: 0}]``: a default its own
    alternative refuses, which strict validators of the document reject.
    """
    if isinstance(node, list):
        for item in node:
            _defaults_beside_one_of(item)
    if not isinstance(node, dict):
        return
    for alternative in node.get("oneOf", []):
        if isinstance(alternative, dict) and "default" in alternative:
            node.setdefault("default", alternative.pop("default"))
    for value in node.values():
        _defaults_beside_one_of(value)


def _id_from_the_url(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A replacing PUT may leave out the id: the URL names it."""
    for path, operations in paths.items():
        if "{key}" not in path or "put" not in operations:
            continue
        for media in operations["put"]["requestBody"]["content"].values():
            name = media["schema"]["$ref"].rsplit("/", 1)[1]
            replacing = f"Replacing{name}"
            component = schemas[name]
            schemas[replacing] = {
                **component,
                "required": [f for f in component.get("required", []) if f != "id"],
            }
            media["schema"] = {"$ref": f"#/components/schemas/{replacing}"}


# --- The document as the views read it ----------------------------------------------

# A route's converter, as in <taxid:key>; the document names it {key}.
_ROUTE_PARAMETER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


@functools.cache
def documented_paths() -> dict[str, dict[str, Any]]:
    """The OpenAPI document's paths (path -> method -> operation), generated once
    a process: their parameters and summaries depend on no setting (unlike
    their security, which the served document reads afresh)."""
    # Not at the top: the generator imports the URL conf, which imports the views.
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def operations_of(route: str) -> dict[str, Any] | None:
    """Method -> operation of a Django route (``api/v1/threats/<taxid:key>/``);
    None if the document leaves the route out."""
    return documented_paths().get("/" + _ROUTE_PARAMETER.sub(r"{\1}", route))


def query_names(operation: dict[str, Any]) -> tuple[str, ...]:
    """The names of an operation's query parameters, sorted."""
    return tuple(
        sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
    )


def endpoint_index() -> list[dict[str, Any]]:
    """Every path of the document with its methods and their one-line summaries."""
    return [
        {
            "path": path,
            "methods": {
                method.upper(): " ".join(str(operation.get("summary", "")).split())
                for method, operation in operations.items()
            },
        }
        for path, operations in documented_paths().items()
    ]
