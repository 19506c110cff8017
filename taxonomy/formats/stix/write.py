"""STIX 2.1 bundles out: a taxonomy as a bundle.

A bundle that ``stix2`` parses and that imports back into an equal graph
(``taxonomy.formats.stix.read``). Threats are ``attack-pattern`` objects
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
(the record's ``stix``, ``stix.originals``): its id, type, ``created``,
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

import json

from taxonomy.domain.records import Taxonomy
from taxonomy.formats.common import phase_name, unprefixed
from taxonomy.formats.stix.extension import extension_definition, identity
from taxonomy.formats.stix.vocabulary import Times, stix_id_of
from taxonomy.formats.stix.write_grouping import grouping_object
from taxonomy.formats.stix.write_objects import (
    OVERLAY,
    Export,
    incident_object,
    kill_chain_phases,
    location_object,
    sdo,
    stix_ids,
    tactic_matrices,
    threat_object,
)
from taxonomy.formats.stix.write_relationships import relationships


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
    export = Export(taxonomy, name, times)
    objects = []
    ids = stix_ids(taxonomy, export)
    layers = {layer.id: layer for layer in taxonomy.layers}
    phases = kill_chain_phases(taxonomy, name)
    known = {phase_name(t) for t in taxonomy.tactics}
    for t in taxonomy.threats:
        ext = {"maturity": t.maturity, "mobile": t.mobile}
        built = sdo(export, "threat", ids, t, ext)
        if t.id in phases:
            built["kill_chain_phases"] = phases[t.id]
        objects.append(threat_object(export, t, built, known))
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
        built = sdo(export, "mitigation", ids, m, ext)
        objects.append(
            export.finished("mitigation", m, built, overlay=OVERLAY, sources=m.sources)
        )
    for tactic in taxonomy.tactics:
        built = sdo(export, "tactic", ids, tactic, {"order": tactic.order})
        if tactic.shortname:
            built["x_mitre_shortname"] = tactic.shortname
        objects.append(
            export.finished(
                "tactic",
                tactic,
                built,
                overlay=(*OVERLAY, "x_mitre_shortname"),
                sources=tactic.sources,
            )
        )
    objects += tactic_matrices(export, taxonomy.tactics, ids["tactic"])
    for incident in taxonomy.incidents:
        objects.append(incident_object(export, incident, ids))
    for jurisdiction in taxonomy.jurisdictions:
        objects.append(location_object(export, jurisdiction, ids))
    objects += relationships(taxonomy, export, ids)
    grouping = grouping_object(taxonomy, name, [o["id"] for o in objects])
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
    head = [identity(), extension_definition()]
    head += [export.definitions[k] for k in sorted(export.definitions)]
    bundle = {
        "type": "bundle",
        "id": stix_id_of("bundle", f"bundle:{name}:{grouping['modified']}"),
        "objects": [*head, *objects, grouping],
    }
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"
