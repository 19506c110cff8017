"""A restore too large for one transaction, still all-or-nothing: a staged load.

``backup.graph_load`` restores a file in one transaction, so a graph larger
than the server's transaction memory cannot be restored that way. This
restore takes the graph as a staged load does (``staging.py``: the lock, the
lease, the visibility marks) and writes in bounded transactions:

1. **Mark** every item, mapping set and journal record the graph holds
   ``_drop`` (still seen: the load has not switched).
2. **Stage** the file's nodes, each ``_load``, taxonomy items and mapping
   sets with their id under ``_sid`` (the uniqueness constraints cannot clash
   with the nodes they replace), then its relationships, a batch a
   transaction; a batch too large for the server's limit is halved.
   Journal reads filter these marks as item reads do, so no reader sees a
   record of the restore before it; mapping-set reads (``mappings.py``)
   filter sets and rows alike.
3. **Switch**: one small transaction gives the meta node the file's
   revision, epoch and a new restore stamp and commits the load: readers see
   the restored graph from then on, never a mix.
4. **Settle**, in batches: the old items and records go, the restored ones
   take their ids and lose their marks, and the lock is released.

A failure before the switch removes what was staged and the marks, leaving
the graph as it was; a restore whose process died is undone (before its
switch) or finished (after it) by the next process's first write
(``staging.settle_load``), which logs which. The meta node's ``load_what``
starts with ``RESTORE``, which this module registers in ``staging.FINISHERS``
so that settling knows a restore from a load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import neo4j

from taxonomy.domain.errors import BackupError
from taxonomy.domain.kinds import MAPPING_SET_LABEL
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.graph.repository.base import translate_errors
from taxonomy.graph.repository.journal import LABEL as JOURNAL_LABEL
from taxonomy.graph.repository.lease import Heartbeat
from taxonomy.graph.repository.revision import forget_revision_token
from taxonomy.graph.repository.schema import ensure_schema
from taxonomy.graph.repository.staging import (
    FINISHERS,
    LABELS,
    Load,
    WriteStats,
    _each_rel,
    _links_of_marked,
    _set_aborting,
    lock,
    release_tx,
)
from taxonomy.graph.repository.visibility import COMMITTED

logger = logging.getLogger(__name__)

# How a staged restore's ``load_what`` begins.
RESTORE = "a restore"
# Marks a file may hold from loads long settled: a restored item carries the
# restore's own instead.
_MARKS = ("_load", "_drop", "_sid", "_lock")
Progress = Callable[[int, int], None] | None
# The labels a restore marks and stages with their ids under ``_sid``: the
# taxonomy items and the mapping sets (each under a uniqueness constraint).
# A mapping set's rows (MAPS_TO) join two threats, so they go with them.
SID_LABELS = (*LABELS.values(), MAPPING_SET_LABEL)


def _props(
    row: dict[str, Any], kind: bool, stored: Callable[[Any], Any], sid: bool = False
) -> dict:
    props = {k: stored(v) for k, v in row["props"].items() if k not in _MARKS}
    if kind:
        # A dump of an early graph may hold items without a taxonomy: the seed's.
        props = {"taxonomy": DEFAULT_TAXONOMY} | props
    if kind or sid:
        props["_sid"] = props.pop("id", None)
    return props


def _each(load: Load, where: str, action: str) -> None:
    """``action`` on every item or mapping set ``n`` that ``where``, in batches."""
    for label in SID_LABELS:
        load.until_done(
            f"MATCH (n:{label}) WHERE {where} WITH n LIMIT $batch {action} "
            "RETURN count(n) AS n"
        )


class _Stager:
    """Writes the rows of a file under the load's marks, a batch at a time."""

    def __init__(self, load: Load, stored: Callable[[Any], Any], kinds: frozenset):
        self.load, self.stored, self.kinds = load, stored, kinds
        # node number -> element id (the meta node, not staged, has none)
        self.created: dict[int, str] = {}
        # (label, id) of every item staged: a file that names one twice would
        # break the uniqueness constraint only when settled, past the switch.
        self.ids: set[tuple[str, Any]] = set()
        self._batch_ids: set[tuple[str, Any]] = set()
        self._batch_made: dict[int, str] = {}

    def write(self, rows: Iterator[dict[str, Any]]) -> None:
        while batch := list(islice(rows, self.load.batch)):
            while batch:
                written = self.load._sized(
                    lambda tx, size, batch=batch: self._part(tx, batch[:size])
                )
                batch = batch[written:]
                # Only once the transaction is committed: a retried or halved
                # batch stages its nodes again.
                self.ids |= self._batch_ids
                self.created |= self._batch_made
                self.load.done += written
                if self.load.progress:
                    self.load.progress(self.load.done, self.load.total)

    def _part(self, tx: neo4j.ManagedTransaction, rows: list[dict]) -> int:
        nodes = [r for r in rows if "node" in r]
        links = [r for r in rows if "node" not in r]
        made = {}
        self._batch_ids = set()
        for labels, group in _groups(nodes, lambda r: tuple(sorted(r["labels"]))):
            kind = bool(set(labels) & self.kinds)
            sid = kind or MAPPING_SET_LABEL in labels
            if sid:
                self._unique(labels, group)
            params = [
                {"n": r["node"], "p": _props(r, kind, self.stored, sid)} for r in group
            ]
            for record in tx.run(
                f"UNWIND $rows AS row CREATE (n:{':'.join(labels)}) "
                "SET n = row.p, n._load = $load RETURN row.n AS n, elementId(n) AS id",
                rows=params,
                load=self.load.id,
            ):
                made[record["n"]] = record["id"]
        for kind, group in _groups(links, lambda r: r["type"]):
            tx.run(
                "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a "
                "MATCH (b) WHERE elementId(b) = row.b "
                f"CREATE (a)-[r:{kind}]->(b) SET r = row.p, r._load = $load",
                rows=[
                    {
                        "a": self._element(r["source"], made),
                        "b": self._element(r["target"], made),
                        "p": _props(r, False, self.stored),
                    }
                    for r in group
                ],
                load=self.load.id,
            ).consume()
        self._batch_made = made
        return len(rows)

    def _unique(self, labels: tuple[str, ...], group: list[dict]) -> None:
        for row in group:
            keys = {(label, row["props"].get("id")) for label in labels}
            if twice := (keys & self.ids) | (keys & self._batch_ids):
                label, key = sorted(twice, key=str)[0]
                raise BackupError(
                    f"node {row['node']}: a second {label} {str(key)!r:.80}; "
                    "nothing was restored"
                )
            self._batch_ids |= keys

    def _element(self, n: int, made: dict[int, str]) -> str:
        return made[n] if n in made else self.created[n]


