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

from taxonomy.domain.records import Taxonomy

_NODE_KINDS = (
    ("layer", "layers"),
    ("threat", "threats"),
    ("mitigation", "mitigations"),
    ("source", "sources"),
)
_LINKS = (
    ("enables", "ENABLES", "threat", "threat"),
    ("requires", "REQUIRES", "mitigation", "mitigation"),
    ("introduces", "INTRODUCES", "mitigation", "threat"),
    ("subtypes", "SUBTYPE_OF", "threat", "threat"),
)


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
    for kind, name in _NODE_KINDS:
        for record in getattr(taxonomy, name):
            attrs = _attributes(record, skip=("id",))
            g.add_node(f"{kind}:{record.id}", kind=kind, key=record.id, **attrs)
    for m in taxonomy.mitigations:
        if f"layer:{m.layer}" in g:
            g.add_edge(
                f"mitigation:{m.id}",
                f"layer:{m.layer}",
                key="IN_LAYER",
                type="IN_LAYER",
            )
    for link in taxonomy.mitigates:
        g.add_edge(
            f"mitigation:{link.mitigation}",
            f"threat:{link.threat}",
            key="MITIGATES",
            type="MITIGATES",
            **_attributes(link, skip=("mitigation", "threat")),
        )
    for field, rel, source_kind, target_kind in _LINKS:
        for link in getattr(taxonomy, field):
            g.add_edge(
                f"{source_kind}:{link.source}",
                f"{target_kind}:{link.target}",
                key=rel,
                type=rel,
                version=link.version,
            )
    for kind, name in (("threat", "threats"), ("mitigation", "mitigations")):
        for record in getattr(taxonomy, name):
            for source in record.sources:
                if f"source:{source}" in g:
                    g.add_edge(
                        f"{kind}:{record.id}",
                        f"source:{source}",
                        key="CITES",
                        type="CITES",
                    )
    return g


def graphml_document(taxonomy: Taxonomy) -> str:
    """The taxonomy as GraphML text (``nx.read_graphml`` reads it back)."""
    return (
        "\n".join(nx.generate_graphml(taxonomy_graph(taxonomy), prettyprint=True))
        + "\n"
    )
