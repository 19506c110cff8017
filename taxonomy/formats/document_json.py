"""The canonical JSON document of a taxonomy, for tools: records in and out, and
its JSON Schema (built from the records and the fixture schema).

The document has one list per ``Taxonomy`` field, each item every field of
its record; ``taxonomy_from_document`` checks it with the fixture schema's
rules and the taxonomy's rules (``taxonomy.domain.rules``), each problem
naming its field, e.g. ``mitigates[3].threat: unknown threat 'x'``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import MISSING, fields
from functools import cache
from typing import IO, TYPE_CHECKING, Any

import ijson

from taxonomy.domain.errors import FixtureError, FixtureSyntaxError, Problem
from taxonomy.domain.kinds import BY_FIELD, KINDS, LINK_KINDS, NODE_KINDS, Kind
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.rules import RuleProblem, taxonomy_problems
from taxonomy.formats.fixtures_common import (
    field_names,
    field_path,
    fixture_schema,
    owned_links,
    schema_message,
    schema_validator,
)
from taxonomy.formats.jsonstream import MAX_JSON_DEPTH, binary_stream, build_value

if TYPE_CHECKING:
    import jsonschema

# The document's own key order: every kind as the registry lists it, but the
# sources last (documents have always been written so).
JSON_KEYS = (
    *(kind.field for kind in KINDS.values() if kind.name != "source"),
    NODE_KINDS["source"].field,
)
DOCUMENT_NAME = "(document)"
# Record fields that hold an id (or a taxonomy's name).
_ID_FIELDS = {
    "id",
    "layer",
    "taxonomy",
    *(end for kind in LINK_KINDS.values() for end in kind.ends),
}


# What a taxonomy without jurisdictions (issue 25) does not hold, left out of
# its document so that such a document is byte for byte the one written
# before jurisdictions existed: the sections of the geography's kinds (when
# no jurisdiction is recorded), and the threats' ``mobile`` and the
# mitigations' ``everywhere`` when empty.
OMITTED_WHEN_EMPTY_SECTIONS = ("jurisdictions", "memberships", "in_force")
# The same for governance architectures: a taxonomy that records none writes
# the document written before they existed.
OMITTED_WITHOUT_ARCHITECTURES = ("architectures", "adopts")
OMITTED_WHEN_EMPTY_FIELDS = frozenset({"mobile", "everywhere", "stix"})


def record_as_dict(record: Any) -> dict[str, Any]:
    """One item as the canonical document writes it (tuples as lists, the
    fields a taxonomy without them leaves out omitted when empty)."""
    out = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name in OMITTED_WHEN_EMPTY_FIELDS and not value:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _sort_key(kind: Kind) -> Callable[[Any], tuple[str, ...]]:
    return kind.end_ids if kind.is_link else lambda record: (record.id,)


def taxonomy_to_document(taxonomy: Taxonomy) -> dict[str, list[dict[str, Any]]]:
    """The canonical document: every field of every item, sorted by id.

    >>> from taxonomy.domain.records import Link
    >>> taxonomy_to_document(Taxonomy(enables=(Link("b", "c"), Link("a", "b"))))[
    ...     "enables"]
    [{'source': 'a', 'target': 'b', 'version': 1}, {'source': 'b', 'target': 'c', 'version': 1}]
    """
    out = {}
    for key in JSON_KEYS:
        kind = BY_FIELD[key]
        records = sorted(getattr(taxonomy, key), key=_sort_key(kind))
        if key in OMITTED_WHEN_EMPTY_SECTIONS and not taxonomy.jurisdictions:
            continue
        if key in OMITTED_WITHOUT_ARCHITECTURES and not taxonomy.architectures:
            continue
        out[key] = [record_as_dict(r) for r in records]
    return out


def export_json(taxonomy: Taxonomy) -> str:
    """The canonical document as JSON text."""
    return (
        json.dumps(taxonomy_to_document(taxonomy), indent=2, ensure_ascii=False) + "\n"
    )


def _record_schema(cls: type, fixture_props: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one record class: the fixture schema's rule for a field it
    has, otherwise one by the field's type (ids, id lists, integers, text)."""
    props: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "version":
            props[f.name] = {"type": "integer", "minimum": 1}
        elif f.name == "stix":
            # The imported STIX object (stix.originals.original_properties): as
            # long as the object is, past the limit of prose.
            props[f.name] = {"type": "string"}
        elif f.name in fixture_props:
            props[f.name] = fixture_props[f.name]
        elif f.name in _ID_FIELDS:
            props[f.name] = {"$ref": "#/$defs/slug"}
        elif "tuple" in str(f.type):
            props[f.name] = {"$ref": "#/$defs/slugList"}
        elif "int" in str(f.type):
            props[f.name] = {"type": ["integer", "null"]}
        else:
            props[f.name] = {"$ref": "#/$defs/text"}
    required = [f.name for f in fields(cls) if f.default is MISSING]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": props,
    }


