"""MITRE ATLAS (``ATLAS.yaml``, the atlas-data distribution file) as a taxonomy.

Techniques and sub-techniques become threats (a sub-technique is SUBTYPE_OF
its parent) with their maturity (feasible, demonstrated, realized) and
references; mitigations keep the ``use`` text of each technique they list as
that link's rationale; each mitigation category becomes a layer unless the
layer map sends it to another.

Tactics become tactics, in the order of the matrix's list; their
``shortname`` (ATLAS has none) is the kill-chain phase name ATLAS's own STIX
data and Navigator layers use: the name in lowercase with spaces as hyphens
(``AI Attack Staging`` -> ``ai-attack-staging``). A technique's ``tactics``
are its IN_TACTIC links; ATLAS gives sub-techniques none, so a sub-technique
is in its parent's tactics (as ATLAS's STIX data places it). Case studies
become incidents of kind ``case-study``: ``date`` is the incident date at the
precision ATLAS states (``incident-date-granularity``: ``2020``,
``2020-01`` or ``2020-01-31``); ``summary`` is ATLAS's summary followed by a
line with what ATLAS says beside it (exercise or incident, actor, target,
reporter); references are sources (title and url). Each procedure step is a
step of a USES link (one link per case study and technique, its steps
numbered as in the procedure, each with its tactic and description); a step
naming a technique or tactic the file does not hold is skipped, named and
counted (``uses step``), the rest imported.

Given MITRE's own JSON Schema of the file (``atlas_output_schema.json``, which
atlas-data publishes as ``dist/schemas/`` beside ``dist/ATLAS.yaml``), a file
that fails it is refused; ``atlas_schema_path`` finds it beside a file.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import (
    Incident,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)
from taxonomy.domain.rules import cut, shown
from taxonomy.formats import common
from taxonomy.formats.common import ImportReport
from taxonomy.formats.fixtures_common import MAX_SCHEMA_MESSAGE, field_path

if TYPE_CHECKING:
    import jsonschema

DEFAULT_NAME = "atlas"
SCHEMA_NAME = "atlas_output_schema.json"
# The schema errors a refusal lists (a truncated file can break hundreds).
SHOWN_SCHEMA_ERRORS = 10
# ATLAS's incident-date-granularity -> the length of the ISO date kept.
DATE_PRECISION = {"YEAR": 4, "MONTH": 7, "DATE": 10}


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
    import jsonschema  # imported when used: see fixtures_common.schema_validator

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
    from jsonschema.validators import validator_for  # see atlas_schema_read

    validator = validator_for(schema)(schema)
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
    return cut(message, MAX_SCHEMA_MESSAGE)


def _items(data: dict, section: str, problems: list[str]) -> list[tuple[str, dict]]:
    """``(path, item)`` of every item of ``section`` across matrices, ids checked."""
    lists = []
    for m, matrix in enumerate(data["matrices"]):
        if not isinstance(matrix, dict):
            problems.append(f"matrices[{m}]: expected a mapping")
            continue
        lists.append((f"matrices[{m}].{section}", matrix.get(section)))
    return _checked(lists, problems)


def _checked(
    lists: list[tuple[str, Any]], problems: list[str]
) -> list[tuple[str, dict]]:
    """``(path, item)`` of the items of each ``(path, list)``: mappings with an
    id and a name, each id once."""
    out, seen = [], {}
    for where, items in lists:
        for path, item in common.listed_mappings(where, items, problems):
            item_id = item.get("id")
            if common.item_id_checked(
                problems,
                seen,
                path,
                item_id if isinstance(item_id, str) and item_id.strip() else "",
                named=bool(_text(item.get("name"))),
                where=_where(path, item),
            ):
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
                source = common.reference_source(
                    self.taxonomy,
                    name=_text(ref.get("title")) or _text(ref.get("url")),
                    url=_text(ref.get("url")),
                )
                found.append(replace(source, title=_text(ref.get("title"))))
        for source in found:
            self.records.setdefault(source.id, source)
        return tuple(dict.fromkeys(s.id for s in found))


def _named(item: dict, taxonomy: str, sources: _Sources) -> dict[str, Any]:
    """The fields every ATLAS item's record takes alike: its id and name, its
    taxonomy and the ids of its references' sources."""
    return {
        "id": common.node_id(taxonomy, item["id"]),
        "name": _text(item["name"]),
        "taxonomy": taxonomy,
        "sources": sources.of(item),
    }


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
    tactic_items = _items(data, "tactics", problems)
    techniques = _items(data, "techniques", problems)
    mitigations = _items(data, "mitigations", problems)
    studies = _checked([("case-studies", data.get("case-studies"))], problems)
    if problems:
        raise InterchangeError(problems)

    sources = _Sources(name)
    tactics = [
        _tactic(item, order, name, sources)
        for order, (_, item) in enumerate(tactic_items)
    ]
    threats, subtypes = _threats(techniques, name, sources, report)
    in_tactic = _in_tactic(techniques, name, {t.id for t in tactics}, report)
    incidents = [_incident(item, name, sources) for _, item in studies]
    uses = _uses(
        studies, name, {t.id for t in threats}, {t.id for t in tactics}, report
    )
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
        tactics=tuple(tactics),
        incidents=tuple(incidents),
        mitigates=tuple(links.values()),
        subtypes=tuple(subtypes),
        in_tactic=tuple(in_tactic),
        uses=tuple(uses),
    )
    return result, report


