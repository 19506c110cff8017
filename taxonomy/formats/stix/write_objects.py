"""STIX objects out: the state of one export and the object of each threat,
mitigation, tactic (and their matrix), incident and jurisdiction."""

from __future__ import annotations

from typing import Any

from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import (
    Incident,
    Jurisdiction,
    Mitigation,
    Source,
    Tactic,
    Taxonomy,
    Threat,
)
from taxonomy.formats.common import phase_name, unprefixed
from taxonomy.formats.stix.extension import layerwise_extensions
from taxonomy.formats.stix.originals import kept_original, record_digest
from taxonomy.formats.stix.vocabulary import (
    INCIDENT_EXPORT,
    UNRECORDED,
    Times,
    kill_chain_name,
    stix_id_of,
    stix_object,
    stix_time,
)


class Export:
    """What one export reads besides the records: the taxonomy's name, its
    sources, the journal's times, the imported objects' originals."""

    def __init__(self, taxonomy: Taxonomy, name: str, times: Times | None):
        self.name = name
        self.times = times or {}
        self.sources = {s.id: s for s in taxonomy.sources}
        self.definitions: dict[str, dict[str, Any]] = {}
        self.kept: dict[tuple[str, str], dict[str, Any]] = {}
        for kind in (*NODE_KINDS.values(), *LINK_KINDS.values()):
            for record in getattr(taxonomy, kind.field):
                found = kept_original(kind.name, getattr(record, "stix", ""))
                if found is not None:
                    self.kept[kind.name, kind.key(record)] = found
                    for item in found.get("definitions", ()):
                        self.definitions.setdefault(item["id"], item)

    def dated(self, kind: str, key: str) -> tuple[str, str]:
        """``created`` and ``modified`` of an item Layerwise made."""
        created, modified = self.times.get((kind, key), ("", ""))
        created = stix_time(created) if created else UNRECORDED
        modified = stix_time(modified) if modified else created
        return created, max(created, modified)

    def finished(
        self,
        kind: str,
        record: Any,
        built: dict[str, Any],
        *,
        overlay: tuple[str, ...],
        sources: tuple[str, ...] | None = (),
        changed: bool = False,
    ) -> dict[str, Any]:
        """The object of one item: ``built`` dated by the journal, or, for an
        imported item, its original with the extension and, once the item
        was edited (or ``changed``), the ``overlay`` properties, references
        of ``sources`` (None: the original's all) and a later ``modified``."""
        key = LINK_KINDS[kind].key(record) if kind in LINK_KINDS else record.id
        kept = self.kept.get((kind, key))
        # An object's references are its sources' records: it changes with them.
        created, modified = self.dated(kind, key)
        modified = max([modified, *(self.dated("source", s)[1] for s in sources or ())])
        if kept is None:
            built["created"], built["modified"] = created, modified
            return built
        out = dict(kept["object"])
        if "extensions" in built:
            out["extensions"] = {
                **(out.get("extensions") or {}),
                **built["extensions"],
            }
        if kept["digest"] == record_digest(record) and not changed:
            return out
        for name in overlay:
            if name in built:
                out[name] = built[name]
            else:
                out.pop(name, None)
        refs = self._references(kept, sources)
        if refs:
            out["external_references"] = refs
        else:
            out.pop("external_references", None)
        out["modified"] = max(str(out.get("modified", "")), modified)
        return out

    def _references(
        self, kept: dict[str, Any], sources: tuple[str, ...] | None
    ) -> list[dict[str, Any]]:
        """An edited object's references: the original's that name no source
        or a source the item still cites, then one per source it added."""
        refs = kept["object"].get("external_references")
        refs = refs if isinstance(refs, list) else []
        made = kept.get("sources") or [None] * len(refs)
        out, seen = [], set()
        for ref, source in zip(refs, made, strict=False):
            if source is None or sources is None or source in sources:
                out.append(ref)
                seen.add(source)
        out += [
            reference(self.sources[s], self.name)
            for s in sources or ()
            if s not in seen and s in self.sources
        ]
        return out


# What the project models of an object: an edited item's values replace the
# original's.
OVERLAY = ("name", "description")


def reference(source: Source, name: str) -> dict[str, Any]:
    ref = {
        "source_name": source.name or unprefixed(name, source.id),
        "external_id": unprefixed(name, source.id),
    }
    if source.url:
        ref["url"] = source.url
    if source.title or source.description:
        ref["description"] = source.title or source.description
    return ref


