"""What readers see while a staged load is written: the visibility filter every
read applies, the graph meta node's state, and the lock every write takes first.

A staged load (``staging.py``) marks what it creates ``_load`` and what it
replaces or deletes ``_drop``; ``visible`` hides the first before the load's
switch and the second after it, so a reader sees the old taxonomy or the new
one, never a mix.
"""

from __future__ import annotations

import time
from typing import Any

import neo4j

from taxonomy.domain.errors import LoadInProgress
from taxonomy.graph.repository.base import _session, translate_errors
from taxonomy.graph.repository.lease import SILENT_MS, is_stale, retry_after
from taxonomy.graph.repository.lease import stale_seconds as stale_seconds

STAGING, ABORTING, COMMITTED = "staging", "aborting", "committed"
# No load: the value ``pending`` and ``dropped`` take, which no item holds.
NONE = -1


def visible(var: str, pending: str = "$pending", dropped: str = "$dropped") -> str:
    """The condition under which node or relationship ``var`` is seen by readers.

    >>> visible("n")
    '(n._load IS NULL OR n._load <> $pending) AND (n._drop IS NULL OR n._drop <> $dropped)'
    """
    return (
        f"({var}._load IS NULL OR {var}._load <> {pending}) AND "
        f"({var}._drop IS NULL OR {var}._drop <> {dropped})"
    )


# A query's opening that binds ``pending`` and ``dropped`` from the meta node,
# for single-query reads: ``VISIBILITY + "MATCH (n) WHERE " + visible("n", *VARS)``.
VISIBILITY = (
    "OPTIONAL MATCH (meta:LayerwiseMeta {key: 'graph'}) "
    "WITH CASE WHEN meta.load_state IN ['staging', 'aborting'] THEN meta.load_id "
    "ELSE -1 END AS pending, "
    "CASE WHEN meta.load_state = 'committed' THEN meta.load_id ELSE -1 END AS dropped "
)
VARS = ("pending", "dropped")

# What a load's meta says (``m`` bound): every reader of it returns these.
META_COLUMNS = (
    "coalesce(m.revision, 0) AS revision, m.load_state AS state, "
    "m.load_id AS id, m.load_done AS done, m.load_total AS total, "
    "m.load_started AS started, m.load_what AS what, m.load_token AS token, "
    f"coalesce(m.load_seq, 0) AS seq, {SILENT_MS} AS silent_ms"
)
META_QUERY = "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN " + META_COLUMNS
# The meta node's write lock, taken first: what a transaction reads after it
# is what it commits on (a WHERE before a SET would test an older state).
LOCK_META = (
    "OPTIONAL MATCH (m:LayerwiseMeta {key: 'graph'}) SET m._lock = true "
    "WITH m REMOVE m._lock"
)


def visibility_tx(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
    """``pending``, ``dropped`` (parameters for ``visible``), ``revision`` and
    ``state``, as ``tx`` sees the meta node now."""
    row = tx.run(META_QUERY).single()
    state = row["state"]
    return {
        "pending": row["id"] if state in (STAGING, ABORTING) else NONE,
        "dropped": row["id"] if state == COMMITTED else NONE,
        "revision": row["revision"],
        # ``seq`` counts loads begun: a read that spans a load which began and
        # was undone sees it changed, though the revision did not.
        "state": (state, row["id"], row["seq"]),
    }


def state_of(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "state": row["state"],
        "done": row["done"] or 0,
        "total": row["total"] or 0,
        "started": row["started"],
        "what": row["what"],
    }


def refuse_during_load(row: Any, owner: str | None = None) -> None:
    """Raise LoadInProgress if ``row`` (a meta row with ``state``, ``token``,
    ``silent_ms``...) shows a load other than the one ``owner`` (its token)
    holds."""
    if row is None or row["state"] is None:
        return
    if owner is not None and row["token"] == owner:
        return
    silent = row["silent_ms"]
    state = state_of(row)
    raise LoadInProgress(
        state, stale=is_stale(silent), wait=retry_after(_timing(state), silent)
    )


def lock_meta_tx(tx: neo4j.ManagedTransaction) -> None:
    """Take the meta node's write lock first thing in a write, so what it
    reads is the state it commits on (no other write commits in between),
    and refuse at once while a staged load holds the graph."""
    refuse_during_load(tx.run(f"{LOCK_META} RETURN {META_COLUMNS}").single())


@translate_errors
def load_status() -> dict[str, Any] | None:
    """The load in progress, if any: id, state, done, total, started (ms since
    the epoch), what, and ``rate`` (items/s) and ``eta`` (seconds) once known."""
    with _session(neo4j.READ_ACCESS) as session:
        row = session.run(META_QUERY).single()
    if row is None or row["state"] is None:
        return None
    out = _timing(state_of(row))
    out["silent_seconds"] = (row["silent_ms"] or 0) / 1000
    out["stale"] = is_stale(row["silent_ms"])
    if out["stale"]:  # its writer is gone: no rate, no time left
        out["rate"] = out["eta"] = None
    return out


def _timing(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with ``rate`` (items/s) and ``eta`` (seconds) once known."""
    elapsed = max((time.time() * 1000 - (state["started"] or 0)) / 1000, 1e-3)
    rate = state["done"] / elapsed if state["done"] else None
    eta = (state["total"] - state["done"]) / rate if rate else None
    return {**state, "rate": rate, "eta": eta if eta and eta > 0 else None}
