"""Fixture files read as a stream: what ``taxonomy load`` and ``validate`` and
the API's YAML import read with, at any size.

The round-trip reader of ``fixtures_yaml`` (kept for the export, which edits
files in place) builds each file whole, comments and positions on every node:
about 850 MB and 80 s for a file of 100,000 links. This reader walks the YAML
events (``taxonomy.formats.yaml_stream``) and holds one item at a time: it is
built, checked against the fixture schema and turned into records, then let
go. The problems it reports are the round-trip reader's, at the same file,
line and field (``tests/taxonomy/test_fixtures_stream.py`` holds the two
readers equal on random files, valid and not):

1. **Syntax** (and the YAML limits): the file's one problem, at its line; the
   file's items are left out, and the taxonomy's rules are not checked.
2. **Schema**, item by item. Each item is checked with its kind's part of
   ``fixtures/schema.json``, its link entries one by one (an entry equal to
   one already checked is not checked again).
3. **Rules** (unknown ids, duplicates, cycles) once every file is read, on the
   records. Only items are kept, not their lines: the lines a broken rule
   needs are found by a second pass over the files that have one.

Once a problem is found, records are no longer built (the checks go on), so a
file full of mistakes costs no more memory than a good one.
"""

from __future__ import annotations

import codecs
import contextlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ruamel.yaml.error import YAMLError

from taxonomy.domain.errors import FixtureError, FixtureSyntaxError, Problem
from taxonomy.domain.kinds import BY_FIELD, KINDS, LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.rules import taxonomy_problems
from taxonomy.formats.common import YAMLLimitError
from taxonomy.formats.fixtures_common import (
    SECTIONS,
    field_names,
    field_path,
    fixture_paths,
    fixture_schema,
    link_record,
    owned_links,
    record_value,
    rule_problem,
    schema_message,
    schema_validator,
    syntax_problem,
)
from taxonomy.formats.yaml_stream import (
    SECOND_DOCUMENT,
    ConstructError,
    Events,
    StreamYAMLError,
    composition_error,
)
from taxonomy.formats.yaml_stream import Path as ValuePath

if TYPE_CHECKING:
    import jsonschema

# The longest text an entry may hold to have its check remembered.
_MEMO_TEXT = 64
# The most distinct link entries whose schema check is remembered.
_ENTRY_MEMO = 100_000


