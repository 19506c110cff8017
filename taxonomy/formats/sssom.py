"""SSSOM/TSV: a strict reader and a canonical writer of one mapping set.

An SSSOM/TSV file is a metadata block (YAML, each line behind ``#``) then a
table: a header of column names and one mapping a line, cells separated by
tabs. The reader keeps what Layerwise models (``MappingSet``,
``MappingRow``) and refuses everything else with the file, line and column
of the fault, naming the field: an unknown metadata slot or column, a
missing required one, a CURIE whose prefix is neither declared nor built in,
a predicate outside ``PREDICATES``, a justification outside the semapv
vocabulary, a confidence outside [0, 1], a bad date, a second row for the
same subject and object. Whether the ids name items of the set's two
taxonomies is the graph's to say: ``id_problems`` checks them against the
ids the caller read, at the same positions, before anything is written.

The writer gives a set's canonical form: the metadata slots in one order,
``#`` with no space, the prefixes sorted, every column in one order, rows
sorted by subject, object. A file in that form reads and writes back byte
for byte (tests hold it); any valid file writes back in it.

Layerwise's own rules on top of SSSOM's: ``subject_source`` and
``object_source`` are required and name Layerwise taxonomies (``atlas``,
``layerwise``); every subject id uses one prefix and every object id one
prefix, the CURIE's local part being the item's id.

>>> text = write_sssom(MappingSet("https://example.org/m", "atlas", "layerwise",
...     license="https://creativecommons.org/licenses/by/4.0/",
...     curie_map=(("atlas", "https://atlas.mitre.org/techniques/"),
...                ("layerwise", "https://example.org/layerwise/")),
...     rows=(MappingRow("atlas:AML.T0024", "skos:exactMatch", "layerwise:model-extraction",
...                      confidence=0.9),)))
>>> write_sssom(read_sssom(text, name="m.sssom.tsv")[0]) == text
True
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field, fields
from typing import Any

from ruamel.yaml.error import YAMLError

from taxonomy.domain.errors import CellProblem, MappingFileError
from taxonomy.domain.mappings import (
    BUILTIN_PREFIXES,
    JUSTIFICATIONS,
    PREDICATES,
    MappingRow,
    MappingSet,
    split_curie,
)
from taxonomy.formats.common import TAXONOMY_NAME, bounded_yaml, yaml_problem

MEDIA_TYPE = "text/tab-separated-values"
SUFFIX = ".sssom.tsv"

# The metadata slots kept, in the canonical order (curie_map first, as SSSOM's
# own writers put it).
SLOTS = (
    "curie_map",
    "mapping_set_id",
    "mapping_set_title",
    "mapping_set_description",
    "license",
    "creator_id",
    "subject_source",
    "object_source",
    "mapping_date",
    "comment",
)
REQUIRED_SLOTS = ("mapping_set_id", "license", "subject_source", "object_source")
# The columns kept, in the canonical order.
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "author_id",
    "confidence",
    "mapping_date",
    "comment",
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
# A CURIE prefix as SSSOM's curie_map takes it.
PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A value written plain in the metadata block; anything else is double-quoted.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./:#?=&%~+-]*")
# Characters no cell or metadata value may hold: they would break a line.
_BREAKS = re.compile(r"[\t\r\n]")


@dataclass
class Positions:
    """Where a read set's values were: ``cells[(row_key, column)]`` is the
    (line, column) of a cell; ``slots[slot]`` of a metadata value."""

    cells: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)


class _Problems:
    """The problems of one file, at their positions."""

    def __init__(self, name: str):
        self.name, self.found = name, []

    def add(self, line: int, column: int, where: str, message: str) -> None:
        self.found.append(CellProblem(self.name, line, f"{where}: {message}", column))

    def raise_any(self) -> None:
        if self.found:
            raise MappingFileError(self.found)


# --- Reading ----------------------------------------------------------------------


def read_sssom(text: str, *, name: str = "mapping set") -> tuple[MappingSet, Positions]:
    """The mapping set an SSSOM/TSV text holds, and where its values were.

    Raises ``MappingFileError`` with every problem found (all-or-nothing: a
    caller writes nothing of a file that raises).

    >>> try:
    ...     read_sssom("subject_id\\n", name="x.tsv")
    ... except MappingFileError as error:
    ...     print(error.problems[0])
    x.tsv:1:1: license: missing: an SSSOM file of Layerwise needs it
    """
    problems = _Problems(name)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    positions = Positions()
    meta = _read_metadata(lines[:head], problems, positions)
    prefixes = {**BUILTIN_PREFIXES, **dict(meta.get("curie_map", ()))}
    for slot in REQUIRED_SLOTS:
        if not meta.get(slot):
            problems.add(1, 1, slot, "missing: an SSSOM file of Layerwise needs it")
    for slot in ("subject_source", "object_source"):
        if meta.get(slot) and not TAXONOMY_NAME.fullmatch(meta[slot]):
            line, col = positions.slots[slot]
            problems.add(line, col, slot, f"{meta[slot]!r} is not a taxonomy name")
    for curie in meta.get("creator_id", ()):
        where = positions.slots["creator_id"]
        _check_curie(curie, prefixes, problems, where, "creator_id")
    rows: list[MappingRow] = []
    if head < len(lines):
        rows = _read_table(lines, head, prefixes, problems, positions)
    else:
        problems.add(head + 1, 1, "subject_id", "missing: the file has no table")
    problems.raise_any()
    return (
        MappingSet(
            mapping_set_id=meta["mapping_set_id"],
            subject_source=meta["subject_source"],
            object_source=meta["object_source"],
            license=meta["license"],
            creator_id=tuple(meta.get("creator_id", ())),
            mapping_date=meta.get("mapping_date", ""),
            mapping_set_title=meta.get("mapping_set_title", ""),
            mapping_set_description=meta.get("mapping_set_description", ""),
            comment=meta.get("comment", ""),
            curie_map=tuple(sorted(meta.get("curie_map", ()))),
            rows=tuple(sorted(rows, key=_row_order)),
        ),
        positions,
    )


def _read_metadata(
    lines: list[str], problems: _Problems, positions: Positions
) -> dict[str, Any]:
    """The metadata block's slots as plain values (curie_map as pairs)."""
    if not lines:
        return {}
    # "#" then the same number of spaces on every line; columns count them.
    offset = 1 + len(lines[0][1:]) - len(lines[0][1:].lstrip(" "))
    body = []
    for number, line in enumerate(lines, 1):
        if line.strip() != "#" and not line.startswith("#" + " " * (offset - 1)):
            problems.add(number, 1, "metadata", "every line needs the same indent")
        body.append(line[offset:])
    try:
        data = bounded_yaml("rt").load("\n".join(body))
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1 + offset) if mark else (1, 1)
        problems.add(line, col, "metadata", yaml_problem(error))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.add(1, 1 + offset, "metadata", "must be a mapping of slots")
        return {}
    meta: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SLOTS:
            at = _at(data.lc.key(key), offset)
            problems.add(*at, str(key), "not a mapping set slot Layerwise keeps")
            continue
        positions.slots[key] = _at(data.lc.value(key), offset)
        value = _meta_value(key, value, problems, positions.slots[key], offset)
        if value is not None:
            meta[key] = value
    return meta


