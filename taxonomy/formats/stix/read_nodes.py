"""STIX objects in: the state of one import (the taxonomy's name, its
sources, layers and architectures) and the record of each threat,
mitigation, tactic, incident and jurisdiction."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from taxonomy.domain.architectures import renamed_scenario
from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.records import (
    MATURITIES,
    Adopts,
    Architecture,
    Incident,
    Jurisdiction,
    Layer,
    Mitigation,
    Source,
    Tactic,
    Threat,
)
from taxonomy.domain.rules import is_cost, shown
from taxonomy.formats.common import (
    IMPORTED_MATURITY,
    ImportReport,
    LayerResolver,
    node_id,
    reference_source,
    web_url_or_empty,
)
from taxonomy.formats.stix.extension import extension_of
from taxonomy.formats.stix.originals import original_properties
from taxonomy.formats.stix.read_bundle import (
    DEFINITION_REFS,
    NODE_TYPES,
    BundleRead,
    is_skipped,
    object_label,
)
from taxonomy.formats.stix.vocabulary import INCIDENT_TYPES, made_here


class Bundle:
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
        ext = extension_of(grouping) if grouping else None
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
        ext = extension_of(obj)
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
        read: BundleRead,
        *,
        skip_id_reference: bool,
        matrices: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> Any:
        """``record`` with the original of ``obj`` as its ``stix``, unless
        Layerwise wrote ``obj`` or the record keeps none (a jurisdiction)."""
        if made_here(obj) or not hasattr(record, "stix"):
            return record
        made = self.reference_sources(
            obj.get("external_references"), skip_id_reference=skip_id_reference
        )
        wanted = [obj.get(key) for key in DEFINITION_REFS]
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
        ext = extension_of(obj)
        return self.sources_of(
            (ext.get("sources") or []) if ext is not None else None,
            obj.get("external_references"),
            skip_id_reference=True,
        )


def node_records(
    read: BundleRead, bundle: Bundle, layers: LayerResolver
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
        why = is_skipped(obj)
        if why:
            skipped[obj["id"]] = why
            bundle.report.skip(kind)
            continue
        graph_id = node_id(bundle.name, bundle.local_of(obj))
        if (kind, graph_id) in taken:
            fallback = node_id(bundle.name, obj["id"])
            bundle.report.warnings.append(
                f"{object_label(0, obj)}: id {graph_id} is taken; imported as {fallback}"
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


def _tactic_orders(read: BundleRead) -> dict[str, int]:
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


def _tactic(obj: dict[str, Any], graph_id: str, bundle: Bundle, order: int) -> Tactic:
    ext = extension_of(obj) or {}
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


def _incident(obj: dict[str, Any], graph_id: str, bundle: Bundle) -> Incident:
    """An incident; its date the extension's, else the day of ``first_seen``."""
    ext = extension_of(obj) or {}
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


def _threat(obj: dict[str, Any], graph_id: str, bundle: Bundle) -> Threat:
    ext = extension_of(obj) or {}
    return Threat(
        id=graph_id,
        name=str(obj["name"]).strip(),
        description=str(obj.get("description") or "").strip(),
        taxonomy=bundle.name,
        maturity=str(ext.get("maturity") or ""),
        sources=bundle.node_sources(obj),
        mobile=str(ext.get("mobile") or "").strip(),
    )


def _jurisdiction(obj: dict[str, Any], graph_id: str, bundle: Bundle) -> Jurisdiction:
    """A jurisdiction: its kind and weight from the extension (the location's
    region or country are not modelled)."""
    ext = extension_of(obj) or {}
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
    obj: dict[str, Any], graph_id: str, bundle: Bundle, layers: LayerResolver
) -> Mitigation:
    ext = extension_of(obj) or {}
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
            f"{object_label(0, obj)}: maturity {shown(maturity)} unknown; imported as {IMPORTED_MATURITY}"
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
            [
                f"{object_label(0, obj)}: cost {shown(cost)} is not a positive finite number"
            ]
        )
    return float(cost)
