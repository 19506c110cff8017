"""MITRE ATLAS (``ATLAS.yaml``, the atlas-data distribution file) as a taxonomy.

Techniques and sub-techniques become threats (a sub-technique is SUBTYPE_OF
its parent) with their maturity (feasible, demonstrated, realized) and
references; mitigations keep the ``use`` text of each technique they list as
that link's rationale; each mitigation category becomes a layer unless the
layer map sends it to another. Tactics and case studies have no place in the
graph; they are counted as ignored.

Given MITRE's own JSON Schema of the file (``atlas_output_schema.json``, which
atlas-data publishes as ``dist/schemas/`` beside ``dist/ATLAS.yaml``), a file
that fails it is refused; ``atlas_schema_path`` finds it beside a file.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import jsonschema
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import (
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)
from taxonomy.domain.rules import cut, shown
from taxonomy.formats import common, fixtures_yaml
from taxonomy.formats.common import ImportReport
from taxonomy.formats.fixtures_yaml import field_path

DEFAULT_NAME = "atlas"
SCHEMA_NAME = "atlas_output_schema.json"
# The schema errors a refusal lists (a truncated file can break hundreds).
SHOWN_SCHEMA_ERRORS = 10


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _where(path: str, item: Any) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"{path} ({shown(name)})" if name else path


def _load(text: str | bytes | IO) -> dict:
    try:
        data = common.bounded_yaml("safe").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f" at line {mark.line + 1}" if mark else ""
        what = "refused" if isinstance(e, common.YAMLLimitError) else "invalid YAML"
        raise InterchangeError([f"ATLAS file: {what}{line}: {e.problem or e}"]) from e
    except YAMLError as e:
        raise InterchangeError([f"ATLAS file: invalid YAML: {e}"]) from e
    if not isinstance(data, dict) or not isinstance(data.get("matrices"), list):
        raise InterchangeError(
            ["ATLAS file: expected a mapping with a 'matrices' list"]
        )
    return data


def atlas_schema_path(path: Path) -> Path | None:
    """MITRE's schema for the ATLAS file at ``path``: ``atlas_output_schema.json``
    beside it or in a ``schemas/`` folder beside it (atlas-data's ``dist/``).

    >>> atlas_schema_path(Path("/nowhere/ATLAS.yaml")) is None
    True
    """
    for candidate in (path.parent / SCHEMA_NAME, path.parent / "schemas" / SCHEMA_NAME):
        if candidate.is_file():
            return candidate
    return None


def atlas_schema_read(path: Path) -> dict[str, Any]:
    """The JSON Schema at ``path``; InterchangeError when it is not one."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InterchangeError([f"{path}: not a readable JSON file: {e}"]) from e
    except jsonschema.SchemaError as e:
        raise InterchangeError([f"{path}: not a JSON Schema: {e.message}"]) from e
    return schema


def _as_json(value: Any) -> Any:
    """The YAML data as the JSON the schema describes: YAML reads unquoted dates
    as dates, JSON has them as ISO text."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def atlas_schema_problems(data: Any, schema: Mapping[str, Any]) -> list[str]:
    """The first ``SHOWN_SCHEMA_ERRORS`` ways ``data`` fails ``schema``, each with
    its path (and how many more there are).

    >>> atlas_schema_problems({"id": 1}, {"required": ["name"], "properties":
    ...     {"id": {"type": "string"}}})
    ["ATLAS file: fails the schema at (file): 'name' is a required property", "ATLAS file: fails the schema at id: 1 is not of type 'string'"]
    """
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [x for e in validator.iter_errors(_as_json(data)) for x in _closest(e)]
    problems = [
        f"ATLAS file: fails the schema at {field_path(e.absolute_path)}: "
        f"{_schema_message(e)}"
        for e in errors[:SHOWN_SCHEMA_ERRORS]
    ]
    if len(errors) > SHOWN_SCHEMA_ERRORS:
        problems.append(f"... and {len(errors) - SHOWN_SCHEMA_ERRORS} more")
    return problems


def _closest(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The errors of the branch of an ``anyOf`` (technique or sub-technique) the
    value came closest to, so that each names the field at fault."""
    if not error.context:
        return [error]
    branches: dict[Any, list[jsonschema.ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    return [x for sub in min(branches.values(), key=len) for x in _closest(sub)]


def _schema_message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message with the value it starts with quoted cut short."""
    if error.validator == "const":
        return f"{shown(error.instance)} is not {shown(error.validator_value)}"
    message, value = error.message, repr(error.instance)
    if message.startswith(value):
        message = shown(error.instance) + message[len(value) :]
    return cut(message, fixtures_yaml.MAX_SCHEMA_MESSAGE)


def _items(data: dict, section: str, problems: list[str]) -> list[tuple[str, dict]]:
    """``(path, item)`` of every item of ``section`` across matrices, ids checked."""
    out, seen = [], {}
    for m, matrix in enumerate(data["matrices"]):
        if not isinstance(matrix, dict):
            problems.append(f"matrices[{m}]: expected a mapping")
            continue
        for i, item in enumerate(matrix.get(section) or []):
            path = f"matrices[{m}].{section}[{i}]"
            if not isinstance(item, dict):
                problems.append(f"{path}: expected a mapping")
                continue
            item_id = item.get("id")
            if not isinstance(item_id, str) or not item_id.strip():
                problems.append(f"{_where(path, item)}: no id")
            elif not _text(item.get("name")):
                problems.append(f"{path} {shown(item_id)}: no name")
            elif item_id in seen:
                problems.append(
                    f"{path} {shown(item_id)}: duplicate id (first at {seen[item_id]})"
                )
            else:
                seen[item_id] = path
                out.append((path, item))
    return out


class _Sources:
    """The Source records of references, one per distinct reference."""

    def __init__(self, taxonomy: str):
        self.taxonomy = taxonomy
        self.records: dict[str, Source] = {}

    def of(self, item: dict) -> tuple[str, ...]:
        found = []
        attack = item.get("ATT&CK-reference")
        if isinstance(attack, dict) and attack.get("id"):
            found.append(
                common.reference_source(
                    self.taxonomy,
                    name=f"MITRE ATT&CK {attack['id']}",
                    url=_text(attack.get("url")),
                    local=f"attack-{attack['id']}",
                )
            )
        for ref in item.get("references") or []:
            if isinstance(ref, dict) and (ref.get("url") or ref.get("title")):
                found.append(
                    common.reference_source(
                        self.taxonomy,
                        name=_text(ref.get("title")) or _text(ref.get("url")),
                        url=_text(ref.get("url")),
                    )
                )
        for source in found:
            self.records.setdefault(source.id, source)
        return tuple(dict.fromkeys(s.id for s in found))


def atlas_parse(
    text: str | bytes | IO,
    *,
    taxonomy: str | None = None,
    layer_map: Mapping[str, str] | None = None,
    default_strength: str = common.DEFAULT_STRENGTH,
    schema: Mapping[str, Any] | None = None,
) -> tuple[Taxonomy, ImportReport]:
    """The taxonomy an ``ATLAS.yaml`` describes, and what the import read.

    Parameters
    ----------
    text : str, bytes or a file
        The file's content.
    taxonomy : str, optional
        The name to import under (default ``atlas``); ids become
        ``<taxonomy>:AML.T0024``.
    layer_map : mapping, optional
        ``{category or mitigation id: layer id}``.
    default_strength : str
        The strength of every MITIGATES link (ATLAS has none).
    schema : mapping, optional
        MITRE's JSON Schema of the file (``atlas_schema_read``); a file that
        fails it is refused. ``report.schema`` says whether it was checked.

    Returns
    -------
    (Taxonomy, ImportReport)
        The catalogue as one taxonomy, and what the import merged or left out.

    Raises
    ------
    InterchangeError
        Invalid YAML (or past the YAML limits), no ``matrices``, a file
        failing ``schema``, an item without id or name, a duplicate id, a
        SUBTYPE_OF cycle: every problem, naming the object.

    >>> doc = '''
    ... id: ATLAS
    ... name: ATLAS
    ... version: 1.0
    ... matrices:
    ... - techniques:
    ...   - {id: AML.T0000, name: Search, maturity: realized}
    ...   mitigations:
    ...   - {id: AML.M0000, name: Limit, category: [Policy],
    ...      techniques: [{id: AML.T0000, use: Limit what you publish.}]}
    ... '''
    >>> graph, report = atlas_parse(doc)
    >>> [t.id for t in graph.threats], graph.mitigations[0].layer
    (['atlas:AML.T0000'], 'atlas:policy')
    >>> graph.mitigates[0].rationale
    'Limit what you publish.'
    """
    name = common.taxonomy_name_checked(taxonomy or DEFAULT_NAME)
    strength = common.strength_checked(default_strength)
    data = _load(text)
    if schema is not None:
        problems = atlas_schema_problems(data, schema)
        if problems:
            raise InterchangeError(problems)
    report = ImportReport(
        "atlas",
        name,
        f"{_text(data.get('name')) or 'ATLAS'} {_text(data.get('version'))}",
        schema="valid" if schema is not None else "not checked (no schema given)",
    )
    problems: list[str] = []
    techniques = _items(data, "techniques", problems)
    mitigations = _items(data, "mitigations", problems)
    if problems:
        raise InterchangeError(problems)
    for matrix in data["matrices"]:
        report.ignored["tactic"] += len(matrix.get("tactics") or [])
    report.ignored["case-study"] += len(data.get("case-studies") or [])

    sources = _Sources(name)
    threats, subtypes = _threats(techniques, name, sources, report)
    layers = common.LayerResolver(name, layer_map or {}, report)
    known = {t.id for t in threats}
    records, links = [], {}
    for path, item in mitigations:
        records.append(_mitigation(item, name, layers, sources, report))
        _mitigates(path, item, records[-1].id, name, known, strength, links, report)
    layers.warn_unused()
    common.refuse_subtype_cycle(subtypes)
    result = Taxonomy(
        layers=tuple(sorted(layers.layers.values(), key=lambda x: x.id)),
        threats=tuple(threats),
        mitigations=tuple(records),
        sources=tuple(sorted(sources.records.values(), key=lambda x: x.id)),
        mitigates=tuple(links.values()),
        subtypes=tuple(subtypes),
    )
    return result, report


def _threats(
    techniques: list[tuple[str, dict]],
    taxonomy: str,
    sources: _Sources,
    report: ImportReport,
) -> tuple[list[Threat], list[Link]]:
    ids = {item["id"] for _, item in techniques}
    threats, subtypes = [], []
    for path, item in techniques:
        threat_id = common.node_id(taxonomy, item["id"])
        threats.append(
            Threat(
                id=threat_id,
                name=_text(item["name"]),
                description=_text(item.get("description")),
                taxonomy=taxonomy,
                maturity=_text(item.get("maturity")),
                sources=sources.of(item),
            )
        )
        parent = item.get("subtechnique-of")
        if parent is None:
            continue
        if parent in ids:
            subtypes.append(Link(threat_id, common.node_id(taxonomy, parent)))
        else:
            report.skip(
                "subtype",
                f"{path} {item['id']}: sub-technique of unknown technique "
                f"{shown(parent)}",
            )
    return threats, subtypes


def _mitigation(
    item: dict,
    taxonomy: str,
    layers: common.LayerResolver,
    sources: _Sources,
    report: ImportReport,
) -> Mitigation:
    categories = [_text(c) for c in item.get("category") or [] if _text(c)]
    if len(categories) > 1:
        report.warnings.append(
            f"{item['id']}: several categories {categories}; its layer follows the first"
        )
    return Mitigation(
        id=common.node_id(taxonomy, item["id"]),
        name=_text(item["name"]),
        layer=layers.resolve([item["id"]], categories[0] if categories else None),
        maturity=common.IMPORTED_MATURITY,
        description=_text(item.get("description")),
        taxonomy=taxonomy,
        sources=sources.of(item),
    )


def _mitigates(
    path: str,
    item: dict,
    mitigation: str,
    taxonomy: str,
    known: set[str],
    strength: str,
    links: dict[tuple[str, str], Mitigates],
    report: ImportReport,
) -> None:
    for i, entry in enumerate(item.get("techniques") or []):
        technique = entry.get("id") if isinstance(entry, dict) else entry
        where = f"{path}.techniques[{i}] ({item['id']} -> {technique})"
        threat = common.node_id(taxonomy, str(technique)) if technique else None
        if threat not in known:
            report.skip("mitigates", f"{where}: unknown technique")
            continue
        use = _text(entry.get("use")) if isinstance(entry, dict) else ""
        key = (mitigation, threat)
        if key in links:
            old = links[key]
            links[key] = Mitigates(
                mitigation, threat, strength, common.join_rationale(old.rationale, use)
            )
            report.merged["mitigates"] += 1
            report.warnings.append(
                f"{where}: listed again; both uses kept as one rationale"
            )
            continue
        links[key] = Mitigates(mitigation, threat, strength, use)
