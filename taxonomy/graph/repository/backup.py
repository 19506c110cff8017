"""The whole graph out to plain rows and back: what ``manage.py backup``/``restore`` move.

A backup holds every node (its labels and properties) and every relationship
(its type, its two ends by node number, its properties) of the labels and
types the project writes, the audit journal and the revision counter
included; restoring it into an empty graph gives back the same graph, item
versions and revision and epoch alike, with a new restore stamp on the
revision's node (``restored``), which the revision token carries. Labels and types cannot be Cypher
parameters, so a restore accepts only the project's own, from the kind
registry, never a name from the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from typing import Any

import neo4j
import neo4j.time

from taxonomy.domain.errors import BackupError
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.graph.repository.base import _batches, _session, translate_errors
from taxonomy.graph.repository.journal import LABEL as JOURNAL_LABEL
from taxonomy.graph.repository.revision import forget_revision_token
from taxonomy.graph.repository.schema import ensure_schema
from taxonomy.graph.repository.staging import settle_load
from taxonomy.graph.repository.visibility import lock_meta_tx

LABELS = frozenset(
    {*(k.label for k in NODE_KINDS.values()), "LayerwiseMeta", JOURNAL_LABEL}
)
KIND_LABELS = frozenset(k.label for k in NODE_KINDS.values())
TYPES = frozenset({*(k.rel for k in LINK_KINDS.values()), "IN_LAYER"})
TEMPORAL = "$datetime"
Progress = Callable[[int, int], None] | None


def _plain(value: Any) -> Any:
    """A property value as JSON can hold it (Neo4j datetimes tagged).

    >>> import datetime as dt
    >>> _plain([1, "a"]), _plain(neo4j.time.DateTime(2026, 1, 2, tzinfo=dt.UTC))
    ([1, 'a'], {'$datetime': '2026-01-02T00:00:00.000000000+00:00'})
    """
    if isinstance(value, neo4j.time.DateTime):
        return {TEMPORAL: value.iso_format()}
    return value


def _stored(value: Any) -> Any:
    """The inverse of ``_plain``.

    >>> _stored({"$datetime": "2026-01-02T00:00:00+00:00"}).year
    2026
    """
    if isinstance(value, dict):
        if set(value) != {TEMPORAL}:
            raise BackupError(f"not a property value: {value!r:.80}")
        return neo4j.time.DateTime.from_iso_format(value[TEMPORAL])
    return value


@translate_errors
def graph_dump(
    write: Callable[[dict[str, Any]], None],
    progress: Progress = None,
    *,
    restart: Callable[[], None] | None = None,
) -> dict:
    """Write every node, then every relationship, as rows through ``write``.

    One transaction that first takes the graph's revision lock, so no write
    can commit while the dump reads: the rows are one consistent state.
    Returns the counts (``nodes``, ``relationships``) and the ``revision``.
    A transaction that fails in a way worth retrying is tried again from the
    start, after ``restart()``, which must forget the rows written so far.
    """
    ensure_schema()

    def work(tx: neo4j.ManagedTransaction) -> dict:
        if restart is not None:
            restart()
        meta = tx.run(
            "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) SET m._lock = true "
            "WITH m REMOVE m._lock RETURN coalesce(m.revision, 0) AS r"
        ).single()
        counts = tx.run(
            "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
            "OPTIONAL MATCH (n)-[r]->() WHERE type(r) IN $types "
            "RETURN count(DISTINCT n) AS nodes, count(r) AS relationships",
            labels=sorted(LABELS),
            types=sorted(TYPES),
        ).single()
        total, done = counts["nodes"] + counts["relationships"], 0
        number: dict[str, int] = {}
        for row in tx.run(
            "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
            "RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS p",
            labels=sorted(LABELS),
        ):
            number[row["id"]] = len(number)
            props = {k: _plain(v) for k, v in row["p"].items()}
            write({"node": number[row["id"]], "labels": row["labels"], "props": props})
            done += 1
            if progress and done % 5000 == 0:
                progress(done, total)
        for row in tx.run(
            "MATCH (a)-[r]->(b) WHERE type(r) IN $types "
            "RETURN elementId(a) AS a, type(r) AS type, elementId(b) AS b, "
            "properties(r) AS p",
            types=sorted(TYPES),
        ):
            props = {k: _plain(v) for k, v in row["p"].items()}
            write(
                {
                    "source": number[row["a"]],
                    "type": row["type"],
                    "target": number[row["b"]],
                    "props": props,
                }
            )
            done += 1
            if progress and done % 5000 == 0:
                progress(done, total)
        if progress:
            progress(done, total)
        return {**dict(counts), "revision": meta["r"]}

    with _session() as session:
        return session.execute_write(work)


def _checked(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows with known labels and types only; anything else stops the restore."""
    for row in rows:
        if "node" in row:
            unknown = set(row["labels"]) - LABELS
            if unknown or not row["labels"]:
                raise BackupError(f"node {row['node']}: unknown labels {unknown}")
        elif row.get("type") not in TYPES:
            raise BackupError(f"unknown relationship type {row.get('type')!r:.80}")
        yield row