# --- The schema, a kind at a time -------------------------------------------------


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with its ``$ref``s to ``$defs`` replaced by what they name (the
    fixture schema has no recursion), so that a part can be checked alone."""
    if isinstance(schema, list):
        return [_inline(x, defs) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _inline(v, defs) for k, v in schema.items() if k != "$ref"}
    if "$ref" in schema:
        target = _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        if set(target) & set(out):
            out["allOf"] = [target]
        else:
            out.update(target)
    return out


@dataclass(frozen=True)
class _ItemCheck:
    """The schema check of one kind's items: the item with its lists of link
    entries emptied, then each entry."""

    shell: jsonschema.protocols.Validator
    entries: dict[str, jsonschema.protocols.Validator]


@cache
def _item_check(section: str) -> _ItemCheck:
    """The check of an item of ``section``: its ``$defs`` part, its lists of
    objects (``mitigated_by``, ``uses``) split off and checked per entry."""
    schema = fixture_schema()
    item = _inline(schema["properties"][section]["items"], schema["$defs"])
    entries = {}
    for key, prop in item.get("properties", {}).items():
        items = prop.get("items")
        if (
            isinstance(items, dict)
            and items.get("type") == "object"
            and set(prop) <= {"type", "items", "description"}
        ):
            entries[key] = schema_validator(items)
    return _ItemCheck(schema_validator(item), entries)


@cache
def _top_check() -> jsonschema.protocols.Validator:
    """The check of a file's own keys, its sections' items aside."""
    return schema_validator(
        _inline(
            {k: v for k, v in fixture_schema().items() if k != "$defs"},
            fixture_schema()["$defs"],
        )
    )


def _freeze(value: Any) -> Any:
    """A hashable form of a plain value that tells ``True`` from ``1``."""
    if isinstance(value, dict):
        return ("d", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("l", tuple(_freeze(v) for v in value))
    return (type(value), value)


# --- Where things are --------------------------------------------------------------


@dataclass
class _Doc:
    """One document read: a file, or one document of a text."""

    name: str
    index: int  # its position among the documents of its source
    source: int  # which source it came from


@dataclass
class _Places:
    """Per record kind, the document, item and entry each record came from
    (three compact arrays: a million links take 12 MB)."""

    doc: array = field(default_factory=lambda: array("i"))
    item: array = field(default_factory=lambda: array("i"))
    entry: array = field(default_factory=lambda: array("i"))

    def add(self, doc: int, item: int, entry: int = -1) -> None:
        self.doc.append(doc)
        self.item.append(item)
        self.entry.append(entry)


def _lines_of(item_line: int, lines: dict[ValuePath, int], path: ValuePath) -> int:
    """The line of the deepest element of ``path`` (inside an item) that exists."""
    line = item_line
    for n in range(1, len(path) + 1):
        found = lines.get(path[:n])
        if found is None:
            break
        line = found
    return line


# --- The reader ---------------------------------------------------------------------


class _Reader:
    """Fixture sources read one after another into records and problems."""

    def __init__(self) -> None:
        self.records: dict[str, list] = {kind.field: [] for kind in KINDS.values()}
        self.places = {kind.name: _Places() for kind in KINDS.values()}
        self.docs: list[_Doc] = []
        self.sources: list[tuple[Any, bool]] = []  # (opener, pure parser)
        self._doc_index = 0
        self.syntax: list[Problem] = []
        self.schema: list[Problem] = []
        self._memo: dict[Any, list[tuple[ValuePath, str]]] = {}

    @property
    def building(self) -> bool:
        return not (self.syntax or self.schema)

    # --- sources ---

    def read_file(self, path: Path) -> None:
        try:
            pure = _needs_pure_parser(path)
        except (OSError, NotUTF8) as e:
            self.syntax.append(Problem(str(path), 0, f"cannot read: {e}"))
            return
        self._read(lambda: _opened(path, pure), str(path), text=False, pure=pure)

    def read_text(self, text: str | bytes, name: str) -> None:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as e:
                self.syntax.append(Problem(name, 0, f"cannot read: {e}"))
                return
        self._read(
            lambda: contextlib.nullcontext(text),
            name,
            text=True,
            pure=_needs_pure_parser(text),
        )

    def _read(
        self, opener: Callable[[], Any], name: str, *, text: bool, pure: bool
    ) -> None:
        """Read one source (``opener()`` gives it afresh: a retry and a second
        pass read it again). libyaml reads it unless it holds what libyaml
        reads otherwise than ruamel's parser; a text libyaml refuses is read
        again by ruamel's own parser, so that only what that parser refuses
        is refused, in its words."""
        mark = self._mark()
        self.sources.append((opener, pure))
        self._doc_index = 0
        try:
            with opener() as source:
                self._parse(source, name, text=text, pure=pure)
        except ConstructError as e:
            # as a whole-file reader would: the text's own errors come first
            document = self._doc_index if text else None
            with opener() as source:
                later = composition_error(source, pure=pure, document=document)
            if not pure and later and not isinstance(later, StreamYAMLError):
                with opener() as source:  # libyaml's error, in ruamel's words
                    later = composition_error(source, pure=True, document=document)
            self._refuse(name, later or e, mark, opener)
        except YAMLError as e:
            if not pure and not isinstance(e, (StreamYAMLError, YAMLLimitError)):
                self._rollback(mark)
                self._read(opener, name, text=text, pure=True)
                return
            self._refuse(name, e, mark, opener)
        except (OSError, UnicodeDecodeError) as e:
            self._rollback(mark)
            self.syntax.append(Problem(name, 0, f"cannot read: {e}"))

    def _parse(self, source: Any, name: str, *, text: bool, pure: bool) -> None:
        events = Events(source, dates_as_text=True, pure=pure)
        count, shapeless = 0, []
        while events.start_document():
            self._doc_index = count
            problem = self._document(events, name, count, text=text)
            if problem is not None:
                shapeless.append(problem)
            events.end_document()
            count += 1
            if not text and events.at_document_start():
                raise _second_document(events)
        if text and not count:
            shapeless.append(
                Problem(name, 1, "empty document: expected a fixture mapping")
            )
        self.syntax += shapeless

    def _mark(self) -> tuple:
        return (
            {k: len(v) for k, v in self.records.items()},
            len(self.docs),
            len(self.schema),
            len(self.sources),
        )

    def _rollback(self, mark: tuple) -> None:
        """Forget what reading a source added (records are only ever appended)."""
        lengths, docs, schema, sources = mark
        for key, n in lengths.items():
            del self.records[key][n:]
        for kind in KINDS.values():
            n = lengths[kind.field]
            places = self.places[kind.name]
            for column in (places.doc, places.item, places.entry):
                del column[n:]
        del self.docs[docs:]
        del self.schema[schema:]
        del self.sources[sources:]

    def _refuse(
        self,
        name: str,
        error: YAMLError,
        mark: tuple,
        opener: Callable[[], Any] | None = None,
    ) -> None:
        """The whole source is one problem, in place of what it had."""
        self._rollback(mark)
        self.sources.append((None, False))  # (keeps the sources' numbering)
        self.syntax.append(syntax_problem(name, error, opener))

    # --- one document ---

    def _document(
        self, events: Events, name: str, index: int, *, text: bool
    ) -> Problem | None:
        """Read the document ``events`` is at; a problem if it is no mapping
        (reported once the source is read through: a syntax error comes first)."""
        if not events.next_is_mapping():
            if events.value() is None:  # (built: within the limits, aliases known)
                return None  # an empty file
            what = "document" if text else "file"
            return Problem(name, 1, f"a fixture {what} must be a mapping")
        doc = len(self.docs)
        self.docs.append(_Doc(name, index, len(self.sources) - 1))
        mark = {k: len(v) for k, v in self.records.items()}
        taxonomy_used = DEFAULT_TAXONOMY
        top: dict[str, Any] = {}
        top_lines: dict[str, int] = {}
        seen: set[str] = set()
        events.enter(0)
        while not events.at_end():
            key_line = events.line()
            key = events.key(seen)
            if key in SECTIONS and events.next_is_sequence():
                top_lines[key] = key_line
                top[key] = []
                events.enter(1)
                i = 0
                while not events.at_end():
                    item_line = events.line()
                    lines: dict[ValuePath, int] = {}
                    item = events.value(lines, depth=2)
                    self._item(doc, key, i, item, item_line, lines, taxonomy_used)
                    i += 1
                events.leave()
                continue
            top_lines[key] = events.line() if events.next_is_scalar() else key_line
            top[key] = events.value(depth=1)
            if key == "taxonomy":
                taxonomy_used = self._retaxonomy(mark, taxonomy_used, top[key])
        events.leave()
        for error in _top_check().iter_errors(top):
            path = tuple(error.absolute_path)
            line = top_lines.get(path[0], 1) if path else 1
            self.schema.append(
                Problem(name, line, f"{field_path(path)}: {schema_message(error)}")
            )
        return None

    def _retaxonomy(self, mark: dict[str, int], used: str, value: Any) -> str:
        """The document's ``taxonomy``, given after some of its items: those
        items' records are made again in it."""
        name = str(value if value is not None else DEFAULT_TAXONOMY)
        if self.building and name != used:
            for kind in NODE_KINDS.values():
                rows = self.records[kind.field]
                for n in range(mark[kind.field], len(rows)):
                    rows[n] = replace(rows[n], taxonomy=name)
        return name

    # --- one item ---

    def _item(
        self,
        doc: int,
        section: str,
        index: int,
        item: Any,
        item_line: int,
        lines: dict[ValuePath, int],
        taxonomy: str,
    ) -> None:
        found = self._check(section, item)
        if found:
            name = self.docs[doc].name
            for path, message in found:
                line = _lines_of(item_line, lines, path)
                where = field_path((section, index, *path))
                self.schema.append(Problem(name, line, f"{where}: {message}"))
            return
        if not self.building:
            return
        kind = BY_FIELD[section]
        names = field_names(kind.record)
        values = {k: record_value(v) for k, v in item.items() if k in names}
        self.records[kind.field].append(kind.record(**values, taxonomy=taxonomy))
        self.places[kind.name].add(doc, index)
        for link in owned_links(kind.name):
            rows, places = self.records[link.field], self.places[link.name]
            for j, entry in enumerate(item.get(link.fixture_key) or []):
                rows.append(link_record(link, item["id"], entry))
                places.add(doc, index, j)

    def _check(self, section: str, item: Any) -> list[tuple[ValuePath, str]]:
        """The schema problems of one item: (path inside it, message)."""
        check = _item_check(section)
        found = []
        shell = item
        if isinstance(item, dict):
            split = [
                k for k in check.entries if k in item and isinstance(item[k], list)
            ]
            if split:
                shell = {k: ([] if k in split else v) for k, v in item.items()}
                for key in split:
                    for j, entry in enumerate(item[key]):
                        for path, message in self._entry(section, key, entry):
                            found.append(((key, j, *path), message))
        shell_found = [
            (tuple(e.absolute_path), schema_message(e))
            for e in check.shell.iter_errors(shell)
        ]
        return shell_found + found

    def _entry(self, section: str, key: str, entry: Any) -> list[tuple[ValuePath, str]]:
        """An entry's problems; remembered for short entries, which repeat (a
        mitigation and a strength), not for ones with texts, which do not."""
        short = isinstance(entry, dict) and all(
            len(v) <= _MEMO_TEXT for v in entry.values() if isinstance(v, str)
        )
        memo_key = (section, key, _freeze(entry)) if short else None
        known = self._memo.get(memo_key) if short else None
        if known is None:
            validator = _item_check(section).entries[key]
            known = [
                (tuple(e.absolute_path), schema_message(e))
                for e in validator.iter_errors(entry)
            ]
            if short:
                if len(self._memo) >= _ENTRY_MEMO:
                    self._memo.clear()
                self._memo[memo_key] = known
        return known

    # --- the rules, across documents ---

    def taxonomy(self) -> Taxonomy:
        return Taxonomy(**{k: tuple(v) for k, v in self.records.items()})

    def rule_problems(self, taxonomy: Taxonomy) -> list[Problem]:
        broken = taxonomy_problems(taxonomy)
        if not broken:
            return []
        wanted: dict[int, set[ValuePath]] = {}

        def want(doc: int, path: ValuePath) -> int:
            wanted.setdefault(doc, set()).add(path)
            return 0

        for problem in broken:  # first, which lines are needed
            rule_problem(problem, self._place_finder(want))
        found = self._find_lines(wanted)
        return [
            rule_problem(problem, self._place_finder(lambda d, p: found[d, p]))
            for problem in broken
        ]

    def _place_finder(
        self, line_of: Callable[[int, ValuePath], int]
    ) -> Callable[[str, int], Any]:
        def place(kind: str, index: int) -> _Place | None:
            places = self.places[kind]
            if index >= len(places.doc):
                return None
            doc, item, entry = (
                places.doc[index],
                places.item[index],
                places.entry[index],
            )
            if kind in LINK_KINDS:
                link = LINK_KINDS[kind]
                owner = NODE_KINDS[getattr(link, link.fixture_owner)].field
                path: ValuePath = (owner, item, link.fixture_key, entry)
            else:
                path = (KINDS[kind].field, item)
            return _Place(self.docs[doc].name, doc, path, line_of)

        return place

    def _find_lines(self, wanted: dict[int, set[ValuePath]]) -> dict[Any, int]:
        """The line of each wanted path, by a second pass over its documents."""
        found: dict[Any, int] = {}
        by_source: dict[int, dict[int, int]] = {}
        for doc in wanted:
            by_source.setdefault(self.docs[doc].source, {})[self.docs[doc].index] = doc
        for source, docs in by_source.items():
            opener, pure = self.sources[source]
            with opener() as stream:
                events = Events(stream, dates_as_text=True, pure=pure)
                self._lines_pass(events, docs, wanted, found)
        return found

    def _lines_pass(
        self,
        events: Events,
        docs: dict[int, int],
        wanted: dict[int, set[ValuePath]],
        found: dict[Any, int],
    ) -> None:
        index = 0
        while events.start_document():
            doc = docs.get(index)
            if doc is None or not events.next_is_mapping():
                events.value()  # built, not skipped: its anchors may be used
            else:
                _doc_lines(events, wanted[doc], doc, found)
            events.end_document()
            index += 1


