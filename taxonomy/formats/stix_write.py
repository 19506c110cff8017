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
adversary's campaign. Software exports as ``malware`` (``is_family``
false), which most of ATT&CK's software is; its tools import as software
too. What STIX has no property for (layer,
strength, maturities, the layers' and sources' full records, the local ids)
travels in the property extension ``EXTENSION_ID``, defined in the bundle by
its ``extension-definition`` object and documented in ``EXTENSION_SCHEMA``.
STIX allows no empty list, so an empty value (no sources, no maturity) is left
out of the extension and a missing property reads back as the empty value.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import (
    Incident,
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
Layerwise governance properties, version 1.0.0 (property-extension).
A property whose value would be empty (an empty list or string, no year) is
left out: a missing property means the empty value.
On every object: taxonomy (string), the Layerwise taxonomy the object was
exported from; id (string), the object's id within it.
attack-pattern: maturity (string, the source taxonomy's vocabulary); sources
(list of source ids).
course-of-action: layer (string), the id of its governance layer: a layer id
of the same taxonomy (listed in the grouping) when layer_taxonomy equals
taxonomy, else the full id of another taxonomy's layer; layer_taxonomy
(string); maturity (one of proposed, pilot, deployed); cost (a positive
number in the editors' own units; left out when 1); sources (list of source
ids).
x-mitre-tactic: order (integer from 0, its column; the x-mitre-matrix lists
the tactics in this order too); sources (list of source ids);
x_mitre_shortname is left out when the tactic has none (its
kill_chain_phases then name it by its name in lowercase with hyphens).
incident, campaign, intrusion-set, malware: date (string: an ISO date,
year-month or year; first_seen holds its first day where the type has
first_seen); sources (list of source ids); the description is the summary.
relationship mitigates: strength (one of low, medium, high); sources (list
of source ids); the relationship's description is the rationale.
relationship uses (an incident to an attack-pattern): steps (list of step
numbers from 1, ascending), tactics (per step, the tactic's id or an empty
string), descriptions (per step); all left out for an incident without
steps, whose single description is the relationship's description.
grouping (context layerwise-taxonomy, one per bundle): layers (list of
{id, name, description}); sources (list of {id, name, description, authors,
title, year, publisher, url}).
Relationship types besides mitigates and subtechnique-of: enables
(attack-pattern to attack-pattern: the source makes the target possible or
cheaper), requires (course-of-action to course-of-action), introduces
(course-of-action to attack-pattern: the mitigation creates the threat).
"""


def _timestamp(moment: datetime | None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _stix_id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, key)}"


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
    ids = _stix_ids(taxonomy)
    sources = {s.id: s for s in taxonomy.sources}
    layers = {layer.id: layer for layer in taxonomy.layers}
    phases = _kill_chain_phases(taxonomy, name)
    for t in taxonomy.threats:
        ext = {"maturity": t.maturity}
        objects.append(_sdo("threat", ids, t, name, when, ext, sources))
        if t.id in phases:
            objects[-1]["kill_chain_phases"] = phases[t.id]
    for m in taxonomy.mitigations:
        layer = layers.get(m.layer)
        layer_taxonomy = layer.taxonomy if layer else name
        ext = {
            "layer": unprefixed(name, m.layer) if layer_taxonomy == name else m.layer,
            "layer_taxonomy": layer_taxonomy,
            "maturity": m.maturity,
            "cost": None if m.cost == 1 else m.cost,
        }
        objects.append(_sdo("mitigation", ids, m, name, when, ext, sources))
    for tactic in taxonomy.tactics:
        ext = {"order": tactic.order}
        objects.append(_sdo("tactic", ids, tactic, name, when, ext, sources))
        if tactic.shortname:
            objects[-1]["x_mitre_shortname"] = tactic.shortname
    if taxonomy.tactics:
        objects.append(_matrix(taxonomy.tactics, name, when, ids["tactic"]))
    for incident in taxonomy.incidents:
        objects.append(_incident(incident, ids, name, when, sources))
    objects += _relationships(taxonomy, name, when, ids, sources)
    objects.append(_grouping(taxonomy, name, when, [o["id"] for o in objects[2:]]))
    bundle = {
        "type": "bundle",
        "id": _stix_id("bundle", f"bundle:{name}:{when}"),
        "objects": objects,
    }
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"


def _stix_ids(taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    """Node kind -> id -> STIX id, for the kinds STIX has an object type for.

    >>> _stix_ids(Taxonomy(threats=(Threat("t1", "T"),)))["threat"]
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
    return ids


def kill_chain_name(name: str) -> str:
    """The kill chain a taxonomy's phases belong to: the one ATT&CK and ATLAS
    Navigator read for the taxonomy's Navigator domain.

    >>> kill_chain_name("atlas"), kill_chain_name("attack-ics")
    ('mitre-atlas', 'mitre-attack')
    """
    return "mitre-atlas" if navigator_domain(name) == "atlas-atlas" else "mitre-attack"


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


def _matrix(
    tactics: tuple[Tactic, ...], name: str, when: str, ids: dict[str, str]
) -> dict[str, Any]:
    """The ``x-mitre-matrix`` that lists the tactics in their order (Navigator
    and ``stix_read`` take the columns from it)."""
    ordered = sorted(tactics, key=lambda t: (t.order, t.id))
    return _object(
        "x-mitre-matrix",
        _stix_id("x-mitre-matrix", f"matrix:{name}"),
        when,
        name=name,
        description=f"The tactics of the Layerwise taxonomy {name!r}, in order.",
        tactic_refs=[ids[t.id] for t in ordered],
        external_references=[{"source_name": name, "external_id": name}],
    )


def _incident(
    incident: Incident,
    ids: dict[str, dict[str, str]],
    name: str,
    when: str,
    sources: dict[str, Source],
) -> dict[str, Any]:
    """An incident as the STIX object of its kind; its summary the description."""
    out = _sdo(
        "incident",
        ids,
        incident,
        name,
        when,
        {"date": incident.date},
        sources,
        stix_type=INCIDENT_EXPORT[incident.kind],
        description=incident.summary,
    )
    if out["type"] == "malware":
        out["is_family"] = False
    if out["type"] in _FIRST_SEEN and incident.date:
        out["first_seen"] = _first_day(incident.date)
    return out


def _first_day(date: str) -> str:
    """The first moment of an ISO date, year-month or year.

    >>> _first_day("2020"), _first_day("2021-03-04")
    ('2020-01-01T00:00:00Z', '2021-03-04T00:00:00Z')
    """
    parts = (date.split("-") + ["01", "01"])[:3]
    return "-".join(parts) + "T00:00:00Z"


def _object(kind: str, stix_id: str, when: str, **properties: Any) -> dict[str, Any]:
    """The properties every object Layerwise creates starts with."""
    return {
        "type": kind,
        "spec_version": SPEC_VERSION,
        "id": stix_id,
        "created_by_ref": IDENTITY_ID,
        "created": when,
        "modified": when,
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
    return _object(
        "extension-definition",
        EXTENSION_ID,
        when,
        name="Layerwise governance properties",
        description=(
            "Governance layer, link strength, maturity, the steps of an "
            "incident's uses and the Layerwise ids of threats (attack-pattern), "
            "mitigations (course-of-action), tactics and incidents."
        ),
        schema=EXTENSION_SCHEMA,
        version="1.0.0",
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
    record: Threat | Mitigation | Tactic | Incident,
    name: str,
    when: str,
    ext: dict[str, Any],
    sources: dict[str, Source],
    *,
    stix_type: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    local = unprefixed(name, record.id)
    refs = [{"source_name": name, "external_id": local}]
    refs += [_reference(sources[s], name) for s in record.sources if s in sources]
    out = _object(
        stix_type or NODE_KINDS[kind].stix_type,
        ids[kind][record.id],
        when,
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
    taxonomy: Taxonomy,
    name: str,
    when: str,
    ids: dict[str, dict[str, str]],
    sources: dict[str, Source],
) -> list[dict[str, Any]]:
    """A relationship per link whose ends are both in the bundle."""
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
                when,
                relationship_type=kind.stix_type,
                source_ref=source,
                target_ref=target,
            )
            if isinstance(link, Mitigates):
                item.update(_mitigates_properties(link, name, sources))
            elif isinstance(link, Uses):
                item.update(_uses_properties(link, name))
            out.append(item)
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


def _grouping(
    taxonomy: Taxonomy, name: str, when: str, refs: list[str]
) -> dict[str, Any]:
    own_layers = [layer for layer in taxonomy.layers if layer.taxonomy == name]
    return _object(
        "grouping",
        _stix_id("grouping", f"taxonomy:{name}"),
        when,
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
        ),
    )