def _end(created: dict[int, str], row: dict[str, Any], end: str) -> str:
    if row.get(end) not in created:
        raise BackupError(
            f"a {row['type']} relationship's {end} is no node of the file"
        )
    return created[row[end]]


@translate_errors
def graph_load(
    rows: Iterable[dict[str, Any]], *, replace: bool, progress: Progress = None
) -> dict:
    """Restore a dump's rows (nodes first) in ONE transaction; return the counts.

    Refused (BackupError) when the graph holds anything and ``replace`` is
    not given; with it the graph is emptied first, in the same transaction,
    so a failed restore leaves the graph as it was.
    """
    ensure_schema()
    # Read (and checked) before the transaction: a retried transaction must
    # find every row again, not an iterator the first attempt used up (it
    # would replace the graph by nothing).
    nodes, links = [], []
    for row in _checked(rows):
        (nodes if "node" in row else links).append(row)

    def work(tx: neo4j.ManagedTransaction) -> dict:
        # Not while a staged load holds the graph (LoadInProgress).
        lock_meta_tx(tx)
        held = tx.run(
            "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
            "RETURN count(n) AS n",
            labels=sorted(LABELS),
        ).single()["n"]
        if held and not replace:
            raise BackupError(
                f"the graph holds {held:,} nodes; restore into an empty graph, "
                "or pass --replace to replace them"
            )
        if held:
            tx.run(
                "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
                "DETACH DELETE n",
                labels=sorted(LABELS),
            ).consume()
        # What the last large writes asked for describes the graph replaced.
        tx.run("MATCH (d:LayerwiseLoaded) DELETE d").consume()
        created: dict[int, str] = {}
        counts = {"nodes": 0, "relationships": 0}
        for labels, group in groupby(
            sorted(nodes, key=lambda r: sorted(r["labels"])),
            key=lambda r: sorted(r["labels"]),
        ):
            # A dump of an early graph may hold items without a taxonomy:
            # they are the seed's, and reads filter by it.
            seed = {"taxonomy": DEFAULT_TAXONOMY} if set(labels) & KIND_LABELS else {}
            for batch in _batches(list(group)):
                params = [
                    {
                        "n": r["node"],
                        "p": seed | {k: _stored(v) for k, v in r["props"].items()},
                    }
                    for r in batch
                ]
                for record in tx.run(
                    f"UNWIND $rows AS row CREATE (n:{':'.join(labels)}) "
                    "SET n = row.p RETURN row.n AS n, elementId(n) AS id",
                    rows=params,
                ):
                    created[record["n"]] = record["id"]
                counts["nodes"] += len(batch)
                if progress:
                    progress(counts["nodes"], len(nodes) + len(links))
        for kind, group in groupby(
            sorted(links, key=lambda r: r["type"]), key=lambda r: r["type"]
        ):
            for batch in _batches(list(group)):
                params = [
                    {
                        "a": _end(created, r, "source"),
                        "b": _end(created, r, "target"),
                        "p": {k: _stored(v) for k, v in r["props"].items()},
                    }
                    for r in batch
                ]
                tx.run(
                    "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a "
                    "MATCH (b) WHERE elementId(b) = row.b "
                    f"CREATE (a)-[r:{kind}]->(b) SET r = row.p",
                    rows=params,
                ).consume()
                counts["relationships"] += len(batch)
                if progress:
                    progress(
                        counts["nodes"] + counts["relationships"],
                        len(nodes) + len(links),
                    )
        # A new stamp in the revision token: the restored graph is not the one
        # answers were cached for at its epoch and revision (revision.py).
        # (A dump of a graph never written has no revision node: it gets one.)
        restored = tx.run(
            "MERGE (m:LayerwiseMeta {key: 'graph'}) "
            "ON CREATE SET m.epoch = randomUUID(), m.revision = 0 "
            "SET m.restored = randomUUID() "
            "RETURN m.load_token AS token"
        ).single()["token"]
        return counts, restored

    try:
        with _session() as session:
            counts, restored = session.execute_write(work)
    finally:
        forget_revision_token()
    if restored is not None:
        # A dump taken while a staged load was written holds it: no writer
        # owns it now, so it is undone (or, past its switch, finished) at once.
        settle_load(force=True, token=restored)
    return counts
