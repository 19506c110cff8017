"""STIX 2.1 bundles in and out.

In: ``attack-pattern`` → threat, ``course-of-action`` → mitigation,
``relationship`` ``mitigates`` → MITIGATES, ``subtechnique-of`` → SUBTYPE_OF,
external references → sources. Revoked and deprecated objects are skipped
and counted, other object types ignored and counted, a relationship to a
missing or skipped object reported. Layers come from the Layerwise extension
or an ``x_layerwise_layer`` property, otherwise the layer map, otherwise
``<taxonomy>:unassigned``.

Out: a bundle that ``stix2`` parses and that imports back into an equal
graph. What STIX has no property for (layer, strength, maturities, the
layers' and sources' full records, the local ids) travels in the property
extension ``EXTENSION_ID``, defined in the bundle by its
``extension-definition`` object and documented in ``EXTENSION_SCHEMA``;
ENABLES, REQUIRES and INTRODUCES are relationships of those types.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import (
    MATURITIES,
    STRENGTHS,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)
from taxonomy.formats.common import (
    DEFAULT_STRENGTH,
    IMPORTED_MATURITY,
    ImportReport,
    LayerResolver,
    gc_paused,
    join_rationale,
    node_id,
    reference_source,
    slug,
    strength_checked,
    subtype_cycle,
    taxonomy_name_checked,
    unprefixed,
)
from taxonomy.formats.jsonstream import array_items

SPEC_VERSION = "2.1"
NAMESPACE = uuid.UUID("af16676e-13d1-44f4-bccb-675b953fe0ec")
EXTENSION_ID = (
    f"extension-definition--{uuid.uuid5(NAMESPACE, 'layerwise-governance/1')}"
)
IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'layerwise')}"
GROUPING_CONTEXT = "layerwise-taxonomy"
EXTENSION_SCHEMA = """\
Layerwise governance properties, version 1.0.0 (property-extension).
On every object: taxonomy (string), the Layerwise taxonomy the object was
exported from; id (string), the object's id within it.
attack-pattern: maturity (string, the source taxonomy's vocabulary, may be
empty); sources (list of source ids).
course-of-action: layer (string), the id of its governance layer: a layer id
of the same taxonomy (listed in the grouping) when layer_taxonomy equals
taxonomy, else the full id of another taxonomy's layer; layer_taxonomy
(string); maturity (one of proposed, pilot, deployed); sources (list of
source ids).
relationship mitigates: strength (one of low, medium, high); sources (list
of source ids); the relationship's description is the rationale.
grouping (context layerwise-taxonomy, one per bundle): layers (list of
{id, name, description}); sources (list of {id, name, description, authors,
title, year, publisher, url}).
Relationship types besides mitigates and subtechnique-of: enables
(attack-pattern to attack-pattern: the source makes the target possible or
cheaper), requires (course-of-action to course-of-action), introduces
(course-of-action to attack-pattern: the mitigation creates the threat).
"""
USED_TYPES = ("attack-pattern", "course-of-action", "relationship")
# relationship type -> (Taxonomy field, source type, target type)
RELATIONSHIPS = {
    "mitigates": ("mitigates", "course-of-action", "attack-pattern"),
    "subtechnique-of": ("subtypes", "attack-pattern", "attack-pattern"),
    "enables": ("enables", "attack-pattern", "attack-pattern"),
    "requires": ("requires", "course-of-action", "course-of-action"),
    "introduces": ("introduces", "course-of-action", "attack-pattern"),
}
_KIND = {
    "mitigates": "mitigates",
    "subtypes": "subtype",
    "enables": "enables",
    "requires": "requires",
    "introduces": "introduces",
}


def _timestamp(moment: datetime | None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _stix_id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, key)}"


# --- Export ------------------------------------------------------------------------


def stix_bundle(
    taxonomy: Taxonomy, *, name: str, timestamp: datetime | None = None
) -> str:
    """One taxonomy as a STIX 2.1 bundle (JSON text).

    Parameters
    ----------
    taxonomy : Taxonomy
        The nodes of taxonomy ``name`` and the links among them; layers of
        other taxonomies its mitigations sit in may be present.
    name : str
        The taxonomy's name (``layerwise``, ``atlas``, ...).
    timestamp : datetime, optional
        ``created`` and ``modified`` of every object (default: now). Object
        ids are derived from the taxonomy's ids, so they are the same in
        every export.

    Returns
    -------
    str

    >>> from taxonomy.domain.records import Threat
    >>> text = stix_bundle(Taxonomy(threats=(Threat("t1", "T"),)), name="layerwise")
    >>> [o["type"] for o in json.loads(text)["objects"]]
    ['identity', 'extension-definition', 'attack-pattern', 'grouping']
    """
    when = _timestamp(timestamp)
    objects = [_identity(when), _extension_definition(when)]
    threat_ids = {
        t.id: _stix_id("attack-pattern", f"threat:{t.id}") for t in taxonomy.threats
    }
    mitigation_ids = {
        m.id: _stix_id("course-of-action", f"mitigation:{m.id}")
        for m in taxonomy.mitigations
    }
    sources = {s.id: s for s in taxonomy.sources}
    layers = {layer.id: layer for layer in taxonomy.layers}
    for t in taxonomy.threats:
        ext = {"maturity": t.maturity}
        objects.append(
            _sdo("attack-pattern", threat_ids[t.id], t, name, when, ext, sources)
        )
    for m in taxonomy.mitigations:
        layer = layers.get(m.layer)
        layer_taxonomy = layer.taxonomy if layer else name
        ext = {
            "layer": unprefixed(name, m.layer) if layer_taxonomy == name else m.layer,
            "layer_taxonomy": layer_taxonomy,
            "maturity": m.maturity,
        }
        objects.append(
            _sdo("course-of-action", mitigation_ids[m.id], m, name, when, ext, sources)
        )
    objects += _relationships(taxonomy, name, when, threat_ids, mitigation_ids, sources)
    objects.append(_grouping(taxonomy, name, when, [o["id"] for o in objects[2:]]))
    bundle = {
        "type": "bundle",
        "id": _stix_id("bundle", f"bundle:{name}:{when}"),
        "objects": objects,
    }
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"


def _identity(when: str) -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": IDENTITY_ID,
        "created": when,
        "modified": when,
        "name": "Layerwise",
        "identity_class": "system",
    }


def _extension_definition(when: str) -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": EXTENSION_ID,
        "created_by_ref": IDENTITY_ID,
        "created": when,
        "modified": when,
        "name": "Layerwise governance properties",
        "description": (
            "Governance layer, link strength, maturity and the Layerwise ids of "
            "threats (attack-pattern) and mitigations (course-of-action)."
        ),
        "schema": EXTENSION_SCHEMA,
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }


def _reference(source: Source, name: str) -> dict[str, Any]:
    ref = {
        "source_name": source.name or unprefixed(name, source.id),
        "external_id": unprefixed(name, source.id),
    }
    if source.url:
        ref["url"] = source.url
    if source.title or source.description:
        ref["description"] = source.title or source.description
    return ref


def _sdo(
    kind: str,
    stix_id: str,
    record: Threat | Mitigation,
    name: str,
    when: str,
    ext: dict[str, Any],
    sources: dict[str, Source],
) -> dict[str, Any]:
    local = unprefixed(name, record.id)
    refs = [{"source_name": name, "external_id": local}]
    refs += [_reference(sources[s], name) for s in record.sources if s in sources]
    out = {
        "type": kind,
        "spec_version": SPEC_VERSION,
        "id": stix_id,
        "created_by_ref": IDENTITY_ID,
        "created": when,
        "modified": when,
        "name": record.name,
    }
    if record.description:
        out["description"] = record.description
    out["external_references"] = refs
    out["extensions"] = {
        EXTENSION_ID: {
            "extension_type": "property-extension",
            "taxonomy": name,
            "id": local,
            **ext,
            "sources": [unprefixed(name, s) for s in record.sources],
        }
    }
    return out


def _relationships(
    taxonomy: Taxonomy,
    name: str,
    when: str,
    threat_ids: dict[str, str],
    mitigation_ids: dict[str, str],
    sources: dict[str, Source],
) -> list[dict[str, Any]]:
    def rel(kind: str, source: str, target: str) -> dict[str, Any]:
        return {
            "type": "relationship",
            "spec_version": SPEC_VERSION,
            "id": _stix_id("relationship", f"{kind}:{source}->{target}"),
            "created_by_ref": IDENTITY_ID,
            "created": when,
            "modified": when,
            "relationship_type": kind,
            "source_ref": source,
            "target_ref": target,
        }

    out = []
    for link in taxonomy.mitigates:
        if link.mitigation not in mitigation_ids or link.threat not in threat_ids:
            continue
        item = rel(
            "mitigates", mitigation_ids[link.mitigation], threat_ids[link.threat]
        )
        if link.rationale:
            item["description"] = link.rationale
        refs = [_reference(sources[s], name) for s in link.sources if s in sources]
        if refs:
            item["external_references"] = refs
        item["extensions"] = {
            EXTENSION_ID: {
                "extension_type": "property-extension",
                "strength": link.strength,
                "sources": [unprefixed(name, s) for s in link.sources],
            }
        }
        out.append(item)
    ends = {
        "subtypes": (threat_ids, threat_ids, "subtechnique-of"),
        "enables": (threat_ids, threat_ids, "enables"),
        "requires": (mitigation_ids, mitigation_ids, "requires"),
        "introduces": (mitigation_ids, threat_ids, "introduces"),
    }
    for field, (sources_of, targets_of, kind) in ends.items():
        for link in getattr(taxonomy, field):
            if link.source in sources_of and link.target in targets_of:
                out.append(rel(kind, sources_of[link.source], targets_of[link.target]))
    return out


def _grouping(
    taxonomy: Taxonomy, name: str, when: str, refs: list[str]
) -> dict[str, Any]:
    own_layers = [layer for layer in taxonomy.layers if layer.taxonomy == name]
    return {
        "type": "grouping",
        "spec_version": SPEC_VERSION,
        "id": _stix_id("grouping", f"taxonomy:{name}"),
        "created_by_ref": IDENTITY_ID,
        "created": when,
        "modified": when,
        "name": name,
        "description": f"The Layerwise taxonomy {name!r}.",
        "context": GROUPING_CONTEXT,
        "object_refs": refs or [IDENTITY_ID],
        "extensions": {
            EXTENSION_ID: {
                "extension_type": "property-extension",
                "taxonomy": name,
                "layers": [
                    {
                        "id": unprefixed(name, layer.id),
                        "name": layer.name,
                        "description": layer.description,
                    }
                    for layer in own_layers
                ],
                "sources": [
                    {
                        "id": unprefixed(name, s.id),
                        "name": s.name,
                        "description": s.description,
                        "authors": s.authors,
                        "title": s.title,
                        "year": s.year,
                        "publisher": s.publisher,
                        "url": s.url,
                    }
                    for s in taxonomy.sources
                ],
            }
        },
    }


# --- Import ------------------------------------------------------------------------

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
_REQUIRED = {
    "attack-pattern": ("name",),
    "course-of-action": ("name",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
}


class _Rel(NamedTuple):
    """What the import keeps of a relationship (there may be 200k of them)."""

    id: str
    type: str
    source: str
    target: str
    description: str
    skipped: str | None
    modified: str
    strength: str | None
    sources: list[str] | None  # the Layerwise extension's source ids
    refs: list[dict[str, Any]] | None  # external references


def _text_of(data: str | bytes | IO) -> str:
    if hasattr(data, "read"):
        data = data.read()
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InterchangeError([f"STIX bundle: not UTF-8 text: {e}"]) from e
    return data


def _label(index: int, obj: Any) -> str:
    if not isinstance(obj, dict):
        return f"objects[{index}]"
    what = obj.get("id") or f"objects[{index}]"
    name = obj.get("name")
    return f"{what} ({name!r})" if name else str(what)


def _object_problems(index: int, obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return [f"objects[{index}]: not a JSON object"]
    kind, stix_id = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not kind:
        return [f"{_label(index, obj)}: no type"]
    if not isinstance(stix_id, str) or not stix_id:
        return [f"{_label(index, obj)} ({kind}): no id"]
    if not (
        stix_id.startswith(kind)
        and stix_id[len(kind) : len(kind) + 2] == "--"
        and _UUID.match(stix_id, len(kind) + 2)
    ):
        return [f"{_label(index, obj)}: id is not '{kind}--<uuid>'"]
    if kind not in _REQUIRED:
        return []
    version = obj.get("spec_version")
    if version != SPEC_VERSION:
        shown = "none" if version is None else repr(version)
        return [
            f"{_label(index, obj)}: spec_version {shown}; STIX 2.1 objects need '2.1'"
        ]
    problems = []
    for key in _REQUIRED[kind]:
        value = obj.get(key)
        if not value or not isinstance(value, str):
            problems.append(f"{_label(index, obj)}: no {key}")
    return problems


def _extension(obj: dict[str, Any]) -> dict[str, Any] | None:
    extensions = obj.get("extensions")
    ext = extensions.get(EXTENSION_ID) if isinstance(extensions, dict) else None
    return ext if isinstance(ext, dict) else None


def _is_skipped(obj: dict[str, Any]) -> str | None:
    if obj.get("revoked") is True:
        return "revoked"
    if obj.get("x_mitre_deprecated") is True:
        return "deprecated"
    return None


def _slim(obj: dict[str, Any]) -> _Rel:
    ext = _extension(obj) or {}
    refs = obj.get("external_references")
    return _Rel(
        obj["id"],
        obj["relationship_type"],
        obj["source_ref"],
        obj["target_ref"],
        str(obj.get("description") or "").strip(),
        _is_skipped(obj),
        str(obj.get("modified", "")),
        ext.get("strength"),
        ext.get("sources") if ext else None,
        refs if isinstance(refs, list) and refs else None,
    )


class _Read:
    """Everything the import keeps of a bundle, read one object at a time."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.header: dict[str, Any] = {}
        self.nodes: dict[str, dict[str, Any]] = {}  # attack-patterns, courses of action
        self.rels: dict[str, _Rel] = {}
        self.other: dict[str, str] = {}  # id -> type of every object not imported
        self.grouping: dict[str, Any] | None = None
        self.collections: list[str] = []
        self.problems: list[str] = []

    def add(self, index: int, obj: Any) -> None:
        found = _object_problems(index, obj)
        if found:
            self.problems += found
            return
        kind, stix_id = obj["type"], obj["id"]
        if kind == "relationship":
            self._keep(self.rels, _slim(obj))
        elif kind in ("attack-pattern", "course-of-action"):
            self._keep(self.nodes, obj)
        elif (
            kind == "grouping"
            and obj.get("context") == GROUPING_CONTEXT
            and _extension(obj)
        ):
            self.grouping = obj
        elif stix_id not in (IDENTITY_ID, EXTENSION_ID):
            self.other[stix_id] = kind
            if kind == "x-mitre-collection" and obj.get("name"):
                self.collections.append(str(obj["name"]))

    def _keep(self, where: dict[str, Any], item: Any) -> None:
        stix_id = item.id if isinstance(item, _Rel) else item["id"]
        old = where.get(stix_id)
        if old is not None:
            self.report.warnings.append(
                f"{stix_id}: listed more than once; the latest kept"
            )
            modified = (
                item.modified
                if isinstance(item, _Rel)
                else str(item.get("modified", ""))
            )
            was = (
                old.modified if isinstance(old, _Rel) else str(old.get("modified", ""))
            )
            if modified < was:
                return
        where[stix_id] = item