def _at(position: tuple[int, int], offset: int) -> tuple[int, int]:
    """A position in the metadata's YAML (from 0) as the file's (from 1)."""
    return position[0] + 1, position[1] + offset + 1


def _meta_value(
    key: str, value: Any, problems: _Problems, where: tuple[int, int], offset: int
) -> Any:
    """A slot's value as a MappingSet holds it, or None after a problem."""
    if key == "curie_map":
        if not isinstance(value, dict):
            problems.add(*where, key, "must map each prefix to its expansion")
            return None
        pairs = []
        for prefix, expansion in value.items():
            at = _at(value.lc.key(prefix), offset)
            if not isinstance(prefix, str) or not PREFIX.fullmatch(prefix):
                problems.add(*at, key, f"{prefix!r} is not a CURIE prefix")
            elif not isinstance(expansion, str) or not expansion:
                problems.add(*at, key, f"prefix {prefix!r} needs an expansion")
            elif BUILTIN_PREFIXES.get(prefix, expansion) != expansion:
                problems.add(
                    *at, key, f"{prefix!r} is built in as {BUILTIN_PREFIXES[prefix]}"
                )
            else:
                pairs.append((prefix, expansion))
        return pairs
    if key == "creator_id":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(i, str) and i for i in items):
            problems.add(*where, key, "must be a CURIE or a list of CURIEs")
            return None
        return items
    if key == "mapping_date" and isinstance(value, datetime.date):
        return value.isoformat()
    if not isinstance(value, str):
        problems.add(*where, key, "must be text")
        return None
    if key == "mapping_date" and not _is_date(value):
        problems.add(*where, key, f"{value!r} is not a date (YYYY-MM-DD)")
        return None
    return value


