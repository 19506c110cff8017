"""Whole-taxonomy writes too large for one transaction, still all-or-nothing.

One transaction holds about 3 KiB of Neo4j's transaction memory per item, so
a change set of a million links does not fit the default server. A *staged
load* writes it in bounded transactions instead, invisible to readers until
one small transaction switches to it:

1. **Lock.** The graph's meta node gets ``load_id`` (the revision the load
   will commit at), ``load_state = 'staging'`` and a heartbeat. Every other
   write refuses while it is there (``bump_revision_tx`` raises
   LoadInProgress), so nothing else changes while the load is written.
2. **Stage** (``staged_changes.py``), in batches (each a transaction that
   also beats the heart):
   created nodes carry ``_load = load_id``; an updated node is a
   *replacement* node (``_sid`` instead of ``id``, the uniqueness constraint
   cannot clash) with copies of the links the load keeps; a link is seen
   only with both its ends, so only a new link between two nodes readers
   already see carries ``_load`` too; what the load deletes or replaces is
   marked ``_drop = load_id``. Audit records are written at the coming
   revision.
3. **Switch**: one transaction sets ``load_state = 'committed'`` and the
   revision. A reader sees an item when ``visible``: its ``_load`` is not the
   pending load's and its ``_drop`` is not the committed load's. So before
   the switch readers see the old taxonomy, after it the new one.
4. **Settle**, in batches: a replacement takes its ``id`` as the node it
   replaces is deleted (the same transaction), dropped items go, and the
   lock is released. Every batch leaves what readers see unchanged.

A failure while staging (or a killed process: its lease, beaten every few
seconds by a thread of the writer, ``lease.py``, goes silent for
``LAYERWISE_LOAD_STALE_SECONDS``) is *aborted*: the staged items and marks
are removed in batches and the lock released, leaving the graph as it was.
A load that died after its switch is settled forward. ``settle_load`` does
either, and runs at every process's first write and after a restore.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j
from django.conf import settings

from taxonomy.domain.errors import GraphConflict, LoadInProgress, WriteTooLarge
from taxonomy.domain.kinds import LINK_KINDS, MAPS_TO, NODE_KINDS
from taxonomy.graph.repository.base import _session, translate_errors
from taxonomy.graph.repository.lease import (
    CLAIM,
    RELEASE,
    SILENT_MS,
    Heartbeat,
    beat_seconds,
    retry_after,
)
from taxonomy.graph.repository.visibility import (
    ABORTING,
    COMMITTED,
    LOCK_META,
    META_COLUMNS,
    META_QUERY,
    STAGING,
    load_status,
    refuse_during_load,
    stale_seconds,
    state_of,
)

logger = logging.getLogger(__name__)

# Rows per staging transaction (about 30 MiB of transaction memory), halved
# down to MIN_BATCH while a server's transaction limit refuses them.
STAGE_BATCH = 10_000
MIN_BATCH = 250
LABELS = {kind: spec.label for kind, spec in NODE_KINDS.items()}
# Every relationship type among taxonomy nodes: (type, source label, target label).
# MAPS_TO, a mapping set's row, joins two taxonomies: a threat a load replaces
# keeps its rows like its other links.
RELS = (
    *((k.rel, k.source_label, k.target_label) for k in LINK_KINDS.values()),
    ("IN_LAYER", "Mitigation", "GovernanceLayer"),
    (MAPS_TO.rel, MAPS_TO.source_label, MAPS_TO.target_label),
)


def stage_batch() -> int:
    return int(settings.LAYERWISE_STAGE_BATCH)


def staged_from() -> int:
    """Change sets larger than this are written as a staged load."""
    return int(settings.LAYERWISE_STAGED_WRITE_ITEMS)


class LoadLost(GraphConflict):
    """This process's load was taken over (its heartbeat seemed to stop)."""


@dataclass
class WriteStats:
    """How a whole-taxonomy write went: what ``taxonomy_sync`` reports."""

    items: int = 0
    staged: bool = False
    transactions: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        rate = self.items / self.seconds if self.seconds > 0 else None
        return {
            "items": self.items,
            "staged": self.staged,
            "transactions": self.transactions,
            "seconds": round(self.seconds, 3),
            "items_per_second": None if rate is None else round(rate, 1),
        }


