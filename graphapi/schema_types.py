"""A post-processing hook of the OpenAPI document: every nullable schema states
its type beside ``nullable``.

OpenAPI 3.0.3 says ``nullable`` has no effect without a ``type`` in the same
schema object, and Redocly's rules refuse it there; drf-spectacular writes a
nullable reference (``allOf: [$ref]``), a nullable choice (``oneOf: [$ref,
NullEnum]``) and a nullable JSON field without one. The type is the
referenced component's (an object or a string), else ``object``, what the
API's nullable JSON fields hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def type_nullable_schemas(result: dict, generator: Any, request: Any, public: bool):
    """drf-spectacular's POSTPROCESSING_HOOKS signature: ``result`` with a
    ``type`` beside every ``nullable`` that lacked one.

    >>> doc = {"components": {"schemas": {"E": {"type": "string", "enum": ["a"]}}},
    ...        "paths": {"/x": {"a": {"nullable": True, "oneOf": [{"$ref": "#/components/schemas/E"}]},
    ...                          "b": {"nullable": True}}}}
    >>> out = type_nullable_schemas(doc, None, None, True)["paths"]["/x"]
    >>> out["a"]["type"], out["b"]["type"]
    ('string', 'object')
    """
    components = result.get("components", {}).get("schemas", {})
    for node in _nodes(result):
        if node.get("nullable") and "type" not in node:
            node["type"] = _type_of(node, components)
    return result


def _type_of(node: dict, components: dict) -> str:
    """The type of the first referenced component that states one."""
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key, []):
            name = str(part.get("$ref", "")).rsplit("/", 1)[-1]
            if "type" in components.get(name, {}):
                return components[name]["type"]
    return "object"


def _nodes(node: Any) -> Iterator[dict]:
    """Every mapping in the document, depth first."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            yield from _nodes(item)
