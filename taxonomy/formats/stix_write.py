"""STIX 2.1 bundles out: a taxonomy as a bundle.

A bundle that ``stix2`` parses and that imports back into an equal graph
(``taxonomy.formats.stix_read``). Threats are ``attack-pattern`` objects
(their IN_TACTIC links as ``kill_chain_phases``), mitigations
``course-of-action`` objects, tactics ``x-mitre-tactic`` objects (with
``x_mitre_shortname``, ordered by an ``x-mitre-matrix``, as in ATT&CK's and
ATLAS's own bundles), incidents the STIX type of their kind
(``INCIDENT_EXPORT``), links relationships of their kind's
``LinkKind.stix_type`` (``mitigates``, ``subtechnique-of``, ``uses``, and
``enables``, ``requires``, ``introduces``). A case study is an ``incident``,
not a ``campaign``: ATLAS's own bundles for OpenCTI carry each case study as
an ``incident``, and a case study is often a red-team exercise, not an
adversary's campaign. Software made in Layerwise exports as ``malware``
(``is_family`` false), which most of ATT&CK's software is; an imported
``tool`` stays one. What STIX has no property for (layer,
strength, maturities, the layers' and sources' full records, the local ids)
travels in the property extension ``EXTENSION_ID``, defined in the bundle by
its ``extension-definition`` object and documented in ``EXTENSION_SCHEMA``.
STIX allows no empty list, so an empty value (no sources, no maturity) is left
out of the extension and a missing property reads back as the empty value.

An object imported from a bundle Layerwise did not write keeps the original
(the record's ``stix``, ``original_properties``): its id, type, ``created``,
external references, markings and every property the project does not model
are written back out unchanged, with the definitions it refers to (markings,
its creator's identity) and its matrix. While the item says what it said
when imported (its record's digest is the one kept), the object is the
original with the extension added; once edited, the project's values replace
the original's and ``modified`` moves. ``created`` and ``modified`` of what
Layerwise made come from the audit journal (``times``): when the item was
first created, when it or a source it cites last changed; an item the
journal has no creation of is dated ``UNRECORDED``. So two exports of an
unchanged graph are the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from taxonomy.domain.architectures import renamed_scenario
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import (
    Incident,
    InForceIn,
    Jurisdiction,
    MemberOf,
    Mitigates,
    Mitigation,
    Source,
    Tactic,
    Taxonomy,
    Threat,
    Uses,
)
from taxonomy.formats.common import phase_name, unprefixed
from taxonomy.formats.navigator import navigator_domain

SPEC_VERSION = "2.1"
NAMESPACE = uuid.UUID("af16676e-13d1-44f4-bccb-675b953fe0ec")
EXTENSION_ID = (
    f"extension-definition--{uuid.uuid5(NAMESPACE, 'layerwise-governance/1')}"
)
IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'layerwise')}"
GROUPING_CONTEXT = "layerwise-taxonomy"
# STIX object type -> the kind of incident it imports as, and each kind's type
# on export.
INCIDENT_TYPES = {
    "incident": "case-study",
    "campaign": "campaign",
    "intrusion-set": "group",
    "malware": "software",
    "tool": "software",
}
INCIDENT_EXPORT = {
    "case-study": "incident",
    "campaign": "campaign",
    "group": "intrusion-set",
    "software": "malware",
}
# The types whose first_seen an incident's date fills.
_FIRST_SEEN = ("campaign", "intrusion-set", "malware")
EXTENSION_SCHEMA = """\
Layerwise governance properties, version 1.1.0 (property-extension).
A property whose value would be empty (an empty list or string, no year) is
left out: a missing property means the empty value.
On every object: taxonomy (string), the Layerwise taxonomy the object was
exported from; id (string), the object's id within it.
attack-pattern: maturity (string, the source taxonomy's vocabulary); mobile
(string: why its actors choose where to act; left out for a threat that is
not mobile); sources (list of source ids).
course-of-action: layer (string), the id of its governance layer: a layer id
of the same taxonomy (listed in the grouping) when layer_taxonomy equals
taxonomy, else the full id of another taxonomy's layer; layer_taxonomy
(string); maturity (one of proposed, pilot, deployed); cost (a positive
number in the editors' own units; left out when 1); everywhere (string: why
it is in force in every jurisdiction; left out for any other mitigation);
sources (list of source ids).
x-mitre-tactic: order (integer from 0, its column; the x-mitre-matrix lists
the tactics in this order too); sources (list of source ids);
x_mitre_shortname is left out when the tactic has none (its
kill_chain_phases then name it by its name in lowercase with hyphens).
incident, campaign, intrusion-set, malware: date (string: an ISO date,
year-month or year; first_seen holds its first day where the type has
first_seen); sources (list of source ids); the description is the summary.
location (a jurisdiction; its region or country says where, as far as
STIX's vocabularies can): kind (one of state, bloc, multilateral); weight (a
number, what the world view weighs it by; left out when not recorded);
sources (list of source ids).
relationship mitigates: strength (one of low, medium, high); sources (list
of source ids); the relationship's description is the rationale.
relationship uses (an incident to an attack-pattern): steps (list of step
numbers from 1, ascending), tactics (per step, the tactic's id or an empty
string), descriptions (per step); all left out for an incident without
steps, whose single description is the relationship's description.
grouping (context layerwise-taxonomy, one per bundle): layers (list of
{id, name, description}); sources (list of {id, name, description, authors,
title, year, publisher, url}); architectures (list of {id, name,
description, scenario: its parameters as a query string, sources, adopts:
list of {mitigation, jurisdictions: where, none for everywhere, rationale,
sources}}: the governance architectures, which STIX has no object for).
Relationship types besides mitigates and subtechnique-of: enables
(attack-pattern to attack-pattern: the source makes the target possible or
cheaper), requires (course-of-action to course-of-action), introduces
(course-of-action to attack-pattern: the mitigation creates the threat),
member-of (location to location: the member belongs to the bloc or
multilateral body; since, until, sources) and in-force-in (course-of-action
to location: maturity, one of proposed, pilot, deployed, the mitigation's
maturity there; since, until, sources). since and until are ISO dates: the
link holds from since (inclusive) to until (exclusive); the relationship's
description is the rationale.
"""


# When an item the audit journal has no creation of was made: not known, so
# the start of the Unix epoch, the same in every export. When the Layerwise
# identity and its extension definition (version 1.0.0) were defined, and
# when version 1.1.0 added jurisdictions and governance architectures (issue 25).
UNRECORDED = "1970-01-01T00:00:00.000Z"
DEFINED = "2026-12-01T00:00:00.000Z"
EXTENDED = "2026-12-07T00:00:00.000Z"
# The kill chain of each Navigator domain, as ATT&CK's and ATLAS's own
# bundles name it (mitreattack-python finds a domain's techniques by it).
KILL_CHAINS = {
    "enterprise-attack": "mitre-attack",
    "ics-attack": "mitre-ics-attack",
    "mobile-attack": "mitre-mobile-attack",
    "atlas-atlas": "mitre-atlas",
}
# (journal kind, key) -> (created, modified), ISO text (``journal_times``).
Times = Mapping[tuple[str, str], tuple[str, str]]


def stix_time(moment: str | datetime) -> str:
    """A time as STIX writes it: UTC, to the millisecond, with ``Z``.

    >>> stix_time("2026-12-06T22:55:48.123456+00:00")
    '2026-12-06T22:55:48.123Z'
    """
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def record_digest(record: Any) -> str:
    """What an item says (every field but its version and its ``stix``), as a
    short digest: an imported object keeps the one it had when imported, so
    an export tells whether the item changed since.

    >>> record_digest(Threat("t1", "T")) == record_digest(Threat("t1", "T", version=4))
    True
    """
    values = {
        f.name: getattr(record, f.name)
        for f in fields(record)
        if f.name not in ("version", "stix")
    }
    text = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def original_properties(
    obj: dict[str, Any],
    record: Any,
    *,
    sources: list[str | None],
    definitions: list[dict[str, Any]] = (),  # type: ignore[assignment]
    matrices: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> str:
    """What an imported object keeps, as its record's ``stix`` (JSON text): the
    object without the Layerwise extension, the digest of the record it
    became, the source id each external reference became (None for none),
    the definitions it refers to and (a tactic) the matrices that list it,
    without their ``tactic_refs``."""
    obj = dict(obj)
    extensions = {
        k: v for k, v in (obj.get("extensions") or {}).items() if k != EXTENSION_ID
    }
    if extensions:
        obj["extensions"] = extensions
    else:
        obj.pop("extensions", None)
    kept: dict[str, Any] = {
        "object": obj,
        "digest": record_digest(record),
        "sources": sources,
    }
    if definitions:
        kept["definitions"] = list(definitions)
    if matrices:
        kept["matrices"] = [
            {k: v for k, v in m.items() if k != "tactic_refs"} for m in matrices
        ]
    return json.dumps(kept, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# The STIX types an imported original of each kind may have.
_ORIGINAL_TYPES = {
    "threat": ("attack-pattern",),
    "mitigation": ("course-of-action",),
    "tactic": ("x-mitre-tactic",),
    "incident": tuple(INCIDENT_TYPES),
    "mitigates": ("relationship",),
    "uses": ("relationship",),
}


def kept_original(kind: str, text: str) -> dict[str, Any] | None:
    """The original an item's ``stix`` holds, or None when it holds none or
    not one of the shape ``original_properties`` writes (the canonical
    document lets an editor write any text there): such an item is written
    as Layerwise makes it.

    >>> kept_original("threat", "") is None, kept_original("threat", "{") is None
    (True, True)
    >>> kept_original("threat", '{"object": {"type": "tool", "id": "tool--1"}, "digest": ""}')
    """
    try:
        found = json.loads(text) if text else None
    except ValueError:
        return None
    obj = found.get("object") if isinstance(found, dict) else None
    if not (
        isinstance(obj, dict)
        and obj.get("type") in _ORIGINAL_TYPES.get(kind, ())
        and isinstance(obj.get("id"), str)
        and obj["id"].startswith(f"{obj['type']}--")
        and isinstance(found.get("digest"), str)
        and isinstance(found.get("sources", []), list)
        and all(
            isinstance(item, dict) and isinstance(item.get("id"), str)
            for key in ("definitions", "matrices")
            for item in _listed(found.get(key, []))
        )
    ):
        return None
    return found


def _listed(value: Any) -> list[Any]:
    """``value`` if a list, else a list of one thing no list holds."""
    return value if isinstance(value, list) else [None]


def _stix_id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, key)}"


class _Export:
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
            _reference(self.sources[s], self.name)
            for s in sources or ()
            if s not in seen and s in self.sources
        ]
        return out


def stix_bundle(taxonomy: Taxonomy, *, name: str, times: Times | None = None) -> str:
    """One taxonomy as a STIX 2.1 bundle (JSON text).

    Parameters
    ----------
    taxonomy : Taxonomy
        The nodes of taxonomy ``name`` and the links among them; layers of
        other taxonomies its mitigations sit in may be present.
    name : str
        The taxonomy's name (``layerwise``, ``atlas``, ...).
    times : mapping, optional
        ``(kind, key) -> (created, modified)`` of the items the audit journal
        records (``repository.journal_times``); an item without is dated
        ``UNRECORDED``. Object ids are derived from the taxonomy's ids (an
        imported object keeps its own), so they are the same in every export.

    Returns
    -------
    str

    >>> from taxonomy.domain.records import Threat
    >>> text = stix_bundle(Taxonomy(threats=(Threat("t1", "T"),)), name="layerwise")
    >>> [o["type"] for o in json.loads(text)["objects"]]
    ['identity', 'extension-definition', 'attack-pattern', 'grouping']
    """
    export = _Export(taxonomy, name, times)
    objects = []
    ids = _stix_ids(taxonomy, export)
    layers = {layer.id: layer for layer in taxonomy.layers}
    phases = _kill_chain_phases(taxonomy, name)
    known = {phase_name(t) for t in taxonomy.tactics}
    for t in taxonomy.threats:
        ext = {"maturity": t.maturity, "mobile": t.mobile}
        built = _sdo("threat", ids, t, name, ext, export.sources)
        if t.id in phases:
            built["kill_chain_phases"] = phases[t.id]
        objects.append(_threat(export, t, built, known))
    for m in taxonomy.mitigations:
        layer = layers.get(m.layer)
        layer_taxonomy = layer.taxonomy if layer else name
        ext = {
            "layer": unprefixed(name, m.layer) if layer_taxonomy == name else m.layer,
            "layer_taxonomy": layer_taxonomy,
            "maturity": m.maturity,
            "cost": None if m.cost == 1 else m.cost,
            "everywhere": m.everywhere,
        }
        built = _sdo("mitigation", ids, m, name, ext, export.sources)
        objects.append(
            export.finished("mitigation", m, built, overlay=_OVERLAY, sources=m.sources)
        )
    for tactic in taxonomy.tactics:
        built = _sdo(
            "tactic", ids, tactic, name, {"order": tactic.order}, export.sources
        )
        if tactic.shortname:
            built["x_mitre_shortname"] = tactic.shortname
        objects.append(
            export.finished(
                "tactic",
                tactic,
                built,
                overlay=(*_OVERLAY, "x_mitre_shortname"),
                sources=tactic.sources,
            )
        )
    objects += _matrices(export, taxonomy.tactics, ids["tactic"])
    for incident in taxonomy.incidents:
        objects.append(_incident(export, incident, ids))
    for jurisdiction in taxonomy.jurisdictions:
        objects.append(_location(export, jurisdiction, ids))
    objects += _relationships(taxonomy, export, ids)
    grouping = _grouping(taxonomy, name, [o["id"] for o in objects])
    # The grouping holds the layers' and sources' records too.
    held = [("source", s.id) for s in taxonomy.sources] + [
        ("layer", layer.id) for layer in taxonomy.layers if layer.taxonomy == name
    ]
    grouping["modified"] = max(
        [
            grouping["created"],
            *(o["modified"] for o in objects),
            *(export.dated(kind, key)[1] for kind, key in held),
        ]
    )
    head = [_identity(), _extension_definition()]
    head += [export.definitions[k] for k in sorted(export.definitions)]
    bundle = {
        "type": "bundle",
        "id": _stix_id("bundle", f"bundle:{name}:{grouping['modified']}"),
        "objects": [*head, *objects, grouping],
    }
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"


# What the project models of an object: an edited item's values replace the
# original's.
_OVERLAY = ("name", "description")


def _threat(
    export: _Export, threat: Threat, built: dict[str, Any], phases: set[str]
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
        overlay=(*_OVERLAY, "kill_chain_phases"),
        sources=threat.sources,
        changed=changed,
    )


def _stix_ids(taxonomy: Taxonomy, export: _Export) -> dict[str, dict[str, str]]:
    """Node kind -> id -> STIX id, for the kinds STIX has an object type for:
    an imported object's own, else one derived from the item's id.

    >>> export = _Export(Taxonomy(), "x", None)
    >>> _stix_ids(Taxonomy(threats=(Threat("t1", "T"),)), export)["threat"]
    {'t1': 'attack-pattern--68d6ed6d-371a-5233-b304-3b455c7013da'}
    """
    ids = {
        kind.name: {
            record.id: _stix_id(kind.stix_type, f"{kind.name}:{record.id}")
            for record in getattr(taxonomy, kind.field)
        }
        for kind in NODE_KINDS.values()
        if kind.stix_type
    }
    ids["incident"] = {
        x.id: _stix_id(INCIDENT_EXPORT[x.kind], f"incident:{x.id}")
        for x in taxonomy.incidents
        if x.kind in INCIDENT_EXPORT
    }
    for (kind, key), kept in export.kept.items():
        if kind in ids:
            ids[kind][key] = kept["object"]["id"]
    return ids


def kill_chain_name(name: str) -> str:
    """The kill chain a taxonomy's phases belong to: the one ATT&CK's and
    ATLAS's own bundles name for the taxonomy's Navigator domain.

    >>> kill_chain_name("atlas"), kill_chain_name("attack-ics")
    ('mitre-atlas', 'mitre-ics-attack')
    """
    return KILL_CHAINS.get(navigator_domain(name), "mitre-attack")


def _kill_chain_phases(
    taxonomy: Taxonomy, name: str
) -> dict[str, list[dict[str, str]]]:
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


def _matrices(
    export: _Export, tactics: tuple[Tactic, ...], ids: dict[str, str]
) -> list[dict[str, Any]]:
    """The ``x-mitre-matrix`` objects that list the tactics in their order
    (Navigator and ``stix_read`` take the columns from them): an imported
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
    export: _Export, ordered: list[Tactic], ids: dict[str, str]
) -> dict[str, Any]:
    """Layerwise's matrix of ``ordered`` tactics, changed when they are."""
    name = export.name
    return _object(
        "x-mitre-matrix",
        _stix_id("x-mitre-matrix", f"matrix:{name}"),
        UNRECORDED,
        max(export.dated("tactic", t.id)[1] for t in ordered),
        name=name,
        description=f"The tactics of the Layerwise taxonomy {name!r}, in order.",
        tactic_refs=[ids[t.id] for t in ordered],
        external_references=[{"source_name": name, "external_id": name}],
    )