def _groups(rows: list[dict], key: Callable[[dict], Any]) -> Iterable[tuple]:
    out: dict[Any, list[dict]] = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out.items()


def _journal(load: Load, where: str, action: str) -> None:
    load.until_done(
        f"MATCH (n:{JOURNAL_LABEL}) WHERE {where} WITH n LIMIT $batch {action} "
        "RETURN count(n) AS n"
    )


def _mark_old(load: Load, replace: bool) -> None:
    """Refuse a graph that holds anything unless ``replace``; mark what it holds."""

    def held(tx: neo4j.ManagedTransaction) -> int:
        labels = [*SID_LABELS, JOURNAL_LABEL]
        return tx.run(
            "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
            "RETURN count(n) AS n",
            labels=labels,
        ).single()["n"]

    count = load._tx(held)
    if count and not replace:
        raise BackupError(
            f"the graph holds {count:,} nodes; restore into an empty graph, "
            "or pass --replace to replace them"
        )
    _each(load, "n._drop IS NULL", "SET n._drop = $load")
    _journal(load, "n._drop IS NULL", "SET n._drop = $load")


def _switch(load: Load, meta: dict[str, Any]) -> None:
    """The one small transaction after which readers see the restored graph."""

    def work(tx: neo4j.ManagedTransaction) -> None:
        # The file's meta node, with the load's lock until it is settled (its
        # count of loads begun is the file's: the restore stamp tells readers).
        keep = tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) RETURN m {.load_id, "
            ".load_beat, .load_started, .load_total, .load_what, .load_token} AS k"
        ).single()["k"]
        tx.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) SET m = $meta SET m += $keep, "
            "m.key = 'graph', m.epoch = coalesce(m.epoch, randomUUID()), "
            "m.revision = coalesce(m.revision, 0), m.restored = randomUUID(), "
            "m.load_state = $state, m.load_done = m.load_total",
            meta=meta,
            keep=keep,
            state=COMMITTED,
        ).consume()
        # What the last large writes asked for describes the graph replaced.
        tx.run("MATCH (d:LayerwiseLoaded) DELETE d").consume()

    load._tx(work)
    load.state = COMMITTED


