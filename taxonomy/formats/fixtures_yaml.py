"""Read, validate and write the YAML fixtures that editors curate under fixtures/.

Round trip: files are read with ruamel.yaml in round-trip mode, so comments,
key order, quoting and flow lists are kept. ``export_yaml`` does not generate
files from scratch when they exist: it loads the existing files, changes in
place only the values that differ from the graph, removes what the graph no
longer has and appends what is new. Unchanged items therefore stay
byte-identical and a browser edit becomes a one-line diff.

A fixture file holds node sections (``layers``, ``threats``, ...: the
``Taxonomy`` fields of the node kinds); a link is an entry of the list
``LinkKind.fixture_key`` on the item of its ``fixture_owner`` end, e.g. a
MITIGATES link is an entry of its threat's ``mitigated_by``, a USES link
an entry of its incident's ``uses`` and an IN_TACTIC link an id in its
threat's ``tactics``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

from taxonomy.domain.errors import FixtureError, Problem
from taxonomy.domain.kinds import KINDS, LINK_KINDS, NODE_KINDS, LinkKind
from taxonomy.domain.limits import is_incident_date
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.domain.rules import taxonomy_problems
from taxonomy.formats import fixtures_stream
from taxonomy.formats.common import bounded_yaml
from taxonomy.formats.fixtures_common import (
    SECTIONS,
    field_names,
    field_path,
    fixture_paths,
    fixture_schema,
    link_record,
    owned_links,
    owner_fields,
    record_value,
    rule_problem,
    scalar,
    schema_message,
    schema_validator,
    syntax_problem,
)

# The comment atop a new file of a section: the format's own prose.
_HEADERS = {
    "layer": "Governance layers.",
    "threat": "Misuse vectors, with the ENABLES chains among them and the MITIGATES links into each.",
    "mitigation": "Mitigations, with their layer, maturity and dependencies.",
    "source": "Published sources that links cite.",
    "tactic": "Tactics: the stages of an attack, in the order of the matrix.",
    "incident": "Documented incidents, with the techniques each uses, step by step.",
    "jurisdiction": "Jurisdictions, what each belongs to and what is in force there.",
    "architecture": "Governance architectures: named scenarios, with the measures each adopts where.",
}
# Link entry fields whose lists are per step (order and repeats matter), and of
# those the ones written one item a line (long texts) rather than in brackets.
_STEP_LISTS = frozenset({"steps", "tactics", "descriptions"})
_BLOCK_LISTS = frozenset({"descriptions"})


def yaml_rt() -> YAML:
    """The one round-trip YAML configuration fixtures are read and written with
    (reading within the limits of ``taxonomy.formats.common``)."""
    yaml = bounded_yaml("rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _key_order(kind: str) -> tuple[str, ...]:
    """An item's keys in the order the fixture schema lists them, which is the
    order of items written from scratch (existing items keep theirs)."""
    return tuple(fixture_schema()["$defs"][kind]["properties"])


def _entry_keys(kind: LinkKind) -> tuple[str, ...]:
    """The keys of a link's entry: the end it names, then its own fields (a plain
    link's entry is just that end's id)."""
    return (owner_fields(kind)[1], *kind.editable)


@dataclass
class FixtureFile:
    path: Path
    doc: CommentedMap | None

    @property
    def name(self) -> str:
        return str(self.path)


def read_fixture_files(path: Path) -> tuple[list[FixtureFile], list[Problem]]:
    """Parse every fixture file under ``path``; syntax errors become problems."""
    files, problems = [], []
    if not path.exists():
        return [], [Problem(str(path), 0, "no such file or directory")]
    paths = fixture_paths(path)
    if not paths:
        problems.append(Problem(str(path), 0, "no *.yaml fixture files here"))
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8")
            doc = yaml_rt().load(text)
        except (MarkedYAMLError, ReaderError) as e:
            problems.append(
                syntax_problem(str(p), e, lambda text=text: nullcontext(text))
            )
            continue
        except (OSError, UnicodeDecodeError) as e:
            problems.append(Problem(str(p), 0, f"cannot read: {e}"))
            continue
        if doc is not None and not isinstance(doc, CommentedMap):
            problems.append(Problem(str(p), 1, "a fixture file must be a mapping"))
            continue
        files.append(FixtureFile(p, doc))
    return files, problems


def _line_of(doc: Any, path: Iterable[Any]) -> int:
    """1-based line of the deepest element of ``path`` that exists in ``doc``."""
    line, node = 1, doc
    for key in path:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = (
                    node.lc.value(key)[0] + 1
                    if _is_scalar(node[key])
                    else node.lc.key(key)[0] + 1
                )
                node = node[key]
            elif (
                isinstance(node, CommentedSeq)
                and isinstance(key, int)
                and key < len(node)
            ):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (AttributeError, KeyError, TypeError):
            break
    return line


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (CommentedMap, CommentedSeq))


def _plain(value: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists (for jsonschema);
    a date YAML read (``date: 2020-01-31`` unquoted) as its ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return scalar(value)


@dataclass(frozen=True)
class _Place:
    """Where a record came from: its file and the path of its item or entry."""

    file: FixtureFile
    path: tuple[Any, ...]

    def where(self, *more: Any) -> tuple[str, int]:
        return self.file.name, _line_of(self.file.doc, (*self.path, *more))


def _records(
    files: list[FixtureFile],
) -> tuple[Taxonomy, dict[tuple[str, int], _Place]]:
    """The taxonomy the files describe (file and item order kept), and the place
    of each record by ``(kind, index)``."""
    out: dict[str, list] = {kind.field: [] for kind in KINDS.values()}
    places: dict[tuple[str, int], _Place] = {}
    for f in files:
        if not f.doc:
            continue
        taxonomy = str(f.doc.get("taxonomy", DEFAULT_TAXONOMY))
        for kind in NODE_KINDS.values():
            names = field_names(kind.record)
            for i, item in enumerate(f.doc.get(kind.field) or []):
                values = {k: record_value(v) for k, v in item.items() if k in names}
                places[kind.name, len(out[kind.field])] = _Place(f, (kind.field, i))
                out[kind.field].append(kind.record(**values, taxonomy=taxonomy))
                for link in owned_links(kind.name):
                    for j, entry in enumerate(item.get(link.fixture_key) or []):
                        path = (kind.field, i, link.fixture_key, j)
                        places[link.name, len(out[link.field])] = _Place(f, path)
                        out[link.field].append(link_record(link, item["id"], entry))
    return Taxonomy(**{k: tuple(v) for k, v in out.items()}), places


def taxonomy_from_files(files: list[FixtureFile]) -> Taxonomy:
    """The taxonomy that valid fixture files describe (file and item order kept)."""
    return _records(files)[0]


def validate_files(
    files: list[FixtureFile], *, referential: bool = True
) -> list[Problem]:
    """Schema checks per file, then (when those pass) the taxonomy's rules across
    files.

    Pass ``referential=False`` when some file could not be parsed: its items
    are missing, and every reference to them would be reported as unknown.
    """
    problems: list[Problem] = []
    validator = schema_validator(fixture_schema())
    for f in files:
        if f.doc is None:
            continue
        for error in validator.iter_errors(_plain(f.doc)):
            path = tuple(error.absolute_path)
            problems.append(
                Problem(
                    f.name,
                    _line_of(f.doc, path),
                    f"{field_path(path)}: {schema_message(error)}",
                )
            )
    if problems or not referential:
        return problems
    taxonomy, places = _records(files)
    return [
        rule_problem(p, lambda kind, i: places.get((kind, i)))
        for p in taxonomy_problems(taxonomy)
    ]


def load_fixtures(path: Path) -> Taxonomy:
    """Read and validate ``path`` as a stream (``fixtures_stream``); raise
    FixtureError naming every problem."""
    return fixtures_stream.load_fixtures(path)


def validate_path(path: Path) -> list[Problem]:
    """Every problem of the fixtures at ``path``, in file and line order."""
    return fixtures_stream.validate_path(path)


def problems_of_files(path: Path) -> list[Problem]:
    """Every problem of the fixtures at ``path`` as the round-trip reader finds
    them, each file built whole (what the stream reader is held equal to)."""
    files, problems = read_fixture_files(path)
    return sorted(problems + validate_files(files, referential=not problems))


# --- One YAML text: what the API exports and imports ---------------------------


def read_fixture_text(
    text: str, *, name: str
) -> tuple[list[FixtureFile], list[Problem]]:
    """Parse YAML text as fixture files, one per document of the stream.

    Line numbers count from the start of ``text``.
    """
    try:
        docs = list(yaml_rt().load_all(text))
    except (MarkedYAMLError, ReaderError) as e:
        return [], [syntax_problem(name, e, lambda: nullcontext(text))]
    if not docs:
        return [], [Problem(name, 1, "empty document: expected a fixture mapping")]
    files, problems = [], []
    for doc in docs:
        if doc is not None and not isinstance(doc, CommentedMap):
            problems.append(Problem(name, 1, "a fixture document must be a mapping"))
            continue
        files.append(FixtureFile(Path(name), doc))
    return files, problems


def load_fixture_text(text: str | bytes, *, name: str = "(body)") -> Taxonomy:
    """Read and validate YAML fixture text as a stream; FixtureSyntaxError if it
    is not YAML or not fixture documents."""
    return fixtures_stream.load_fixture_text(text, name=name)


def export_yaml_text(taxonomy: Taxonomy) -> str:
    """The taxonomy as one fixture document (one per taxonomy name, as a YAML stream).

    Items are written from scratch in id order; ``load_fixture_text`` reads it back.
    """
    wanted = _item_fields(taxonomy)
    owners = _taxonomy_of(taxonomy)
    names = {name for section in owners.values() for name in section.values()}
    docs = []
    for name in sorted(names, key=lambda n: (n != DEFAULT_TAXONOMY, n)) or [
        DEFAULT_TAXONOMY
    ]:
        doc = CommentedMap()
        if name != DEFAULT_TAXONOMY:
            doc["taxonomy"] = name
        for kind in NODE_KINDS.values():
            ids = sorted(i for i, owner in owners[kind.name].items() if owner == name)
            if ids:
                doc[kind.field] = CommentedSeq(
                    _new_item(wanted[kind.name][i], kind.name) for i in ids
                )
        docs.append(doc)
    buf = io.StringIO()
    yaml_rt().dump_all(docs, buf)
    return buf.getvalue()


# --- YAML export: merge the graph into the existing files ----------------------


def _item_fields(taxonomy: Taxonomy) -> dict[str, dict[str, dict[str, Any]]]:
    """Node kind -> id -> the item's keys and values as a fixture file holds them."""
    out = {}
    for kind in NODE_KINDS.values():
        keys = [k for k in _key_order(kind.name) if k in field_names(kind.record)]
        out[kind.name] = {
            record.id: {k: _fixture_value(record, k) for k in keys}
            for record in getattr(taxonomy, kind.field)
        }
    for kind in LINK_KINDS.values():
        owner_field, named = owner_fields(kind)
        entries: dict[str, list] = {}
        for link in getattr(taxonomy, kind.field):
            entries.setdefault(getattr(link, owner_field), []).append(link)
        for item_id, item in out[getattr(kind, kind.fixture_owner)].items():
            links = sorted(entries.get(item_id, []), key=lambda x: getattr(x, named))
            item[kind.fixture_key] = [_entry(kind, link) for link in links]
    return out


