"""Nodes and edges of the taxonomy for the graph explorer (Cytoscape.js)."""

from __future__ import annotations

from taxonomy.domain.kinds import PLAIN_LINK_KINDS
from taxonomy.domain.records import Taxonomy


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
    for spec in PLAIN_LINK_KINDS.values():
        edges += [
            {
                "source": f"{spec.source}:{link.source}",
                "target": f"{spec.target}:{link.target}",
                "type": spec.rel,
            }
            for link in getattr(snapshot, spec.field)
        ]
    # Only links between drawn nodes: a threat's IN_TACTIC link ends at a tactic,
    # which is not drawn, and an edge to a missing node breaks the drawing.
    edges = [e for e in edges if e["source"] in nodes and e["target"] in nodes]
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