class Load:
    """One staged load: its id (the revision it commits at) and its batches."""

    def __init__(
        self,
        load_id: int,
        token: str,
        stats: WriteStats,
        progress: Callable[[int, int], None] | None,
        total: int,
    ):
        self.id, self.token, self.stats, self.progress = load_id, token, stats, progress
        self.total, self.done, self.state = total, 0, STAGING
        self.batch = stage_batch()

    # -- one transaction -------------------------------------------------------

    def _tx(self, work: Callable[[neo4j.ManagedTransaction], Any]) -> Any:
        def unit(tx: neo4j.ManagedTransaction) -> Any:
            tx.run(LOCK_META).consume()
            beat = tx.run(
                "MATCH (m:LayerwiseMeta {key: 'graph'}) "
                "WHERE m.load_token = $token AND m.load_state = $state "
                "SET m.load_beat = timestamp(), m.load_done = $done, "
                "m.load_total = $total RETURN count(m) AS n",
                token=self.token,
                state=self.state,
                done=self.done,
                total=self.total,
            ).single()["n"]
            if not beat:
                raise LoadLost(_LOST)
            return work(tx)

        with _session() as session:
            result = session.execute_write(unit)
        self.stats.transactions += 1
        return result

    def _sized(self, work: Callable[[neo4j.ManagedTransaction, int], Any]) -> Any:
        """``work(batch size)`` in a transaction; a batch too large for the
        server's transaction limit is halved (the transaction wrote nothing)."""
        while True:
            try:
                return self._tx(lambda tx: work(tx, self.batch))
            except WriteTooLarge:
                if self.batch <= MIN_BATCH:
                    raise
                self.batch = max(self.batch // 2, MIN_BATCH)

    def rows(self, query: str, rows: Sequence[dict[str, Any]], counted: bool) -> None:
        """Run ``query`` over ``rows`` in batches (``$rows``, ``$load``)."""
        start = 0
        while start < len(rows):

            def work(
                tx: neo4j.ManagedTransaction, size: int, start: int = start
            ) -> int:
                batch = list(rows[start : start + size])
                tx.run(query, rows=batch, load=self.id).consume()
                return len(batch)

            written = self._sized(work)
            start += written
            if counted:
                self.done += written
                if self.progress:
                    self.progress(self.done, self.total)

    def links_of(self, query: str, rows: Sequence[dict[str, Any]]) -> None:
        """``until_done`` of ``query`` for each batch of ``rows`` (nodes): a
        batch of links at most a transaction, however many a node has."""
        for start in range(0, len(rows), STAGE_BATCH):
            self.until_done(query, rows=list(rows[start : start + STAGE_BATCH]))

    def until_done(self, query: str, **params: Any) -> int:
        """Run ``query`` (``$batch`` items at most, returning ``n``) until it
        does fewer than a batch."""
        total = 0
        while True:

            def work(tx: neo4j.ManagedTransaction, size: int) -> tuple[int, int]:
                row = tx.run(query, load=self.id, batch=size, **params).single()
                return row["n"], size

            n, size = self._sized(work)
            total += n
            if n < size:
                return total


# --- Lock ----------------------------------------------------------------------------


@translate_errors
def lock(what: str, total: int) -> tuple[int, str]:
    """Take the graph for a staged load: its id (the revision it will commit
    at) and its token (what every one of its transactions checks it still
    holds).

    A load whose writer died is settled first, one settling is waited for
    (``free_for_write``); one being written raises LoadInProgress.
    """
    settle_load()

    def work(tx: neo4j.ManagedTransaction) -> tuple[int, str]:
        tx.run(
            "MERGE (m:LayerwiseMeta {key: 'graph'}) "
            "ON CREATE SET m.epoch = randomUUID(), m.revision = 0"
        ).consume()
        row = tx.run(f"{LOCK_META} RETURN {META_COLUMNS}").single()
        refuse_during_load(row)
        load_id = row["revision"] + 1
        token = tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "SET m.load_id = $id, m.load_state = 'staging', m.load_beat = timestamp(), "
            "m.load_started = timestamp(), m.load_done = 0, m.load_total = $total, "
            "m.load_what = $what, m.load_token = randomUUID(), "
            "m.load_seq = coalesce(m.load_seq, 0) + 1 RETURN m.load_token AS token",
            id=load_id,
            total=total,
            what=what,
        ).single()["token"]
        tx.run(CLAIM, token=token).consume()
        return load_id, token

    with _session() as session:
        return write_past_loads(session, work)


