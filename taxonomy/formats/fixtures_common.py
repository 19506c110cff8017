"""What both fixture readers share: the schema, the sections and link
entries of a file, a value as a record holds it, and problems at their file
and line (a YAML error, a schema violation, a broken rule).

The round-trip reader (``fixtures_yaml``) and the stream reader
(``fixtures_stream``) both import this module and neither imports the other's
internals, so the two stay held equal without an import cycle.
"""

from __future__ import annotations

import codecs
import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml.error import YAMLError
from ruamel.yaml.reader import ReaderError

from taxonomy.domain.errors import Problem
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS, LinkKind
from taxonomy.domain.rules import RuleProblem, cut, shown
from taxonomy.formats.common import yaml_problem

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "schema.json"


SECTIONS = tuple(kind.field for kind in NODE_KINDS.values())


@cache
def fixture_schema() -> dict[str, Any]:
    """fixtures/schema.json, the JSON Schema of one fixture file."""
    return json.loads(SCHEMA_PATH.read_text())


def owned_links(node_kind: str) -> list[LinkKind]:
    """The link kinds listed on the items of ``node_kind``."""
    return [
        kind
        for kind in LINK_KINDS.values()
        if getattr(kind, kind.fixture_owner) == node_kind
    ]


def owner_fields(kind: LinkKind) -> tuple[str, str]:
    """The record fields of a link's owning end and of the end its entry names."""
    source, target = kind.ends
    return (target, source) if kind.fixture_owner == "target" else (source, target)


def fixture_paths(path: Path) -> list[Path]:
    """The YAML files a fixture path stands for: itself, or a folder's *.yaml files."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]


def syntax_problem(
    name: str, error: YAMLError, text: Callable[[], Any] | None = None
) -> Problem:
    """A YAML error at its file and line (0 when it has no place).

    A character the YAML reader refuses (a control character, NUL) has only
    a position in the text: ``text()`` opens the text again to find its line.
    """
    if isinstance(error, ReaderError):
        line = _line_at(text, error.position) if text is not None else 0
        return Problem(name, line, f"invalid YAML: {str(error).splitlines()[0]}")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark else 0
    return Problem(name, line, yaml_problem(error))


# What YAML's reader counts as a line break (a CR LF once).
_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _line_at(text: Callable[[], Any], position: int) -> int:
    r"""The 1-based line of character ``position`` of what ``text()`` opens (a
    context manager of a str or UTF-8 bytes, or of a text or UTF-8 binary
    stream), counting line breaks as YAML's reader does.

    >>> import contextlib
    >>> _line_at(lambda: contextlib.nullcontext("a\nb\x01"), 3)
    2
    >>> _line_at(lambda: contextlib.nullcontext(b"a\r\nb\rc\xc2\x85d"), 7)
    4
    """
    lines, left, carry = 1, position, ""
    for chunk in _chunks(text):
        piece = carry + chunk[:left]
        left -= min(left, len(chunk))
        carry = ""
        if left and piece.endswith("\r"):  # perhaps half of a CR LF
            carry, piece = "\r", piece[:-1]
        lines += len(_BREAKS.findall(piece))
        if not left:
            break
    return lines + bool(carry)


def _chunks(text: Callable[[], Any]) -> Iterator[str]:
    with text() as source:
        if isinstance(source, bytes):
            source = source.decode("utf-8", errors="replace")
        if isinstance(source, str):
            yield source
            return
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while chunk := source.read(1 << 16):
            yield decoder.decode(chunk) if isinstance(chunk, bytes) else chunk


def field_path(path: Iterable[Any]) -> str:
    """A path into a document as text.

    >>> field_path(("threats", 3, "mitigated_by", 0, "mitigation")), field_path(())
    ('threats[3].mitigated_by[0].mitigation', '(file)')
    """
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(file)"


def schema_validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A JSON Schema (2020-12) check of ``schema``.

    jsonschema is imported here, when a document is first checked, rather than
    when the application starts: installed with its format extras (the test
    tools bring them), its import builds an IRI grammar that takes seconds,
    which every process that never checks a document (a web worker, a
    management command) would pay.

    >>> [e.message for e in schema_validator({"type": "string"}).iter_errors(1)]
    ["1 is not of type 'string'"]
    """
    import jsonschema

    return jsonschema.Draft202012Validator(schema)


# The most characters of jsonschema's own message kept (it quotes the value).
MAX_SCHEMA_MESSAGE = 300


def schema_message(error: jsonschema.ValidationError) -> str:
    """A schema violation in the words editors see; a value is quoted cut short.

    >>> from jsonschema import Draft202012Validator as V
    >>> schema_message(next(V({"maxLength": 3}).iter_errors("a" * 5000)))
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…' (5,000 characters) is too long (at most 3 characters)"
    """
    value = shown(error.instance)
    if error.validator == "enum":
        return f"{value} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown field {', '.join(map(shown, extra))}"
    if error.validator == "pattern":
        return f"{value} is not a valid id (letters, digits, '.', '_', ':' or '-')"
    if error.validator == "maxLength":
        return f"{value} is too long (at most {error.validator_value:,} characters)"
    if error.validator == "type":
        return f"{value} is not of type {error.validator_value!r}"
    return cut(error.message, MAX_SCHEMA_MESSAGE)


def scalar(value: Any) -> Any:
    """One scalar as a record holds it: plain str and int, dates as ISO text.

    >>> scalar(datetime.date(2020, 1, 31)), type(scalar(True)).__name__
    ('2020-01-31', 'bool')
    """
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return value


@cache
def field_names(record: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(record))


def record_value(value: Any) -> Any:
    """A fixture value as a record holds it: plain scalars, lists as tuples."""
    if isinstance(value, list):
        return tuple(scalar(v) for v in value)
    return scalar(value)


def link_record(kind: LinkKind, owner: str, entry: Any) -> Any:
    owner_field, named = owner_fields(kind)
    values = entry if isinstance(entry, dict) else {named: entry}
    return kind.record(
        **{owner_field: str(owner)}, **{k: record_value(v) for k, v in values.items()}
    )


def rule_problem(problem: RuleProblem, place_of: Callable[[str, int], Any]) -> Problem:
    """A broken rule at the file and line of the item or entry at fault;
    ``place_of(kind, index)`` is where a record came from (its ``where(*more)``
    gives a file and line), or None."""
    place = place_of(problem.kind, problem.index)
    if place is None:
        return Problem("(fixtures)", 0, problem.message)
    if problem.rule == "cycle":
        more: tuple[Any, ...] = (LINK_KINDS[problem.field].fixture_key,)
    elif problem.kind in LINK_KINDS and not LINK_KINDS[problem.kind].editable:
        more = ()  # a plain link's entry is the id of its other end
    else:
        more = tuple(x for x in (problem.field, problem.position) if x is not None)
    message = problem.message
    if problem.first is not None:
        first = place_of(problem.kind, problem.first)
        message += " (first defined at {}:{})".format(*first.where(*more))
    if problem.rule == "unknown" or (
        problem.kind in LINK_KINDS and problem.first is not None
    ):
        message = f"{field_path((*place.path, *more))}: {message}"
    return Problem(*place.where(*more), message)
