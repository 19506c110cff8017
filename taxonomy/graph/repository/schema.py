"""The server, its schema (constraints and indexes) and emptying the graph."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from typing import Any

import neo4j

from taxonomy.domain.kinds import MAPPING_SET_LABEL, MAPS_TO, NODE_KINDS
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository.base import (
    FULLTEXT_INDEX,
    OBSOLETE_INDEXES,
    _session,
    translate_errors,
)
from taxonomy.graph.repository.revision import forget_revision_token
from taxonomy.graph.repository.staging import RELS, settle_load
from taxonomy.graph.repository.visibility import VARS, VISIBILITY, visible

# Node kinds whose reads filter by taxonomy through an index: all of them.
TAXONOMY_INDEXED = tuple(NODE_KINDS)
# Nodes given their taxonomy per transaction when backfilling.
BACKFILL_BATCH = 10_000
_LABELS = [kind.label for kind in NODE_KINDS.values()]
STAGING_PROPERTIES = ("_load", "_drop", "_sid")


def _snake(label: str) -> str:
    """``MisuseVector`` -> ``misuse_vector``.

    >>> _snake("GovernanceLayer")
    'governance_layer'
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()


SCHEMA_STATEMENTS = (
    *(
        f"CREATE CONSTRAINT {_snake(label)}_id IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in _LABELS
    ),
    "CREATE CONSTRAINT layerwise_meta_key IF NOT EXISTS "
    "FOR (n:LayerwiseMeta) REQUIRE n.key IS UNIQUE",
    # A mapping set by its id, and its rows by their set (``mappings.py``).
    f"CREATE CONSTRAINT mapping_set_id IF NOT EXISTS "
    f"FOR (n:{MAPPING_SET_LABEL}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX maps_to_set IF NOT EXISTS FOR ()-[r:{MAPS_TO.rel}]-() ON (r.set)",
    # The audit journal is read in (revision, position) order from a point on.
    "CREATE INDEX audit_record_order IF NOT EXISTS "
    "FOR (n:AuditRecord) ON (n.revision, n.position)",
    f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS "
    f"FOR (n:{'|'.join(_LABELS)}) ON EACH [n.name, n.description, n.summary]",
    *(
        f"CREATE INDEX {_snake(NODE_KINDS[kind].label)}_taxonomy IF NOT EXISTS "
        f"FOR (n:{NODE_KINDS[kind].label}) ON (n.taxonomy)"
        for kind in TAXONOMY_INDEXED
    ),
    # A staged load finds its items, marks and replacements (``staging.py``).
    *(
        f"CREATE INDEX {_snake(label)}{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label in _LABELS
        for prop in STAGING_PROPERTIES
    ),
    *(
        f"CREATE INDEX {_snake(rel.title().replace('_', ''))}{prop} IF NOT EXISTS "
        f"FOR ()-[r:{rel}]-() ON (r.{prop})"
        for rel in sorted({rel for rel, _, _ in RELS})
        for prop in STAGING_PROPERTIES[:2]
    ),
)
_ANY_NODE = " OR ".join(f"n:{label}" for label in _LABELS)
# The name of every constraint and index above.
SCHEMA_NAMES = tuple(
    re.search(r"(?:CONSTRAINT|INDEX) (\w+) IF NOT EXISTS", statement).group(1)
    for statement in SCHEMA_STATEMENTS
)
# Drivers whose server this process has found (or made) the schema on; one
# thread checks at a time, so concurrent first writes do not race to create it.
_ensured: set[int] = set()
_ensuring = threading.Lock()


@translate_errors
def server_components() -> list[dict[str, Any]]:
    records, _, _ = get_driver().execute_query(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name, versions, edition",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return [dict(r) for r in records]


@translate_errors
def schema_apply() -> list[str]:
    """Create the constraints and indexes (idempotent); return their names."""
    driver = get_driver()
    for name in OBSOLETE_INDEXES:
        driver.execute_query(f"DROP INDEX {name} IF EXISTS", database_=database())
    for statement in SCHEMA_STATEMENTS:
        driver.execute_query(statement, database_=database())
    driver.execute_query("CALL db.awaitIndexes(120)", database_=database())
    backfill_taxonomy()
    records, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name RETURN name ORDER BY name", database_=database()
    )
    return [r["name"] for r in records]