def _doc_lines(
    events: Events, paths: set[ValuePath], doc: int, found: dict[Any, int]
) -> None:
    """Find the line of each of ``paths`` in the document ``events`` is at."""
    items: dict[tuple[str, int], list[ValuePath]] = {}
    for path in paths:
        found[doc, path] = 1
        if len(path) >= 2:
            items.setdefault((path[0], path[1]), []).append(path)
    seen: set[str] = set()
    events.enter(0)
    while not events.at_end():
        key_line = events.line()
        key = events.key(seen)
        here = key_line if not events.next_is_scalar() else events.line()
        for path in paths:
            if path and path[0] == key:
                found[doc, path] = here
        if key in SECTIONS and events.next_is_sequence():
            events.enter(1)
            i = 0
            while not events.at_end():
                asked = items.get((key, i))
                if asked is None:
                    events.value(depth=2)  # (its anchors may be used later)
                else:
                    item_line = events.line()
                    lines: dict[ValuePath, int] = {}
                    events.value(lines, depth=2)
                    for path in asked:
                        found[doc, path] = _lines_of(item_line, lines, path[2:])
                i += 1
            events.leave()
        else:
            events.value(depth=1)
    events.leave()


@dataclass(frozen=True)
class _Place:
    """Where a record came from, as ``fixtures_common.rule_problem`` asks it."""

    name: str
    doc: int
    path: ValuePath
    line_of: Callable[[int, ValuePath], int]

    def where(self, *more: Any) -> tuple[str, int]:
        return self.name, self.line_of(self.doc, (*self.path, *more))