def _read(text: str, report: ImportReport) -> _Read:
    read = _Read(report)
    try:
        for index, obj in enumerate(array_items(text, "objects", read.header)):
            read.add(index, obj)
    except json.JSONDecodeError as e:
        raise InterchangeError(
            [f"STIX bundle: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}"]
        ) from e
    except ValueError as e:
        raise InterchangeError([f"STIX bundle: {e}"]) from e
    header = read.header
    if header.get("type") != "bundle":
        raise InterchangeError(
            ["STIX bundle: the top level must be an object of type 'bundle'"]
        )
    if not isinstance(header.get("id"), str) or not header["id"].startswith("bundle--"):
        raise InterchangeError(["STIX bundle: no bundle id ('bundle--<uuid>')"])
    if "spec_version" in header and header["spec_version"] != SPEC_VERSION:
        raise InterchangeError(
            [
                f"STIX bundle: spec_version {header['spec_version']!r}; only STIX 2.1 is supported"
            ]
        )
    if header.get("objects") is not True:
        raise InterchangeError(["STIX bundle: no 'objects' list"])
    if read.problems:
        raise InterchangeError(read.problems)
    return read


class _Bundle:
    """The state of one import: the taxonomy's name, its sources and layers."""

    def __init__(self, name: str, report: ImportReport):
        self.name = name
        self.report = report
        self.sources: dict[str, Source] = {}
        self.origin = name  # the taxonomy a Layerwise export came from
        self.layers: dict[str, Layer] = {}

    def read_grouping(self, grouping: dict[str, Any] | None) -> None:
        ext = _extension(grouping) if grouping else None
        if not ext:
            return
        self.origin = str(ext.get("taxonomy") or self.name)
        for item in ext.get("layers") or []:
            self.layers[item["id"]] = Layer(
                node_id(self.name, item["id"]),
                str(item.get("name") or item["id"]),
                str(item.get("description") or ""),
                taxonomy=self.name,
            )
        for item in ext.get("sources") or []:
            year = item.get("year")
            source = Source(
                id=node_id(self.name, item["id"]),
                name=str(item.get("name") or item["id"]),
                description=str(item.get("description") or ""),
                authors=str(item.get("authors") or ""),
                title=str(item.get("title") or ""),
                year=year if isinstance(year, int) else None,
                publisher=str(item.get("publisher") or ""),
                url=str(item.get("url") or ""),
                taxonomy=self.name,
            )
            self.sources[source.id] = source

    def local_of(self, obj: dict[str, Any]) -> str:
        ext = _extension(obj)
        if ext and ext.get("id"):
            return str(ext["id"])
        for ref in obj.get("external_references") or []:
            if isinstance(ref, dict) and ref.get("external_id"):
                return str(ref["external_id"])
        return obj["id"]

    def sources_of(
        self,
        ext_sources: list[str] | None,
        refs: list | None,
        *,
        skip_id_reference: bool,
    ) -> tuple[str, ...]:
        """Source ids: the extension's, else one per external reference (but the
        first with an external id, when that is the object's own id)."""
        if ext_sources is not None:
            return tuple(node_id(self.name, s) for s in ext_sources)
        found = []
        id_seen = not skip_id_reference
        for ref in refs or []:
            if not isinstance(ref, dict) or not ref.get("source_name"):
                continue
            external_id = str(ref.get("external_id") or "")
            if external_id and not id_seen:
                id_seen = True
                continue
            source = reference_source(
                self.name,
                name=" ".join(x for x in (str(ref["source_name"]), external_id) if x),
                url=str(ref.get("url") or ""),
                external_id=external_id,
                description=str(ref.get("description") or ""),
            )
            self.sources.setdefault(source.id, source)
            found.append(source.id)
        return tuple(dict.fromkeys(found))

    def node_sources(self, obj: dict[str, Any]) -> tuple[str, ...]:
        ext = _extension(obj)
        return self.sources_of(
            (ext.get("sources") or []) if ext is not None else None,
            obj.get("external_references"),
            skip_id_reference=True,
        )