def release_tx(tx: neo4j.ManagedTransaction, token: str) -> None:
    """Release the graph, if the load of ``token`` still holds it (else LoadLost)."""
    tx.run(LOCK_META).consume()
    released = tx.run(
        "MATCH (m:LayerwiseMeta {key: 'graph'}) WHERE m.load_token = $token "
        "REMOVE m.load_id, m.load_state, m.load_beat, m.load_started, "
        "m.load_done, m.load_total, m.load_what, m.load_token RETURN count(m) AS n",
        token=token,
    ).single()["n"]
    if not released:
        raise LoadLost(_LOST)
    tx.run(RELEASE, token=token).consume()


_LOST = (
    "this write's staged load was taken over (its writer seemed silent for "
    "LAYERWISE_LOAD_STALE_SECONDS); nothing of it is kept: try again"
)


@translate_errors
def unlock(
    token: str, then: Callable[[neo4j.ManagedTransaction], None] | None = None
) -> None:
    """Release the lock of a load that wrote nothing (and ``then(tx)`` with it)."""

    def work(tx: neo4j.ManagedTransaction) -> None:
        release_tx(tx, token)
        if then is not None:
            then(tx)

    with _session() as session:
        session.execute_write(work)


# --- Switch, settle, abort -----------------------------------------------------------


def switch(
    load: Load, then: Callable[[neo4j.ManagedTransaction], None] | None = None
) -> int:
    """The one small transaction after which readers see the load (``then(tx)``
    runs in it)."""

    def work(tx: neo4j.ManagedTransaction) -> int:
        row = tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) WHERE m.revision = $id - 1 "
            "SET m.load_state = 'committed', m.revision = $id, "
            "m.updated_at = datetime(), m.load_done = m.load_total "
            "RETURN m.revision AS r",
            id=load.id,
        ).single()
        if row is None:  # no write can commit while a load holds the graph
            raise LoadLost(_LOST)
        revision = row["r"]
        if then is not None:
            then(tx)
        return revision

    revision = load._tx(work)
    load.state = COMMITTED
    return revision


def _each_node(load: Load, where: str, action: str) -> None:
    """``action`` on every node ``n`` of any label that ``where``, a batch a time."""
    for label in LABELS.values():
        load.until_done(
            f"MATCH (n:{label}) WHERE {where} WITH n LIMIT $batch {action} "
            "RETURN count(n) AS n"
        )


def _each_rel(load: Load, where: str, action: str) -> None:
    """``action`` on every relationship ``r`` that ``where``, a batch a time."""
    for rel, _, _ in RELS:
        load.until_done(
            f"MATCH ()-[r:{rel}]->() WHERE {where} WITH r LIMIT $batch {action} "
            "RETURN count(r) AS n"
        )


def _links_of_marked(load: Load, mark: str) -> None:
    """Delete the links of every node marked ``mark`` (``_drop`` or ``_load``)
    of the load, a batch at a time: then deleting the nodes holds little."""
    for label in LABELS.values():
        load.until_done(
            f"MATCH (n:{label}) WHERE n.{mark} = $load MATCH (n)-[r]-() "
            "WITH DISTINCT r LIMIT $batch DELETE r RETURN count(r) AS n"
        )


def _settle(load: Load) -> None:
    """After the switch: replacements take their ids, dropped items go."""
    _links_of_marked(load, "_drop")
    for label in LABELS.values():
        load.until_done(
            f"MATCH (n:{label}) WHERE n._sid IS NOT NULL AND n._load = $load "
            "WITH n LIMIT $batch "
            f"CALL (n) {{ OPTIONAL MATCH (o:{label} {{id: n._sid}}) "
            "WHERE o._drop = $load DETACH DELETE o } "
            "SET n.id = n._sid REMOVE n._sid RETURN count(n) AS n"
        )
    _each_node(load, "n._drop = $load", "DETACH DELETE n")
    _each_rel(load, "r._drop = $load", "DELETE r")
    load._tx(lambda tx: release_tx(tx, load.token))


