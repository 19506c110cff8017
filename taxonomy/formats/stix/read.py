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
from the Layerwise extension (``taxonomy.formats.stix.write``) or an
``x_layerwise_layer`` property, otherwise the layer map, otherwise
``<taxonomy>:unassigned``.

An object of a bundle Layerwise did not write (not created by its identity)
keeps its original (``stix.originals``): its id, ``created``
and ``modified``, external references, markings and every property the
project does not model, with the definitions it refers to and a tactic's
matrices, so that an export writes it back out. A bundle listing an object
id twice is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import IO

from taxonomy.domain.errors import InterchangeError
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import Taxonomy
from taxonomy.formats.common import (
    DEFAULT_STRENGTH,
    ImportReport,
    LayerResolver,
    gc_paused,
    node_id,
    refuse_subtype_cycle,
    slug,
    strength_checked,
    taxonomy_name_checked,
)
from taxonomy.formats.stix.extension import extension_of
from taxonomy.formats.stix.read_bundle import BundleRead, read_bundle, stream_of
from taxonomy.formats.stix.read_links import (
    in_tactic_links,
    link_records,
    refuse_broken_geography,
)
from taxonomy.formats.stix.read_nodes import Bundle, node_records


def _taxonomy_name(requested: str | None, read: BundleRead) -> str:
    if requested:
        return taxonomy_name_checked(requested)
    ext = extension_of(read.grouping) if read.grouping else None
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
        return _parse(stream_of(data), taxonomy, layer_map or {}, strength, report)


def _parse(
    source: str | bytes | IO,
    taxonomy: str | None,
    layer_map: Mapping[str, str],
    strength: str,
    report: ImportReport,
) -> tuple[Taxonomy, ImportReport]:
    read = read_bundle(source, report)
    report.taxonomy = name = _taxonomy_name(taxonomy, read)
    bundle = Bundle(name, report)
    bundle.read_grouping(read.grouping)
    for kind in read.other.values():
        report.ignored[kind] += 1
    layers = LayerResolver(name, layer_map, report, origin="STIX")
    nodes, skipped = node_records(read, bundle, layers)
    links = link_records(read, nodes, skipped, strength, bundle)
    links[LINK_KINDS["in_tactic"].field] = in_tactic_links(read, nodes, bundle)
    layers.warn_unused()
    refuse_subtype_cycle(links[LINK_KINDS["subtype"].field].values())
    refuse_broken_geography(nodes, links)
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
