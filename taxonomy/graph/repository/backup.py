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

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import neo4j
import neo4j.time

from taxonomy.domain.errors import BackupError
from taxonomy.domain.kinds import LINK_KINDS, MAPPING_SET_LABEL, MAPS_TO, NODE_KINDS
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.graph.repository import staged_restore
from taxonomy.graph.repository.base import BATCH, _session, translate_errors
from taxonomy.graph.repository.journal import LABEL as JOURNAL_LABEL
from taxonomy.graph.repository.revision import forget_revision_token
from taxonomy.graph.repository.schema import ensure_schema
from taxonomy.graph.repository.staging import settle_load, staged_from
from taxonomy.graph.repository.visibility import lock_meta_tx

# Mapping sets and their rows (MAPPING_SET_LABEL, MAPS_TO) are backed up too.
LABELS = frozenset(
    {
        *(k.label for k in NODE_KINDS.values()),
        "LayerwiseMeta",
        JOURNAL_LABEL,
        MAPPING_SET_LABEL,
    }
)
KIND_LABELS = frozenset(k.label for k in NODE_KINDS.values())
TYPES = frozenset({*(k.rel for k in LINK_KINDS.values()), "IN_LAYER", MAPS_TO.rel})
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


_SCALARS = (str, int, float, bool)


def _value_ok(value: Any) -> bool:
    """A value Neo4j stores as a property: a scalar, a list of one scalar type,
    or a tagged datetime."""
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(isinstance(v, _SCALARS) for v in value) and (
            len({type(v) for v in value}) <= 1
        )
    return (
        isinstance(value, dict)
        and set(value) == {TEMPORAL}
        and isinstance(value[TEMPORAL], str)
    )


