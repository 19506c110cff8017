"""Lists and details of the taxonomy's items, filtered, for the API and the pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from taxonomy.domain import records
from taxonomy.domain.errors import NotFound
from taxonomy.domain.kinds import LINK_KINDS, items_of, link_key, record_key
from taxonomy.domain.records import Taxonomy
from taxonomy.graph import repository

# Search results are grouped by kind in this order.
_SEARCH_ORDER = (
    "threat",
    "mitigation",
    "layer",
    "source",
    "tactic",
    "incident",
    "jurisdiction",
    "architecture",
)


def search_results(
    *, text: str, limit: int = 50, taxonomy: str | None = None
) -> dict[str, list[dict]]:
    """Full-text matches on names and descriptions, grouped by kind, best first."""
    grouped: dict[str, list[dict]] = {kind: [] for kind in _SEARCH_ORDER}
    for hit in repository.fulltext_search(text=text, limit=limit, taxonomy=taxonomy):
        grouped[hit["kind"]].append(hit)
    return grouped


def _text_matches(kind: str, q: str | None) -> set[str] | None:
    """Ids of ``kind`` whose name or description match ``q`` (full-text index)."""
    if not q:
        return None
    return {hit["id"] for hit in search_results(text=q, limit=SEARCH_LIMIT)[kind]}


SEARCH_LIMIT = 10_000


def _keep(items: Iterable[Any], ids: set[str] | None) -> list[Any]:
    return [item for item in items if ids is None or item.id in ids]


def layer_list(*, taxonomy: Taxonomy, q: str | None = None) -> list[records.Layer]:
    """Layers in id order, optionally only those matching ``q``."""
    return _keep(taxonomy.layers, _text_matches("layer", q))


def threat_list(
    *,
    taxonomy: Taxonomy,
    classes: Mapping[str, str],
    q: str | None = None,
    layer: str | None = None,
    mitigation: str | None = None,
    coverage_class: str | None = None,
) -> list[records.Threat]:
    """Threats in id order, filtered by text, by a layer or mitigation acting on
    them, and by their coverage class (``classes``: threat id -> class)."""
    threats = _keep(taxonomy.threats, _text_matches("threat", q))
    if layer is not None or mitigation is not None:
        in_layer = {
            m.id for m in taxonomy.mitigations if layer is None or m.layer == layer
        }
        acting = {
            link.threat
            for link in taxonomy.mitigates
            if link.mitigation in in_layer and mitigation in (None, link.mitigation)
        }
        threats = [t for t in threats if t.id in acting]
    if coverage_class is not None:
        threats = [t for t in threats if classes.get(t.id) == coverage_class]
    return threats


def mitigation_list(
    *,
    taxonomy: Taxonomy,
    q: str | None = None,
    layer: str | None = None,
    maturity: str | None = None,
    threat: str | None = None,
) -> list[records.Mitigation]:
    """Mitigations in id order, filtered by text, layer, maturity and a threat they mitigate."""
    mitigations = _keep(taxonomy.mitigations, _text_matches("mitigation", q))
    if threat is not None:
        acting = {
            link.mitigation for link in taxonomy.mitigates if link.threat == threat
        }
        mitigations = [m for m in mitigations if m.id in acting]
    return [
        m
        for m in mitigations
        if layer in (None, m.layer) and maturity in (None, m.maturity)
    ]


def source_list(*, taxonomy: Taxonomy, q: str | None = None) -> list[records.Source]:
    """Sources in id order, optionally only those matching ``q``."""
    return _keep(taxonomy.sources, _text_matches("source", q))


def tactic_list(*, taxonomy: Taxonomy, q: str | None = None) -> list[records.Tactic]:
    """Tactics in matrix order (``order``, then id), optionally only those matching ``q``."""
    found = _keep(taxonomy.tactics, _text_matches("tactic", q))
    return sorted(found, key=lambda t: (t.order, t.id))


def jurisdiction_list(
    *, taxonomy: Taxonomy, q: str | None = None
) -> list[records.Jurisdiction]:
    """Jurisdictions in id order, optionally only those matching ``q``."""
    return _keep(
        sorted(taxonomy.jurisdictions, key=lambda j: j.id),
        _text_matches("jurisdiction", q),
    )


def incident_list(
    *,
    taxonomy: Taxonomy,
    q: str | None = None,
    kind: str | None = None,
    threat: str | None = None,
) -> list[records.Incident]:
    """Incidents in id order, filtered by text, by kind and by a threat they use."""
    found = _keep(taxonomy.incidents, _text_matches("incident", q))
    using = None
    if threat is not None:
        using = {link.incident for link in taxonomy.uses if link.threat == threat}
    return [
        incident
        for incident in found
        if kind in (None, incident.kind) and (using is None or incident.id in using)
    ]


def mitigates_list(
    *,
    taxonomy: Taxonomy,
    mitigation: str | None = None,
    threat: str | None = None,
    layer: str | None = None,
    strength: str | None = None,
    source: str | None = None,
) -> list[records.Mitigates]:
    """MITIGATES links ordered by (mitigation, threat), filtered by any of their parts."""
    layers = {m.id: m.layer for m in taxonomy.mitigations}
    return [
        link
        for link in taxonomy.mitigates
        if mitigation in (None, link.mitigation)
        and threat in (None, link.threat)
        and layer in (None, layers.get(link.mitigation))
        and strength in (None, link.strength)
        and (source is None or source in link.sources)
    ]


def link_list(
    *,
    taxonomy: Taxonomy,
    kind: str,
    source: str | None = None,
    target: str | None = None,
) -> list[records.Link]:
    """The links of a kind other than MITIGATES ordered by (source, target),
    filtered by either end (for USES: the incident and the threat)."""
    ends = LINK_KINDS[kind].end_ids
    return [
        link
        for link in items_of(taxonomy, kind)
        if source in (None, ends(link)[0]) and target in (None, ends(link)[1])
    ]


def node_get(*, taxonomy: Taxonomy, kind: str, key: str) -> Any:
    """One layer, threat, mitigation or source; ``NotFound`` if absent."""
    for item in items_of(taxonomy, kind):
        if item.id == key:
            return item
    raise NotFound(kind, key)


def link_get(*, taxonomy: Taxonomy, kind: str, source: str, target: str) -> Any:
    """One link of any kind by its two ends; ``NotFound`` if absent."""
    for link in items_of(taxonomy, kind):
        if record_key(link) == link_key(source, target):
            return link
    raise NotFound(kind, link_key(source, target))


def layer_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """A layer with the mitigations in it."""
    layer = node_get(taxonomy=taxonomy, kind="layer", key=key)
    return {
        "layer": layer,
        "mitigations": [m for m in taxonomy.mitigations if m.layer == key],
    }


def threat_detail(
    *, taxonomy: Taxonomy, key: str, coverage: dict | None
) -> dict[str, Any]:
    """A threat with its mitigations grouped by layer (every layer, in order),
    its ENABLES, SUBTYPE_OF and INTRODUCES neighbours and its coverage entry."""
    threat = node_get(taxonomy=taxonomy, kind="threat", key=key)
    mitigations = {m.id: m for m in taxonomy.mitigations}
    by_layer: dict[str, list[dict]] = {layer.id: [] for layer in taxonomy.layers}
    for link in taxonomy.mitigates:
        if link.threat == key:
            m = mitigations[link.mitigation]
            by_layer.setdefault(m.layer, []).append({"link": link, "mitigation": m})
    return {
        "threat": threat,
        "mitigations_by_layer": [
            {"layer": layer.id, "name": layer.name, "mitigations": by_layer[layer.id]}
            for layer in taxonomy.layers
        ],
        "enables": [x.target for x in taxonomy.enables if x.source == key],
        "enabled_by": [x.source for x in taxonomy.enables if x.target == key],
        "subtype_of": [x.target for x in taxonomy.subtypes if x.source == key],
        "introduced_by": [x.source for x in taxonomy.introduces if x.target == key],
        "coverage": coverage,
    }


def mitigation_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """A mitigation with what it mitigates, requires, is required by and introduces."""
    mitigation = node_get(taxonomy=taxonomy, kind="mitigation", key=key)
    threats = {t.id: t for t in taxonomy.threats}
    return {
        "mitigation": mitigation,
        "mitigates": [
            {"link": link, "threat": threats[link.threat]}
            for link in taxonomy.mitigates
            if link.mitigation == key
        ],
        "requires": [x.target for x in taxonomy.requires if x.source == key],
        "required_by": [x.source for x in taxonomy.requires if x.target == key],
        "introduces": [x.target for x in taxonomy.introduces if x.source == key],
    }


def tactic_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """A tactic with the ids of the threats (techniques) IN_TACTIC it."""
    tactic = node_get(taxonomy=taxonomy, kind="tactic", key=key)
    threats = sorted(x.source for x in taxonomy.in_tactic if x.target == key)
    return {"tactic": tactic, "threats": threats}


def incident_steps(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """An incident with its USES links, in step order (unordered ones by threat)."""
    incident = node_get(taxonomy=taxonomy, kind="incident", key=key)
    uses = [x for x in taxonomy.uses if x.incident == key]
    uses.sort(key=lambda x: (x.steps[:1] or (0,), x.threat))
    return {"incident": incident, "uses": uses}


def jurisdiction_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """A jurisdiction with its MEMBER_OF links both ways and what is in force there."""
    jurisdiction = node_get(taxonomy=taxonomy, kind="jurisdiction", key=key)
    return {
        "jurisdiction": jurisdiction,
        "member_of": [m for m in taxonomy.memberships if m.member == key],
        "members": sorted(m.member for m in taxonomy.memberships if m.body == key),
        "in_force": sorted(
            (x for x in taxonomy.in_force if x.jurisdiction == key),
            key=lambda x: (x.mitigation, x.since),
        ),
    }


def source_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """A source with the MITIGATES links that cite it."""
    source = node_get(taxonomy=taxonomy, kind="source", key=key)
    return {
        "source": source,
        "cited_by": [x for x in taxonomy.mitigates if key in x.sources],
    }