def _taxonomy_name(requested: str | None, read: _Read) -> str:
    if requested:
        return taxonomy_name_checked(requested)
    ext = _extension(read.grouping) if read.grouping else None
    if ext and ext.get("taxonomy"):
        return taxonomy_name_checked(str(ext["taxonomy"]))
    if len(read.collections) == 1:
        return taxonomy_name_checked(slug(read.collections[0]))
    raise InterchangeError(
        ["STIX bundle: name the taxonomy to import into (e.g. --taxonomy attack-ics)"]
    )


def stix_parse(
    data: str | bytes | IO,
    *,
    taxonomy: str | None = None,
    layer_map: Mapping[str, str] | None = None,
    default_strength: str = DEFAULT_STRENGTH,
) -> tuple[Taxonomy, ImportReport]:
    """The taxonomy a STIX 2.1 bundle describes, and what the import read.

    Parameters
    ----------
    data : str, bytes or a binary file
        The bundle's JSON. Passed a file, the parser holds the only copy of
        the text and frees it once read.
    taxonomy : str, optional
        The name to import under. Default: the name a Layerwise export
        carries, else the slug of the bundle's ``x-mitre-collection`` name
        (``Enterprise ATT&CK`` → ``enterprise-attack``); else an error.
    layer_map : mapping, optional
        ``{layer name or mitigation external id or STIX id: layer id}``.
    default_strength : str
        The strength of a ``mitigates`` link that does not carry one.

    Returns
    -------
    (Taxonomy, ImportReport)

    Raises
    ------
    InterchangeError
        Invalid JSON, not a bundle, a spec version other than 2.1, an
        object without type or id, an id not of its type, a used object
        without name (relationship: without type or refs), a SUBTYPE_OF
        cycle: every problem, naming the object.
    """
    strength = strength_checked(default_strength)
    report = ImportReport("stix", taxonomy or "", "STIX 2.1 bundle")
    text = _text_of(data)
    del data
    with gc_paused():
        return _parse(text, taxonomy, layer_map or {}, strength, report)


