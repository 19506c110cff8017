"""STIX 2.1 bundles in: a bundle as a taxonomy.

``attack-pattern`` → threat, ``course-of-action`` → mitigation,
``x-mitre-tactic`` → tactic (its ``x_mitre_shortname`` the shortname, its
order that of the ``x-mitre-matrix``'s ``tactic_refs``), an attack pattern's
``kill_chain_phases`` → IN_TACTIC links (each phase to the tactic whose
shortname is its ``phase_name``, whatever the kill chain's name),
``intrusion-set`` → incident of kind group, ``campaign`` → campaign,
``malware`` and ``tool`` → software, ``incident`` → case study (see
``INCIDENT_TYPES``), a ``location`` carrying the Layerwise extension →
jurisdiction (another location is ignored and counted), a ``relationship``
of a link kind's ``LinkKind.stix_type`` (``mitigates``, ``subtechnique-of``,
``uses`` from an incident to a technique, and the ``enables``, ``requires``,
``introduces``, ``member-of``, ``in-force-in`` of a Layerwise export) → that
link, external references → sources. Jurisdictions and their links keep the
fixtures' rules (their kind and weight, dates, maturities, members only of a
bloc or multilateral body, no membership cycle): a bundle breaking one is
refused, naming the object. Revoked and deprecated
objects are skipped and counted, other object types ignored and counted, a
relationship to a missing or skipped object reported (and the rest
imported); a ``uses`` that does not end at a technique (a group using a piece
of software) is ignored and counted. Layers come
from the Layerwise extension (``taxonomy.formats.stix_write``) or an
``x_layerwise_layer`` property, otherwise the layer map, otherwise
``<taxonomy>:unassigned``.

An object of a bundle Layerwise did not write (not created by its identity)
keeps its original (``stix_write.original_properties``): its id, ``created``
and ``modified``, external references, markings and every property the
project does not model, with the definitions it refers to and a tactic's
matrices, so that an export writes it back out. A bundle listing an object
id twice is refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import IO, Any, NamedTuple

from taxonomy.domain.architectures import renamed_scenario
from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS, LinkKind, NodeKind
from taxonomy.domain.records import (
    MATURITIES,
    STRENGTHS,
    Adopts,
    Architecture,
    Incident,
    InForceIn,
    Jurisdiction,
    Layer,
    Link,
    MemberOf,
    Mitigates,
    Mitigation,
    Source,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)
from taxonomy.domain.rules import (
    MAX_SHOWN,
    is_cost,
    shown,
    taxonomy_problems,
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
    refuse_subtype_cycle,
    slug,
    strength_checked,
    taxonomy_name_checked,
    web_url_or_empty,
)
from taxonomy.formats.jsonstream import StreamError, array_items
from taxonomy.formats.stix_write import (
    EXTENSION_ID,
    GROUPING_CONTEXT,
    IDENTITY_ID,
    INCIDENT_TYPES,
    SPEC_VERSION,
    original_properties,
)

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
# STIX object type -> the node kind it becomes
NODE_TYPES: dict[str, NodeKind] = {
    **{kind.stix_type: kind for kind in NODE_KINDS.values() if kind.stix_type},
    **{stix_type: NODE_KINDS["incident"] for stix_type in INCIDENT_TYPES},
}
# relationship type -> the link kind it becomes
RELATIONSHIPS: dict[str, LinkKind] = {
    kind.stix_type: kind for kind in LINK_KINDS.values() if kind.stix_type
}
_REQUIRED = {
    **{stix_type: ("name",) for stix_type in NODE_TYPES},
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
    steps: dict[str, Any] | None  # the extension's steps, tactics, descriptions
    bound: dict[str, Any] | None  # the extension's maturity, since, until
    original: dict[str, Any] | None  # the object, unless Layerwise wrote it


def _stream_of(data: str | bytes | IO) -> str | bytes | IO:
    """The bundle as ``array_items`` reads it, without a UTF-8 byte order mark."""
    if isinstance(data, bytes | bytearray):
        return data[3:] if data[:3] == codecs.BOM_UTF8 else data
    if isinstance(data, str) or not hasattr(data, "peek"):
        return data
    if data.peek(3)[:3] == codecs.BOM_UTF8:
        data.read(3)
    return data


def _label(index: int, obj: Any) -> str:
    if not isinstance(obj, dict):
        return f"objects[{index}]"
    what = obj.get("id") or f"objects[{index}]"
    what = what if isinstance(what, str) and len(what) <= MAX_SHOWN else shown(what)
    name = obj.get("name")
    return f"{what} ({shown(name)})" if name else what


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
    if kind not in _REQUIRED or not _imported_type(obj):
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
        {k: ext[k] for k in _STEP_FIELDS if k in ext} or None,
        {k: ext[k] for k in _BOUND_FIELDS if k in ext} or None,
        None if _made_here(obj) else obj,
    )


def _made_here(obj: dict[str, Any]) -> bool:
    """Whether Layerwise wrote the object (its shape is the export's own)."""
    return obj.get("created_by_ref") == IDENTITY_ID


# The objects an imported object may refer to that are kept with it.
_DEFINITION_TYPES = ("marking-definition", "identity")
_DEFINITION_REFS = ("created_by_ref", "object_marking_refs")


_STEP_FIELDS = ("steps", "tactics", "descriptions")
_BOUND_FIELDS = ("maturity", "since", "until")
# The node type that is one of the project's only when Layerwise's extension
# says what it is: a location says where, not what binds there.
_EXTENDED_ONLY = ("location",)


def _imported_type(obj: dict[str, Any]) -> bool:
    """Whether an object of a node type becomes a node."""
    return obj["type"] not in _EXTENDED_ONLY or _extension(obj) is not None


class _Read:
    """Everything the import keeps of a bundle, read one object at a time."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.header: dict[str, Any] = {}
        self.nodes: dict[str, dict[str, Any]] = {}  # objects of the NODE_TYPES
        self.rels: dict[str, _Rel] = {}
        self.other: dict[str, str] = {}  # id -> type of every object not imported
        self.grouping: dict[str, Any] | None = None
        self.collections: list[str] = []
        self.tactic_refs: list[str] = []  # the matrices' tactics, in order
        self.matrices: list[dict[str, Any]] = []
        self.definitions: dict[str, dict[str, Any]] = {}
        self.seen: set[str] = set()
        self.problems: list[str] = []

    def add(self, index: int, obj: Any) -> None:
        found = _object_problems(index, obj)
        if found:
            self.problems += found
            return
        kind, stix_id = obj["type"], obj["id"]
        if stix_id in self.seen:
            self.problems.append(
                f"{_label(index, obj)}: listed more than once (an object id is "
                "one object; a bundle holds one version of it)"
            )
            return
        self.seen.add(stix_id)
        if kind == "relationship":
            self.rels[stix_id] = _slim(obj)
        elif kind in NODE_TYPES and _imported_type(obj):
            self.nodes[stix_id] = obj
        elif (
            kind == "grouping"
            and obj.get("context") == GROUPING_CONTEXT
            and _extension(obj)
        ):
            self.grouping = obj
        elif kind == "x-mitre-matrix" and isinstance(obj.get("tactic_refs"), list):
            self.tactic_refs += [str(ref) for ref in obj["tactic_refs"]]
            if not _made_here(obj):
                self.matrices.append(obj)
        elif stix_id not in (IDENTITY_ID, EXTENSION_ID):
            self.other[stix_id] = kind
            if kind in _DEFINITION_TYPES:
                self.definitions[stix_id] = obj
            if kind == "x-mitre-collection" and obj.get("name"):
                self.collections.append(str(obj["name"]))


def _read(source: str | bytes | IO, report: ImportReport) -> _Read:
    read = _Read(report)
    try:
        for index, obj in enumerate(array_items(source, "objects", read.header)):
            read.add(index, obj)
    except StreamError as e:
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
                f"STIX bundle: spec_version {shown(header['spec_version'])}; only STIX 2.1 is supported"
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
        self.architectures: list[Architecture] = []
        self.adopts: list[Adopts] = []

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
                url=web_url_or_empty(item.get("url")),
                taxonomy=self.name,
            )
            self.sources[source.id] = source
        for item in ext.get("architectures") or []:
            self._read_architecture(item)

    def _read_architecture(self, item: dict[str, Any]) -> None:
        """A governance architecture and its ADOPTS links from the grouping
        (issue 25), its ids (in its scenario too) in this taxonomy."""

        def here(local: str) -> str:
            return node_id(self.name, str(local))

        architecture = Architecture(
            id=here(item["id"]),
            name=str(item.get("name") or item["id"]),
            description=str(item.get("description") or ""),
            scenario=renamed_scenario(str(item.get("scenario") or ""), here),
            taxonomy=self.name,
            sources=tuple(here(s) for s in item.get("sources") or []),
        )
        self.architectures.append(architecture)
        self.adopts += [
            Adopts(
                architecture.id,
                here(link["mitigation"]),
                tuple(here(j) for j in link.get("jurisdictions") or []),
                str(link.get("rationale") or ""),
                tuple(here(s) for s in link.get("sources") or []),
            )
            for link in item.get("adopts") or []
        ]

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
        made = self.reference_sources(refs, skip_id_reference=skip_id_reference)
        return tuple(dict.fromkeys(s for s in made if s is not None))

    def reference_sources(
        self, refs: list | None, *, skip_id_reference: bool
    ) -> list[str | None]:
        """The source each external reference becomes (None: none, as the
        object's own id or a reference without a source name)."""
        found: list[str | None] = []
        id_seen = not skip_id_reference
        for ref in refs if isinstance(refs, list) else []:
            if not isinstance(ref, dict) or not ref.get("source_name"):
                found.append(None)
                continue
            external_id = str(ref.get("external_id") or "")
            if external_id and not id_seen:
                id_seen = True
                found.append(None)
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
        return found

    def kept(
        self,
        obj: dict[str, Any],
        record: Any,
        read: _Read,
        *,
        skip_id_reference: bool,
        matrices: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> Any:
        """``record`` with the original of ``obj`` as its ``stix``, unless
        Layerwise wrote ``obj`` or the record keeps none (a jurisdiction)."""
        if _made_here(obj) or not hasattr(record, "stix"):
            return record
        made = self.reference_sources(
            obj.get("external_references"), skip_id_reference=skip_id_reference
        )
        wanted = [obj.get(key) for key in _DEFINITION_REFS]
        named = [
            ref
            for value in wanted
            for ref in (value if isinstance(value, list) else [value])
            if isinstance(ref, str)
        ]
        definitions = [
            read.definitions[r] for r in dict.fromkeys(named) if r in read.definitions
        ]
        return replace(
            record,
            stix=original_properties(
                obj, record, sources=made, definitions=definitions, matrices=matrices
            ),
        )

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
        The bundle's JSON. A file is read as a stream: neither its text nor
        the whole decoded bundle is ever held, only what each object gives.
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
    with gc_paused():
        return _parse(_stream_of(data), taxonomy, layer_map or {}, strength, report)


def _parse(
    source: str | bytes | IO,
    taxonomy: str | None,
    layer_map: Mapping[str, str],
    strength: str,
    report: ImportReport,
) -> tuple[Taxonomy, ImportReport]:
    read = _read(source, report)
    report.taxonomy = name = _taxonomy_name(taxonomy, read)
    bundle = _Bundle(name, report)
    bundle.read_grouping(read.grouping)
    for kind in read.other.values():
        report.ignored[kind] += 1
    layers = LayerResolver(name, layer_map, report, origin="STIX")
    nodes, skipped = _nodes(read, bundle, layers)
    links = _links(read, nodes, skipped, strength, bundle)
    links[LINK_KINDS["in_tactic"].field] = _in_tactic(read, nodes, bundle)
    layers.warn_unused()
    refuse_subtype_cycle(links[LINK_KINDS["subtype"].field].values())
    _refuse_broken_geography(nodes, links)
    own_layers = {**{x.id: x for x in bundle.layers.values()}, **layers.layers}
    mitigations = nodes["mitigation"]
    used = {m.layer for m in mitigations.values()}
    mapped = {node_id(name, local) for local in bundle.layers if local in layer_map}
    kept_layers = [x for x in own_layers.values() if x.id in used or x.id not in mapped]
    result = Taxonomy(
        layers=tuple(sorted(kept_layers, key=lambda x: x.id)),
        **{
            NODE_KINDS[kind].field: tuple(sorted(items.values(), key=lambda x: x.id))
            for kind, items in nodes.items()
            if kind != "layer"
        },
        sources=tuple(sorted(bundle.sources.values(), key=lambda x: x.id)),
        **{field: tuple(items.values()) for field, items in links.items()},
    )
    result = replace(
        result,
        architectures=tuple(bundle.architectures),
        adopts=tuple(bundle.adopts),
    )
    return result, report


def _nodes(
    read: _Read, bundle: _Bundle, layers: LayerResolver
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Node kind -> STIX id -> its record (threats, mitigations, tactics,
    incidents, jurisdictions), and the skipped objects' reasons."""
    nodes: dict[str, dict[str, Any]] = {
        kind: {}
        for kind in ("threat", "mitigation", "tactic", "incident", "jurisdiction")
    }
    skipped: dict[str, str] = {}
    taken: set[tuple[str, str]] = set()
    orders = _tactic_orders(read)
    for obj in read.nodes.values():
        kind = NODE_TYPES[obj["type"]].name
        why = _is_skipped(obj)
        if why:
            skipped[obj["id"]] = why
            bundle.report.skip(kind)
            continue
        graph_id = node_id(bundle.name, bundle.local_of(obj))
        if (kind, graph_id) in taken:
            fallback = node_id(bundle.name, obj["id"])
            bundle.report.warnings.append(
                f"{_label(0, obj)}: id {graph_id} is taken; imported as {fallback}"
            )
            graph_id = fallback
        taken.add((kind, graph_id))
        if kind == "threat":
            record: Any = _threat(obj, graph_id, bundle)
        elif kind == "mitigation":
            record = _mitigation(obj, graph_id, bundle, layers)
        elif kind == "tactic":
            record = _tactic(obj, graph_id, bundle, orders[obj["id"]])
        elif kind == "jurisdiction":
            record = _jurisdiction(obj, graph_id, bundle)
        else:
            record = _incident(obj, graph_id, bundle)
        matrices = [m for m in read.matrices if obj["id"] in m["tactic_refs"]]
        record = bundle.kept(
            obj, record, read, skip_id_reference=True, matrices=matrices
        )
        nodes[kind][obj["id"]] = record
    return nodes, skipped


def _tactic_orders(read: _Read) -> dict[str, int]:
    """STIX id -> column of every tactic: the matrices' order, then the tactics
    no matrix lists, in the bundle's order."""
    tactics = [i for i, obj in read.nodes.items() if obj["type"] == "x-mitre-tactic"]
    listed = [ref for ref in dict.fromkeys(read.tactic_refs) if ref in read.nodes]
    ordered = listed + [i for i in tactics if i not in set(listed)]
    return {stix_id: order for order, stix_id in enumerate(ordered)}


def tactic_shortname(obj: dict[str, Any]) -> str:
    """A tactic's kill-chain phase name: its ``x_mitre_shortname``, else its name
    in lowercase with hyphens (as ATLAS's STIX data derives it).

    >>> tactic_shortname({"name": "Initial Access"})
    'initial-access'
    """
    shortname = obj.get("x_mitre_shortname")
    if isinstance(shortname, str) and shortname.strip():
        return shortname.strip()
    return str(obj["name"]).strip().lower().replace(" ", "-")


def _tactic(obj: dict[str, Any], graph_id: str, bundle: _Bundle, order: int) -> Tactic:
    ext = _extension(obj) or {}
    own = ext.get("order")
    return Tactic(
        id=graph_id,
        name=str(obj["name"]).strip(),
        description=str(obj.get("description") or "").strip(),
        shortname=tactic_shortname(obj),
        order=own if isinstance(own, int) and not isinstance(own, bool) else order,
        taxonomy=bundle.name,
        sources=bundle.node_sources(obj),
    )


_ISO_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


def _incident(obj: dict[str, Any], graph_id: str, bundle: _Bundle) -> Incident:
    """An incident; its date the extension's, else the day of ``first_seen``."""
    ext = _extension(obj) or {}
    date = str(ext.get("date") or obj.get("first_seen") or "")[:10]
    return Incident(
        id=graph_id,
        name=str(obj["name"]).strip(),
        kind=INCIDENT_TYPES[obj["type"]],
        date=date if _ISO_DATE.match(date) else "",
        summary=str(obj.get("description") or "").strip(),
        taxonomy=bundle.name,
        sources=bundle.node_sources(obj),
    )


def _in_tactic(
    read: _Read, nodes: dict[str, dict[str, Any]], bundle: _Bundle
) -> dict[tuple[str, str], Link]:
    """An IN_TACTIC link per kill chain phase of a live technique, to the tactics
    whose shortname is the phase's name; a phase naming none is reported."""
    by_shortname: dict[str, list[str]] = {}
    for tactic in nodes["tactic"].values():
        by_shortname.setdefault(tactic.shortname, []).append(tactic.id)
    links: dict[tuple[str, str], Link] = {}
    for stix_id, threat in nodes["threat"].items():
        phases = read.nodes[stix_id].get("kill_chain_phases")
        for phase in phases if isinstance(phases, list) else []:
            name = phase.get("phase_name") if isinstance(phase, dict) else None
            tactics = by_shortname.get(name) if isinstance(name, str) else None
            if not tactics:
                bundle.report.skip(
                    "in_tactic",
                    f"{stix_id} ({threat.name}): kill chain phase {shown(name)} "
                    "names no tactic of the bundle",
                )
                continue
            for tactic in tactics:
                links[threat.id, tactic] = Link(threat.id, tactic)
    return links


def _threat(obj: dict[str, Any], graph_id: str, bundle: _Bundle) -> Threat:
    ext = _extension(obj) or {}
    return Threat(
        id=graph_id,
        name=str(obj["name"]).strip(),
        description=str(obj.get("description") or "").strip(),
        taxonomy=bundle.name,
        maturity=str(ext.get("maturity") or ""),
        sources=bundle.node_sources(obj),
        mobile=str(ext.get("mobile") or "").strip(),
    )


def _jurisdiction(obj: dict[str, Any], graph_id: str, bundle: _Bundle) -> Jurisdiction:
    """A jurisdiction: its kind and weight from the extension (the location's
    region or country are not modelled)."""
    ext = _extension(obj) or {}
    return Jurisdiction(
        id=graph_id,
        name=str(obj["name"]).strip(),
        kind=str(ext.get("kind") or "state"),
        description=str(obj.get("description") or "").strip(),
        weight=ext.get("weight"),
        taxonomy=bundle.name,
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
            f"{_label(0, obj)}: maturity {shown(maturity)} unknown; imported as {IMPORTED_MATURITY}"
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
        cost=_cost(obj, ext),
        everywhere=str(ext.get("everywhere") or "").strip(),
    )


def _cost(obj: dict[str, Any], ext: dict[str, Any]) -> float:
    """The extension's cost (1 when absent); a cost that is not a positive
    finite number refuses the whole bundle."""
    cost = ext.get("cost", 1.0)
    if not is_cost(cost):
        raise InterchangeError(
            [f"{_label(0, obj)}: cost {shown(cost)} is not a positive finite number"]
        )
    return float(cost)


def _links(
    read: _Read,
    records: dict[str, dict[str, Any]],
    skipped: dict[str, str],
    strength: str,
    bundle: _Bundle,
) -> dict[str, dict[tuple[str, str], Any]]:
    """Taxonomy field -> (source id, target id) -> the link of each relationship."""
    report = bundle.report
    nodes = {
        kind: {k: v.id for k, v in items.items()} for kind, items in records.items()
    }
    tactics = {tactic.id for tactic in records["tactic"].values()}
    out: dict[str, dict[tuple[str, str], Any]] = {
        kind.field: {} for kind in RELATIONSHIPS.values()
    }
    for rel in read.rels.values():
        if rel.type not in RELATIONSHIPS:
            report.ignored[f"relationship {rel.type}"] += 1
            continue
        kind = RELATIONSHIPS[rel.type]
        if kind.name == "uses" and _not_a_technique(read, rel.target):
            report.ignored["relationship uses (not to a technique)"] += 1
            continue
        if rel.skipped:
            report.skip(kind.name)
            continue
        ends = (nodes[kind.source].get(rel.source), nodes[kind.target].get(rel.target))
        if None in ends:
            report.skip(kind.name, _dangling(rel, kind, ends, skipped, read))
            continue
        links = out[kind.field]
        old = links.get(ends)
        if kind.record is Mitigates:
            links[ends] = _mitigates(rel, ends, old, strength, bundle)
        elif kind.record is Uses:
            links[ends] = _uses(rel, ends, old, tactics, bundle)
        elif kind.record in (MemberOf, InForceIn):
            links[ends] = _bound(kind, rel, ends, old, bundle)
        else:
            links[ends] = kind.make(*ends)
        if old is None and rel.original is not None and kind.record is not Link:
            links[ends] = bundle.kept(
                rel.original, links[ends], read, skip_id_reference=False
            )
    return out


def _bound(
    kind: LinkKind,
    rel: _Rel,
    ends: tuple[str, str],
    old: MemberOf | InForceIn | None,
    bundle: _Bundle,
) -> MemberOf | InForceIn:
    """The link of a member-of or in-force-in relationship: the extension's
    maturity (in-force-in), since and until, its description the rationale;
    a second one of the same pair replaces the first, reported."""
    ext = rel.bound or {}
    values: dict[str, Any] = {
        "since": str(ext.get("since") or ""),
        "until": str(ext.get("until") or ""),
        "rationale": rel.description,
        "sources": bundle.sources_of(rel.sources, rel.refs, skip_id_reference=False),
    }
    if kind.record is InForceIn:
        values["maturity"] = str(ext.get("maturity") or IMPORTED_MATURITY)
    if old is not None:
        bundle.report.warnings.append(
            f"{rel.id}: a second {rel.type} {ends[0]} -> {ends[1]}; the last kept"
        )
    return kind.make(*ends, **values)


def _refuse_broken_geography(
    nodes: dict[str, dict[str, Any]],
    links: dict[str, dict[tuple[str, str], Any]],
) -> None:
    """Refuse a bundle whose jurisdictions or their links break a rule of
    ``taxonomy_problems`` (kind, weight, dates, maturity, members only of a
    bloc or multilateral body, no membership cycle): every problem, naming
    the jurisdiction or link."""
    geography = Taxonomy(
        jurisdictions=tuple(nodes["jurisdiction"].values()),
        memberships=tuple(links[LINK_KINDS["member_of"].field].values()),
        in_force=tuple(links[LINK_KINDS["in_force_in"].field].values()),
    )
    if not geography.jurisdictions:
        return
    problems = []
    for p in taxonomy_problems(geography):
        if p.rule == "unknown":
            continue  # the sources and mitigations are not in ``geography``
        kind = LINK_KINDS.get(p.kind) or NODE_KINDS[p.kind]
        record = getattr(geography, kind.field)[p.index]
        what = (
            f"{kind.stix_type} {kind.key(record)}"
            if kind.is_link
            else f"location {record.id} ({shown(record.name)})"
        )
        problems.append(f"{what}{f' ({p.field})' if p.field else ''}: {p.message}")
    if problems:
        raise InterchangeError(problems)


def _not_a_technique(read: _Read, ref: str) -> bool:
    """Whether the bundle holds ``ref`` as something other than a technique (a
    piece of software a group uses)."""
    found = read.nodes.get(ref)
    kind = found["type"] if found is not None else read.other.get(ref)
    return kind is not None and kind != NODE_KINDS["threat"].stix_type


def _uses(
    rel: _Rel,
    ends: tuple[str, str],
    old: Uses | None,
    tactics: set[str],
    bundle: _Bundle,
) -> Uses:
    """The link of a uses relationship: the extension's steps, else its
    description; joined with an ``old`` one of the same pair."""
    ext = rel.steps or {}
    steps = tuple(s for s in ext.get("steps") or () if isinstance(s, int))
    named = [
        node_id(bundle.name, str(t)) if t else "" for t in ext.get("tactics") or ()
    ]
    for tactic in sorted({t for t in named if t and t not in tactics}):
        bundle.report.warnings.append(
            f"{rel.id} (uses): tactic {tactic} is not in the bundle; left out"
        )
    link = Uses(
        *ends,
        steps,
        tuple(t if t in tactics else "" for t in named),
        tuple(str(d) for d in ext["descriptions"])
        if "descriptions" in ext
        else tuple(x for x in (rel.description,) if x),
    )
    if old is None:
        return link
    bundle.report.merged["uses"] += 1
    bundle.report.warnings.append(
        f"{rel.id}: a second uses {ends[0]} -> {ends[1]}; joined"
    )
    if old.steps or link.steps:
        rows = sorted(
            {*zip(*_columns(old), strict=True), *zip(*_columns(link), strict=True)}
        )
        steps, tactics_of, descriptions = (tuple(x) for x in zip(*rows, strict=True))
        return Uses(*ends, steps, tactics_of, descriptions)
    text = join_rationale("\n\n".join(old.descriptions), "\n\n".join(link.descriptions))
    return Uses(*ends, (), (), (text,) if text else ())


def _columns(link: Uses) -> tuple[tuple, tuple, tuple]:
    """A USES link's steps, tactics and descriptions, one entry per step."""
    n = len(link.steps)
    return (
        link.steps,
        link.tactics if len(link.tactics) == n else ("",) * n,
        link.descriptions if len(link.descriptions) == n else ("",) * n,
    )


def _mitigates(
    rel: _Rel,
    ends: tuple[str, str],
    old: Mitigates | None,
    strength: str,
    bundle: _Bundle,
) -> Mitigates:
    """The link of a mitigates relationship, joined with an ``old`` one of the
    same pair."""
    link = Mitigates(
        *ends,
        rel.strength if rel.strength in STRENGTHS else strength,
        rel.description,
        bundle.sources_of(rel.sources, rel.refs, skip_id_reference=False),
    )
    if old is None:
        return link
    bundle.report.merged["mitigates"] += 1
    bundle.report.warnings.append(
        f"{rel.id}: a second mitigates {ends[0]} -> {ends[1]}; joined"
    )
    return Mitigates(
        *ends,
        link.strength,
        join_rationale(old.rationale, link.rationale),
        tuple(dict.fromkeys(old.sources + link.sources)),
    )


def _dangling(
    rel: _Rel,
    kind: LinkKind,
    ends: tuple[str | None, str | None],
    skipped: dict[str, str],
    read: _Read,
) -> str:
    """Why a relationship has no link: what each missing end points to."""
    problems = []
    for ref, want, found in zip(
        (rel.source, rel.target), (kind.source, kind.target), ends, strict=True
    ):
        if found is not None:
            continue
        stix_type = (
            " or ".join(sorted(INCIDENT_TYPES))
            if want == "incident"
            else NODE_KINDS[want].stix_type
        )
        found_type = read.other.get(ref) or (
            read.nodes[ref]["type"] if ref in read.nodes else None
        )
        if ref in skipped:
            problems.append(f"{skipped[ref]} object {ref}")
        elif found_type is not None:
            problems.append(f"{found_type} {ref}, not a {stix_type}")
        else:
            problems.append(f"missing object {ref}")
    return f"{rel.id} ({rel.type}): points to {'; '.join(problems)}"
