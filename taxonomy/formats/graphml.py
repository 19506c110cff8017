"""A taxonomy as GraphML, for Gephi, yEd and networkx users.

Nodes are layers, threats, mitigations, sources, tactics and incidents with
every property; their GraphML ids are prefixed by kind
(``threat:guardrail-removal``) because a layer and a threat may share an id,
``kind`` holds the node's kind and ``key`` its graph id (a record field of
either name is prefixed by the kind: an incident's kind is
``incident_kind``). Edges are IN_LAYER, MITIGATES (strength,
rationale, sources), ENABLES, REQUIRES, INTRODUCES, SUBTYPE_OF, IN_TACTIC,
USES (steps, tactics, descriptions) and CITES (a threat, mitigation, tactic
or incident to the sources that describe it), each with its ``type`` and an
id unique in the document (``ENABLES:threat:a->threat:b``), as the GraphML
schema requires.
GraphML attributes are scalars: a list of ids (sources) is joined with
spaces; a USES link's per-step lists, whose entries may be empty texts or
hold spaces, are JSON arrays (``[1, 4]``, ``["atlas:AML.TA0002", ""]``).
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import networkx as nx

from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import Taxonomy

# The list fields that hold ids, joined with spaces; other lists are JSON.
ID_LISTS = frozenset({"sources", "jurisdictions"})
# The attributes every node has of its own.
_NODE_KEYS = frozenset({"kind", "key"})


def _scalar(name: str, value: Any) -> Any:
    """A field's value as a GraphML attribute.

    >>> _scalar("sources", ("a", "b")), _scalar("tactics", ("t", ""))
    ('a b', '["t", ""]')
    """
    if isinstance(value, tuple | list):
        if name in ID_LISTS:
            return " ".join(map(str, value))
        return json.dumps(list(value), ensure_ascii=False)
    return value


def _attributes(record: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for f in fields(record):
        value = _scalar(f.name, getattr(record, f.name))
        if f.name not in skip and value is not None:
            out[f.name] = value
    return out


def taxonomy_graph(taxonomy: Taxonomy) -> nx.MultiDiGraph:
    """The taxonomy as a networkx multigraph with scalar attributes.

    >>> from taxonomy.domain.records import Threat, Link
    >>> g = taxonomy_graph(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...                             enables=(Link("a", "b"),)))
    >>> list(g.edges(keys=True, data="type"))
    [('threat:a', 'threat:b', 'ENABLES:threat:a->threat:b', 'ENABLES')]
    """
    g = nx.MultiDiGraph()
    for kind in NODE_KINDS.values():
        for record in getattr(taxonomy, kind.field):
            attrs = {
                f"{kind.name}_{k}" if k in _NODE_KEYS else k: v
                for k, v in _attributes(record, skip=("id",)).items()
            }
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
    """An edge of relationship type ``rel`` (its ``type``), keyed by its type and
    ends, the key GraphML writes as the edge's id, which its schema requires to
    be unique in the document (a second edge of one type between the same two
    nodes gets a number)."""
    key = base = f"{rel}:{source}->{target}"
    n = 1
    while g.has_edge(source, target, key):
        n += 1
        key = f"{base}#{n}"
    g.add_edge(source, target, key=key, type=rel, **attrs)


def graphml_document(taxonomy: Taxonomy) -> str:
    """The taxonomy as GraphML text (``nx.read_graphml`` reads it back)."""
    return (
        "\n".join(nx.generate_graphml(taxonomy_graph(taxonomy), prettyprint=True))
        + "\n"
    )
