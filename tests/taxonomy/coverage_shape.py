"""The coverage document's documented keys, read from docs/coverage.md.

The shape is written once, in the API's serializers
(``graphapi.serializers.documents.CoverageDocumentSerializer``, which the
OpenAPI document publishes); docs/coverage.md documents the keys in the order
the document holds them, and ``tests/graphapi/test_coverage_shape.py`` holds
its tables, the serializers and the documents ``analysis.report`` builds to
one another, recursively. ``TOP_KEYS`` and ``THREAT_KEYS`` are the documented
order, read from the tables (never written out here).
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"

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
# The top-level keys documented as held only by the documents of a taxonomy
# that records jurisdictions (the world view); every other document holds
# TOP_KEYS without them, in the same order.
GEOGRAPHY_KEYS = [
    key
    for key, meaning in documented_tables()[None]
    if meaning.startswith("only in the documents of a taxonomy that records")
]
TOP_KEYS_WITHOUT_GEOGRAPHY = [key for key in TOP_KEYS if key not in GEOGRAPHY_KEYS]
THREAT_KEYS = _documented_order("threats")