@translate_errors
def schema_missing() -> list[str]:
    """The constraints and indexes the server lacks, read fresh (``health``)."""
    # A uniqueness constraint's backing index bears the constraint's name.
    records, _, _ = get_driver().execute_query(
        "SHOW INDEXES YIELD name RETURN name",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    present = {r["name"] for r in records}
    return [name for name in SCHEMA_NAMES if name not in present]


@translate_errors
def backfill_taxonomy() -> int:
    """Give the seed's taxonomy to every node without one; return how many.

    Graphs written by early versions (and dumps of them) left the seed's
    nodes without a ``taxonomy``; reads filter by it through an index, so
    every node must hold one. Batched: a large old graph needs no more
    transaction memory than a batch.
    """
    driver, done = get_driver(), 0
    for label in _LABELS:
        while True:
            records, _, _ = driver.execute_query(
                f"MATCH (n:{label}) WHERE n.taxonomy IS NULL "
                "WITH n LIMIT $batch SET n.taxonomy = $seed RETURN count(n) AS n",
                batch=BACKFILL_BATCH,
                seed=DEFAULT_TAXONOMY,
                database_=database(),
            )
            done += records[0]["n"]
            if records[0]["n"] < BACKFILL_BATCH:
                break
    return done


def ensure_schema() -> None:
    """Make sure the server has the constraints and indexes, once per process.

    Every write and search calls it first, so a graph loaded without
    ``taxonomy schema`` (a user's own Neo4j, a restored dump) still refuses two
    items with one id and can be searched: a missing piece is created
    (idempotently) on first use.
    """
    driver = get_driver()
    if id(driver) in _ensured:
        return
    with _ensuring:
        if id(driver) in _ensured:
            return
        if schema_missing():
            schema_apply()
        # A staged load its writer left (a killed process) is finished or
        # undone at the first write of the next process.
        settle_load()
        _ensured.add(id(driver))


def forget_schema() -> None:
    """Check the schema again on next use (after it was dropped, in tests)."""
    _ensured.clear()


@translate_errors
def graph_clear() -> None:
    """Delete every node and relationship (test and benchmark servers only)."""
    # Relationships first: a batch of nodes with many links each would need
    # more transaction memory than a small server allows.
    with _session() as session:
        for query in (
            "MATCH ()-[r]->() WITH r LIMIT 2000 DELETE r RETURN count(*) AS n",
            "MATCH (n) WITH n LIMIT 2000 DETACH DELETE n RETURN count(*) AS n",
        ):
            while True:
                summary = session.run(query).single()
                if not summary or summary["n"] == 0:
                    break
        forget_revision_token()


def _everything(rows_of: Callable[[neo4j.Result], list]) -> tuple[list, list]:
    """Every node (``id``, ``labels``, properties ``p``) and every relationship
    (ends ``a`` and ``b``, ``type``, ``p``) in one read, each result read by
    ``rows_of`` (``neo4j.Result.values`` or ``.data``): for test-sized graphs."""
    with _session(neo4j.READ_ACCESS) as session:
        nodes = rows_of(
            session.run(
                "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, "
                "properties(n) AS p"
            )
        )
        links = rows_of(
            session.run(
                "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, type(r) AS type, "
                "elementId(b) AS b, properties(r) AS p"
            )
        )
    return nodes, links


@translate_errors
def graph_snapshot() -> dict[str, list]:
    """Every node (labels, properties) and relationship (type, properties,
    ends by position in the node list), for ``graph_restore`` to write the
    same graph again: the tests' seed, loaded once a session and then
    restored for each test that changes it. Reads everything: for
    test-sized graphs only."""
    rows, links = _everything(neo4j.Result.values)
    position = {row[0]: i for i, row in enumerate(rows)}
    return {
        "nodes": [{"labels": labels, "p": p} for _, labels, p in rows],
        "links": [
            {"a": position[a], "type": kind, "b": position[b], "p": p}
            for a, kind, b, p in links
        ],
    }


@translate_errors
def graph_restore(snapshot: dict[str, list]) -> None:
    """Empty the graph and write ``snapshot`` (``graph_snapshot``) in one
    transaction: the same labels, types and properties, but a new epoch (and
    time) in the revision meta node, as a load into an emptied graph gives,
    so no answer cached for another graph at the same revision is served for
    this one (test servers only)."""
    graph_clear()

    def work(tx: neo4j.ManagedTransaction) -> None:
        tx.run(
            "UNWIND $nodes AS row CREATE (n:$(row.labels)) SET n = row.p "
            "WITH collect(n) AS nodes "
            "UNWIND $links AS link "
            "WITH nodes[link.a] AS a, nodes[link.b] AS b, link "
            "CREATE (a)-[r:$(link.type)]->(b) SET r = link.p",
            nodes=snapshot["nodes"],
            links=snapshot["links"],
        ).consume()
        tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "SET m.epoch = randomUUID(), m.updated_at = datetime()"
        ).consume()

    with _session() as session:
        session.execute_write(work)
    forget_revision_token()


@translate_errors
def graph_fingerprint() -> str:
    """A digest of every node and relationship, with their labels, types and
    properties (the revision meta node's too), to tell whether a graph is
    exactly as it was: the tests that share one seeded graph check that none
    of them changed it. Reads everything: for test-sized graphs only.
    """
    nodes, links = _everything(neo4j.Result.data)
    rows = sorted(json.dumps(row, sort_keys=True, default=str) for row in nodes)
    rows += sorted(json.dumps(row, sort_keys=True, default=str) for row in links)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


@translate_errors
def graph_is_empty() -> bool:
    records, _, _ = get_driver().execute_query(
        VISIBILITY + f"MATCH (n) WHERE ({_ANY_NODE}) AND {visible('n', *VARS)} "
        "RETURN count(n) > 0 AS any LIMIT 1",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return not records[0]["any"]