def _document_schema() -> dict[str, Any]:
    """JSON Schema of the canonical document, from the records and the fixture
    schema's rule of each kind that has one."""
    defs = fixture_schema()["$defs"]
    properties = {}
    for key in JSON_KEYS:
        kind = BY_FIELD[key]
        # An item's link lists (a threat's ``tactics``) are links of their own
        # in the document; a link's own fields of the same name are not.
        lists = {link.fixture_key for link in owned_links(kind.name)}
        fixture_props = {
            k: v
            for k, v in defs.get(kind.name, {}).get("properties", {}).items()
            if k not in lists
        }
        properties[key] = {
            "type": "array",
            "items": _record_schema(kind.record, fixture_props),
        }
    return {
        "$defs": defs,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


def _where(problem: RuleProblem) -> str:
    """The field a broken rule is at: ``mitigates[3].threat``; a cycle is at the
    list of its links (``requires``)."""
    if problem.rule == "cycle":
        return LINK_KINDS[problem.field].field
    return field_path(
        x
        for x in (
            KINDS[problem.kind].field,
            problem.index,
            problem.field,
            problem.position,
        )
        if x is not None
    )


def taxonomy_from_document(doc: Any) -> Taxonomy:
    """Parse the canonical JSON document ``export_json`` writes, with every fixture check.

    Versions in the document are ignored (the graph counts its own). Raise
    FixtureError whose problems name the field, e.g. ``mitigates[3].threat:
    unknown threat 'x'``; FixtureSyntaxError when ``doc`` is not an object.

    >>> taxonomy_from_document({"threats": [{"id": "t", "name": "T"}],
    ...     "enables": [{"source": "t", "target": "x"}]})
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.FixtureError: (document):0: enables[0].target: unknown threat 'x'
    """
    if not isinstance(doc, dict):
        raise FixtureSyntaxError(
            [Problem(DOCUMENT_NAME, 0, "the document must be a JSON object")]
        )
    problems = _schema_problems(_document_validator(), doc)
    if problems:
        raise FixtureError(problems)
    return _within_rules(
        Taxonomy(
            **{
                key: _records(kind.record, doc.get(key, []))
                for key, kind in BY_FIELD.items()
            }
        )
    )


@cache
def _document_validator() -> jsonschema.protocols.Validator:
    return schema_validator(_document_schema())


def _schema_problems(
    validator: jsonschema.protocols.Validator, value: Any, at: tuple = ()
) -> list[Problem]:
    """``value``'s schema problems, each at its field (under ``at``)."""
    return [
        Problem(
            DOCUMENT_NAME,
            0,
            f"{field_path((*at, *error.absolute_path))}: {schema_message(error)}",
        )
        for error in validator.iter_errors(value)
    ]


def _within_rules(taxonomy: Taxonomy) -> Taxonomy:
    """``taxonomy``, or FixtureError naming the field of every broken rule."""
    problems = [
        Problem(DOCUMENT_NAME, 0, f"{_where(p)}: {p.message}")
        for p in taxonomy_problems(taxonomy)
    ]
    if problems:
        raise FixtureError(problems)
    return taxonomy


# --- The document read as a stream ---------------------------------------------------


@cache
def _item_validators() -> dict[str, jsonschema.protocols.Validator]:
    """Per key of the document, the check of one of its items."""
    schema = _document_schema()
    return {
        key: schema_validator(
            {"$defs": schema["$defs"], **schema["properties"][key]["items"]}
        )
        for key in JSON_KEYS
    }


def _syntax(message: str) -> FixtureSyntaxError:
    return FixtureSyntaxError([Problem(DOCUMENT_NAME, 0, message)])


def _value(
    first: tuple[str, Any], events: Iterator[tuple[str, Any]], depth: int
) -> Any:
    """The value that starts with event ``first``, built from ``events``
    (nesting past MAX_JSON_DEPTH is refused: a document is 4 deep)."""
    return build_value(
        events,
        *first,
        depth=depth,
        too_deep=lambda: _syntax(
            f"nested more than {MAX_JSON_DEPTH} levels deep (the limit)"
        ),
        ended=lambda: _syntax("invalid JSON: the document ends inside a value"),
    )


def taxonomy_from_document_stream(source: IO[bytes] | bytes) -> Taxonomy:
    """``taxonomy_from_document`` of a JSON text read as a stream (ijson): one
    item at a time is built, checked and made a record, so a document of a
    million links never exists as one Python object. The problems are the
    ones ``taxonomy_from_document`` finds in the parsed document (a test
    holds the two equal); a key given twice is refused rather than the last
    one kept.

    >>> taxonomy_from_document_stream(b'{"threats": [{"id": "t", "name": "T"}], '
    ...     b'"enables": [{"source": "t", "target": "x"}]}')
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.FixtureError: (document):0: enables[0].target: unknown threat 'x'
    """
    if isinstance(source, bytes) and not source.strip():
        raise _syntax("invalid JSON: the body is empty")
    events = iter(ijson.basic_parse(binary_stream(source), use_float=True))
    checks = _item_validators()
    records: dict[str, list] = {key: [] for key in BY_FIELD}
    skeleton: dict[str, Any] = {}
    problems: list[Problem] = []
    try:
        first = next(events, None)
        if first is None:
            raise _syntax("invalid JSON: the body is empty")
        if first[0] != "start_map":
            _value(first, events, 0)  # a syntax error in it comes first
            raise _syntax("the document must be a JSON object")
        for event, key in events:
            if event == "end_map":
                break
            if key in skeleton:
                raise _syntax(f"invalid JSON: the key {key!r} is given twice")
            start = next(events)
            if key not in BY_FIELD or start[0] != "start_array":
                skeleton[key] = _value(start, events, 1)
                continue
            skeleton[key] = []
            kind, index = BY_FIELD[key], 0
            for item_event in events:
                if item_event[0] == "end_array":
                    break
                item = _value(item_event, events, 2)
                found = _schema_problems(checks[key], item, (key, index))
                if found:
                    problems += found
                    records = {k: [] for k in BY_FIELD}  # no longer wanted
                elif not problems:
                    records[key].append(_record(kind.record, item))
                index += 1
        for extra in events:  # the parser's own errors past the document
            raise _syntax(f"invalid JSON: more after the document ({extra[0]})")
    except ijson.JSONError as e:
        # yajl's message is its first line; then a picture of where
        words = (str(e).strip().splitlines() or ["unreadable"])[0]
        raise _syntax(f"invalid JSON: {words}") from e
    problems = _schema_problems(_document_validator(), skeleton) + problems
    if problems:
        raise FixtureError(problems)
    return _within_rules(Taxonomy(**{k: tuple(rows) for k, rows in records.items()}))


@cache
def _document_fields(cls: type) -> frozenset[str]:
    """The fields of ``cls`` a document gives (versions are the graph's)."""
    return field_names(cls) - {"version"}


def _record(cls: type, item: dict[str, Any]) -> Any:
    names = _document_fields(cls)
    return cls(
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in item.items()
            if k in names
        }
    )


def _records(cls: type, items: list[dict[str, Any]]) -> tuple:
    return tuple(_record(cls, item) for item in items)
