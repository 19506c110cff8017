"""Reads: a whole taxonomy (or several) in one transaction, counts, full-text search."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import fields
from operator import itemgetter
from typing import Any

import neo4j

from taxonomy.domain.kinds import (
    BY_LABEL,
    LINK_KINDS,
    NODE_KINDS,
    PLAIN_LINK_KINDS,
    PROPERTY_LINK_KINDS,
    LinkKind,
    NodeKind,
)
from taxonomy.domain.records import Layer, Link, Taxonomy
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository.base import (
    FULLTEXT_INDEX,
    _pick,
    _scope,
    _session,
    translate_errors,
)
from taxonomy.graph.repository.schema import ensure_schema
from taxonomy.graph.repository.visibility import (
    LOCK_META,
    VARS,
    VISIBILITY,
    visibility_tx,
    visible,
)

# Every node holds its taxonomy (``schema.backfill_taxonomy`` gives one to
# nodes of graphs written before that), so a scoped read filters through the
# taxonomy index of each label instead of evaluating every node. Every read
# sees only what is ``visible`` (not the items of a staged load before its
# switch, nor those it replaced after it; see ``staging.py``), and a node's
# id is ``_sid`` on a replacement not yet settled.
ID = "coalesce({0}.id, {0}._sid)"


def _where(var: str, scoped: bool, loading: bool) -> str:
    conditions = [visible(var)] if loading else []
    if scoped:
        conditions.insert(0, f"{var}.taxonomy IN $taxonomy")
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


# What a *lean* read leaves out: the prose, which no analysis reads (the
# coverage document names items; it never quotes them).
LEAN_OMITS = frozenset(
    {"description", "rationale", "summary", "sources", "descriptions", "stix"}
)


def _projection(var: str, stored: tuple[str, ...], lean: bool, **extra: str) -> str:
    """``var {.*, ...}``, or with ``lean`` only the stored fields analysis reads."""
    if lean:
        names = [f".{name}" for name in (*stored, "version") if name not in LEAN_OMITS]
    else:
        names = [".*"]
    names += [f"{key}: {value}" for key, value in extra.items()]
    return f"{var} {{{', '.join(names)}}}"


def _node_read(kind: NodeKind, scoped: bool, loading: bool, lean: bool = False) -> str:
    """The query that reads a kind's nodes in scope (a mitigation with its layer).

    ``loading``: while a staged load is in the graph, only what readers see
    (outside one every item is visible and every node holds its ``id``).
    ``lean``: without the prose (``LEAN_OMITS``).
    """
    where = _where("n", scoped, loading)
    nid = ID.format("n") if loading else "n.id"
    if kind.name == "mitigation":
        layer_where = f"WHERE {visible('r')} AND {visible('l')} " if loading else ""
        lid = ID.format("l") if loading else "l.id"
        returns = _projection("n", kind.stored_fields, lean, id=nid, layer="layer")
        return (
            f"MATCH (n:Mitigation) {where} "
            "OPTIONAL MATCH (n)-[r:IN_LAYER]->(l:GovernanceLayer) "
            f"{layer_where}WITH n, min({lid}) AS layer RETURN {returns} AS p"
        )
    returns = _projection("n", kind.stored_fields, lean, id=nid)
    return f"MATCH (n:{kind.label}) {where} RETURN {returns} AS p"


def _link_read(kind: LinkKind, scoped: bool, loading: bool, lean: bool = False) -> str:
    """The query that reads a kind's links with both ends in scope."""
    src, rel, dst = kind.source_label, kind.rel, kind.target_label
    b_where = _where("b", scoped, loading)
    if loading:
        b_where += (" AND " if b_where else "WHERE ") + visible("r")
    ids = (ID.format("a"), ID.format("b")) if loading else ("a.id", "b.id")
    props = _projection("r", kind.props, lean)
    returns = f"{ids[0]} AS s, {ids[1]} AS t, " + (
        "coalesce(r.version, 1) AS v" if not kind.props else f"{props} AS p"
    )
    return (
        f"MATCH (a:{src}) {_where('a', scoped, loading)} "
        f"MATCH (a)-[r:{rel}]->(b:{dst}) {b_where} RETURN {returns}"
    )


_FLAGS = [
    (s, lo, le) for s in (False, True) for lo in (False, True) for le in (False, True)
]
# (kind, scoped, loading, lean) -> its read query.
_NODE_READS = {
    (kind.name, *flags): _node_read(kind, *flags)
    for kind in NODE_KINDS.values()
    for flags in _FLAGS
}
_LINK_READS = {
    (kind.name, *flags): _link_read(kind, *flags)
    for kind in LINK_KINDS.values()
    for flags in _FLAGS
}


def _picker(cls: type, *ends: str) -> Callable[..., Any]:
    """``_pick`` for one record class, its field names worked out once:
    ``pick(values, *end_ids)`` (a link's end ids given apart from its map)."""
    names = tuple(f.name for f in fields(cls) if f.name not in ends)

    def pick(values: dict[str, Any], *end_ids: str) -> Any:
        kwargs = dict(zip(ends, end_ids, strict=True))
        for name in names:
            value = values.get(name)
            if value is not None:
                kwargs[name] = tuple(value) if value.__class__ is list else value
        return cls(**kwargs)

    return pick


