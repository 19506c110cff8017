"""Read, validate and write the YAML fixtures that editors curate under fixtures/.

Round trip: files are read with ruamel.yaml in round-trip mode, so comments,
key order, quoting and flow lists are kept. ``export_yaml`` does not generate
files from scratch when they exist: it loads the existing files, changes in
place only the values that differ from the graph, removes what the graph no
longer has and appends what is new. Unchanged items therefore stay
byte-identical and a browser edit becomes a one-line diff.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

import jsonschema
import networkx as nx
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from taxonomy.domain.errors import FixtureError, FixtureSyntaxError, Problem
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "schema.json"
SECTIONS = ("layers", "threats", "mitigations", "sources")
_NODE_TYPES = {
    "layers": Layer,
    "threats": Threat,
    "mitigations": Mitigation,
    "sources": Source,
}
_SINGULAR = {
    "layers": "layer",
    "threats": "threat",
    "mitigations": "mitigation",
    "sources": "source",
}
# Key order of items written from scratch (existing items keep theirs).
_KEY_ORDER = {
    "layers": ("id", "name", "description"),
    "threats": ("id", "name", "description", "enables", "subtype_of", "mitigated_by"),
    "mitigations": (
        "id",
        "name",
        "layer",
        "maturity",
        "description",
        "requires",
        "introduces",
    ),
    "sources": (
        "id",
        "name",
        "authors",
        "title",
        "year",
        "publisher",
        "url",
        "description",
    ),
}
_HEADERS = {
    "layers": "Governance layers.",
    "threats": "Misuse vectors, with the ENABLES chains among them and the MITIGATES links into each.",
    "mitigations": "Mitigations, with their layer, maturity and dependencies.",
    "sources": "Published sources that links cite.",
}


def yaml_rt() -> YAML:
    """The one round-trip YAML configuration fixtures are read and written with."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@dataclass
class FixtureFile:
    path: Path
    doc: CommentedMap | None

    @property
    def name(self) -> str:
        return str(self.path)


