"""The audit journal: one ``:AuditRecord`` node per change, written by the change's
own transaction, so a committed write always has its record and a rolled-back
one never does.

A record is identified by the graph revision its write produced and its
position within that write (``revision``, ``position``): both only grow, so a
reader copies what it has not seen by asking for what comes after the last
pair it holds (see ``taxonomy.audit.audit_catch_up``). Values are plain
properties; ``before`` and ``after`` are JSON text (Neo4j stores no maps).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import neo4j

from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository.base import _batches, read_one, translate_errors
from taxonomy.graph.repository.visibility import VARS, VISIBILITY, visible

# Records a staged restore has written but not switched to, or replaced and
# not yet deleted, are no reader's (``staged_restore.py``).
SEEN = visible("a", *VARS)

LABEL = "AuditRecord"
# The properties of a record, as ``taxonomy.audit.journal_entries`` makes them.
FIELDS = (
    "revision",
    "position",
    "at",
    "actor_id",
    "actor_name",
    "channel",
    "action",
    "kind",
    "key",
    "source",
    "target",
    "before",
    "after",
    "comment",
)
PAGE = 5000


def journal_write_tx(tx: neo4j.ManagedTransaction, entries: Sequence[dict]) -> None:
    """Write ``entries`` (dicts of FIELDS) as records, inside the caller's transaction."""
    for batch in _batches(list(entries)):
        tx.run(
            f"UNWIND $rows AS row CREATE (a:{LABEL}) SET a = row", rows=batch
        ).consume()


@translate_errors
def journal_epoch() -> str:
    """The graph's epoch (blank before its first write): records belong to it."""
    return read_one(
        "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "RETURN coalesce(m.epoch, '') AS e"
    )


@translate_errors
def journal_after(revision: int, position: int) -> Iterator[list[dict[str, Any]]]:
    """Pages of the records after (``revision``, ``position``), oldest first.

    Each page is read by its own query, so a long journal is never held whole.
    """
    while True:
        records, _, _ = get_driver().execute_query(
            # A staged load writes its records at the revision its switch
            # gives: they are the journal's once the graph is at it.
            f"{VISIBILITY} OPTIONAL MATCH (m:LayerwiseMeta {{key: 'graph'}}) "
            "WITH pending, dropped, coalesce(m.revision, 0) AS current "
            f"MATCH (a:{LABEL}) WHERE (a.revision > $revision "
            "OR (a.revision = $revision AND a.position > $position)) "
            f"AND a.revision <= current AND {SEEN} "
            "RETURN a {.*} AS a ORDER BY a.revision, a.position LIMIT $page",
            revision=revision,
            position=position,
            page=PAGE,
            database_=database(),
            routing_=neo4j.RoutingControl.READ,
        )
        page = [_plain(r["a"]) for r in records]
        if not page:
            return
        yield page
        if len(page) < PAGE:
            return
        revision, position = page[-1]["revision"], page[-1]["position"]


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A record's properties without a staged restore's marks.

    >>> _plain({"key": "t1", "_drop": 4})
    {'key': 't1'}
    """
    return {k: v for k, v in record.items() if not k.startswith("_")}


@translate_errors
def journal_count() -> int:
    """How many records the journal holds."""
    records, _, _ = get_driver().execute_query(
        f"{VISIBILITY} MATCH (a:{LABEL}) WHERE {SEEN} RETURN count(a) AS n",
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return records[0]["n"]


@translate_errors
def journal_times(kinds: Sequence[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """``(kind, key) -> (created, modified)`` of every item of ``kinds`` the
    journal records: when its first creation was written (blank when the
    journal has no creation of it) and when its latest change was.

    The times are the records' ``at`` (ISO text in UTC, which sorts as time
    does); a deletion is no change of what an item says.
    """
    records, _, _ = get_driver().execute_query(
        f"{VISIBILITY} OPTIONAL MATCH (m:LayerwiseMeta {{key: 'graph'}}) "
        "WITH pending, dropped, coalesce(m.revision, 0) AS current "
        f"MATCH (a:{LABEL}) WHERE a.kind IN $kinds AND a.action <> 'delete' "
        f"AND a.revision <= current AND {SEEN} "
        "RETURN a.kind AS kind, a.key AS key, "
        "min(CASE WHEN a.action = 'create' THEN a.at END) AS created, "
        "max(a.at) AS modified",
        kinds=list(kinds),
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return {(r["kind"], r["key"]): (r["created"] or "", r["modified"]) for r in records}