_PICK = {kind.name: _picker(kind.record) for kind in NODE_KINDS.values()}
_PICK.update(
    {
        kind.name: _picker(kind.record, *kind.ends)
        for kind in PROPERTY_LINK_KINDS.values()
    }
)
_ANY_NODE = " OR ".join(f"n:{kind.label}" for kind in NODE_KINDS.values())


def _read_items_tx(
    tx: neo4j.ManagedTransaction,
    params: dict[str, Any],
    scoped: bool,
    loading: bool,
    lean: bool,
    foreign_layers: bool,
) -> dict[str, tuple]:
    """Every kind's records in scope, sorted by key, as ``Taxonomy`` takes them."""
    items: dict[str, tuple] = {}
    for kind in NODE_KINDS.values():
        query = _NODE_READS[kind.name, scoped, loading, lean]
        rows = [r[0] for r in tx.run(query, params)]
        rows.sort(key=itemgetter("id"))
        pick = _PICK[kind.name]
        items[kind.field] = tuple(map(pick, rows))
    for kind in PLAIN_LINK_KINDS.values():
        query = _LINK_READS[kind.name, scoped, loading, lean]
        rows = sorted(tx.run(query, params).values())
        items[kind.field] = tuple(Link(s, t, v) for s, t, v in rows)
    for kind in PROPERTY_LINK_KINDS.values():
        query = _LINK_READS[kind.name, scoped, loading, lean]
        rows = tx.run(query, params).values()
        rows.sort(key=itemgetter(0, 1))
        pick = _PICK[kind.name]
        items[kind.field] = tuple(pick(p, s, t) for s, t, p in rows)
    if foreign_layers and params["taxonomy"] is not None:
        foreign = _foreign_layers_tx(tx, params)
        items["layers"] = tuple(sorted(items["layers"] + foreign, key=lambda x: x.id))
    return items


def _read_taxonomy_tx(
    tx: neo4j.ManagedTransaction,
    taxonomy: str | Collection[str] | None,
    *,
    foreign_layers: bool = False,
    lean: bool = False,
) -> Taxonomy:
    """Read the nodes of the taxonomies in scope and the links among them
    (with ``lean``, without their prose: ``LEAN_OMITS`` are left empty).

    A link is in scope when both its ends are, so a scoped write never sees
    (and never deletes) a link into another taxonomy. With ``foreign_layers``
    the layers of other taxonomies that in-scope mitigations sit in are read
    too (a layer map can put ATLAS mitigations in the seed's ``software``),
    so the result is self-contained for analysis; a scoped write leaves them
    out because they are not its to change.
    """
    seen = visibility_tx(tx)
    params = {
        "taxonomy": _scope(taxonomy),
        "pending": seen["pending"],
        "dropped": seen["dropped"],
    }
    scoped = params["taxonomy"] is not None
    loading = seen["state"][0] is not None
    try:
        items = _read_items_tx(tx, params, scoped, loading, lean, foreign_layers)
    except (TypeError, KeyError):
        # A read that began before a staged load (no visibility tests) can
        # meet its replacement nodes, which have no id yet: a race, if the
        # meta node says a load has begun since; a bug otherwise.
        if visibility_tx(tx)["state"] != seen["state"]:
            raise ReadRaced from None
        raise
    after = visibility_tx(tx)
    if (after["revision"], after["state"]) != (seen["revision"], seen["state"]):
        # Neo4j reads committed data query by query: a write (or a load's
        # switch) landed between two of ours. Read again, not a mix.
        raise ReadRaced
    return Taxonomy(**items, revision=after["revision"])


class ReadRaced(Exception):
    """A write committed while a read of several queries ran."""


def _foreign_layers_tx(tx: neo4j.ManagedTransaction, params: dict[str, Any]) -> tuple:
    rows = tx.run(
        "MATCH (m:Mitigation)-[r:IN_LAYER]->(n:GovernanceLayer) "
        "WHERE m.taxonomy IN $taxonomy AND NOT n.taxonomy IN $taxonomy "
        f"AND {visible('m')} AND {visible('r')} AND {visible('n')} "
        f"RETURN DISTINCT n {{.*, id: {ID.format('n')}}} AS p",
        params,
    )
    return tuple(_pick(Layer, r["p"]) for r in rows)


@translate_errors
def taxonomy_read(
    *, taxonomy: str | Collection[str] | None = None, lean: bool = False
) -> Taxonomy:
    """The whole graph (or some taxonomies of it) in one read transaction.

    Restricted to taxonomies, it also holds the layers of other taxonomies
    that their mitigations sit in, so every mitigation's layer is present.
    ``lean`` leaves the prose out (descriptions, rationales, summaries,
    sources: ``LEAN_OMITS``), for analysis, which never reads it.
    """
    with _session(neo4j.READ_ACCESS) as session:
        for _ in range(READ_ATTEMPTS - 1):
            try:
                return session.execute_whole_read(
                    _read_taxonomy_tx, taxonomy, foreign_layers=True, lean=lean
                )
            except ReadRaced:
                continue
    with _session() as session:
        return session.execute_write(
            _read_taxonomy_tx_locked, taxonomy, foreign_layers=True, lean=lean
        )