def tactic_shortname(name: str) -> str:
    """The kill-chain phase name of an ATLAS tactic, as ATLAS's STIX data and
    Navigator layers spell it.

    >>> tactic_shortname("AI Attack Staging"), tactic_shortname("Command and Control")
    ('ai-attack-staging', 'command-and-control')
    """
    return name.strip().lower().replace(" ", "-")


def _tactic(item: dict, order: int, taxonomy: str, sources: _Sources) -> Tactic:
    return Tactic(
        **_named(item, taxonomy, sources),
        description=_text(item.get("description")),
        shortname=tactic_shortname(_text(item["name"])),
        order=order,
    )


def _in_tactic(
    techniques: list[tuple[str, dict]],
    taxonomy: str,
    known: set[str],
    report: ImportReport,
) -> list[Link]:
    """A technique's IN_TACTIC links: its ``tactics``, a sub-technique's those of
    its parent (ATLAS lists none for sub-techniques)."""
    listed = {item["id"]: item.get("tactics") or [] for _, item in techniques}
    links = []
    for path, item in techniques:
        parent = item.get("subtechnique-of")
        own = item.get("tactics") or []
        tactics = own or (listed.get(parent, []) if isinstance(parent, str) else [])
        threat = common.node_id(taxonomy, item["id"])
        for tactic in dict.fromkeys(map(str, tactics)):
            tactic_id = common.node_id(taxonomy, tactic)
            if tactic_id in known:
                links.append(Link(threat, tactic_id))
            else:
                report.skip(
                    "in_tactic", f"{path} {item['id']}: unknown tactic {shown(tactic)}"
                )
    return links


def incident_date(value: Any, granularity: Any = "DATE") -> str:
    """An ATLAS incident date as ISO text, at the precision ATLAS states.

    >>> incident_date(datetime.date(2020, 1, 1), "YEAR"), incident_date("2021-03-04", "MONTH")
    ('2020', '2021-03')
    """
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()
    text = _text(value)[:10]
    return text[: DATE_PRECISION.get(_text(granularity).upper(), 10)]


def incident_summary(item: dict) -> str:
    """ATLAS's summary of a case study, then what ATLAS says beside it.

    >>> incident_summary({"summary": "What happened.", "case-study-type": "exercise",
    ...     "actor": "A red team", "target": "A model"})
    'What happened.\\n\\nExercise. Actor: A red team. Target: A model.'
    """
    facts = [_text(item.get("case-study-type")).capitalize()]
    for key in ("actor", "target", "reporter"):
        if _text(item.get(key)):
            facts.append(f"{key.capitalize()}: {_text(item[key])}")
    line = ". ".join(x.rstrip(".") for x in facts if x)
    return "\n\n".join(
        x for x in (_text(item.get("summary")), line and f"{line}.") if x
    )


def _incident(item: dict, taxonomy: str, sources: _Sources) -> Incident:
    return Incident(
        **_named(item, taxonomy, sources),
        kind="case-study",
        date=incident_date(
            item.get("incident-date"), item.get("incident-date-granularity")
        ),
        summary=incident_summary(item),
    )


def _uses(
    studies: list[tuple[str, dict]],
    taxonomy: str,
    threats: set[str],
    tactics: set[str],
    report: ImportReport,
) -> list[Uses]:
    """One USES link per case study and technique, holding every step (numbered
    as in the procedure) at which the case study uses the technique."""
    links: dict[tuple[str, str], Uses] = {}
    for path, item in studies:
        incident = common.node_id(taxonomy, item["id"])
        procedure = item.get("procedure")
        for number, step in enumerate(
            procedure if isinstance(procedure, list) else [], 1
        ):
            where = f"{path}.procedure[{number - 1}] ({item['id']} step {number})"
            if not isinstance(step, dict):
                report.skip("uses step", f"{where}: expected a mapping")
                continue
            technique, tactic = step.get("technique"), step.get("tactic")
            threat = common.node_id(taxonomy, str(technique)) if technique else ""
            tactic_id = common.node_id(taxonomy, str(tactic)) if tactic else ""
            if threat not in threats:
                report.skip(
                    "uses step", f"{where}: unknown technique {shown(technique)}"
                )
                continue
            if tactic_id and tactic_id not in tactics:
                report.skip("uses step", f"{where}: unknown tactic {shown(tactic)}")
                continue
            report.read["uses step"] += 1
            old = links.get((incident, threat))
            if old is not None:
                report.merged["uses"] += 1
            links[incident, threat] = Uses(
                incident,
                threat,
                (*(old.steps if old else ()), number),
                (*(old.tactics if old else ()), tactic_id),
                (*(old.descriptions if old else ()), _text(step.get("description"))),
            )
    return list(links.values())


def _threats(
    techniques: list[tuple[str, dict]],
    taxonomy: str,
    sources: _Sources,
    report: ImportReport,
) -> tuple[list[Threat], list[Link]]:
    ids = {item["id"] for _, item in techniques}
    threats, subtypes = [], []
    for path, item in techniques:
        threat = Threat(
            **_named(item, taxonomy, sources),
            description=_text(item.get("description")),
            maturity=_text(item.get("maturity")),
        )
        threats.append(threat)
        parent = item.get("subtechnique-of")
        if parent is None:
            continue
        if parent in ids:
            subtypes.append(Link(threat.id, common.node_id(taxonomy, parent)))
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
        **_named(item, taxonomy, sources),
        layer=layers.resolve([item["id"]], categories[0] if categories else None),
        maturity=common.IMPORTED_MATURITY,
        description=_text(item.get("description")),
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
