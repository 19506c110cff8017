"""A taxonomy as GraphML, for Gephi, yEd and networkx users.

Nodes are layers, threats, mitigations and sources with every property;
their GraphML ids are prefixed by kind (``threat:guardrail-removal``)
because a layer and a threat may share an id, and ``key`` holds the graph
id. Edges are IN_LAYER, MITIGATES (strength, rationale, sources), ENABLES,
REQUIRES, INTRODUCES, SUBTYPE_OF and CITES (a threat or mitigation to the
sources that describe it), each with its ``type``. Lists (sources) are
joined with spaces, since GraphML attributes are scalars.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import networkx as nx

from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import Taxonomy


def _scalar(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return " ".join(map(str, value))
    return value


def _attributes(record: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for f in fields(record):
        value = _scalar(getattr(record, f.name))
        if f.name not in skip and value is not None:
            out[f.name] = value
    return out


def taxonomy_graph(taxonomy: Taxonomy) -> nx.MultiDiGraph:
    """The taxonomy as a networkx multigraph with scalar attributes.

    >>> from taxonomy.domain.records import Threat, Link
    >>> g = taxonomy_graph(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...                             enables=(Link("a", "b"),)))
    >>> list(g.edges(keys=True, data="type"))
    [('threat:a', 'threat:b', 'ENABLES', 'ENABLES')]
    """
    g = nx.MultiDiGraph()
    for kind in NODE_KINDS.values():
        for record in getattr(taxonomy, kind.field):
            attrs = _attributes(record, skip=("id",))
            g.add_node(
                f"{kind.name}:{record.id}", kind=kind.name, key=record.id, **attrs
            )
    for m in taxonomy.mitigations:
        if f"layer:{m.layer}" in g:
            _edge(g, f"mitigation:{m.id}", f"layer:{m.layer}", "IN_LAYER")
    for kind in LINK_KINDS.values():
        for link in getattr(taxonomy, kind.field):
            source, target = kind.end_ids(link)
            _edge(
                g,
                f"{kind.source}:{source}",
                f"{kind.target}:{target}",
                kind.rel,
                **_attributes(link, skip=kind.ends),
            )
    for kind in NODE_KINDS.values():
        if "sources" not in kind.stored_fields:
            continue
        for record in getattr(taxonomy, kind.field):
            for source in record.sources:
                if f"source:{source}" in g:
                    _edge(g, f"{kind.name}:{record.id}", f"source:{source}", "CITES")
    return g


def _edge(g: nx.MultiDiGraph, source: str, target: str, rel: str, **attrs: Any) -> None:
    """An edge keyed by its relationship type, which is also its ``type``."""
    g.add_edge(source, target, key=rel, type=rel, **attrs)


def graphml_document(taxonomy: Taxonomy) -> str:
    """The taxonomy as GraphML text (``nx.read_graphml`` reads it back)."""
    return (
        "\n".join(nx.generate_graphml(taxonomy_graph(taxonomy), prettyprint=True))
        + "\n"
    )
