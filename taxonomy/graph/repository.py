"""All Cypher of the project. Values travel only as $parameters.

Labels and relationship types cannot be parameters; the few queries that vary
them take them from the fixed tables below, never from input.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import fields
from typing import Any, TypeVar

import neo4j
from neo4j import exceptions as neo4j_errors

from taxonomy.domain.changes import KINDS, Change, ChangeSet
from taxonomy.domain.errors import (
    AlreadyExists,
    GraphConflict,
    GraphError,
    GraphUnavailable,
    InvalidWrite,
    NotFound,
    StillReferenced,
    VersionConflict,
)
from taxonomy.domain.records import (
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)
from taxonomy.graph.driver import database, get_driver

T = TypeVar("T")

# kind -> (label, record class)
NODE_KINDS: dict[str, tuple[str, type]] = {
    "layer": ("GovernanceLayer", Layer),
    "threat": ("MisuseVector", Threat),
    "mitigation": ("Mitigation", Mitigation),
    "source": ("Source", Source),
}
# link kind -> (source label, relationship type, target label)
LINK_KINDS: dict[str, tuple[str, str, str]] = {
    "mitigates": ("Mitigation", "MITIGATES", "MisuseVector"),
    "enables": ("MisuseVector", "ENABLES", "MisuseVector"),
    "requires": ("Mitigation", "REQUIRES", "Mitigation"),
    "introduces": ("Mitigation", "INTRODUCES", "MisuseVector"),
    "subtype": ("MisuseVector", "SUBTYPE_OF", "MisuseVector"),
}
# kind -> the Taxonomy field that holds it (the change sets' table)
TAXONOMY_FIELDS: dict[str, str] = dict(KINDS)
FULLTEXT_INDEX = "taxonomy_text"
BATCH = 5000


def translate_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn driver exceptions into the project's own, once, here."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as e:
            raise GraphUnavailable(f"Neo4j is unreachable: {e}") from e
        except neo4j_errors.AuthError as e:
            raise GraphUnavailable(f"Neo4j refused the credentials: {e.message}") from e
        except OSError as e:
            raise GraphUnavailable(f"Neo4j is unreachable: {e}") from e
        except neo4j_errors.Neo4jError as e:
            raise GraphError(f"Neo4j error {e.code}: {e.message}") from e
        except neo4j_errors.DriverError as e:
            raise GraphError(f"Neo4j driver error: {e}") from e

    return wrapper


def _session(access: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
    return get_driver().session(database=database(), default_access_mode=access)


# --- Server and schema ---------------------------------------------------------


@translate_errors
def server_components() -> list[dict[str, Any]]:
    records, _, _ = get_driver().execute_query(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name, versions, edition",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return [dict(r) for r in records]


SCHEMA_STATEMENTS = (
    "CREATE CONSTRAINT governance_layer_id IF NOT EXISTS "
    "FOR (n:GovernanceLayer) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT misuse_vector_id IF NOT EXISTS "
    "FOR (n:MisuseVector) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT mitigation_id IF NOT EXISTS "
    "FOR (n:Mitigation) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT source_id IF NOT EXISTS FOR (n:Source) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT layerwise_meta_key IF NOT EXISTS "
    "FOR (n:LayerwiseMeta) REQUIRE n.key IS UNIQUE",
    "CREATE FULLTEXT INDEX taxonomy_text IF NOT EXISTS "
    "FOR (n:GovernanceLayer|MisuseVector|Mitigation|Source) ON EACH [n.name, n.description]",
    "CREATE INDEX mitigation_taxonomy IF NOT EXISTS FOR (n:Mitigation) ON (n.taxonomy)",
    "CREATE INDEX misuse_vector_taxonomy IF NOT EXISTS FOR (n:MisuseVector) ON (n.taxonomy)",
)


@translate_errors
def schema_apply() -> list[str]:
    """Create the constraints and indexes (idempotent); return their names."""
    driver = get_driver()
    for statement in SCHEMA_STATEMENTS:
        driver.execute_query(statement, database_=database())
    driver.execute_query("CALL db.awaitIndexes(120)", database_=database())
    records, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name RETURN name ORDER BY name", database_=database()
    )
    return [r["name"] for r in records]


@translate_errors
def graph_clear() -> None:
    """Delete every node and relationship (test and benchmark servers only)."""
    with _session() as session:
        while True:
            summary = session.run(
                "MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS n"
            ).single()
            if not summary or summary["n"] == 0:
                forget_revision_token()
                return


@translate_errors
def graph_is_empty() -> bool:
    records, _, _ = get_driver().execute_query(
        "MATCH (n) WHERE n:GovernanceLayer OR n:MisuseVector OR n:Mitigation "
        "OR n:Source RETURN count(n) > 0 AS any LIMIT 1",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return not records[0]["any"]


# --- Reading the whole taxonomy ------------------------------------------------


def _pick(cls: type, values: dict[str, Any]) -> Any:
    kwargs = {}
    for f in fields(cls):
        if f.name in values and values[f.name] is not None:
            value = values[f.name]
            kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def _scope(taxonomy: str | Collection[str] | None) -> list[str] | None:
    """The taxonomies a read or write is restricted to; None means all of them."""
    if taxonomy is None:
        return None
    if isinstance(taxonomy, str):
        return [taxonomy]
    return sorted(set(taxonomy))


def _read_taxonomy_tx(
    tx: neo4j.ManagedTransaction,
    taxonomy: str | Collection[str] | None,
    *,
    foreign_layers: bool = False,
) -> Taxonomy:
    """Read the nodes of the taxonomies in scope and the links among them.

    A link is in scope when both its ends are, so a scoped write never sees
    (and never deletes) a link into another taxonomy. With ``foreign_layers``
    the layers of other taxonomies that in-scope mitigations sit in are read
    too (a layer map can put ATLAS mitigations in the seed's ``software``),
    so the result is self-contained for analysis; a scoped write leaves them
    out because they are not its to change.
    """
    params = {"taxonomy": _scope(taxonomy)}
    node_filter = (
        "WHERE $taxonomy IS NULL OR coalesce(n.taxonomy, 'layerwise') IN $taxonomy"
    )
    both_ends = (
        "WHERE $taxonomy IS NULL OR (coalesce(a.taxonomy, 'layerwise') IN $taxonomy "
        "AND coalesce(b.taxonomy, 'layerwise') IN $taxonomy)"
    )

    def nodes(label: str, cls: type, extra: str = "") -> tuple:
        query = f"MATCH (n:{label}) {node_filter} {extra} RETURN n {{.*}} AS p"
        if label == "Mitigation":
            query = (
                f"MATCH (n:Mitigation) {node_filter} "
                "OPTIONAL MATCH (n)-[:IN_LAYER]->(l:GovernanceLayer) "
                "WITH n, min(l.id) AS layer RETURN n {.*, layer: layer} AS p"
            )
        rows = [r["p"] for r in tx.run(query, params)]
        rows.sort(key=lambda p: p["id"])
        return tuple(_pick(cls, p) for p in rows)

    def links(kind: str) -> tuple[Link, ...]:
        source, rel, target = LINK_KINDS[kind]
        query = (
            f"MATCH (a:{source})-[r:{rel}]->(b:{target}) {both_ends} "
            "RETURN a.id AS s, b.id AS t, coalesce(r.version, 1) AS v"
        )
        rows = sorted(tx.run(query, params).values())
        return tuple(Link(s, t, v) for s, t, v in rows)

    query = (
        f"MATCH (a:Mitigation)-[r:MITIGATES]->(b:MisuseVector) {both_ends} "
        "RETURN a.id, b.id, r.strength, coalesce(r.rationale, ''), "
        "coalesce(r.sources, []), coalesce(r.version, 1)"
    )
    mitigates = sorted(tx.run(query, params).values(), key=lambda row: (row[0], row[1]))
    revision = tx.run(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN coalesce(m.revision, 0) AS r"
    ).single()["r"]
    layers = nodes("GovernanceLayer", Layer)
    if foreign_layers and params["taxonomy"] is not None:
        foreign = _foreign_layers_tx(tx, params)
        layers = tuple(sorted(layers + foreign, key=lambda x: x.id))
    return Taxonomy(
        layers=layers,
        threats=nodes("MisuseVector", Threat),
        mitigations=nodes("Mitigation", Mitigation),
        sources=nodes("Source", Source),
        mitigates=tuple(
            Mitigates(m, t, s, r, tuple(src), v) for m, t, s, r, src, v in mitigates
        ),
        enables=links("enables"),
        requires=links("requires"),
        introduces=links("introduces"),
        subtypes=links("subtype"),
        revision=revision,
    )


def _foreign_layers_tx(tx: neo4j.ManagedTransaction, params: dict[str, Any]) -> tuple:
    rows = tx.run(
        "MATCH (m:Mitigation)-[:IN_LAYER]->(n:GovernanceLayer) "
        "WHERE coalesce(m.taxonomy, 'layerwise') IN $taxonomy "
        "AND NOT coalesce(n.taxonomy, 'layerwise') IN $taxonomy "
        "RETURN DISTINCT n {.*} AS p",
        params,
    )
    return tuple(_pick(Layer, r["p"]) for r in rows)


@translate_errors
def taxonomy_read(*, taxonomy: str | Collection[str] | None = None) -> Taxonomy:
    """The whole graph (or some taxonomies of it) in one read transaction.

    Restricted to taxonomies, it also holds the layers of other taxonomies
    that their mitigations sit in, so every mitigation's layer is present.
    """
    with _session(neo4j.READ_ACCESS) as session:
        return session.execute_read(_read_taxonomy_tx, taxonomy, foreign_layers=True)


@translate_errors
def layer_taxonomies() -> dict[str, str]:
    """Every governance layer's id and the taxonomy it belongs to."""
    records, _, _ = get_driver().execute_query(
        "MATCH (n:GovernanceLayer) RETURN n.id AS id, "
        "coalesce(n.taxonomy, 'layerwise') AS taxonomy",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return {r["id"]: r["taxonomy"] for r in records}


@translate_errors
def taxonomy_counts() -> dict[str, dict[str, int]]:
    """The taxonomies the graph holds, each with its number of nodes per kind."""
    records, _, _ = get_driver().execute_query(
        "MATCH (n) WHERE n:GovernanceLayer OR n:MisuseVector OR n:Mitigation "
        "OR n:Source WITH coalesce(n.taxonomy, 'layerwise') AS taxonomy, n "
        "RETURN taxonomy, "
        "count(CASE WHEN n:GovernanceLayer THEN 1 END) AS layers, "
        "count(CASE WHEN n:MisuseVector THEN 1 END) AS threats, "
        "count(CASE WHEN n:Mitigation THEN 1 END) AS mitigations, "
        "count(CASE WHEN n:Source THEN 1 END) AS sources "
        "ORDER BY taxonomy",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    kinds = ("layers", "threats", "mitigations", "sources")
    return {r["taxonomy"]: {kind: r[kind] for kind in kinds} for r in records}


# --- Full-text search ---------------------------------------------------------

LABEL_KIND = {label: kind for kind, (label, _) in NODE_KINDS.items()}
_LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')


def lucene_terms(text: str) -> str:
    """A Lucene query matching every word of ``text`` as a prefix, specials escaped.

    >>> lucene_terms('export-controls US')
    'export\\-controls* AND US*'
    """
    words = []
    for word in text.split():
        escaped = "".join(f"\\{c}" if c in _LUCENE_SPECIAL else c for c in word)
        if escaped.upper() in ("AND", "OR", "NOT"):
            escaped = escaped.lower()
        if escaped.strip("\\"):
            words.append(f"{escaped}*")
    return " AND ".join(words)


@translate_errors
def fulltext_search(
    *, text: str, limit: int = 50, taxonomy: str | None = None
) -> list[dict[str, Any]]:
    """Nodes whose name or description match ``text``, best first."""
    query = lucene_terms(text)
    if not query:
        return []
    records, _, _ = get_driver().execute_query(
        "CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score "
        "WHERE $taxonomy IS NULL OR coalesce(node.taxonomy, 'layerwise') = $taxonomy "
        "RETURN labels(node) AS labels, node.id AS id, node.name AS name, "
        "coalesce(node.description, '') AS description, score "
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
            (LABEL_KIND[label] for label in r["labels"] if label in LABEL_KIND), None
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


# --- Writing a change set ------------------------------------------------------


def _batches(rows: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _node_props(record: Any) -> dict[str, Any]:
    props = {}
    for f in fields(record):
        if f.name in ("id", "version", "layer"):
            continue
        props[f.name] = getattr(record, f.name)
    return props


class _Writer:
    """Applies a ChangeSet inside one transaction, reporting progress."""

    def __init__(
        self,
        tx: neo4j.ManagedTransaction,
        total: int,
        progress: Callable[[int, int], None] | None,
    ):
        self.tx = tx
        self.total = total
        self.done = 0
        self.progress = progress

    def run(self, query: str, rows: list[dict[str, Any]]) -> None:
        for batch in _batches(rows):
            self.tx.run(query, rows=batch).consume()
            self.done += len(batch)
            if self.progress:
                self.progress(self.done, self.total)


def _apply_tx(
    tx: neo4j.ManagedTransaction,
    changes: ChangeSet,
    progress: Callable[[int, int], None] | None,
) -> int:
    w = _Writer(tx, len(changes.changes), progress)
    by = changes.by_kind_action()

    # 1. Links that go away, then nodes that go away (and their remaining links).
    for kind, (src, rel, dst) in LINK_KINDS.items():
        rows = [_link_key(c) for c in by.get((kind, "delete"), [])]
        w.run(
            f"UNWIND $rows AS row MATCH (:{src} {{id: row.source}})-[r:{rel}]->"
            f"(:{dst} {{id: row.target}}) DELETE r",
            rows,
        )
    for kind, (label, _) in NODE_KINDS.items():
        rows = [{"id": c.key} for c in by.get((kind, "delete"), [])]
        w.run(
            f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) DETACH DELETE n",
            rows,
        )

    # 2. Nodes created or changed; a version that counts every change.
    for kind, (label, _) in NODE_KINDS.items():
        rows = [
            {"id": c.key, "props": _node_props(c.after)}
            for action in ("create", "update")
            for c in by.get((kind, action), [])
        ]
        w.run(
            f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) "
            "ON CREATE SET n.version = 0 "
            "SET n += row.props, n.version = n.version + 1",
            rows,
        )
    layer_rows = [
        {"id": c.key, "layer": c.after.layer}
        for action in ("create", "update")
        for c in by.get(("mitigation", action), [])
        if c.before is None or c.before.layer != c.after.layer
    ]
    w.run(
        "UNWIND $rows AS row MATCH (m:Mitigation {id: row.id}) "
        "OPTIONAL MATCH (m)-[old:IN_LAYER]->() DELETE old",
        layer_rows,
    )
    w.run(
        "UNWIND $rows AS row MATCH (m:Mitigation {id: row.id}), "
        "(l:GovernanceLayer {id: row.layer}) CREATE (m)-[:IN_LAYER]->(l)",
        layer_rows,
    )

    # 3. Links created or changed.
    mitigates = [
        {
            "source": c.after.mitigation,
            "target": c.after.threat,
            "props": {
                "strength": c.after.strength,
                "rationale": c.after.rationale,
                "sources": list(c.after.sources),
            },
        }
        for action in ("create", "update")
        for c in by.get(("mitigates", action), [])
    ]
    w.run(
        "UNWIND $rows AS row MATCH (m:Mitigation {id: row.source}), "
        "(t:MisuseVector {id: row.target}) MERGE (m)-[r:MITIGATES]->(t) "
        "ON CREATE SET r.version = 0 SET r += row.props, r.version = r.version + 1",
        mitigates,
    )
    for kind, (src, rel, dst) in LINK_KINDS.items():
        if kind == "mitigates":
            continue
        rows = [_link_key(c) for c in by.get((kind, "create"), [])]
        w.run(
            f"UNWIND $rows AS row MATCH (a:{src} {{id: row.source}}), "
            f"(b:{dst} {{id: row.target}}) MERGE (a)-[r:{rel}]->(b) "
            "ON CREATE SET r.version = 1",
            rows,
        )
    if not changes.is_empty:
        return _bump_revision(tx)
    return tx.run(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN coalesce(m.revision, 0) AS r"
    ).single()["r"]


def _bump_revision(tx: neo4j.ManagedTransaction) -> int:
    forget_revision_token()
    # The epoch tells apart two graphs at the same revision (one emptied and
    # refilled), so caches keyed by revision never serve the other's data.
    return tx.run(
        "MERGE (m:LayerwiseMeta {key: 'graph'}) "
        "ON CREATE SET m.epoch = randomUUID() "
        "SET m.revision = coalesce(m.revision, 0) + 1, m.updated_at = datetime() "
        "RETURN m.revision AS r"
    ).single()["r"]


def _link_key(change: Change) -> dict[str, str]:
    record = change.before if change.after is None else change.after
    if isinstance(record, Mitigates):
        return {"source": record.mitigation, "target": record.threat}
    return {"source": record.source, "target": record.target}


def _check_conflicts_tx(
    tx: neo4j.ManagedTransaction,
    changes: ChangeSet,
    desired: Taxonomy,
    scope: list[str] | None,
) -> None:
    """Refuse a scoped write that would take over a node of another taxonomy,
    and any write that puts a mitigation in a layer that will not exist."""
    by = changes.by_kind_action()
    if scope is not None:
        for kind, (label, _) in NODE_KINDS.items():
            ids = [c.key for c in by.get((kind, "create"), [])]
            if not ids:
                continue
            taken = tx.run(
                f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
                "RETURN n.id AS id, coalesce(n.taxonomy, 'layerwise') AS taxonomy "
                "ORDER BY id LIMIT 5",
                ids=ids,
            ).values()
            if taken:
                owned = ", ".join(f"{i} (taxonomy {t})" for i, t in taken)
                raise GraphConflict(f"{kind} ids of another taxonomy: {owned}")
    written = [
        *by.get(("mitigation", "create"), []),
        *by.get(("mitigation", "update"), []),
    ]
    wanted = sorted({c.after.layer for c in written} - {x.id for x in desired.layers})
    if wanted:
        found = {
            r["id"]
            for r in tx.run(
                "UNWIND $ids AS id MATCH (n:GovernanceLayer {id: id}) RETURN n.id AS id",
                ids=wanted,
            )
        }
        missing = [layer for layer in wanted if layer not in found]
        if missing:
            raise GraphConflict(f"unknown layer(s): {', '.join(missing)}")
    _check_layers_still_used_tx(tx, by)


def _check_layers_still_used_tx(
    tx: neo4j.ManagedTransaction, by: dict[tuple[str, str], list[Change]]
) -> None:
    """Refuse deleting a layer that mitigations this write keeps still sit in.

    A layer map can put another taxonomy's mitigations (ATLAS's, say) in the
    seed's layers; pruning such a layer would leave them without one.
    """
    doomed = [c.key for c in by.get(("layer", "delete"), [])]
    if not doomed:
        return
    leaving = [c.key for c in by.get(("mitigation", "delete"), [])] + [
        c.key
        for c in by.get(("mitigation", "update"), [])
        if c.after.layer not in doomed
    ]
    held = tx.run(
        "UNWIND $ids AS id MATCH (m:Mitigation)-[:IN_LAYER]->(:GovernanceLayer {id: id}) "
        "WHERE NOT m.id IN $leaving RETURN id, m.id AS m ORDER BY id, m LIMIT 5",
        ids=doomed,
        leaving=leaving,
    ).values()
    if held:
        named = ", ".join(f"{m} (in {layer})" for layer, m in held)
        raise GraphConflict(
            f"cannot delete a layer that mitigations still sit in: {named}"
        )


@translate_errors
def taxonomy_sync(
    desired: Taxonomy,
    *,
    prune: bool,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
    taxonomy: str | Collection[str] | None = None,
    validate: Callable[[Taxonomy, ChangeSet], None] | None = None,
) -> tuple[ChangeSet, int]:
    """Make the graph hold ``desired``: read, diff and write in ONE transaction.

    Returns the change set and the graph revision after it. With ``dry_run``
    nothing is written. ``validate(current, changes)`` runs inside the
    transaction before any write; whatever it raises rolls everything back.
    Any failure rolls the whole transaction back. ``taxonomy`` restricts the
    comparison (and so ``prune``) to the nodes of those taxonomies and the
    links among them: nodes of other taxonomies are never changed, and
    creating a node whose id another taxonomy holds raises GraphConflict.
    """
    from taxonomy.domain.changes import taxonomy_diff

    def work(tx: neo4j.ManagedTransaction) -> tuple[ChangeSet, int]:
        current = _read_taxonomy_tx(tx, taxonomy)
        changes = taxonomy_diff(current, desired, prune=prune)
        _check_conflicts_tx(tx, changes, desired, _scope(taxonomy))
        if validate is not None:
            validate(current, changes)
        if dry_run:
            return changes, current.revision
        return changes, _apply_tx(tx, changes, progress)

    with _session() as session:
        if dry_run:
            return session.execute_read(work)
        try:
            return session.execute_write(work)
        finally:
            forget_revision_token()


@translate_errors
def graph_revision() -> int:
    """The graph's revision number, read fresh (no token reuse)."""
    records, _, _ = get_driver().execute_query(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN coalesce(m.revision, 0) AS r",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return records[0]["r"]


# --- Revision token --------------------------------------------------------------


# The last token read by this process: (driver, token, monotonic time of the read).
_last_token: tuple[Any, str, float] | None = None


def forget_revision_token() -> None:
    """Make the next ``graph_revision_token`` ask Neo4j (after a write here)."""
    global _last_token
    _last_token = None


@translate_errors
def graph_revision_token(*, max_age: float = 0.0) -> str:
    """``"<epoch>:<revision>"``: changes with every write and when the graph is emptied.

    The one cheap read a cached answer needs to know whether it is still
    current: an auto-commit query without retries (one round trip; an
    unreachable server is reported at once, not after the driver's retry
    time). With ``max_age`` > 0 a token this process read less than that many
    seconds ago is reused; every write made by this process forgets it, so
    only other processes' writes can go unseen, for at most ``max_age``.
    """
    global _last_token
    current_driver = get_driver()
    started = time.monotonic()
    if _last_token is not None and max_age > 0:
        last_driver, token, read_at = _last_token
        if last_driver is current_driver and started - read_at < max_age:
            return token
    with _session(neo4j.READ_ACCESS) as session:
        row = session.run(
            "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "RETURN coalesce(m.epoch, '') AS e, coalesce(m.revision, 0) AS r"
        ).single()
    token = f"{row['e']}:{row['r']}"
    _last_token = (current_driver, token, started)
    return token


# --- Single-item writes ----------------------------------------------------------
#
# Each write is ONE transaction: it locks what it changes, checks the expected
# version and the references inside the transaction, writes, bumps the item's
# version and the graph revision. A refused write raises one of the exceptions
# below and the transaction rolls back, so nothing changes.
# A caller that passes a dict as ``seen`` gets in it what the write found
# (``before``: the item before an update or delete) and the graph ``revision``
# after it, read in the same transaction.


Versions = frozenset[int] | None  # acceptable current versions; None = any

NODE_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in fields(cls) if f.name not in ("id", "version", "layer"))
    for kind, (_, cls) in NODE_KINDS.items()
}
MITIGATES_FIELDS = ("strength", "rationale", "sources")
_REL_KIND = {rel: kind for kind, (_, rel, _) in LINK_KINDS.items()}


def _write(work: Callable[[neo4j.ManagedTransaction], T]) -> T:
    try:
        with _session() as session:
            return session.execute_write(work)
    finally:
        forget_revision_token()


def _note(seen: dict[str, Any] | None, **values: Any) -> None:
    """Tell a caller who asked (``seen``) what the write found and did, e.g. the
    item ``before`` it and the graph ``revision`` after it (for the audit log)."""
    if seen is not None:
        seen.update(values)


def _link_read_tx(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str, version: int
) -> Mitigates | Link:
    if kind == "mitigates":
        return _mitigates_read_tx(tx, source, target)
    return Link(source, target, version)


def _lock_node(tx: neo4j.ManagedTransaction, kind: str, key: str) -> int | None:
    """Write-lock a node and return its version (None when it does not exist)."""
    label = NODE_KINDS[kind][0]
    row = tx.run(
        f"MATCH (n:{label} {{id: $id}}) SET n._lock = true WITH n REMOVE n._lock "
        "RETURN coalesce(n.version, 1) AS v",
        id=key,
    ).single()
    return None if row is None else row["v"]


def _lock_link(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> int | None:
    src, rel, dst = LINK_KINDS[kind]
    row = tx.run(
        f"MATCH (:{src} {{id: $source}})-[r:{rel}]->(:{dst} {{id: $target}}) "
        "SET r._lock = true WITH r REMOVE r._lock RETURN coalesce(r.version, 1) AS v",
        source=source,
        target=target,
    ).single()
    return None if row is None else row["v"]


def _check_version(kind: str, key: str, current: int | None, expected: Versions) -> int:
    if current is None:
        raise NotFound(kind, key)
    if expected is not None and current not in expected:
        raise VersionConflict(kind, key, current)
    return current


def _node_read_tx(tx: neo4j.ManagedTransaction, kind: str, key: str) -> Any:
    label, cls = NODE_KINDS[kind]
    row = tx.run(
        f"MATCH (n:{label} {{id: $id}}) "
        "OPTIONAL MATCH (n)-[:IN_LAYER]->(l:GovernanceLayer) "
        "WITH n, min(l.id) AS layer RETURN n {.*, layer: layer} AS p",
        id=key,
    ).single()
    return _pick(cls, row["p"])


def _missing_ids(tx: neo4j.ManagedTransaction, kind: str, ids: list[str]) -> list[str]:
    label = NODE_KINDS[kind][0]
    row = tx.run(
        f"UNWIND $ids AS id OPTIONAL MATCH (n:{label} {{id: id}}) "
        "WITH id WHERE n IS NULL RETURN collect(DISTINCT id) AS missing",
        ids=ids,
    ).single()
    return sorted(row["missing"])


def _require_nodes(
    tx: neo4j.ManagedTransaction, checks: list[tuple[str, str, list[str]]]
) -> None:
    """Raise InvalidWrite naming each field whose ids do not exist.

    ``checks`` holds ``(field, kind, ids)``.
    """
    errors: dict[str, list[str]] = {}
    for field, kind, ids in checks:
        for missing in _missing_ids(tx, kind, ids):
            errors.setdefault(field, []).append(f"unknown {kind} {missing!r}")
    if errors:
        raise InvalidWrite(errors)


def _set_layer(tx: neo4j.ManagedTransaction, key: str, layer: str) -> None:
    _require_nodes(tx, [("layer", "layer", [layer])])
    tx.run(
        "MATCH (m:Mitigation {id: $id}) OPTIONAL MATCH (m)-[old:IN_LAYER]->() "
        "DELETE old",
        id=key,
    ).consume()
    tx.run(
        "MATCH (m:Mitigation {id: $id}), (l:GovernanceLayer {id: $layer}) "
        "CREATE (m)-[:IN_LAYER]->(l)",
        id=key,
        layer=layer,
    ).consume()


def _checked_props(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    allowed = NODE_FIELDS[kind]
    unknown = set(values) - set(allowed) - {"layer"}
    if unknown:
        raise ValueError(f"not fields of a {kind}: {sorted(unknown)}")
    return {k: _list_or_value(v) for k, v in values.items() if k in allowed}


def _require_cited(tx: neo4j.ManagedTransaction, props: dict[str, Any]) -> None:
    """The Source records a node's ``sources`` names must exist."""
    if props.get("sources"):
        _require_nodes(tx, [("sources", "source", list(props["sources"]))])


@translate_errors
def node_create(*, kind: str, record: Any, seen: dict[str, Any] | None = None) -> Any:
    """Create one node (with its layer for a mitigation); return it as stored."""
    label = NODE_KINDS[kind][0]
    props = _checked_props(kind, {f: getattr(record, f) for f in NODE_FIELDS[kind]})

    def work(tx: neo4j.ManagedTransaction) -> Any:
        if _lock_node(tx, kind, record.id) is not None:
            raise AlreadyExists(kind, record.id)
        _require_cited(tx, props)
        tx.run(
            f"CREATE (n:{label} {{id: $id}}) SET n += $props, n.version = 1",
            id=record.id,
            props=props,
        ).consume()
        if kind == "mitigation":
            _set_layer(tx, record.id, record.layer)
        _note(seen, revision=_bump_revision(tx))
        return _node_read_tx(tx, kind, record.id)

    try:
        return _write(work)
    except neo4j_errors.ConstraintError as e:
        raise AlreadyExists(kind, record.id) from e


@translate_errors
def node_update(
    *,
    kind: str,
    key: str,
    changes: dict[str, Any],
    expected: Versions,
    seen: dict[str, Any] | None = None,
) -> Any:
    """Set some fields of one node if its version is an expected one; return it."""
    label = NODE_KINDS[kind][0]
    props = _checked_props(kind, changes)

    def work(tx: neo4j.ManagedTransaction) -> Any:
        _check_version(kind, key, _lock_node(tx, kind, key), expected)
        before = _node_read_tx(tx, kind, key)
        # An item's taxonomy is part of its identity, like its id: an update
        # that leaves it out keeps it, one that names another is refused.
        if props.get("taxonomy", before.taxonomy) != before.taxonomy:
            raise InvalidWrite(
                {
                    "taxonomy": [
                        f"{key!r} belongs to taxonomy {before.taxonomy!r}; an item's "
                        "taxonomy cannot change"
                    ]
                }
            )
        props.pop("taxonomy", None)
        if seen is not None:
            _note(seen, before=before)
        _require_cited(tx, props)
        tx.run(
            f"MATCH (n:{label} {{id: $id}}) "
            "SET n += $props, n.version = coalesce(n.version, 1) + 1",
            id=key,
            props=props,
        ).consume()
        if kind == "mitigation" and "layer" in changes:
            _set_layer(tx, key, changes["layer"])
        _note(seen, revision=_bump_revision(tx))
        return _node_read_tx(tx, kind, key)

    return _write(work)


def _node_links_tx(
    tx: neo4j.ManagedTransaction, kind: str, key: str
) -> list[dict[str, str]]:
    """Every link that involves the node, as ``{kind, source, target}``."""
    if kind == "layer":
        rows = tx.run(
            "MATCH (m:Mitigation)-[:IN_LAYER]->(:GovernanceLayer {id: $id}) "
            "RETURN m.id AS m ORDER BY m",
            id=key,
        )
        return [{"kind": "in_layer", "source": r["m"], "target": key} for r in rows]
    if kind == "source":
        rows = tx.run(
            "MATCH (m:Mitigation)-[r:MITIGATES]->(t:MisuseVector) "
            "WHERE $id IN coalesce(r.sources, []) "
            "RETURN m.id AS m, t.id AS t ORDER BY m, t",
            id=key,
        )
        cited = [
            {"kind": "mitigates", "source": r["m"], "target": r["t"], "via": "sources"}
            for r in rows
        ]
        rows = tx.run(
            "MATCH (n) WHERE (n:MisuseVector OR n:Mitigation) "
            "AND $id IN coalesce(n.sources, []) "
            "RETURN n.id AS n, labels(n) AS labels ORDER BY n",
            id=key,
        )
        for r in rows:
            kind_of = next(
                LABEL_KIND[label] for label in r["labels"] if label in LABEL_KIND
            )
            cited.append(
                {"kind": "cites", "source": r["n"], "target": key, "via": kind_of}
            )
        return cited
    label = NODE_KINDS[kind][0]
    rows = tx.run(
        f"MATCH (n:{label} {{id: $id}})-[r]-() WHERE type(r) IN $types "
        "RETURN type(r) AS rel, startNode(r).id AS s, endNode(r).id AS t",
        id=key,
        types=list(_REL_KIND),
    )
    links = [
        {"kind": _REL_KIND[r["rel"]], "source": r["s"], "target": r["t"]} for r in rows
    ]
    return sorted(
        links, key=lambda link: (link["kind"], link["source"], link["target"])
    )


@translate_errors
def node_delete(
    *,
    kind: str,
    key: str,
    expected: Versions,
    cascade: bool,
    seen: dict[str, Any] | None = None,
) -> list[dict[str, str]]:
    """Delete one node; refuse while links involve it unless ``cascade``.

    With ``cascade`` a threat or mitigation goes with its links, a layer with
    the mitigations in it (and their links), and a source is removed from the
    ``sources`` of every MITIGATES link, threat and mitigation citing it.
    Returns the links removed.
    """
    label = NODE_KINDS[kind][0]

    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, str]]:
        _check_version(kind, key, _lock_node(tx, kind, key), expected)
        if seen is not None:
            _note(seen, before=_node_read_tx(tx, kind, key))
        links = _node_links_tx(tx, kind, key)
        if links and not cascade:
            raise StillReferenced(kind, key, links)
        if kind == "layer":
            tx.run(
                "MATCH (m:Mitigation)-[:IN_LAYER]->(:GovernanceLayer {id: $id}) "
                "DETACH DELETE m",
                id=key,
            ).consume()
        elif kind == "source":
            tx.run(
                "MATCH (:Mitigation)-[r:MITIGATES]->(:MisuseVector) "
                "WHERE $id IN coalesce(r.sources, []) "
                "SET r.sources = [s IN r.sources WHERE s <> $id], "
                "r.version = coalesce(r.version, 1) + 1",
                id=key,
            ).consume()
            tx.run(
                "MATCH (n) WHERE (n:MisuseVector OR n:Mitigation) "
                "AND $id IN coalesce(n.sources, []) "
                "SET n.sources = [s IN n.sources WHERE s <> $id], "
                "n.version = coalesce(n.version, 1) + 1",
                id=key,
            ).consume()
        tx.run(f"MATCH (n:{label} {{id: $id}}) DETACH DELETE n", id=key).consume()
        _note(seen, revision=_bump_revision(tx))
        return links

    return _write(work)


def _lock_endpoints(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> None:
    """Lock both ends of a link to be (in id order, so two writers never deadlock)."""
    src, _, dst = LINK_KINDS[kind]
    ends = sorted({(source, LABEL_KIND[src]), (target, LABEL_KIND[dst])})
    for key, node_kind in ends:
        _lock_node(tx, node_kind, key)


_LINK_FIELDS = {  # link kind -> (source field, target field) in the API
    "mitigates": ("mitigation", "threat"),
    "enables": ("source", "target"),
    "requires": ("source", "target"),
    "introduces": ("source", "target"),
    "subtype": ("source", "target"),
}


def _require_ends(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> None:
    src, _, dst = LINK_KINDS[kind]
    source_field, target_field = _LINK_FIELDS[kind]
    _require_nodes(
        tx,
        [
            (source_field, LABEL_KIND[src], [source]),
            (target_field, LABEL_KIND[dst], [target]),
        ],
    )


def _mitigates_read_tx(
    tx: neo4j.ManagedTransaction, mitigation: str, threat: str
) -> Mitigates:
    row = tx.run(
        "MATCH (:Mitigation {id: $m})-[r:MITIGATES]->(:MisuseVector {id: $t}) "
        "RETURN r.strength AS s, coalesce(r.rationale, '') AS r, "
        "coalesce(r.sources, []) AS src, coalesce(r.version, 1) AS v",
        m=mitigation,
        t=threat,
    ).single()
    return Mitigates(
        mitigation, threat, row["s"], row["r"], tuple(row["src"]), row["v"]
    )


@translate_errors
def mitigates_create(
    *, record: Mitigates, seen: dict[str, Any] | None = None
) -> Mitigates:
    """Create one MITIGATES link; its ends and sources must exist."""

    def work(tx: neo4j.ManagedTransaction) -> Mitigates:
        _lock_endpoints(tx, "mitigates", record.mitigation, record.threat)
        _require_ends(tx, "mitigates", record.mitigation, record.threat)
        _require_nodes(tx, [("sources", "source", list(record.sources))])
        if _lock_link(tx, "mitigates", record.mitigation, record.threat) is not None:
            raise AlreadyExists("mitigates", f"{record.mitigation}->{record.threat}")
        tx.run(
            "MATCH (m:Mitigation {id: $m}), (t:MisuseVector {id: $t}) "
            "CREATE (m)-[r:MITIGATES]->(t) SET r += $props, r.version = 1",
            m=record.mitigation,
            t=record.threat,
            props={f: _list_or_value(getattr(record, f)) for f in MITIGATES_FIELDS},
        ).consume()
        _note(seen, revision=_bump_revision(tx))
        return _mitigates_read_tx(tx, record.mitigation, record.threat)

    return _write(work)


def _list_or_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@translate_errors
def mitigates_update(
    *,
    mitigation: str,
    threat: str,
    changes: dict[str, Any],
    expected: Versions,
    seen: dict[str, Any] | None = None,
) -> Mitigates:
    """Set some of strength, rationale and sources of one MITIGATES link."""
    unknown = set(changes) - set(MITIGATES_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a mitigates link: {sorted(unknown)}")
    props = {k: _list_or_value(v) for k, v in changes.items()}
    key = f"{mitigation}->{threat}"

    def work(tx: neo4j.ManagedTransaction) -> Mitigates:
        current = _lock_link(tx, "mitigates", mitigation, threat)
        _check_version("mitigates", key, current, expected)
        if seen is not None:
            _note(seen, before=_mitigates_read_tx(tx, mitigation, threat))
        if "sources" in props:
            _require_nodes(tx, [("sources", "source", props["sources"])])
        tx.run(
            "MATCH (:Mitigation {id: $m})-[r:MITIGATES]->(:MisuseVector {id: $t}) "
            "SET r += $props, r.version = coalesce(r.version, 1) + 1",
            m=mitigation,
            t=threat,
            props=props,
        ).consume()
        _note(seen, revision=_bump_revision(tx))
        return _mitigates_read_tx(tx, mitigation, threat)

    return _write(work)


ACYCLIC_LINKS = ("requires", "subtype")  # as in fixtures: a cycle is refused


def _check_link_rules(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> None:
    if kind == "enables" and source == target:
        raise InvalidWrite({"target": [f"threat {source!r} cannot enable itself"]})
    if kind not in ACYCLIC_LINKS:
        return
    label, rel, _ = LINK_KINDS[kind]
    if source == target:
        raise InvalidWrite({"target": [f"{rel} cycle: {source} -> {source}"]})
    row = tx.run(
        f"MATCH p = shortestPath((:{label} {{id: $target}})-[:{rel}*]->"
        f"(:{label} {{id: $source}})) RETURN [n IN nodes(p) | n.id] AS ids",
        source=source,
        target=target,
    ).single()
    if row is not None:
        chain = " -> ".join([source, *row["ids"]])
        raise InvalidWrite({"target": [f"{rel} cycle: {chain}"]})


@translate_errors
def link_create(
    *, kind: str, source: str, target: str, seen: dict[str, Any] | None = None
) -> Link:
    """Create one ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF link (no properties
    besides version)."""
    src, rel, dst = LINK_KINDS[kind]

    def work(tx: neo4j.ManagedTransaction) -> Link:
        _lock_endpoints(tx, kind, source, target)
        _require_ends(tx, kind, source, target)
        _check_link_rules(tx, kind, source, target)
        if _lock_link(tx, kind, source, target) is not None:
            raise AlreadyExists(kind, f"{source}->{target}")
        tx.run(
            f"MATCH (a:{src} {{id: $source}}), (b:{dst} {{id: $target}}) "
            f"CREATE (a)-[:{rel} {{version: 1}}]->(b)",
            source=source,
            target=target,
        ).consume()
        _note(seen, revision=_bump_revision(tx))
        return Link(source, target, 1)

    return _write(work)


@translate_errors
def link_delete(
    *,
    kind: str,
    source: str,
    target: str,
    expected: Versions,
    seen: dict[str, Any] | None = None,
) -> None:
    """Delete one link of any kind if its version is an expected one."""
    src, rel, dst = LINK_KINDS[kind]

    def work(tx: neo4j.ManagedTransaction) -> None:
        current = _lock_link(tx, kind, source, target)
        _check_version(kind, f"{source}->{target}", current, expected)
        if seen is not None:
            _note(seen, before=_link_read_tx(tx, kind, source, target, current))
        tx.run(
            f"MATCH (:{src} {{id: $source}})-[r:{rel}]->(:{dst} {{id: $target}}) DELETE r",
            source=source,
            target=target,
        ).consume()
        _note(seen, revision=_bump_revision(tx))

    _write(work)


# --- Benchmark baseline -----------------------------------------------------------


@translate_errors
def plain_merge(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Write rows with plain batched ``UNWIND ... MERGE`` in one transaction.

    No read, no diff, no versions: the baseline the import benchmark measures
    the import path against. ``rows`` holds ``layer``, ``threat`` and
    ``mitigation`` (``{id, props}``), ``in_layer`` (``{id, layer}``) and
    ``mitigates`` (``{source, target, props}``).
    """

    def work(tx: neo4j.ManagedTransaction) -> None:
        for kind in ("layer", "threat", "mitigation"):
            label = NODE_KINDS[kind][0]
            for batch in _batches(rows[kind]):
                tx.run(
                    f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) "
                    "SET n += row.props",
                    rows=batch,
                ).consume()
        for batch in _batches(rows["in_layer"]):
            tx.run(
                "UNWIND $rows AS row MATCH (m:Mitigation {id: row.id}), "
                "(l:GovernanceLayer {id: row.layer}) MERGE (m)-[:IN_LAYER]->(l)",
                rows=batch,
            ).consume()
        for batch in _batches(rows["mitigates"]):
            tx.run(
                "UNWIND $rows AS row MATCH (m:Mitigation {id: row.source}), "
                "(t:MisuseVector {id: row.target}) MERGE (m)-[r:MITIGATES]->(t) "
                "SET r += row.props",
                rows=batch,
            ).consume()

    with _session() as session:
        session.execute_write(work)


@translate_errors
def mitigates_count(*, taxonomy: str) -> int:
    """How many MITIGATES links run between nodes of ``taxonomy``."""
    records, _, _ = get_driver().execute_query(
        "MATCH (m:Mitigation {taxonomy: $taxonomy})-[r:MITIGATES]->"
        "(:MisuseVector {taxonomy: $taxonomy}) RETURN count(r) AS n",
        taxonomy=taxonomy,
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return records[0]["n"]