def _delete_marked(load: Load, mark: str) -> None:
    """Delete the items and journal records marked ``mark`` (``_drop``: the old
    graph, ``_load``: the restored one), their links first."""
    _links_of_marked(load, mark)
    _each(load, f"n.{mark} = $load", "DETACH DELETE n")
    _journal(load, f"n.{mark} = $load", "DELETE n")


def settle_restore(load: Load) -> None:
    """After the switch: the old graph goes, the restored one loses its marks."""
    _delete_marked(load, "_drop")
    _each(load, "n._load = $load", "SET n.id = n._sid REMOVE n._sid, n._load")
    _each_rel(load, "r._load = $load", "REMOVE r._load")
    _journal(load, "n._load = $load", "REMOVE n._load")
    load._tx(lambda tx: release_tx(tx, load.token))


def abort_restore(load: Load) -> None:
    """Before the switch: remove what was staged and the marks."""
    _delete_marked(load, "_load")
    _each(load, "n._drop = $load", "REMOVE n._drop")
    _journal(load, "n._drop = $load", "REMOVE n._drop")
    load._tx(lambda tx: release_tx(tx, load.token))


FINISHERS[RESTORE] = (settle_restore, abort_restore, "staged restore (of a backup)")


@translate_errors
def graph_load_staged(
    rows: Callable[[], Iterator[dict[str, Any]]],
    counts: dict[str, int],
    meta: dict[str, Any] | None,
    *,
    replace: bool,
    stored: Callable[[Any], Any],
    kinds: frozenset,
    progress: Progress = None,
) -> dict[str, int]:
    """Restore ``rows()`` (a checked file) as a staged load; the counts
    written. The file's meta node is not written but given as ``meta`` (its
    properties, or None if it has none). ``stored`` turns a file's value into
    a property's, ``kinds`` are the labels of taxonomy items. A failure
    before the switch leaves the graph as it was."""
    ensure_schema()
    # Every row but the meta node's is staged.
    total = counts["nodes"] + counts["relationships"] - (meta is not None)
    load_id, token = lock(f"{RESTORE} of {total:,} rows", total)
    load = Load(load_id, token, WriteStats(staged=True), progress, total)
    stager = _Stager(load, stored, kinds)
    try:
        with Heartbeat(token):
            _mark_old(load, replace)
            stager.write(r for r in rows() if r.get("labels") != ["LayerwiseMeta"])
            _switch(load, meta or {})
    except BaseException:
        try:
            with Heartbeat(token):
                _set_aborting(load)
                abort_restore(load)
        except Exception:
            logger.exception("restore %s not yet undone; the next write does", load_id)
        raise
    finally:
        forget_revision_token()
    try:
        with Heartbeat(token):
            settle_restore(load)
    except Exception:
        # Readers already see the restored graph; the next write finishes it.
        logger.exception("restore %s not yet settled", load_id)
    finally:
        forget_revision_token()
    return {
        "nodes": len(stager.created) + (meta is not None),
        "relationships": load.done - len(stager.created),
    }