def _fixture_value(record: Any, key: str) -> Any:
    """A record's field as its item holds it; the default cost (1) is left out,
    so files that never name a cost stay as they are."""
    value = getattr(record, key)
    if key == "cost":
        return None if value == 1 else _plain_number(value)
    return list(value) if isinstance(value, tuple) else value


def _plain_number(value: float) -> int | float:
    """``2.0`` as ``2``: a whole cost reads as the editor wrote it."""
    return int(value) if float(value).is_integer() else value


def _entry(kind: LinkKind, link: Any) -> Any:
    values = [getattr(link, k) for k in _entry_keys(kind)]
    if not kind.editable:
        return values[0]
    return {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in zip(_entry_keys(kind), values, strict=True)
    }


def _taxonomy_of(taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    return {
        kind.name: {x.id: x.taxonomy for x in getattr(taxonomy, kind.field)}
        for kind in NODE_KINDS.values()
    }


def _flow_list(values: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _merge_steps(existing: Any, wanted: list[Any], key: str) -> Any:
    """A per-step list: ``existing`` when it holds the same items in the same
    order, else ``wanted`` in the style of ``existing`` (new: in brackets, but
    texts one a line)."""
    if isinstance(existing, list) and _plain(existing) == wanted:
        return existing
    if isinstance(existing, CommentedSeq):
        flow = existing.fa.flow_style()
    else:
        flow = key not in _BLOCK_LISTS
    return _flow_list(wanted) if flow else CommentedSeq(wanted)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _merge_list(existing: Any, wanted: list[str]) -> Any:
    """Keep ``existing`` (order, style) when it holds the same ids, else rebuild it."""
    if isinstance(existing, list) and sorted(map(str, existing)) == sorted(wanted):
        return existing
    kept = [v for v in (existing or []) if v in wanted]
    new = kept + [v for v in wanted if v not in kept]
    if isinstance(existing, CommentedSeq) and not existing.fa.flow_style():
        return CommentedSeq(new)
    return _flow_list(new)


def _merge_entries(
    existing: Any, wanted: list[dict[str, Any]], keys: tuple[str, ...]
) -> CommentedSeq:
    """Merge a list of link entries (mappings keyed by ``keys[0]``, the id of the
    link's other end), keeping the entries that stay and their layout."""
    by_id = {w[keys[0]]: w for w in wanted}
    seq = existing if isinstance(existing, CommentedSeq) else CommentedSeq()
    for i in reversed(range(len(seq))):
        if seq[i].get(keys[0]) not in by_id:
            del seq[i]
    present = {entry[keys[0]]: entry for entry in seq}
    for w in wanted:
        entry = present.get(w[keys[0]])
        if entry is None:
            entry = CommentedMap()
            seq.append(entry)
        for key in keys:
            value = w[key]
            if _empty(value) and key not in entry:
                continue
            if isinstance(value, list):
                merged = (
                    _merge_steps(entry.get(key), value, key)
                    if key in _STEP_LISTS
                    else _merge_list(entry.get(key), value)
                )
                if merged is not entry.get(key):
                    entry[key] = merged
            elif _plain(entry.get(key)) != value:
                entry[key] = value
    return seq


# fixture key -> the keys of its entries, for the link kinds whose entries are
# mappings (a plain link's entry is an id)
_ENTRIES = {
    kind.fixture_key: _entry_keys(kind) for kind in LINK_KINDS.values() if kind.editable
}


def _merge_item(item: CommentedMap, wanted: dict[str, Any], kind: str) -> None:
    for key in _key_order(kind):
        value = wanted[key]
        if _empty(value):
            if key in item and key not in ("id", "name") and not _empty(item[key]):
                del item[key]
            continue
        if key in _ENTRIES:
            merged = _merge_entries(item.get(key), value, _ENTRIES[key])
        elif isinstance(value, list):
            merged = _merge_list(item.get(key), value)
        else:
            merged = value
        current = item.get(key)
        if key not in item:
            _insert_in_order(item, key, merged, kind)
        elif merged is not current and _plain(current) != merged:
            item[key] = merged


def _insert_in_order(item: CommentedMap, key: str, value: Any, kind: str) -> None:
    order = _key_order(kind)
    position = len(item)
    for i, existing in enumerate(item):
        if existing in order and order.index(existing) > order.index(key):
            position = i
            break
    item.insert(position, key, value)


def _new_item(wanted: dict[str, Any], kind: str) -> CommentedMap:
    item = CommentedMap()
    _merge_item(item, wanted, kind)
    return item


def render_yaml(doc: Any) -> str:
    buf = io.StringIO()
    yaml_rt().dump(doc, buf)
    return buf.getvalue()


def export_yaml(
    taxonomy: Taxonomy, *, dest: Path, base: Path | None = None
) -> list[Path]:
    """Write ``taxonomy`` as fixture files under ``dest``; return the files changed.

    The existing files of ``dest`` (or, if it has none, of ``base``) are the
    starting point: their layout, order and comments are kept, only differing
    values change, items the taxonomy lacks are removed and new items are
    appended to the file that already holds their kind (a new
    ``<kind>.yaml`` otherwise).
    """
    start = dest if dest.is_dir() and fixture_paths(dest) else base
    files: list[FixtureFile] = []
    if start is not None and start.exists():
        files, problems = read_fixture_files(start)
        if problems:
            raise FixtureError(problems)
    docs: dict[str, CommentedMap] = {
        f.path.name: f.doc if f.doc is not None else CommentedMap() for f in files
    }
    wanted = _item_fields(taxonomy)
    owners = _taxonomy_of(taxonomy)
    for kind in NODE_KINDS.values():
        placed: set[str] = set()
        for doc in docs.values():
            seq = doc.get(kind.field)
            if not isinstance(seq, list):
                continue
            for i in reversed(range(len(seq))):
                item_id = seq[i].get("id")
                if item_id not in wanted[kind.name] or item_id in placed:
                    del seq[i]
                    continue
                placed.add(item_id)
                _merge_item(seq[i], wanted[kind.name][item_id], kind.name)
        for item_id in sorted(set(wanted[kind.name]) - placed):
            doc = docs[_home_file(docs, kind.name, owners[kind.name][item_id])]
            if not isinstance(doc.get(kind.field), list):
                doc[kind.field] = CommentedSeq()
            doc[kind.field].append(_new_item(wanted[kind.name][item_id], kind.name))
    dest.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, doc in docs.items():
        text = render_yaml(doc)
        target = dest / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    return changed


def _home_file(docs: dict[str, CommentedMap], kind: str, taxonomy: str) -> str:
    """The file a new item of ``kind`` goes to (created when none fits)."""
    section = NODE_KINDS[kind].field
    for name, doc in docs.items():
        if (
            isinstance(doc.get(section), list)
            and str(doc.get("taxonomy", DEFAULT_TAXONOMY)) == taxonomy
        ):
            return name
    name = (
        f"{section}.yaml"
        if taxonomy == DEFAULT_TAXONOMY
        else f"{taxonomy}-{section}.yaml"
    )
    if name not in docs:
        doc = CommentedMap()
        if taxonomy != DEFAULT_TAXONOMY:
            doc["taxonomy"] = taxonomy
        doc[section] = CommentedSeq()
        doc.yaml_set_start_comment(_HEADERS[kind])
        docs[name] = doc
    return name


def taxonomy_names(taxonomy: Taxonomy) -> set[str]:
    """The taxonomies whose items ``taxonomy`` holds (the seed's when it is empty).

    A fixture load compares and prunes only these, so it never deletes an
    imported taxonomy.

    >>> taxonomy_names(Taxonomy())
    {'layerwise'}
    """
    names = {x.taxonomy for name in SECTIONS for x in getattr(taxonomy, name)}
    return names or {DEFAULT_TAXONOMY}


def item_problems(kind: str, item: dict[str, Any]) -> dict[str, list[str]]:
    """Field -> messages for one item checked against the fixture schema's rule for
    ``kind`` (a node kind such as ``threat``, or a link kind whose entries are
    mappings: ``mitigates``, ``uses``):
    the browser's forms validate exactly as fixture files are validated.

    >>> item_problems("threat", {"id": "bad id", "name": "Bad"})
    {'id': ["'bad id' is not a valid id (letters, digits, '.', '_', ':' or '-')"]}
    >>> item_problems("incident", {"id": "i", "name": "I", "date": "2016-13-45"})
    {'date': ["'2016-13-45' is not a real date"]}
    """
    schema = fixture_schema()
    validator = schema_validator({**schema["$defs"][kind], "$defs": schema["$defs"]})
    problems: dict[str, list[str]] = {}
    for error in validator.iter_errors(item):
        field = str(error.absolute_path[0]) if error.absolute_path else "__all__"
        problems.setdefault(field, []).append(schema_message(error))
    date = item.get("date")
    if kind == "incident" and isinstance(date, str) and "date" not in problems:
        # The schema's pattern takes 2016-13-45; the rules (limits) do not.
        if not is_incident_date(date):
            problems["date"] = [f"{date!r} is not a real date"]
    return problems