def backup_rows_checked(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows with known labels and types and storable values only; anything
    else stops the restore (BackupError)."""
    for row in rows:
        if "node" in row:
            labels = row["labels"]
            if not labels or not all(isinstance(x, str) for x in labels):
                raise BackupError(f"node {row['node']}: no labels")
            if unknown := set(labels) - LABELS:
                raise BackupError(
                    f"node {row['node']}: unknown labels {sorted(unknown)!r:.200}"
                )
            what = f"node {row['node']}"
        elif row.get("type") not in TYPES:
            raise BackupError(f"unknown relationship type {row.get('type')!r:.80}")
        else:
            what = f"a {row['type']} relationship"
        for name, value in row["props"].items():
            if not _value_ok(value):
                raise BackupError(f"{what}: {name[:80]!r} is not a property value")
        yield row


def _groups(batch: list[dict[str, Any]], key: Callable[[dict], Any]) -> dict:
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in batch:
        out.setdefault(key(row), []).append(row)
    return out


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _held_tx(tx: neo4j.ManagedTransaction) -> int:
    return tx.run(
        "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN count(n) AS n",
        labels=sorted(LABELS),
    ).single()["n"]


def _refuse_unless_restorable(held: int, replace: bool) -> None:
    if held and not replace:
        raise BackupError(
            f"the graph holds {held:,} nodes; restore into an empty graph, "
            "or pass --replace to replace them"
        )


@translate_errors
def graph_restorable(*, replace: bool) -> None:
    """Raise BackupError if a restore would be refused: the graph holds
    anything and ``replace`` is not given (asked before a file is read; the
    restore's transaction asks again)."""
    with _session(neo4j.READ_ACCESS) as session:
        held = session.execute_read(_held_tx)
    _refuse_unless_restorable(held, replace)


@translate_errors
def graph_load(
    rows: Callable[[], Iterable[dict[str, Any]]] | Sequence[dict[str, Any]],
    counts: dict[str, int] | None = None,
    *,
    replace: bool,
    progress: Progress = None,
) -> dict:
    """Restore a dump's rows (nodes first) in ONE transaction; return the counts.

    ``rows()`` gives the rows from the start (nodes numbered 0, 1, ... in
    order, then relationships between them); it is called by every attempt of
    the transaction, so a retried one reads them all again, and they are
    written in batches as they are read (``rows`` may also be a list of
    them). ``counts`` are the file's (``nodes``, ``relationships``), for
    progress. Refused (BackupError) when the graph
    holds anything and ``replace`` is not given; with it the graph is emptied
    first, in the same transaction, so a failed restore leaves the graph as
    it was.
    """
    ensure_schema()
    open_rows = rows if callable(rows) else lambda: rows
    if counts is not None:
        total = counts["nodes"] + counts["relationships"]
    else:
        total = 0 if callable(rows) else len(rows)

    def work(tx: neo4j.ManagedTransaction) -> dict:
        # Not while a staged load holds the graph (LoadInProgress).
        lock_meta_tx(tx)
        held = _held_tx(tx)
        _refuse_unless_restorable(held, replace)
        if held:
            tx.run(
                "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
                "DETACH DELETE n",
                labels=sorted(LABELS),
            ).consume()
        # What the last large writes asked for describes the graph replaced.
        tx.run("MATCH (d:LayerwiseLoaded) DELETE d").consume()
        # Node number -> element id; the file numbers its nodes 0, 1, ...
        created: list[str] = []
        done = {"nodes": 0, "relationships": 0}
        for batch in _chunks(backup_rows_checked(open_rows()), BATCH):
            nodes = [r for r in batch if "node" in r]
            created.extend([""] * len(nodes))
            for labels, group in _groups(
                nodes, lambda r: tuple(sorted(r["labels"]))
            ).items():
                # A dump of an early graph may hold items without a taxonomy:
                # they are the seed's, and reads filter by it.
                seed = (
                    {"taxonomy": DEFAULT_TAXONOMY} if set(labels) & KIND_LABELS else {}
                )
                params = [
                    {
                        "n": r["node"],
                        "p": seed | {k: _stored(v) for k, v in r["props"].items()},
                    }
                    for r in group
                ]
                numbered = {
                    record["n"]: record["id"]
                    for record in tx.run(
                        f"UNWIND $rows AS row CREATE (n:{':'.join(labels)}) "
                        "SET n = row.p RETURN row.n AS n, elementId(n) AS id",
                        rows=params,
                    )
                }
                for n, element in numbered.items():
                    created[n] = element
            links = [r for r in batch if "node" not in r]
            for kind, group in _groups(links, lambda r: r["type"]).items():
                params = [
                    {
                        "a": created[r["source"]],
                        "b": created[r["target"]],
                        "p": {k: _stored(v) for k, v in r["props"].items()},
                    }
                    for r in group
                ]
                tx.run(
                    "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a "
                    "MATCH (b) WHERE elementId(b) = row.b "
                    f"CREATE (a)-[r:{kind}]->(b) SET r = row.p",
                    rows=params,
                ).consume()
            done["nodes"] += len(nodes)
            done["relationships"] += len(links)
            if progress:
                progress(done["nodes"] + done["relationships"], total)
        # A new stamp in the revision token: the restored graph is not the one
        # answers were cached for at its epoch and revision (revision.py).
        # (A dump of a graph never written has no revision node: it gets one.)
        restored = tx.run(
            "MERGE (m:LayerwiseMeta {key: 'graph'}) "
            "ON CREATE SET m.epoch = randomUUID(), m.revision = 0 "
            "SET m.restored = randomUUID() "
            "RETURN m.load_token AS token"
        ).single()["token"]
        return done, restored

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


def restore_staged(counts: dict[str, int], meta: dict[str, Any] | None) -> bool:
    """Whether a file of ``counts`` is restored as a staged load: when it is
    larger than one transaction should hold (``staged_from``), unless its
    meta node holds a load of its own (the one-transaction restore settles
    that one).

    >>> from django.test import override_settings
    >>> with override_settings(LAYERWISE_STAGED_WRITE_ITEMS=10):
    ...     big = {"nodes": 9, "relationships": 2}
    ...     restore_staged(big, {}), restore_staged(big, {"load_token": "t"})
    (True, False)
    """
    held_load = meta is not None and meta.get("load_token") is not None
    return counts["nodes"] + counts["relationships"] > staged_from() and not held_load


def graph_load_staged(
    rows: Callable[[], Iterable[dict[str, Any]]],
    counts: dict[str, int],
    meta: dict[str, Any] | None,
    *,
    replace: bool,
    progress: Progress = None,
) -> dict:
    """Restore a dump's rows as a staged load (``staged_restore``): bounded
    transactions, readers seeing the old graph until one small switch.
    ``meta`` holds the properties of the file's meta node (None without one)."""
    return staged_restore.graph_load_staged(
        lambda: iter(rows()),
        counts,
        None if meta is None else {k: _stored(v) for k, v in meta.items()},
        replace=replace,
        stored=_stored,
        kinds=KIND_LABELS,
        progress=progress,
    )