def _incident(
    export: _Export, incident: Incident, ids: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """An incident as the STIX object of its kind; its summary the description."""
    built = _sdo(
        "incident",
        ids,
        incident,
        export.name,
        {"date": incident.date},
        export.sources,
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
        overlay=(*_OVERLAY, "first_seen"),
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


def _location(
    export: _Export, jurisdiction: Jurisdiction, ids: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """A jurisdiction as a ``location``: its kind and weight in the extension."""
    built = _sdo(
        "jurisdiction",
        ids,
        jurisdiction,
        export.name,
        {"kind": jurisdiction.kind, "weight": jurisdiction.weight},
        export.sources,
    )
    built.update(place_of(jurisdiction))
    return export.finished(
        "jurisdiction",
        jurisdiction,
        built,
        overlay=_OVERLAY,
        sources=jurisdiction.sources,
    )


def _first_day(date: str) -> str:
    """The first moment of an ISO date, year-month or year.

    >>> _first_day("2020"), _first_day("2021-03-04")
    ('2020-01-01T00:00:00Z', '2021-03-04T00:00:00Z')
    """
    parts = (date.split("-") + ["01", "01"])[:3]
    return "-".join(parts) + "T00:00:00Z"


def _object(
    kind: str, stix_id: str, created: str, modified: str, **properties: Any
) -> dict[str, Any]:
    """The properties every object Layerwise creates starts with."""
    return {
        "type": kind,
        "spec_version": SPEC_VERSION,
        "id": stix_id,
        "created_by_ref": IDENTITY_ID,
        "created": created,
        "modified": modified,
        **properties,
    }


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the empty ones, which STIX forbids (lists) or which
    say nothing (empty strings, no year).

    >>> _present({"maturity": "", "sources": [], "year": None, "layer": "hw"})
    {'layer': 'hw'}
    """
    return {k: v for k, v in values.items() if v not in ("", [], None)}


def _extensions(**values: Any) -> dict[str, Any]:
    """An object's ``extensions``: the Layerwise property extension's values,
    the empty ones left out."""
    return {EXTENSION_ID: {"extension_type": "property-extension", **_present(values)}}


def _identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": IDENTITY_ID,
        "created": DEFINED,
        "modified": DEFINED,
        "name": "Layerwise",
        "identity_class": "system",
    }


def _extension_definition() -> dict[str, Any]:
    return _object(
        "extension-definition",
        EXTENSION_ID,
        DEFINED,
        EXTENDED,
        name="Layerwise governance properties",
        description=(
            "Governance layer, link strength, maturity, the steps of an "
            "incident's uses, where measures are in force, and the Layerwise "
            "ids of threats (attack-pattern), mitigations (course-of-action), "
            "tactics, incidents and jurisdictions (location)."
        ),
        schema=EXTENSION_SCHEMA,
        version="1.1.0",
        extension_types=["property-extension"],
    )


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
    ids: dict[str, dict[str, str]],
    record: Threat | Mitigation | Tactic | Incident | Jurisdiction,
    name: str,
    ext: dict[str, Any],
    sources: dict[str, Source],
    *,
    stix_type: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """An object as Layerwise makes it, not yet dated."""
    local = unprefixed(name, record.id)
    refs = [{"source_name": name, "external_id": local}]
    refs += [_reference(sources[s], name) for s in record.sources if s in sources]
    out = _object(
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
    out["extensions"] = _extensions(
        taxonomy=name,
        id=local,
        **ext,
        sources=[unprefixed(name, s) for s in record.sources],
    )
    return out


def _relationships(
    taxonomy: Taxonomy, export: _Export, ids: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    """A relationship per link whose ends are both in the bundle."""
    name = export.name
    out = []
    for kind in LINK_KINDS.values():
        if not kind.stix_type:
            continue  # IN_TACTIC travels as the threats' kill_chain_phases
        sources_of, targets_of = ids[kind.source], ids[kind.target]
        for link in getattr(taxonomy, kind.field):
            source, target = kind.end_ids(link)
            if source not in sources_of or target not in targets_of:
                continue
            source, target = sources_of[source], targets_of[target]
            item = _object(
                "relationship",
                _stix_id("relationship", f"{kind.stix_type}:{source}->{target}"),
                UNRECORDED,
                UNRECORDED,
                relationship_type=kind.stix_type,
                source_ref=source,
                target_ref=target,
            )
            cited: tuple[str, ...] | None = ()
            if isinstance(link, Mitigates):
                item.update(_mitigates_properties(link, name, export.sources))
                cited = link.sources
            elif isinstance(link, MemberOf | InForceIn):
                item.update(_bound_properties(link, name, export.sources))
                cited = link.sources
            elif isinstance(link, Uses):
                item.update(_uses_properties(link, name))
                cited = None  # a USES link cites no sources: its references stay
            out.append(
                export.finished(
                    kind.name, link, item, overlay=("description",), sources=cited
                )
            )
    return out


def _uses_properties(link: Uses, name: str) -> dict[str, Any]:
    """A uses relationship's description and, for an incident with steps, the
    steps in the extension.

    >>> _uses_properties(Uses("i", "t", (), (), ("How.",)), "x")
    {'description': 'How.'}
    >>> _uses_properties(Uses("i", "t", (2,), ("x:ta",), ("How.",)), "x")["extensions"][EXTENSION_ID]["tactics"]
    ['ta']
    """
    if not link.steps and link.descriptions in (
        (),
        *((d,) for d in link.descriptions if d),
    ):
        return {"description": link.descriptions[0]} if link.descriptions else {}
    out: dict[str, Any] = {}
    text = "\n\n".join(
        f"Step {step}: {text}"
        for step, text in zip(link.steps, link.descriptions, strict=False)
        if text
    )
    if text:
        out["description"] = text
    out["extensions"] = _extensions(
        steps=list(link.steps),
        tactics=[unprefixed(name, t) if t else "" for t in link.tactics],
        descriptions=list(link.descriptions),
    )
    return out


def _mitigates_properties(
    link: Mitigates, name: str, sources: dict[str, Source]
) -> dict[str, Any]:
    """A mitigates relationship's rationale, references and extension."""
    out: dict[str, Any] = {}
    if link.rationale:
        out["description"] = link.rationale
    refs = [_reference(sources[s], name) for s in link.sources if s in sources]
    if refs:
        out["external_references"] = refs
    out["extensions"] = _extensions(
        strength=link.strength, sources=[unprefixed(name, s) for s in link.sources]
    )
    return out


def _bound_properties(
    link: MemberOf | InForceIn, name: str, sources: dict[str, Source]
) -> dict[str, Any]:
    """A member-of or in-force-in relationship's rationale (its description),
    references and extension: the maturity there (in-force-in), since, until
    and the sources.

    >>> out = _bound_properties(InForceIn("m", "eu", "pilot", since="2025-02-02"), "x", {})
    >>> sorted(out["extensions"][EXTENSION_ID])
    ['extension_type', 'maturity', 'since']
    """
    out: dict[str, Any] = {}
    if link.rationale:
        out["description"] = link.rationale
    refs = [_reference(sources[s], name) for s in link.sources if s in sources]
    if refs:
        out["external_references"] = refs
    out["extensions"] = _extensions(
        maturity=getattr(link, "maturity", ""),
        since=link.since,
        until=link.until,
        sources=[unprefixed(name, s) for s in link.sources],
    )
    return out


def _grouping(taxonomy: Taxonomy, name: str, refs: list[str]) -> dict[str, Any]:
    own_layers = [layer for layer in taxonomy.layers if layer.taxonomy == name]
    return _object(
        "grouping",
        _stix_id("grouping", f"taxonomy:{name}"),
        UNRECORDED,
        UNRECORDED,
        name=name,
        description=f"The Layerwise taxonomy {name!r}.",
        context=GROUPING_CONTEXT,
        object_refs=refs or [IDENTITY_ID],
        extensions=_extensions(
            taxonomy=name,
            layers=[
                _present(
                    {
                        "id": unprefixed(name, layer.id),
                        "name": layer.name,
                        "description": layer.description,
                    }
                )
                for layer in own_layers
            ],
            sources=[
                _present(
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
                )
                for s in taxonomy.sources
            ],
            architectures=_architectures(taxonomy, name),
        ),
    )


def _architectures(taxonomy: Taxonomy, name: str) -> list[dict[str, Any]]:
    """The governance architectures (issue 25), each with its ADOPTS links, as
    the grouping's extension carries them: STIX has no object for a scenario."""

    def local(graph_id: str) -> str:
        return unprefixed(name, graph_id)

    return [
        _present(
            {
                "id": local(a.id),
                "name": a.name,
                "description": a.description,
                "scenario": renamed_scenario(a.scenario, local),
                "sources": [local(s) for s in a.sources],
                "adopts": [
                    _present(
                        {
                            "mitigation": local(link.mitigation),
                            "jurisdictions": [local(j) for j in link.jurisdictions],
                            "rationale": link.rationale,
                            "sources": [local(s) for s in link.sources],
                        }
                    )
                    for link in sorted(taxonomy.adopts, key=lambda x: x.mitigation)
                    if link.architecture == a.id
                ],
            }
        )
        for a in sorted(taxonomy.architectures, key=lambda a: a.id)
    ]
