"""Reads from the taxonomy graph: <entity>_<noun>(*, ...)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache

from taxonomy.analysis.report import coverage_document, render_csv, render_json
from taxonomy.domain.changes import record_key
from taxonomy.domain.errors import UnknownTaxonomy
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import Scenario
from taxonomy.formats import EXPORT_FORMATS
from taxonomy.formats.graphml import graphml_document
from taxonomy.formats.navigator import navigator_layer, render_navigator
from taxonomy.formats.stix import stix_bundle
from taxonomy.graph import repository
from taxonomy.selectors.coverage import coverage_report, coverage_scenario


def taxonomy_snapshot(*, taxonomy: str | None = DEFAULT_TAXONOMY) -> Taxonomy:
    """One taxonomy (the seed by default) as plain records, read in one transaction.

    ``taxonomy=None`` reads the whole graph, every taxonomy at once.
    """
    return repository.taxonomy_read(taxonomy=taxonomy)


def server_version() -> str:
    """The Neo4j Kernel version the connected server reports, e.g. '5.26.30'."""
    for component in repository.server_components():
        if component["name"] == "Neo4j Kernel":
            return component["versions"][0]
    raise repository.GraphError("the server did not report a Neo4j Kernel component")


def search_results(
    *, text: str, limit: int = 50, taxonomy: str | None = None
) -> dict[str, list[dict]]:
    """Full-text matches on names and descriptions, grouped by kind, best first."""
    grouped: dict[str, list[dict]] = {
        "threat": [],
        "mitigation": [],
        "layer": [],
        "source": [],
    }
    for hit in repository.fulltext_search(text=text, limit=limit, taxonomy=taxonomy):
        grouped[hit["kind"]].append(hit)
    return grouped


def graph_elements(
    *,
    snapshot: Taxonomy,
    around: str | None = None,
    depth: int = 1,
    classes: dict[str, str] | None = None,
) -> dict[str, list[dict]]:
    """Nodes and edges for visualisation, optionally the neighbourhood of one node.

    Layers, threats and mitigations are nodes (sources are cited on links,
    not drawn). Node ids are prefixed by kind (``threat:guardrail-removal``) because a
    layer and a threat may share an id. ``classes`` (threat id -> coverage
    class) is copied onto threat nodes. Raises KeyError for an unknown
    ``around``.
    """
    nodes: dict[str, dict] = {}
    for kind, items in (
        ("layer", snapshot.layers),
        ("threat", snapshot.threats),
        ("mitigation", snapshot.mitigations),
    ):
        for item in items:
            node = {
                "id": f"{kind}:{item.id}",
                "kind": kind,
                "key": item.id,
                "name": item.name,
            }
            if kind == "mitigation":
                node["layer"] = item.layer
                node["maturity"] = item.maturity
            if kind == "threat" and classes:
                node["class"] = classes.get(item.id)
            nodes[node["id"]] = node
    edges = [
        {
            "source": f"mitigation:{m.id}",
            "target": f"layer:{m.layer}",
            "type": "IN_LAYER",
        }
        for m in snapshot.mitigations
        if m.layer
    ]
    edges += [
        {
            "source": f"mitigation:{link.mitigation}",
            "target": f"threat:{link.threat}",
            "type": "MITIGATES",
            "strength": link.strength,
        }
        for link in snapshot.mitigates
    ]
    for links, src, dst, rel in (
        (snapshot.enables, "threat", "threat", "ENABLES"),
        (snapshot.requires, "mitigation", "mitigation", "REQUIRES"),
        (snapshot.introduces, "mitigation", "threat", "INTRODUCES"),
        (snapshot.subtypes, "threat", "threat", "SUBTYPE_OF"),
    ):
        edges += [
            {
                "source": f"{src}:{link.source}",
                "target": f"{dst}:{link.target}",
                "type": rel,
            }
            for link in links
        ]
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"
    if around is not None:
        if around not in nodes:
            raise KeyError(around)
        keep = {around}
        frontier = {around}
        for _ in range(max(depth, 0)):
            nxt = set()
            for e in edges:
                if e["source"] in frontier:
                    nxt.add(e["target"])
                if e["target"] in frontier:
                    nxt.add(e["source"])
            frontier = nxt - keep
            keep |= nxt
        nodes = {k: v for k, v in nodes.items() if k in keep}
        edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
    return {"nodes": list(nodes.values()), "edges": edges}


# --- Reads at the current revision, cached -----------------------------------------
#
# Every write bumps the graph revision, so an answer computed at one revision
# token stays right until the token changes. A request costs at most one token
# read; the taxonomy, the baseline coverage and coverage documents are
# recomputed only after a write.

# (token, taxonomy name) -> (taxonomy at it, its baseline coverage entries or
# None); the dict is replaced whole when the token changes, so concurrent
# requests of one process never see a mixed state.
_current: tuple[str | None, dict[str, tuple[Taxonomy, dict | None]]] = (None, {})


def revision_token(*, fresh: bool = False) -> str:
    """The graph's revision token (``"<epoch>:<revision>"``).

    One cheap read, reused for up to LAYERWISE_REVISION_MAX_AGE seconds
    unless ``fresh``; this process's own writes are always seen at once.
    """
    max_age = 0.0 if fresh else settings.LAYERWISE_REVISION_MAX_AGE
    return repository.graph_revision_token(max_age=max_age)


def revision_of(token: str) -> int:
    """The revision number in a revision token."""
    return int(token.rsplit(":", 1)[1])


def taxonomy_at(*, token: str, taxonomy: str = DEFAULT_TAXONOMY) -> Taxonomy:
    """One taxonomy at ``token``, read from Neo4j once per revision per process."""
    global _current
    cached_token, entries = _current
    if cached_token == token and taxonomy in entries:
        return entries[taxonomy][0]
    snapshot = repository.taxonomy_read(taxonomy=taxonomy)
    if snapshot.revision == revision_of(token):
        kept = dict(entries) if cached_token == token else {}
        kept[taxonomy] = (snapshot, None)
        _current = (token, kept)
    # Otherwise a write landed in between: right now, but not kept under ``token``.
    return snapshot


def coverage_baseline(
    *, token: str, taxonomy: str = DEFAULT_TAXONOMY
) -> dict[str, dict]:
    """Threat id -> its entry of the coverage document with nothing disabled."""
    global _current
    snapshot = taxonomy_at(token=token, taxonomy=taxonomy)
    cached_token, entries = _current
    cached = entries.get(taxonomy) if cached_token == token else None
    if cached is not None and cached[1] is not None:
        return cached[1]
    document = coverage_document(snapshot, scenario=coverage_scenario())
    baseline = {entry["id"]: entry for entry in document["threats"]}
    if cached is not None and cached[0] is snapshot:
        _current = (token, {**entries, taxonomy: (snapshot, baseline)})
    return baseline


COVERAGE_RENDERERS = {"json": render_json, "csv": render_csv}
COVERAGE_CACHE_SECONDS = 3600  # documents of old revisions are never asked for again


def coverage_rendered(
    *,
    token: str,
    scenario: Scenario,
    threat: str | None = None,
    chains: str | None = None,
    diff_baseline: bool = False,
    fmt: str = "json",
    taxonomy: str = DEFAULT_TAXONOMY,
) -> str:
    """The coverage report rendered as the ``coverage`` command does (json or csv),
    cached per revision token, scenario and query.

    Raises ScenarioError for ids the taxonomy does not hold.
    """
    render = COVERAGE_RENDERERS[fmt]
    key = (
        "coverage:"
        + hashlib.sha256(
            repr(
                (
                    token,
                    taxonomy,
                    fmt,
                    _scenario_key(scenario),
                    threat,
                    chains,
                    diff_baseline,
                )
            ).encode()
        ).hexdigest()
    )
    text = cache.get(key)
    if text is None:
        report = coverage_report(
            scenario=scenario,
            threat=threat,
            chains=chains,
            diff_baseline=diff_baseline,
            taxonomy=taxonomy,
        )
        text = render(report)
        if report["revision"] == revision_of(token):
            cache.set(key, text, timeout=COVERAGE_CACHE_SECONDS)
    return text


def _scenario_key(scenario: Scenario) -> tuple:
    maturities = None if scenario.maturities is None else sorted(scenario.maturities)
    return (
        sorted(scenario.disabled_layers),
        sorted(scenario.disabled_mitigations),
        maturities,
        scenario.threshold,
        scenario.effectiveness,
    )


def _text_matches(kind: str, q: str | None) -> set[str] | None:
    """Ids of ``kind`` whose name or description match ``q`` (full-text index)."""
    if not q:
        return None
    return {hit["id"] for hit in search_results(text=q, limit=SEARCH_LIMIT)[kind]}


SEARCH_LIMIT = 10_000


def _keep(items: Iterable[Any], ids: set[str] | None) -> list[Any]:
    return [item for item in items if ids is None or item.id in ids]


def layer_list(*, taxonomy: Taxonomy, q: str | None = None) -> list[Layer]:
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
) -> list[Threat]:
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
) -> list[Mitigation]:
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


def source_list(*, taxonomy: Taxonomy, q: str | None = None) -> list[Source]:
    """Sources in id order, optionally only those matching ``q``."""
    return _keep(taxonomy.sources, _text_matches("source", q))


def mitigates_list(
    *,
    taxonomy: Taxonomy,
    mitigation: str | None = None,
    threat: str | None = None,
    layer: str | None = None,
    strength: str | None = None,
    source: str | None = None,
) -> list[Mitigates]:
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
) -> list[Link]:
    """ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF links ordered by (source, target)."""
    links = getattr(taxonomy, repository.TAXONOMY_FIELDS[kind])
    return [
        link
        for link in links
        if source in (None, link.source) and target in (None, link.target)
    ]


def node_get(*, taxonomy: Taxonomy, kind: str, key: str) -> Any:
    """One layer, threat, mitigation or source; ``repository.NotFound`` if absent."""
    for item in getattr(taxonomy, repository.TAXONOMY_FIELDS[kind]):
        if item.id == key:
            return item
    raise repository.NotFound(kind, key)


def link_get(*, taxonomy: Taxonomy, kind: str, source: str, target: str) -> Any:
    """One link of any kind by its two ends; ``repository.NotFound`` if absent."""
    for link in getattr(taxonomy, repository.TAXONOMY_FIELDS[kind]):
        if record_key(link) == f"{source}->{target}":
            return link
    raise repository.NotFound(kind, f"{source}->{target}")


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


def source_detail(*, taxonomy: Taxonomy, key: str) -> dict[str, Any]:
    """A source with the MITIGATES links that cite it."""
    source = node_get(taxonomy=taxonomy, kind="source", key=key)
    return {
        "source": source,
        "cited_by": [x for x in taxonomy.mitigates if key in x.sources],
    }


# --- Exports to other tools ---------------------------------------------------------


def taxonomy_export(
    *,
    format: str,
    taxonomy: str = DEFAULT_TAXONOMY,
    scenario: Scenario | None = None,
    domain: str | None = None,
) -> str:
    """One taxonomy as text in an interchange format.

    ``format``: ``stix`` (STIX 2.1 bundle), ``graphml``, ``navigator``
    (ATT&CK Navigator layer of the coverage under ``scenario``, default the
    baseline; ``domain`` overrides the Navigator domain) or ``csv`` (the
    coverage matrix). Media types and file extensions are in
    ``taxonomy.formats.EXPORT_FORMATS``. Raises UnknownTaxonomy when the
    graph holds nothing of ``taxonomy``, ScenarioError for a scenario naming
    ids it does not hold, ValueError for an unknown format.
    """
    if format not in EXPORT_FORMATS:
        formats = ", ".join(EXPORT_FORMATS)
        raise ValueError(f"unknown export format {format!r} (use {formats})")
    known = taxonomy_names()
    if taxonomy not in known:
        raise UnknownTaxonomy(taxonomy, known)
    snapshot = repository.taxonomy_read(taxonomy=taxonomy)
    if format == "stix":
        return stix_bundle(snapshot, name=taxonomy)
    if format == "graphml":
        return graphml_document(snapshot)
    report = coverage_document(snapshot, scenario=scenario or coverage_scenario())
    if format == "csv":
        return render_csv(report)
    return render_navigator(navigator_layer(report, taxonomy=taxonomy, domain=domain))


def taxonomy_names() -> dict[str, int]:
    """The taxonomies the graph holds, each with its number of threats.

    Counted once per graph revision per process (``taxonomy_counts``), so a
    page that shows the taxonomy switcher does not scan the graph each time.
    """
    counts = taxonomy_counts(token=revision_token())
    return {name: kinds["threats"] for name, kinds in counts.items()}


# (token, the taxonomies at it with their node counts per kind)
_counts: tuple[str | None, dict[str, dict[str, int]]] = (None, {})


def taxonomy_counts(*, token: str) -> dict[str, dict[str, int]]:
    """Each taxonomy the graph holds at ``token`` with its layers, threats,
    mitigations and sources counted; read once per revision per process."""
    global _counts
    cached_token, counts = _counts
    if cached_token != token:
        counts = repository.taxonomy_counts()
        _counts = (token, counts)
    return counts


def taxonomy_checked(*, token: str, taxonomy: str) -> str:
    """``taxonomy`` if the graph holds it (the seed always counts), else
    UnknownTaxonomy."""
    known = taxonomy_counts(token=token)
    if taxonomy != DEFAULT_TAXONOMY and taxonomy not in known:
        raise UnknownTaxonomy(taxonomy, known)
    return taxonomy