def _parse(
    text: str,
    taxonomy: str | None,
    layer_map: Mapping[str, str],
    strength: str,
    report: ImportReport,
) -> tuple[Taxonomy, ImportReport]:
    read = _read(text, report)
    del text
    report.taxonomy = name = _taxonomy_name(taxonomy, read)
    bundle = _Bundle(name, report)
    bundle.read_grouping(read.grouping)
    for kind in read.other.values():
        report.ignored[kind] += 1
    layers = LayerResolver(name, layer_map, report, origin="STIX")
    threats, mitigations, skipped = _nodes(read, bundle, layers)
    links = _links(read, threats, mitigations, skipped, strength, bundle)
    layers.warn_unused()
    cycle = subtype_cycle(links["subtypes"].values())
    if cycle:
        raise InterchangeError([f"SUBTYPE_OF cycle: {cycle}"])
    own_layers = {**{x.id: x for x in bundle.layers.values()}, **layers.layers}
    used = {m.layer for m in mitigations.values()}
    mapped = {node_id(name, local) for local in bundle.layers if local in layer_map}
    kept_layers = [x for x in own_layers.values() if x.id in used or x.id not in mapped]
    result = Taxonomy(
        layers=tuple(sorted(kept_layers, key=lambda x: x.id)),
        threats=tuple(sorted(threats.values(), key=lambda x: x.id)),
        mitigations=tuple(sorted(mitigations.values(), key=lambda x: x.id)),
        sources=tuple(sorted(bundle.sources.values(), key=lambda x: x.id)),
        **{field: tuple(items.values()) for field, items in links.items()},
    )
    return result, report