def fixture_paths(path: Path) -> list[Path]:
    """The YAML files a fixture path stands for: itself, or a folder's *.yaml files."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]


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
            doc = yaml_rt().load(p.read_text(encoding="utf-8"))
        except MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark else 0
            problems.append(Problem(str(p), line, f"invalid YAML: {e.problem or e}"))
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


def _field(path: Iterable[Any]) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(file)"


def _schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown field {', '.join(map(repr, extra))}"
    if error.validator == "pattern":
        return f"{error.instance!r} is not a valid id (letters, digits, '.', '_', ':' or '-')"
    return error.message


def _plain(value: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists (for jsonschema)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


@dataclass
class _Seen:
    file: FixtureFile
    path: tuple[Any, ...]
    item: CommentedMap

    def where(self, *more: Any) -> tuple[str, int]:
        return self.file.name, _line_of(self.file.doc, (*self.path, *more))


def _items(files: list[FixtureFile], section: str) -> Iterator[_Seen]:
    for f in files:
        if f.doc and isinstance(f.doc.get(section), list):
            for i, item in enumerate(f.doc[section]):
                if isinstance(item, dict):
                    yield _Seen(f, (section, i), item)


def validate_files(
    files: list[FixtureFile], *, referential: bool = True
) -> list[Problem]:
    """Schema checks per file, then (when those pass) referential checks across files.

    Pass ``referential=False`` when some file could not be parsed: its items
    are missing, and every reference to them would be reported as unknown.
    """
    problems: list[Problem] = []
    validator = _schema_validator()
    for f in files:
        if f.doc is None:
            continue
        for error in validator.iter_errors(_plain(f.doc)):
            path = tuple(error.absolute_path)
            problems.append(
                Problem(
                    f.name,
                    _line_of(f.doc, path),
                    f"{_field(path)}: {_schema_message(error)}",
                )
            )
    if problems or not referential:
        return problems
    return _referential_problems(files)


def _referential_problems(files: list[FixtureFile]) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, dict[str, _Seen]] = {s: {} for s in SECTIONS}
    for section in SECTIONS:
        for seen in _items(files, section):
            item_id = seen.item["id"]
            first = ids[section].get(item_id)
            if first is not None:
                f, line = first.where("id")
                problems.append(
                    Problem(
                        *seen.where("id"),
                        f"duplicate {_SINGULAR[section]} id {item_id!r} (first defined at {f}:{line})",
                    )
                )
            else:
                ids[section][item_id] = seen

    def check(seen: _Seen, key: str, target: str, value: str, *path: Any) -> None:
        if value not in ids[target]:
            problems.append(
                Problem(
                    *seen.where(key, *path),
                    f"{_field((*seen.path, key, *path))}: unknown {_SINGULAR[target]} {value!r}",
                )
            )

    requires = nx.DiGraph()
    subtypes = nx.DiGraph()
    for seen in _items(files, "threats"):
        item = seen.item
        for i, target in enumerate(item.get("enables") or []):
            check(seen, "enables", "threats", target, i)
            if target == item["id"]:
                problems.append(
                    Problem(
                        *seen.where("enables", i),
                        f"threat {target!r} cannot enable itself",
                    )
                )
        for i, parent in enumerate(item.get("subtype_of") or []):
            check(seen, "subtype_of", "threats", parent, i)
            subtypes.add_edge(item["id"], parent)
        linked: set[str] = set()
        for i, link in enumerate(item.get("mitigated_by") or []):
            mitigation = link["mitigation"]
            check(seen, "mitigated_by", "mitigations", mitigation, i, "mitigation")
            if mitigation in linked:
                problems.append(
                    Problem(
                        *seen.where("mitigated_by", i),
                        f"{_field((*seen.path, 'mitigated_by', i))}: {mitigation!r} already mitigates {item['id']!r} (one link per pair)",
                    )
                )
            linked.add(mitigation)
            for j, source in enumerate(link.get("sources") or []):
                check(seen, "mitigated_by", "sources", source, i, "sources", j)
    for seen in _items(files, "mitigations"):
        item = seen.item
        check(seen, "layer", "layers", item["layer"])
        for i, target in enumerate(item.get("requires") or []):
            check(seen, "requires", "mitigations", target, i)
            requires.add_edge(item["id"], target)
        for i, target in enumerate(item.get("introduces") or []):
            check(seen, "introduces", "threats", target, i)
    for graph, section, key, verb in (
        (requires, "mitigations", "requires", "REQUIRES"),
        (subtypes, "threats", "subtype_of", "SUBTYPE_OF"),
    ):
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            continue
        first = cycle[0][0]
        seen = ids[section].get(first)
        where = seen.where(key) if seen else ("(fixtures)", 0)
        chain = " -> ".join([edge[0] for edge in cycle] + [cycle[0][0]])
        problems.append(Problem(*where, f"{verb} cycle: {chain}"))
    return problems


def _record(cls: type, item: dict, taxonomy: str) -> Any:
    names = {f.name for f in fields(cls)}
    values = {
        k: (str(v) if isinstance(v, str) else v) for k, v in item.items() if k in names
    }
    return cls(**values, taxonomy=taxonomy)


def taxonomy_from_files(files: list[FixtureFile]) -> Taxonomy:
    """The taxonomy that valid fixture files describe (file and item order kept)."""
    out: dict[str, list] = {
        k: []
        for k in (
            "layers",
            "threats",
            "mitigations",
            "sources",
            "mitigates",
            "enables",
            "requires",
            "introduces",
            "subtypes",
        )
    }
    for f in files:
        if not f.doc:
            continue
        taxonomy = str(f.doc.get("taxonomy", DEFAULT_TAXONOMY))
        for section in SECTIONS:
            for item in f.doc.get(section) or []:
                out[section].append(_record(_NODE_TYPES[section], item, taxonomy))
        for item in f.doc.get("threats") or []:
            out["enables"] += [
                Link(item["id"], str(t)) for t in item.get("enables") or []
            ]
            out["subtypes"] += [
                Link(item["id"], str(t)) for t in item.get("subtype_of") or []
            ]
            out["mitigates"] += [
                Mitigates(
                    mitigation=str(link["mitigation"]),
                    threat=item["id"],
                    strength=str(link["strength"]),
                    rationale=str(link.get("rationale") or ""),
                    sources=tuple(str(s) for s in link.get("sources") or ()),
                )
                for link in item.get("mitigated_by") or []
            ]
        for item in f.doc.get("mitigations") or []:
            out["requires"] += [
                Link(item["id"], str(t)) for t in item.get("requires") or []
            ]
            out["introduces"] += [
                Link(item["id"], str(t)) for t in item.get("introduces") or []
            ]
    return Taxonomy(**{k: tuple(v) for k, v in out.items()})


def load_fixtures(path: Path) -> Taxonomy:
    """Read and validate ``path``; raise FixtureError naming every problem."""
    files, problems = read_fixture_files(path)
    problems += validate_files(files, referential=not problems)
    if problems:
        raise FixtureError(problems)
    return taxonomy_from_files(files)


def validate_path(path: Path) -> list[Problem]:
    files, problems = read_fixture_files(path)
    return sorted(problems + validate_files(files, referential=not problems))


# --- JSON: one canonical document for tools ------------------------------------

JSON_KEYS = (
    "layers",
    "threats",
    "mitigations",
    "mitigates",
    "enables",
    "requires",
    "introduces",
    "subtypes",
    "sources",
)


def _as_dict(record: Any) -> dict[str, Any]:
    out = {}
    for f in fields(record):
        value = getattr(record, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def taxonomy_to_document(taxonomy: Taxonomy) -> dict[str, list[dict[str, Any]]]:
    """The canonical document: every field of every item, sorted by id."""

    def key(record: Any) -> tuple:
        if isinstance(record, Mitigates):
            return (record.mitigation, record.threat)
        if isinstance(record, Link):
            return (record.source, record.target)
        return (record.id,)

    return {
        name: [_as_dict(r) for r in sorted(getattr(taxonomy, name), key=key)]
        for name in JSON_KEYS
    }


def export_json(taxonomy: Taxonomy) -> str:
    return (
        json.dumps(taxonomy_to_document(taxonomy), indent=2, ensure_ascii=False) + "\n"
    )


_ID_FIELDS = {"id", "layer", "taxonomy", "mitigation", "threat", "source", "target"}


def _record_schema(cls: type, fixture_props: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one record class: the fixture schema's rule for a field it
    has, otherwise one by the field's type (ids, id lists, integers, text)."""
    props: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "version":
            props[f.name] = {"type": "integer", "minimum": 1}
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
    """JSON Schema of the canonical document, from the records and the fixture schema."""
    defs = json.loads(SCHEMA_PATH.read_text())["$defs"]
    classes = {
        "layers": (Layer, "layer"),
        "threats": (Threat, "threat"),
        "mitigations": (Mitigation, "mitigation"),
        "sources": (Source, "source"),
        "mitigates": (Mitigates, "mitigates"),
        "enables": (Link, None),
        "requires": (Link, None),
        "introduces": (Link, None),
        "subtypes": (Link, None),
    }
    properties = {}
    for key in JSON_KEYS:
        cls, name = classes[key]
        fixture_props = {
            k: v
            for k, v in (defs[name]["properties"] if name else {}).items()
            if k
            not in ("enables", "subtype_of", "mitigated_by", "requires", "introduces")
        }
        properties[key] = {"type": "array", "items": _record_schema(cls, fixture_props)}
    return {
        "$defs": defs,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


def _document_problems(doc: dict[str, Any]) -> list[Problem]:
    """Referential checks of a canonical document, each problem naming its field."""
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for section in SECTIONS:
        ids[section] = set()
        for i, item in enumerate(doc.get(section, [])):
            if item["id"] in ids[section]:
                problems.append(
                    f"{section}[{i}].id: duplicate {_SINGULAR[section]} id {item['id']!r}"
                )
            ids[section].add(item["id"])

    def check(where: str, section: str, value: str) -> None:
        if value not in ids[section]:
            problems.append(f"{where}: unknown {_SINGULAR[section]} {value!r}")

    for i, item in enumerate(doc.get("mitigations", [])):
        check(f"mitigations[{i}].layer", "layers", item["layer"])
    ends = {
        "mitigates": ("mitigation", "mitigations", "threat", "threats"),
        "enables": ("source", "threats", "target", "threats"),
        "subtypes": ("source", "threats", "target", "threats"),
        "requires": ("source", "mitigations", "target", "mitigations"),
        "introduces": ("source", "mitigations", "target", "threats"),
    }
    graphs = {"requires": nx.DiGraph(), "subtypes": nx.DiGraph()}
    for key, (a, a_section, b, b_section) in ends.items():
        seen: set[tuple[str, str]] = set()
        for i, link in enumerate(doc.get(key, [])):
            check(f"{key}[{i}].{a}", a_section, link[a])
            check(f"{key}[{i}].{b}", b_section, link[b])
            pair = (link[a], link[b])
            if pair in seen:
                problems.append(
                    f"{key}[{i}]: duplicate link {pair[0]!r} -> {pair[1]!r}"
                )
            seen.add(pair)
            if key == "enables" and pair[0] == pair[1]:
                problems.append(f"{key}[{i}]: threat {pair[0]!r} cannot enable itself")
            if key in graphs:
                graphs[key].add_edge(*pair)
            for j, source in enumerate(link.get("sources") or []):
                check(f"{key}[{i}].sources[{j}]", "sources", source)
    for key, verb in (("requires", "REQUIRES"), ("subtypes", "SUBTYPE_OF")):
        try:
            cycle = nx.find_cycle(graphs[key])
        except nx.NetworkXNoCycle:
            continue
        chain = " -> ".join([edge[0] for edge in cycle] + [cycle[0][0]])
        problems.append(f"{key}: {verb} cycle: {chain}")
    return [Problem(DOCUMENT_NAME, 0, message) for message in problems]


DOCUMENT_NAME = "(document)"


def taxonomy_from_document(doc: Any) -> Taxonomy:
    """Parse the canonical JSON document ``export_json`` writes, with every fixture check.

    Versions in the document are ignored (the graph counts its own). Raise
    FixtureError whose problems name the field, e.g. ``mitigates[3].threat:
    unknown threat 'x'``; FixtureSyntaxError when ``doc`` is not an object.
    """
    if not isinstance(doc, dict):
        raise FixtureSyntaxError(
            [Problem(DOCUMENT_NAME, 0, "the document must be a JSON object")]
        )
    validator = jsonschema.Draft202012Validator(_document_schema())
    problems = [
        Problem(
            DOCUMENT_NAME, 0, f"{_field(error.absolute_path)}: {_schema_message(error)}"
        )
        for error in validator.iter_errors(doc)
    ]
    problems = problems or _document_problems(doc)
    if problems:
        raise FixtureError(problems)

    def records(key: str, cls: type) -> tuple:
        names = {f.name for f in fields(cls)} - {"version"}
        return tuple(
            cls(
                **{
                    k: tuple(v) if isinstance(v, list) else v
                    for k, v in item.items()
                    if k in names
                }
            )
            for item in doc.get(key, [])
        )

    return Taxonomy(
        layers=records("layers", Layer),
        threats=records("threats", Threat),
        mitigations=records("mitigations", Mitigation),
        sources=records("sources", Source),
        mitigates=records("mitigates", Mitigates),
        enables=records("enables", Link),
        requires=records("requires", Link),
        introduces=records("introduces", Link),
        subtypes=records("subtypes", Link),
    )


# --- One YAML text: what the API exports and imports ---------------------------


def read_fixture_text(
    text: str, *, name: str
) -> tuple[list[FixtureFile], list[Problem]]:
    """Parse YAML text as fixture files, one per document of the stream.

    Line numbers count from the start of ``text``.
    """
    try:
        docs = list(yaml_rt().load_all(text))
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return [], [
            Problem(
                name, mark.line + 1 if mark else 0, f"invalid YAML: {e.problem or e}"
            )
        ]
    if not docs:
        return [], [Problem(name, 1, "empty document: expected a fixture mapping")]
    files, problems = [], []
    for doc in docs:
        if doc is not None and not isinstance(doc, CommentedMap):
            problems.append(Problem(name, 1, "a fixture document must be a mapping"))
            continue
        files.append(FixtureFile(Path(name), doc))
    return files, problems


def load_fixture_text(text: str, *, name: str = "(body)") -> Taxonomy:
    """Read and validate YAML fixture text; FixtureSyntaxError if it is not YAML."""
    files, problems = read_fixture_text(text, name=name)
    if problems:
        raise FixtureSyntaxError(problems)
    problems = validate_files(files)
    if problems:
        raise FixtureError(problems)
    return taxonomy_from_files(files)


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
        for section in SECTIONS:
            ids = sorted(i for i, owner in owners[section].items() if owner == name)
            if ids:
                doc[section] = CommentedSeq(
                    _new_item(wanted[section][i], section) for i in ids
                )
        docs.append(doc)
    buf = io.StringIO()
    yaml_rt().dump_all(docs, buf)
    return buf.getvalue()


# --- YAML export: merge the graph into the existing files ----------------------


def _threat_fields(taxonomy: Taxonomy) -> dict[str, dict[str, Any]]:
    enables: dict[str, list[str]] = {}
    subtypes: dict[str, list[str]] = {}
    mitigated: dict[str, list[Mitigates]] = {}
    for link in taxonomy.enables:
        enables.setdefault(link.source, []).append(link.target)
    for link in taxonomy.subtypes:
        subtypes.setdefault(link.source, []).append(link.target)
    for link in taxonomy.mitigates:
        mitigated.setdefault(link.threat, []).append(link)
    return {
        t.id: {
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "enables": sorted(enables.get(t.id, [])),
            "subtype_of": sorted(subtypes.get(t.id, [])),
            "mitigated_by": [
                {
                    "mitigation": m.mitigation,
                    "strength": m.strength,
                    "rationale": m.rationale,
                    "sources": list(m.sources),
                }
                for m in sorted(mitigated.get(t.id, []), key=lambda m: m.mitigation)
            ],
        }
        for t in taxonomy.threats
    }


def _mitigation_fields(taxonomy: Taxonomy) -> dict[str, dict[str, Any]]:
    requires: dict[str, list[str]] = {}
    introduces: dict[str, list[str]] = {}
    for link in taxonomy.requires:
        requires.setdefault(link.source, []).append(link.target)
    for link in taxonomy.introduces:
        introduces.setdefault(link.source, []).append(link.target)
    return {
        m.id: {
            "id": m.id,
            "name": m.name,
            "layer": m.layer,
            "maturity": m.maturity,
            "description": m.description,
            "requires": sorted(requires.get(m.id, [])),
            "introduces": sorted(introduces.get(m.id, [])),
        }
        for m in taxonomy.mitigations
    }


def _item_fields(taxonomy: Taxonomy) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        "layers": {
            x.id: {"id": x.id, "name": x.name, "description": x.description}
            for x in taxonomy.layers
        },
        "threats": _threat_fields(taxonomy),
        "mitigations": _mitigation_fields(taxonomy),
        "sources": {
            s.id: {
                "id": s.id,
                "name": s.name,
                "authors": s.authors,
                "title": s.title,
                "year": s.year,
                "publisher": s.publisher,
                "url": s.url,
                "description": s.description,
            }
            for s in taxonomy.sources
        },
    }