def _read_table(
    lines: list[str],
    head: int,
    prefixes: dict[str, str],
    problems: _Problems,
    positions: Positions,
) -> list[MappingRow]:
    header = lines[head].split("\t")
    header_line = head + 1
    starts = _starts(header)
    for name, start in zip(header, starts, strict=True):
        if name not in COLUMNS:
            problems.add(
                header_line, start, name or "column", "not a column Layerwise keeps"
            )
        elif header.count(name) > 1:
            problems.add(header_line, start, name, "a second column of that name")
    for name in REQUIRED_COLUMNS:
        if name not in header:
            problems.add(header_line, 1, name, "missing column")
    if problems.found:
        return []
    rows, seen, ends = [], {}, {"subject_id": None, "object_id": None}
    for number in range(head + 1, len(lines)):
        line = number + 1
        cells = lines[number].split("\t")
        if len(cells) != len(header):
            problems.add(
                line, 1, "row", f"{len(cells)} cells for {len(header)} columns"
            )
            continue
        at = dict(zip(header, _starts(cells), strict=True))
        values = dict(zip(header, cells, strict=True))
        row = _read_row(values, at, line, prefixes, ends, problems)
        if row is None:
            continue
        if row.key in seen:
            problems.add(
                line,
                at["subject_id"],
                "subject_id",
                f"a second row for {row.subject_id} and {row.object_id} "
                f"(the first is on line {seen[row.key]})",
            )
            continue
        seen[row.key] = line
        for column, start in at.items():
            positions.cells[(row.key, column)] = (line, start)
        rows.append(row)
    return rows


def _read_row(
    values: dict[str, str],
    at: dict[str, int],
    line: int,
    prefixes: dict[str, str],
    ends: dict[str, str | None],
    problems: _Problems,
) -> MappingRow | None:
    """One row's record, or None after its problems."""
    before = len(problems.found)

    def wrong(column: str, message: str) -> None:
        problems.add(line, at[column], column, message)

    for end in ("subject_id", "object_id"):
        curie = values[end]
        if _check_curie(curie, prefixes, problems, (line, at[end]), end):
            prefix = split_curie(curie)[0]
            if ends[end] is None:
                ends[end] = prefix
            elif ends[end] != prefix:
                wrong(
                    end,
                    f"prefix {prefix!r}: every {end} of a set uses one prefix "
                    f"(the first row's is {ends[end]!r})",
                )
    predicate = values["predicate_id"]
    if predicate not in PREDICATES:
        wrong("predicate_id", f"{predicate!r} is not one of {', '.join(PREDICATES)}")
    justification = values["mapping_justification"]
    if justification not in JUSTIFICATIONS:
        wrong(
            "mapping_justification", f"{justification!r} is not a semapv justification"
        )
    confidence = _confidence(values.get("confidence", ""))
    if confidence is False:
        wrong("confidence", f"{values['confidence']!r} is not a number between 0 and 1")
    authors = tuple(a for a in values.get("author_id", "").split("|") if a)
    for author in authors:
        _check_curie(author, prefixes, problems, (line, at["author_id"]), "author_id")
    date = values.get("mapping_date", "")
    if date and not _is_date(date):
        wrong("mapping_date", f"{date!r} is not a date (YYYY-MM-DD)")
    if len(problems.found) > before:
        return None
    return MappingRow(
        subject_id=values["subject_id"],
        predicate_id=predicate,
        object_id=values["object_id"],
        mapping_justification=justification,
        confidence=confidence,
        comment=values.get("comment", ""),
        author_id=authors,
        mapping_date=date,
        subject_label=values.get("subject_label", ""),
        object_label=values.get("object_label", ""),
    )