# What libyaml reads otherwise than ruamel's parser (YAML 1.1 line breaks, and
# the version directive), in UTF-8 and as text.
_PURE_ONLY = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"%YAML")


def _needs_pure_parser(source: Path | str) -> bool:
    """Whether ``source`` holds something libyaml would read otherwise than
    ruamel's own parser (so ruamel's reads it, slower but the same); a file
    not in UTF-8 raises NotUTF8, with the position reading it as text gives.

    >>> _needs_pure_parser("a: b"), _needs_pure_parser("a: b\u2028c")
    (False, True)
    """
    if isinstance(source, str):
        return any(t.decode("utf-8") in source for t in _PURE_ONLY)
    tail, found = b"", False
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.open("rb") as stream:
        offset = 0
        while chunk := stream.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                raise NotUTF8(
                    f"'utf-8' codec can't decode byte 0x{e.object[e.start]:02x} "
                    f"in position {offset + e.start}: {e.reason}"
                ) from e
            block = tail + chunk
            found = found or any(t in block for t in _PURE_ONLY)
            tail, offset = block[-4:], offset + len(chunk)
        decoder.decode(b"", final=True)
    return found


class NotUTF8(ValueError):
    """A fixture file that is not UTF-8 text."""


def _opened(path: Path, pure: bool) -> IO[Any]:
    """The file for libyaml, which checks its UTF-8 itself (and is refused for
    ruamel's parser if it is not UTF-8), or as strict UTF-8 text for ruamel's."""
    if pure:
        return path.open("r", encoding="utf-8", errors="strict")
    return path.open("rb")