def _taxonomy_of(taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    return {
        section: {x.id: x.taxonomy for x in getattr(taxonomy, section)}
        for section in SECTIONS
    }


def _flow_list(values: list[str]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


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


def _merge_links(existing: Any, wanted: list[dict[str, Any]]) -> CommentedSeq:
    by_id = {w["mitigation"]: w for w in wanted}
    seq = existing if isinstance(existing, CommentedSeq) else CommentedSeq()
    for i in reversed(range(len(seq))):
        if seq[i].get("mitigation") not in by_id:
            del seq[i]
    present = {entry["mitigation"]: entry for entry in seq}
    for w in wanted:
        entry = present.get(w["mitigation"])
        if entry is None:
            entry = CommentedMap()
            seq.append(entry)
        for key in ("mitigation", "strength", "rationale", "sources"):
            value = w[key]
            if key == "sources":
                if _empty(value) and key not in entry:
                    continue
                merged = _merge_list(entry.get(key), value)
                if merged is not entry.get(key):
                    entry[key] = merged
            elif _empty(value) and key not in entry:
                continue
            elif entry.get(key) != value:
                entry[key] = value
    return seq


def _merge_item(item: CommentedMap, wanted: dict[str, Any], section: str) -> None:
    for key in _KEY_ORDER[section]:
        value = wanted[key]
        if _empty(value):
            if key in item and key not in ("id", "name") and not _empty(item[key]):
                del item[key]
            continue
        if key == "mitigated_by":
            merged = _merge_links(item.get(key), value)
        elif isinstance(value, list):
            merged = _merge_list(item.get(key), value)
        else:
            merged = value
        current = item.get(key)
        if key not in item:
            _insert_in_order(item, key, merged, section)
        elif merged is not current and current != merged:
            item[key] = merged


def _insert_in_order(item: CommentedMap, key: str, value: Any, section: str) -> None:
    order = _KEY_ORDER[section]
    position = len(item)
    for i, existing in enumerate(item):
        if existing in order and order.index(existing) > order.index(key):
            position = i
            break
    item.insert(position, key, value)


def _new_item(wanted: dict[str, Any], section: str) -> CommentedMap:
    item = CommentedMap()
    _merge_item(item, wanted, section)
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
    for section in SECTIONS:
        placed: set[str] = set()
        home: str | None = None
        for name, doc in docs.items():
            seq = doc.get(section)
            if not isinstance(seq, list):
                continue
            home = home or name
            for i in reversed(range(len(seq))):
                item_id = seq[i].get("id")
                if item_id not in wanted[section] or item_id in placed:
                    del seq[i]
                    continue
                placed.add(item_id)
                _merge_item(seq[i], wanted[section][item_id], section)
        new_ids = sorted(set(wanted[section]) - placed)
        for item_id in new_ids:
            name = _home_file(docs, section, owners[section][item_id], home)
            doc = docs[name]
            if not isinstance(doc.get(section), list):
                doc[section] = CommentedSeq()
            doc[section].append(_new_item(wanted[section][item_id], section))
    dest.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, doc in docs.items():
        text = render_yaml(doc)
        target = dest / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    return changed


def _home_file(
    docs: dict[str, CommentedMap], section: str, taxonomy: str, home: str | None
) -> str:
    """The file a new item of ``section`` goes to (created when none fits)."""
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
        doc.yaml_set_start_comment(_HEADERS[section])
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
    ``kind`` (``layer``, ``threat``, ``mitigation``, ``source``, ``mitigates``):
    the browser's forms validate exactly as fixture files are validated.

    >>> item_problems("threat", {"id": "bad id", "name": "Bad"})
    {'id': ["'bad id' is not a valid id (letters, digits, '.', '_', ':' or '-')"]}
    """
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(
        {**schema["$defs"][kind], "$defs": schema["$defs"]}
    )
    problems: dict[str, list[str]] = {}
    for error in validator.iter_errors(item):
        field = str(error.absolute_path[0]) if error.absolute_path else "__all__"
        problems.setdefault(field, []).append(_schema_message(error))
    return problems