def _nodes(
    read: _Read, bundle: _Bundle, layers: LayerResolver
) -> tuple[dict[str, Threat], dict[str, Mitigation], dict[str, str]]:
    """Threats and mitigations by STIX id, and the skipped objects' reasons."""
    threats: dict[str, Threat] = {}
    mitigations: dict[str, Mitigation] = {}
    skipped: dict[str, str] = {}
    taken: set[tuple[str, str]] = set()
    for obj in read.nodes.values():
        kind = obj["type"]
        why = _is_skipped(obj)
        if why:
            skipped[obj["id"]] = why
            bundle.report.skip("threat" if kind == "attack-pattern" else "mitigation")
            continue
        graph_id = node_id(bundle.name, bundle.local_of(obj))
        if (kind, graph_id) in taken:
            fallback = node_id(bundle.name, obj["id"])
            bundle.report.warnings.append(
                f"{_label(0, obj)}: id {graph_id} is taken; imported as {fallback}"
            )
            graph_id = fallback
        taken.add((kind, graph_id))
        if kind == "attack-pattern":
            threats[obj["id"]] = _threat(obj, graph_id, bundle)
        else:
            mitigations[obj["id"]] = _mitigation(obj, graph_id, bundle, layers)
    return threats, mitigations, skipped


def _threat(obj: dict[str, Any], graph_id: str, bundle: _Bundle) -> Threat:
    ext = _extension(obj) or {}
    return Threat(
        id=graph_id,
        name=str(obj["name"]).strip(),
        description=str(obj.get("description") or "").strip(),
        taxonomy=bundle.name,
        maturity=str(ext.get("maturity") or ""),
        sources=bundle.node_sources(obj),
    )


