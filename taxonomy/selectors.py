"""Reads from the taxonomy graph: <entity>_<noun>(*, ...)."""

from __future__ import annotations

from taxonomy.graph import repository
from taxonomy.graph.records import Taxonomy


def taxonomy_snapshot(*, taxonomy: str | None = None) -> Taxonomy:
    """The whole taxonomy graph as plain records, read in one transaction."""
    return repository.taxonomy_read(taxonomy=taxonomy)


def server_version() -> str:
    """The Neo4j Kernel version the connected server reports, e.g. '5.26.30'."""
    for component in repository.server_components():
        if component["name"] == "Neo4j Kernel":
            return component["versions"][0]
    raise repository.GraphError("the server did not report a Neo4j Kernel component")


def search_results(*, text: str, limit: int = 50, taxonomy: str | None = None) -> dict[str, list[dict]]:
    """Full-text matches on names and descriptions, grouped by kind, best first."""
    grouped: dict[str, list[dict]] = {"threat": [], "mitigation": [], "layer": [], "source": []}
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
            node = {"id": f"{kind}:{item.id}", "kind": kind, "key": item.id, "name": item.name}
            if kind == "mitigation":
                node["layer"] = item.layer
                node["maturity"] = item.maturity
            if kind == "threat" and classes:
                node["class"] = classes.get(item.id)
            nodes[node["id"]] = node
    edges = [
        {"source": f"mitigation:{m.id}", "target": f"layer:{m.layer}", "type": "IN_LAYER"}
        for m in snapshot.mitigations
        if m.layer
    ]
    edges += [
        {"source": f"mitigation:{l.mitigation}", "target": f"threat:{l.threat}", "type": "MITIGATES", "strength": l.strength}
        for l in snapshot.mitigates
    ]
    for kind, links, src, dst, rel in (
        ("enables", snapshot.enables, "threat", "threat", "ENABLES"),
        ("requires", snapshot.requires, "mitigation", "mitigation", "REQUIRES"),
        ("introduces", snapshot.introduces, "mitigation", "threat", "INTRODUCES"),
        ("subtypes", snapshot.subtypes, "threat", "threat", "SUBTYPE_OF"),
    ):
        edges += [{"source": f"{src}:{l.source}", "target": f"{dst}:{l.target}", "type": rel} for l in links]
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