def sdo(
    export: Export,
    kind: str,
    ids: dict[str, dict[str, str]],
    record: Threat | Mitigation | Tactic | Incident | Jurisdiction,
    ext: dict[str, Any],
    *,
    stix_type: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """An object of ``export`` as Layerwise makes it, not yet dated."""
    name, sources = export.name, export.sources
    local = unprefixed(name, record.id)
    refs = [{"source_name": name, "external_id": local}]
    refs += [reference(sources[s], name) for s in record.sources if s in sources]
    out = stix_object(
        stix_type or NODE_KINDS[kind].stix_type,
        ids[kind][record.id],
        UNRECORDED,
        UNRECORDED,
        name=record.name,
    )
    description = record.description if description is None else description
    if description:
        out["description"] = description
    out["external_references"] = refs
    out["extensions"] = layerwise_extensions(
        taxonomy=name,
        id=local,
        **ext,
        sources=[unprefixed(name, s) for s in record.sources],
    )
    return out


def stix_ids(taxonomy: Taxonomy, export: Export) -> dict[str, dict[str, str]]:
    """Node kind -> id -> STIX id, for the kinds STIX has an object type for:
    an imported object's own, else one derived from the item's id.

    >>> export = Export(Taxonomy(), "x", None)
    >>> stix_ids(Taxonomy(threats=(Threat("t1", "T"),)), export)["threat"]
    {'t1': 'attack-pattern--68d6ed6d-371a-5233-b304-3b455c7013da'}
    """
    ids = {
        kind.name: {
            record.id: stix_id_of(kind.stix_type, f"{kind.name}:{record.id}")
            for record in getattr(taxonomy, kind.field)
        }
        for kind in NODE_KINDS.values()
        if kind.stix_type
    }
    ids["incident"] = {
        x.id: stix_id_of(INCIDENT_EXPORT[x.kind], f"incident:{x.id}")
        for x in taxonomy.incidents
        if x.kind in INCIDENT_EXPORT
    }
    for (kind, key), kept in export.kept.items():
        if kind in ids:
            ids[kind][key] = kept["object"]["id"]
    return ids


def threat_object(
    export: Export, threat: Threat, built: dict[str, Any], phases: set[str]
) -> dict[str, Any]:
    """A threat's object; an imported one keeps its kill chain's name and,
    while it sits in the same tactics, its phases as they were (with those
    naming no tactic of the taxonomy, ``phases`` the ones that do)."""
    kept = export.kept.get(("threat", threat.id))
    changed = False
    if kept is not None:
        was = kept["object"].get("kill_chain_phases")
        was = [p for p in was if isinstance(p, dict)] if isinstance(was, list) else []
        now = built.get("kill_chain_phases") or []
        if was and now:
            chain = was[0].get("kill_chain_name")
            built["kill_chain_phases"] = [{**p, "kill_chain_name": chain} for p in now]
        changed = {p.get("phase_name") for p in was} & phases != {
            p["phase_name"] for p in now
        }
    return export.finished(
        "threat",
        threat,
        built,
        overlay=(*OVERLAY, "kill_chain_phases"),
        sources=threat.sources,
        changed=changed,
    )


def kill_chain_phases(taxonomy: Taxonomy, name: str) -> dict[str, list[dict[str, str]]]:
    """Threat id -> its IN_TACTIC links as kill chain phases, in tactic order."""
    tactics = {t.id: t for t in taxonomy.tactics}
    chain = kill_chain_name(name)
    out: dict[str, list[Tactic]] = {}
    for link in taxonomy.in_tactic:
        if link.target in tactics:
            out.setdefault(link.source, []).append(tactics[link.target])
    return {
        threat: [
            {"kill_chain_name": chain, "phase_name": phase_name(t)}
            for t in sorted(found, key=lambda t: (t.order, t.id))
        ]
        for threat, found in out.items()
    }


def tactic_matrices(
    export: Export, tactics: tuple[Tactic, ...], ids: dict[str, str]
) -> list[dict[str, Any]]:
    """The ``x-mitre-matrix`` objects that list the tactics in their order
    (Navigator and ``stix.read`` take the columns from them): an imported
    tactic's own matrices, one of Layerwise's for the others."""
    ordered = sorted(tactics, key=lambda t: (t.order, t.id))
    originals: dict[str, tuple[dict[str, Any], list[str]]] = {}
    own = []
    for tactic in ordered:
        kept = export.kept.get(("tactic", tactic.id))
        for matrix in (kept or {}).get("matrices") or ():
            originals.setdefault(matrix["id"], (matrix, []))[1].append(ids[tactic.id])
        if not (kept or {}).get("matrices"):
            own.append(tactic)
    out = [
        {**matrix, "tactic_refs": refs}
        for _, (matrix, refs) in sorted(originals.items())
    ]
    if own:
        out.append(_matrix(export, own, ids))
    return out


def _matrix(
    export: Export, ordered: list[Tactic], ids: dict[str, str]
) -> dict[str, Any]:
    """Layerwise's matrix of ``ordered`` tactics, changed when they are."""
    name = export.name
    return stix_object(
        "x-mitre-matrix",
        stix_id_of("x-mitre-matrix", f"matrix:{name}"),
        UNRECORDED,
        max(export.dated("tactic", t.id)[1] for t in ordered),
        name=name,
        description=f"The tactics of the Layerwise taxonomy {name!r}, in order.",
        tactic_refs=[ids[t.id] for t in ordered],
        external_references=[{"source_name": name, "external_id": name}],
    )


# The types whose first_seen an incident's date fills.
_FIRST_SEEN = ("campaign", "intrusion-set", "malware")


def incident_object(
    export: Export, incident: Incident, ids: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """An incident as the STIX object of its kind; its summary the description."""
    built = sdo(
        export,
        "incident",
        ids,
        incident,
        {"date": incident.date},
        stix_type=INCIDENT_EXPORT[incident.kind],
        description=incident.summary,
    )
    if built["type"] == "malware":
        built["is_family"] = False
    if built["type"] in _FIRST_SEEN and incident.date:
        built["first_seen"] = _first_day(incident.date)
    kept = export.kept.get(("incident", incident.id))
    seen = kept["object"].get("first_seen") if kept is not None else None
    if isinstance(seen, str) and seen.startswith(incident.date):
        built["first_seen"] = seen  # the original's moment of the same day
    return export.finished(
        "incident",
        incident,
        built,
        overlay=(*OVERLAY, "first_seen"),
        sources=incident.sources,
    )


# Where a jurisdiction is, as a location must say (a region, a country or a
# latitude and longitude): by its name, the ISO 3166-1 alpha-2 code of a
# state or the region (STIX's region vocabulary) of a bloc. A place neither
# fits, as the rest of the world or a multilateral body, is the region
# ``PLACE_UNLISTED``, a value outside the open vocabulary.
PLACES = {
    "european union": {"region": "europe"},
    "united states": {"country": "US"},
    "china": {"country": "CN"},
    "united kingdom": {"country": "GB"},
}


PLACE_UNLISTED = {"region": "world"}


def place_of(jurisdiction: Jurisdiction) -> dict[str, str]:
    """A jurisdiction's ``region`` or ``country``.

    >>> place_of(Jurisdiction("uk", "United Kingdom"))
    {'country': 'GB'}
    >>> place_of(Jurisdiction("row", "Rest of the world"))
    {'region': 'world'}
    """
    return dict(PLACES.get(jurisdiction.name.strip().lower(), PLACE_UNLISTED))


def location_object(
    export: Export, jurisdiction: Jurisdiction, ids: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """A jurisdiction as a ``location``: its kind and weight in the extension."""
    ext = {"kind": jurisdiction.kind, "weight": jurisdiction.weight}
    built = sdo(export, "jurisdiction", ids, jurisdiction, ext)
    built.update(place_of(jurisdiction))
    return export.finished(
        "jurisdiction",
        jurisdiction,
        built,
        overlay=OVERLAY,
        sources=jurisdiction.sources,
    )


def _first_day(date: str) -> str:
    """The first moment of an ISO date, year-month or year.

    >>> _first_day("2020"), _first_day("2021-03-04")
    ('2020-01-01T00:00:00Z', '2021-03-04T00:00:00Z')
    """
    parts = (date.split("-") + ["01", "01"])[:3]
    return "-".join(parts) + "T00:00:00Z"