def _mitigation(
    obj: dict[str, Any], graph_id: str, bundle: _Bundle, layers: LayerResolver
) -> Mitigation:
    ext = _extension(obj) or {}
    keys = [bundle.local_of(obj), obj["id"]]
    own = ext.get("layer_taxonomy", bundle.origin) == bundle.origin
    if ext.get("layer") and own:
        local = str(ext["layer"])
        record = bundle.layers.get(local) or Layer(
            node_id(bundle.name, local), local, taxonomy=bundle.name
        )
        layer = layers.resolve(keys, local, layer=record)
    elif ext.get("layer"):
        layer = layers.resolve(keys, None, fixed=str(ext["layer"]))
    else:
        category = obj.get("x_layerwise_layer")
        layer = layers.resolve(keys, str(category) if category else None)
    maturity = ext.get("maturity") or IMPORTED_MATURITY
    if maturity not in MATURITIES:
        bundle.report.warnings.append(
            f"{_label(0, obj)}: maturity {maturity!r} unknown; imported as {IMPORTED_MATURITY}"
        )
        maturity = IMPORTED_MATURITY
    return Mitigation(
        id=graph_id,
        name=str(obj["name"]).strip(),
        layer=layer,
        maturity=maturity,
        description=str(obj.get("description") or "").strip(),
        taxonomy=bundle.name,
        sources=bundle.node_sources(obj),
    )