# Reads under a stream of writes: after this many raced attempts, one that
# holds the meta node's lock (writes wait for it; reads do not).
READ_ATTEMPTS = 4


def _read_taxonomy_tx_locked(tx: neo4j.ManagedTransaction, *args, **kwargs) -> Taxonomy:
    """``_read_taxonomy_tx`` in a write transaction that first takes the meta
    node's lock, so no write commits while it reads."""
    tx.run(LOCK_META).consume()
    return _read_taxonomy_tx(tx, *args, **kwargs)


@translate_errors
def layer_taxonomies() -> dict[str, str]:
    """Every governance layer's id and the taxonomy it belongs to."""
    records, _, _ = get_driver().execute_query(
        VISIBILITY + "MATCH (n:GovernanceLayer) "
        f"WHERE {visible('n', *VARS)} RETURN {ID.format('n')} AS id, "
        "coalesce(n.taxonomy, 'layerwise') AS taxonomy",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return {r["id"]: r["taxonomy"] for r in records}


_COUNTS = ", ".join(
    f"count(CASE WHEN n:{kind.label} THEN 1 END) AS {kind.field}"
    for kind in NODE_KINDS.values()
)


@translate_errors
def taxonomy_counts() -> dict[str, dict[str, int]]:
    """The taxonomies the graph holds, each with its number of nodes per kind."""
    records, _, _ = get_driver().execute_query(
        VISIBILITY + f"MATCH (n) WHERE ({_ANY_NODE}) AND {visible('n', *VARS)} "
        "WITH coalesce(n.taxonomy, 'layerwise') AS taxonomy, n "
        f"RETURN taxonomy, {_COUNTS} ORDER BY taxonomy",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    fields = [kind.field for kind in NODE_KINDS.values()]
    return {r["taxonomy"]: {field: r[field] for field in fields} for r in records}


# --- Full-text search ---------------------------------------------------------

# A word as the index's analyzer cuts text into words (Unicode word breaks):
# letters and digits, joined by inner dots or apostrophes ("AML.T0024",
# "don't"); commas, dashes, ampersands and the rest separate words. A query
# word must be cut the same way, or its prefix never matches a stored word
# ("Aarne," or "export-controls" would match nothing). No character of such a
# word is special to Lucene's query syntax, so none needs escaping.
_WORD = re.compile(r"\w+(?:['’.]\w+)*")


def lucene_terms(text: str) -> str:
    """A Lucene query matching every word of ``text`` as a prefix.

    >>> lucene_terms("export-controls US")
    'export* AND controls* AND US*'
    >>> lucene_terms("Aarne, Fist & Withers (2024) AML.T0024 or NOT")
    'Aarne* AND Fist* AND Withers* AND 2024* AND AML.T0024* AND or* AND not*'
    """
    words = []
    for word in _WORD.findall(text):
        if word.upper() in ("AND", "OR", "NOT"):
            word = word.lower()
        words.append(f"{word}*")
    return " AND ".join(words)


@translate_errors
def fulltext_search(
    *, text: str, limit: int = 50, taxonomy: str | None = None
) -> list[dict[str, Any]]:
    """Nodes whose name, description or summary match ``text``, best first."""
    query = lucene_terms(text)
    if not query:
        return []
    ensure_schema()
    records, _, _ = get_driver().execute_query(
        VISIBILITY
        + "CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score "
        "WHERE ($taxonomy IS NULL OR coalesce(node.taxonomy, 'layerwise') = $taxonomy) "
        f"AND {visible('node', *VARS)} "
        f"RETURN labels(node) AS labels, {ID.format('node')} AS id, node.name AS name, "
        "coalesce(node.description, node.summary, '') AS description, score "
        "ORDER BY score DESC, id LIMIT $limit",
        index=FULLTEXT_INDEX,
        query=query,
        limit=limit,
        taxonomy=taxonomy,
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    out = []
    for r in records:
        kind = next(
            (BY_LABEL[label].name for label in r["labels"] if label in BY_LABEL), None
        )
        if kind:
            out.append(
                {
                    "kind": kind,
                    "id": r["id"],
                    "name": r["name"],
                    "description": r["description"],
                    "score": r["score"],
                }
            )
    return out


@translate_errors
def mitigates_count(*, taxonomy: str) -> int:
    """How many MITIGATES links run between nodes of ``taxonomy``."""
    records, _, _ = get_driver().execute_query(
        VISIBILITY + "MATCH (m:Mitigation {taxonomy: $taxonomy})-[r:MITIGATES]->"
        "(t:MisuseVector {taxonomy: $taxonomy}) "
        f"WHERE {visible('m', *VARS)} AND {visible('r', *VARS)} "
        f"AND {visible('t', *VARS)} RETURN count(r) AS n",
        taxonomy=taxonomy,
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return records[0]["n"]