def _abort(load: Load) -> None:
    """Before the switch: remove what the load staged and marked."""
    _set_aborting(load)
    _abort_rest(load)


def _set_aborting(load: Load) -> None:
    """Record in the meta node, and on ``load``, that the load is being undone."""
    load._tx(
        lambda tx: tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) WHERE m.load_token = $token "
            "SET m.load_state = $state",
            token=load.token,
            state=ABORTING,
        ).consume()
    )
    load.state = ABORTING


def _abort_rest(load: Load) -> None:
    _links_of_marked(load, "_load")
    _each_node(load, "n._load = $load", "DETACH DELETE n")
    _each_rel(load, "r._load = $load", "DELETE r")
    _each_node(load, "n._drop = $load", "REMOVE n._drop")
    _each_rel(load, "r._drop = $load", "REMOVE r._drop")
    # The revision never reached the load's: its records are the only ones there.
    load.until_done(
        "MATCH (a:AuditRecord) WHERE a.revision = $load AND NOT EXISTS { "
        "MATCH (m:LayerwiseMeta {key: 'graph'}) WHERE m.revision >= $load } "
        "WITH a LIMIT $batch DELETE a RETURN count(a) AS n"
    )
    load._tx(lambda tx: release_tx(tx, load.token))


def run_load(
    load_id: int,
    token: str,
    stats: WriteStats,
    progress: Callable[[int, int], None] | None,
    total: int,
    write: Callable[[Load], None],
    then: Callable[[neo4j.ManagedTransaction], None] | None = None,
    background: bool = False,
) -> int:
    """Stage with ``write(load)``, switch (``then(tx)`` in its transaction),
    settle (with ``background``, in a thread of its own, after this returns);
    abort on any failure before the switch. The revision after it."""
    load = Load(load_id, token, stats, progress, total)
    try:
        with Heartbeat(token):
            write(load)
            revision = switch(load, then)
    except BaseException:
        try:
            with Heartbeat(token):
                _abort(load)
        except Exception:
            logger.exception(
                "staged load %s not yet removed; the next write removes it", load_id
            )
        raise
    if background:
        # The caller answers now; its own stats and progress are done with.
        load.stats, load.progress = WriteStats(), None
        thread = threading.Thread(
            target=_settle_or_log, args=(load,), name=f"settle-{load_id}", daemon=True
        )
        _BACKGROUND.add(thread)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: settle here
            _BACKGROUND.discard(thread)
            _settle_or_log(load)
    else:
        _settle_or_log(load)
    return revision


def _settle_or_log(load: Load) -> None:
    try:
        with Heartbeat(load.token):
            _settle(load)
    except Exception:
        # Readers already see the new taxonomy; the next write finishes this.
        logger.exception("staged load %s not yet settled", load.id)
    finally:
        _BACKGROUND.discard(threading.current_thread())


# How loads other than taxonomy writes are settled and undone, by how their
# ``load_what`` begins: (settle, abort, what to call them in the log).
# ``staged_restore`` registers the restore's.
FINISHERS: dict[str, tuple[Callable[[Load], None], Callable[[Load], None], str]] = {}

# The settling threads of this process (``settle_in_background``).
_BACKGROUND: set[threading.Thread] = set()


def join_background(timeout: float = 25.0) -> None:
    """Wait for this process's background settling to end, at most ``timeout``
    seconds: at exit (a web server stopped gracefully gives it up to 25 s,
    within gunicorn's 30 s grace; what is left, the next write finishes once
    the load is stale) and before a test empties the graph."""
    deadline = time.monotonic() + timeout
    for thread in list(_BACKGROUND):
        if thread.is_alive():
            thread.join(max(deadline - time.monotonic(), 0))


atexit.register(join_background)


def settle_wait_seconds() -> float:
    return float(settings.LAYERWISE_SETTLE_WAIT_SECONDS)


