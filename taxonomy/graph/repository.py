"""All Cypher of the project. Values travel only as $parameters.

Labels and relationship types cannot be parameters; the few queries that vary
them take them from the fixed tables below, never from input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any, TypeVar

import neo4j
from neo4j import exceptions as neo4j_errors

from taxonomy.changes import Change, ChangeSet
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.records import (
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Source,
    Taxonomy,
    Threat,
)

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
TAXONOMY_FIELDS = {
    "layer": "layers",
    "threat": "threats",
    "mitigation": "mitigations",
    "source": "sources",
    "mitigates": "mitigates",
    "enables": "enables",
    "requires": "requires",
    "introduces": "introduces",
    "subtype": "subtypes",
}
FULLTEXT_INDEX = "taxonomy_text"
BATCH = 5000


class GraphError(Exception):
    """A graph operation failed for a reason other than availability."""


class GraphUnavailable(GraphError):
    """Neo4j cannot be reached or refused our credentials."""


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


def _read_taxonomy_tx(tx: neo4j.ManagedTransaction, taxonomy: str | None) -> Taxonomy:
    params = {"taxonomy": taxonomy}
    node_filter = "WHERE $taxonomy IS NULL OR coalesce(n.taxonomy, 'layerwise') = $taxonomy"

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
            f"MATCH (a:{source})-[r:{rel}]->(b:{target}) "
            "WHERE $taxonomy IS NULL OR coalesce(a.taxonomy, 'layerwise') = $taxonomy "
            "RETURN a.id AS s, b.id AS t, coalesce(r.version, 1) AS v"
        )
        rows = sorted(tx.run(query, params).values())
        return tuple(Link(s, t, v) for s, t, v in rows)

    query = (
        "MATCH (m:Mitigation)-[r:MITIGATES]->(t:MisuseVector) "
        "WHERE $taxonomy IS NULL OR coalesce(t.taxonomy, 'layerwise') = $taxonomy "
        "RETURN m.id, t.id, r.strength, coalesce(r.rationale, ''), "
        "coalesce(r.sources, []), coalesce(r.version, 1)"
    )
    mitigates = sorted(tx.run(query, params).values(), key=lambda row: (row[0], row[1]))
    revision = tx.run(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN coalesce(m.revision, 0) AS r"
    ).single()["r"]
    return Taxonomy(
        layers=nodes("GovernanceLayer", Layer),
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


@translate_errors
def taxonomy_read(*, taxonomy: str | None = None) -> Taxonomy:
    """The whole graph (or one taxonomy of it) in one read transaction."""
    with _session(neo4j.READ_ACCESS) as session:
        return session.execute_read(_read_taxonomy_tx, taxonomy)


@translate_errors
def graph_revision() -> int:
    records, _, _ = get_driver().execute_query(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN coalesce(m.revision, 0) AS r",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return records[0]["r"]


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
def fulltext_search(*, text: str, limit: int = 50, taxonomy: str | None = None) -> list[dict[str, Any]]:
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
        kind = next((LABEL_KIND[label] for label in r["labels"] if label in LABEL_KIND), None)
        if kind:
            out.append({"kind": kind, "id": r["id"], "name": r["name"], "description": r["description"], "score": r["score"]})
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

    def __init__(self, tx: neo4j.ManagedTransaction, total: int, progress: Callable[[int, int], None] | None):
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
        w.run(f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) DETACH DELETE n", rows)

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
    return tx.run(
        "MERGE (m:LayerwiseMeta {key: 'graph'}) "
        "SET m.revision = coalesce(m.revision, 0) + 1, m.updated_at = datetime() "
        "RETURN m.revision AS r"
    ).single()["r"]


def _link_key(change: Change) -> dict[str, str]:
    record = change.before if change.after is None else change.after
    if isinstance(record, Mitigates):
        return {"source": record.mitigation, "target": record.threat}
    return {"source": record.source, "target": record.target}


@translate_errors
def taxonomy_sync(
    desired: Taxonomy,
    *,
    prune: bool,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
    taxonomy: str | None = None,
) -> tuple[ChangeSet, int]:
    """Make the graph hold ``desired``: read, diff and write in ONE transaction.

    Returns the change set and the graph revision after it. With ``dry_run``
    nothing is written. Any failure rolls the whole transaction back.
    """
    from taxonomy.changes import taxonomy_diff

    def work(tx: neo4j.ManagedTransaction) -> tuple[ChangeSet, int]:
        current = _read_taxonomy_tx(tx, taxonomy)
        changes = taxonomy_diff(current, desired, prune=prune)
        if dry_run:
            return changes, current.revision
        return changes, _apply_tx(tx, changes, progress)

    with _session() as session:
        if dry_run:
            return session.execute_read(work)
        return session.execute_write(work)