def _second_document(events: Events) -> YAMLError:
    return StreamYAMLError(None, None, SECOND_DOCUMENT, events.peek().start_mark)


# --- What callers use --------------------------------------------------------------


def read_paths(path: Path) -> _Reader:
    """Every fixture file under ``path`` read (problems collected, not raised)."""
    reader = _Reader()
    if not path.exists():
        reader.syntax.append(Problem(str(path), 0, "no such file or directory"))
        return reader
    paths = fixture_paths(path)
    if not paths:
        reader.syntax.append(Problem(str(path), 0, "no *.yaml fixture files here"))
    for p in paths:
        reader.read_file(p)
    return reader


def _problems(reader: _Reader) -> tuple[list[Problem], Taxonomy | None]:
    """The reader's problems (rules checked only when everything parsed and
    passed the schema) and, when there are none, its taxonomy."""
    problems = reader.syntax + reader.schema
    if problems:
        return problems, None
    taxonomy = reader.taxonomy()
    problems = reader.rule_problems(taxonomy)
    return problems, (None if problems else taxonomy)


def load_fixtures(path: Path) -> Taxonomy:
    """Read and validate ``path``; raise FixtureError naming every problem."""
    problems, taxonomy = _problems(read_paths(path))
    if problems:
        raise FixtureError(problems)
    assert taxonomy is not None
    return taxonomy


def validate_path(path: Path) -> list[Problem]:
    """Every problem of the fixtures at ``path``, in file and line order."""
    return sorted(_problems(read_paths(path))[0])


def load_fixture_text(text: str | bytes, *, name: str = "(body)") -> Taxonomy:
    """Read and validate YAML fixture text (one document per taxonomy);
    FixtureSyntaxError if it is not YAML or not fixture documents."""
    reader = _Reader()
    reader.read_text(text, name)
    if reader.syntax:
        raise FixtureSyntaxError(reader.syntax)
    problems, taxonomy = _problems(reader)
    if problems:
        raise FixtureError(problems)
    assert taxonomy is not None
    return taxonomy