def _links(
    read: _Read,
    threats: dict[str, Threat],
    mitigations: dict[str, Mitigation],
    skipped: dict[str, str],
    strength: str,
    bundle: _Bundle,
) -> dict[str, dict[tuple[str, str], Any]]:
    report = bundle.report
    nodes = {
        "attack-pattern": {k: v.id for k, v in threats.items()},
        "course-of-action": {k: v.id for k, v in mitigations.items()},
    }
    out: dict[str, dict[tuple[str, str], Any]] = {
        f: {} for f, *_ in RELATIONSHIPS.values()
    }
    for rel in read.rels.values():
        if rel.type not in RELATIONSHIPS:
            report.ignored[f"relationship {rel.type}"] += 1
            continue
        field, source_type, target_type = RELATIONSHIPS[rel.type]
        kind = _KIND[field]
        if rel.skipped:
            report.skip(kind)
            continue
        source = nodes[source_type].get(rel.source)
        target = nodes[target_type].get(rel.target)
        if source is None or target is None:
            problems = [
                _dangling(ref, want, skipped, read)
                for ref, want, found in (
                    (rel.source, source_type, source),
                    (rel.target, target_type, target),
                )
                if found is None
            ]
            report.skip(kind, f"{rel.id} ({rel.type}): points to {'; '.join(problems)}")
            continue
        if field != "mitigates":
            out[field][(source, target)] = Link(source, target)
            continue
        link = Mitigates(
            source,
            target,
            rel.strength if rel.strength in STRENGTHS else strength,
            rel.description,
            bundle.sources_of(rel.sources, rel.refs, skip_id_reference=False),
        )
        old = out[field].get((source, target))
        if old is not None:
            report.merged["mitigates"] += 1
            report.warnings.append(
                f"{rel.id}: a second mitigates {source} -> {target}; joined"
            )
            link = Mitigates(
                source,
                target,
                link.strength,
                join_rationale(old.rationale, link.rationale),
                tuple(dict.fromkeys(old.sources + link.sources)),
            )
        out[field][(source, target)] = link
    return out


def _dangling(ref: str, want: str, skipped: dict[str, str], read: _Read) -> str:
    if ref in skipped:
        return f"{skipped[ref]} object {ref}"
    kind = read.other.get(ref) or (
        read.nodes[ref]["type"] if ref in read.nodes else None
    )
    if kind is not None:
        return f"{kind} {ref}, not a {want}"
    return f"missing object {ref}"