def free_for_write(error: LoadInProgress) -> bool:
    """Whether a write refused by ``error`` should try once more: the load's
    writer died (it is undone or finished here, or by another writer), or the
    load had switched and was settling and is no longer (waited for, up to
    ``LAYERWISE_SETTLE_WAIT_SECONDS``, only while its writer beats: a write
    just after a large import waits a moment rather than being refused, but
    never for a load nobody settles). Another try that meets a load still
    raises a fresh LoadInProgress. False: the same load is still being
    written, or still settling after the wait; the refusal stands, at once."""
    if error.stale:
        settle_load()
        return True
    if error.state.get("state") != COMMITTED:
        return False
    deadline = time.monotonic() + settle_wait_seconds()
    delay = 0.05
    while (left := deadline - time.monotonic()) > 0:
        here = threading.current_thread()
        settling_here = [t for t in _BACKGROUND if t is not here and t.is_alive()]
        if settling_here:  # this process settles: woken as soon as it ends
            settling_here[0].join(timeout=left)
        else:  # another process does: asked less and less often
            time.sleep(min(delay, left))
            delay = min(2 * delay, 0.5)
        status = load_status()
        if status is None:
            return True
        if status["id"] != error.state.get("id") or status["state"] != COMMITTED:
            return True  # another load: the next try says which
        if status["stale"]:
            settle_load()
            return True
        silent = status["silent_seconds"]
        if silent > 2 * beat_seconds():
            # Its writer missed beats: refused now, told when it is taken over.
            wait = retry_after(status, silent * 1000)
            raise LoadInProgress(state_of(status), wait=wait) from None
    return False


def write_past_loads(session: neo4j.Session, work: Callable[..., Any]) -> Any:
    """``session.execute_write(work)``, tried once more when a staged load
    refused it and ``free_for_write`` says the graph may be free now."""
    try:
        return session.execute_write(work)
    except LoadInProgress as e:
        if not free_for_write(e):
            raise
        return session.execute_write(work)


@translate_errors
def settle_load(*, force: bool = False, token: str | None = None) -> str | None:
    """Finish or undo a load whose writer is gone; what was done, if anything.

    A load silent for ``LAYERWISE_LOAD_STALE_SECONDS`` (or, with ``force``,
    the load of ``token`` however recent: after a restore no writer owns the
    load the dump held) is aborted if it had not switched, settled forward if
    it had. A live load is left alone.
    """
    with _session(neo4j.READ_ACCESS) as session:
        row = session.run(META_QUERY).single()
    if row is None or row["state"] is None:
        return None
    silent = row["silent_ms"] or 0
    if not force and silent <= stale_seconds() * 1000:
        return None
    if force and row["token"] != token:
        return None
    state, load_id, held = row["state"], row["id"], row["token"]

    def take(tx: neo4j.ManagedTransaction) -> str | None:
        # The lock first, then the test: a writer beating meanwhile wins.
        tx.run(LOCK_META).consume()
        row = tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) "
            "WHERE m.load_token = $token AND m.load_state = $state "
            f"AND ($force OR {SILENT_MS} > $stale) "
            "SET m.load_beat = timestamp(), m.load_state = $next, "
            "m.load_token = randomUUID() RETURN m.load_token AS token",
            token=held,
            state=state,
            force=force,
            stale=stale_seconds() * 1000,
            next=COMMITTED if state == COMMITTED else ABORTING,
        ).single()
        if row is None:
            return None
        tx.run(CLAIM, token=row["token"]).consume()
        return row["token"]

    with _session() as session:
        mine = session.execute_write(take)
    if mine is None:
        return None
    load = Load(load_id, mine, WriteStats(), None, 0)
    settle, abort, what = _settle, _abort_rest, "staged load"
    for begins, finisher in FINISHERS.items():
        if (row["what"] or "").startswith(begins):
            settle, abort, what = finisher
    if state == COMMITTED:
        load.state = COMMITTED
        with Heartbeat(mine):
            settle(load)
        logger.warning("finished the %s %s its writer left", what, load_id)
        return "settled"
    load.state = ABORTING
    with Heartbeat(mine):
        abort(load)
    logger.warning(
        "undid the %s %s its writer left unfinished: the graph is as before it",
        what,
        load_id,
    )
    return "aborted"
