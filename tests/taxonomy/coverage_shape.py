"""The coverage document's shape, written once.

The source is the API's serializers (``graphapi.serializers.documents
.CoverageDocumentSerializer``, which the OpenAPI document publishes).
docs/coverage.md documents the keys in the order the document holds them;
its tables are read here, and ``tests/graphapi/test_coverage_shape.py``
holds the tables, the serializers and the documents ``analysis.report``
builds to one another, recursively. ``TOP_KEYS`` and ``THREAT_KEYS`` are the
documented order, read from docs/coverage.md (never written out here).
"""

from __future__ import annotations

import re
from pathlib import Path

from rest_framework import serializers

from graphapi.serializers.documents import CoverageDocumentSerializer

DOCS = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"

# --- The serializers -------------------------------------------------------------


def serializer_shape(field) -> dict | None:
    """The keys a serializer field describes, recursively: a nested serializer
    (one or many) is ``{key: shape}``; a mapping of free keys is
    ``{"*": shape of its values}``; a leaf is None."""
    if isinstance(field, serializers.ListSerializer):
        return serializer_shape(field.child)
    if isinstance(field, serializers.Serializer):
        return {name: serializer_shape(f) for name, f in field.fields.items()}
    if isinstance(field, serializers.ListField):
        return serializer_shape(field.child)
    if isinstance(field, serializers.DictField):
        inner = serializer_shape(field.child)
        return None if inner is None else {"*": inner}
    return None


DOCUMENT_SHAPE = serializer_shape(CoverageDocumentSerializer())


def document_mismatches(value, shape, path: str = "") -> list[str]:
    """Where a document (parsed JSON) holds keys other than ``shape``'s."""
    if shape is None or value is None:
        return []
    if isinstance(value, list):
        return [m for item in value for m in document_mismatches(item, shape, path)]
    if not isinstance(value, dict):
        return [f"{path or '.'}: {type(value).__name__}, not an object"]
    if set(shape) == {"*"}:
        return [
            m
            for key, item in value.items()
            for m in document_mismatches(item, shape["*"], f"{path}.{key}")
        ]
    found = []
    if set(value) != set(shape):
        extra, missing = (
            sorted(set(value) - set(shape)),
            sorted(set(shape) - set(value)),
        )
        found.append(f"{path or '.'}: extra {extra}, missing {missing}")
    for key in set(value) & set(shape):
        found += document_mismatches(value[key], shape[key], f"{path}.{key}")
    return found


# --- docs/coverage.md -------------------------------------------------------------

# The heading paragraph of each table of "The JSON document", by the part of
# the document the table describes (None: the top level).
_SECTION = re.compile(r"^(?:Each item of )?`(\w+)`")


def documented_tables() -> dict[str | None, list[tuple[str, str]]]:
    """(key, meaning) rows of every table of docs/coverage.md's "The JSON
    document", by section: None for the top level, else the key it describes
    (``threats`` for "Each item of `threats`")."""
    text = DOCS.read_text(encoding="utf-8")
    part = text.split("## The JSON document", 1)[1].split("\n## ", 1)[0]
    tables: dict[str | None, list[tuple[str, str]]] = {}
    # The first table is the top level's; each later one follows its heading.
    section: str | None = None
    for line in part.splitlines():
        heading = _SECTION.match(line)
        if heading and tables:
            section = heading.group(1)
        if not line.startswith("| `"):
            continue
        key_cell, _type, meaning = (c.strip() for c in line.strip("|").split("|", 2))
        for key in re.findall(r"`(\w+)`", key_cell):
            tables.setdefault(section, []).append((key, meaning))
    return tables


def braces(text: str) -> dict | None:
    """The keys of the first `` `{...}` `` in a table's meaning, recursively:
    ``{a, b: {c}}`` is ``{"a": None, "b": {"c": None}}``; None without one."""
    found = re.search(r"`(\{.*?\})`", text)
    if found is None:
        return None
    tokens = re.findall(r"[{}:,]|[^{}:,\s][^{}:,]*", found.group(1))
    position = 0

    def parse() -> dict:
        nonlocal position
        position += 1  # "{"
        out: dict = {}
        key = None
        while tokens[position] != "}":
            token = tokens[position]
            if token == "{":
                out[key] = parse()
                continue
            if token not in ":,":
                # "key", or a value's words after ":" (kept only if a brace)
                if key is None or tokens[position - 1] == ",":
                    key = token.strip()
                    out[key] = None
            position += 1
        position += 1
        return out

    return parse()


def _documented_order(section: str | None) -> list[str]:
    return [key for key, _ in documented_tables()[section]]


TOP_KEYS = _documented_order(None)
THREAT_KEYS = _documented_order("threats")