def _check_curie(
    curie: str,
    prefixes: dict[str, str],
    problems: _Problems,
    where: tuple[int, int],
    name: str,
) -> bool:
    prefix, local = split_curie(curie)
    if not prefix or not local:
        problems.add(*where, name, f"{curie!r} is not a CURIE (prefix:id)")
        return False
    if prefix not in prefixes:
        problems.add(*where, name, f"unknown prefix {prefix!r} (not in the curie_map)")
        return False
    return True


def _confidence(text: str) -> float | None | bool:
    """A confidence cell's value: None when empty, False when invalid."""
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return False
    return value if math.isfinite(value) and 0 <= value <= 1 else False


def _is_date(text: str) -> bool:
    if not DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _starts(cells: list[str]) -> list[int]:
    """Each tab-separated cell's first column (from 1)."""
    starts, column = [], 1
    for cell in cells:
        starts.append(column)
        column += len(cell) + 1
    return starts


def _row_order(row: MappingRow) -> tuple[str, str]:
    return (row.subject_id, row.object_id)


def id_problems(
    mapping_set: MappingSet,
    positions: Positions,
    *,
    name: str,
    subject_ids: Collection[str],
    object_ids: Collection[str],
) -> list[CellProblem]:
    """The rows whose subject or object is no item of the set's taxonomies.

    ``subject_ids`` and ``object_ids`` are the ids the graph holds in the
    ``subject_source`` and ``object_source`` taxonomies.
    """
    problems = _Problems(name)
    for row in mapping_set.rows:
        for end, known, source in (
            ("subject_id", subject_ids, mapping_set.subject_source),
            ("object_id", object_ids, mapping_set.object_source),
        ):
            curie = getattr(row, end)
            local = split_curie(curie)[1]
            if local not in known and f"{source}:{local}" not in known:
                line, column = positions.cells.get((row.key, end), (0, 0))
                problems.add(
                    line, column, end, f"{curie!r} is no item of the taxonomy {source}"
                )
    return problems.found


def check_sssom(mapping_set: MappingSet, *, name: str = "mapping set") -> None:
    """Refuse (``MappingFileError``) a set built in memory (an edit) that the
    reader would refuse: the same checks, through its canonical text."""
    problems = _Problems(name)
    for row in mapping_set.rows:
        for column in COLUMNS:
            value = _cell(row, column)
            if _BREAKS.search(value):
                problems.add(0, 0, column, "may not hold a tab or a line break")
    problems.raise_any()
    read_sssom(write_sssom(mapping_set), name=name)


# --- Writing ----------------------------------------------------------------------


def write_sssom(mapping_set: MappingSet) -> str:
    """The set's canonical SSSOM/TSV text."""
    out = []
    for slot in SLOTS:
        value = getattr(mapping_set, slot)
        if not value:
            continue
        if slot == "curie_map":
            out.append("#curie_map:")
            out += [f"#  {p}: {_scalar(e)}" for p, e in sorted(value)]
        elif slot == "creator_id":
            out.append("#creator_id:")
            out += [f"#- {_scalar(c)}" for c in value]
        else:
            out.append(f"#{slot}: {_scalar(value)}")
    out.append("\t".join(COLUMNS))
    for row in sorted(mapping_set.rows, key=_row_order):
        out.append("\t".join(_cell(row, column) for column in COLUMNS))
    return "\n".join(out) + "\n"


def _scalar(value: str) -> str:
    """A metadata value as YAML: plain when it reads back as the same text.

    >>> _scalar("https://example.org/a"), _scalar("2026-12-07"), _scalar("a: b")
    ('https://example.org/a', '"2026-12-07"', '"a: b"')
    """
    if _PLAIN.fullmatch(value) and value.lower() not in (
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "null",
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def _cell(row: MappingRow, column: str) -> str:
    value = getattr(row, column)
    if column == "author_id":
        return "|".join(value)
    if column == "confidence":
        return "" if value is None else repr(float(value))
    return value


ROW_FIELDS = tuple(f.name for f in fields(MappingRow) if f.name != "version")
