"""Writing a whole taxonomy: read, diff and write a change set, all or nothing
(in one transaction, or as a staged load when it is too large for one)."""

from __future__ import annotations

import hashlib
import marshal
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

import neo4j

from taxonomy.domain.changes import Change, ChangeSet, as_written, taxonomy_diff
from taxonomy.domain.errors import GraphConflict
from taxonomy.domain.kinds import (
    LINK_KINDS,
    NODE_KINDS,
    PLAIN_LINK_KINDS,
    PROPERTY_LINK_KINDS,
)
from taxonomy.domain.records import Taxonomy
from taxonomy.graph.repository import staged_changes, staging, visibility
from taxonomy.graph.repository.base import _batches, _scope, _session, translate_errors
from taxonomy.graph.repository.journal import journal_write_tx
from taxonomy.graph.repository.read import READ_ATTEMPTS, ReadRaced, _read_taxonomy_tx
from taxonomy.graph.repository.revision import (
    bump_revision_tx,
    current_revision_tx,
    forget_revision_token,
)
from taxonomy.graph.repository.schema import ensure_schema

_LABELS = {kind: spec.label for kind, spec in NODE_KINDS.items()}


def _node_props(kind: str, record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in NODE_KINDS[kind].stored_fields}


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

    def run(self, query: str, rows: list[dict[str, Any]], counted: bool = True) -> None:
        """Run ``query`` over ``rows``; ``counted``: they are changes (progress)."""
        for batch in _batches(rows):
            self.tx.run(query, rows=batch).consume()
            if counted:
                self.done += len(batch)
                if self.progress:
                    self.progress(self.done, self.total)


def _apply_tx(
    tx: neo4j.ManagedTransaction,
    changes: ChangeSet,
    progress: Callable[[int, int], None] | None,
    owner: str | None = None,
) -> int:
    w = _Writer(tx, len(changes.changes), progress)
    by = changes.by_kind_action()

    # 1. Links that go away, then nodes that go away (and their remaining links).
    for kind, spec in LINK_KINDS.items():
        src, rel, dst = spec.source_label, spec.rel, spec.target_label
        rows = [_link_key(c) for c in by.get((kind, "delete"), [])]
        w.run(
            f"UNWIND $rows AS row MATCH (:{src} {{id: row.source}})-[r:{rel}]->"
            f"(:{dst} {{id: row.target}}) DELETE r",
            rows,
        )
    for kind, label in _LABELS.items():
        rows = [{"id": c.key} for c in by.get((kind, "delete"), [])]
        w.run(
            f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) DETACH DELETE n",
            rows,
        )

    # 2. Nodes created or changed; a version that counts every change.
    for kind, label in _LABELS.items():
        rows = [
            {"id": c.key, "props": _node_props(kind, c.after)}
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
        counted=False,
    )
    w.run(
        "UNWIND $rows AS row MATCH (m:Mitigation {id: row.id}), "
        "(l:GovernanceLayer {id: row.layer}) CREATE (m)-[:IN_LAYER]->(l)",
        layer_rows,
        counted=False,
    )

    # 3. Links created or changed.
    for kind, spec in PROPERTY_LINK_KINDS.items():
        src, rel, dst = spec.source_label, spec.rel, spec.target_label
        rows = [
            {**_link_key(c), "props": _link_props(spec.props, c.after)}
            for action in ("create", "update")
            for c in by.get((kind, action), [])
        ]
        w.run(
            f"UNWIND $rows AS row MATCH (a:{src} {{id: row.source}}), "
            f"(b:{dst} {{id: row.target}}) MERGE (a)-[r:{rel}]->(b) "
            "ON CREATE SET r.version = 0 SET r += row.props, r.version = r.version + 1",
            rows,
        )
    for kind, spec in PLAIN_LINK_KINDS.items():
        src, rel, dst = spec.source_label, spec.rel, spec.target_label
        rows = [_link_key(c) for c in by.get((kind, "create"), [])]
        w.run(
            f"UNWIND $rows AS row MATCH (a:{src} {{id: row.source}}), "
            f"(b:{dst} {{id: row.target}}) MERGE (a)-[r:{rel}]->(b) "
            "ON CREATE SET r.version = 1",
            rows,
        )
    if not changes.is_empty:
        return bump_revision_tx(tx, owner)
    return current_revision_tx(tx)


def _link_key(change: Change) -> dict[str, str]:
    record = change.before if change.after is None else change.after
    source, target = LINK_KINDS[change.kind].end_ids(record)
    return {"source": source, "target": target}


def _link_props(names: tuple[str, ...], record: Any) -> dict[str, Any]:
    """A link's properties as Neo4j stores them (tuples as lists)."""
    values = {name: getattr(record, name) for name in names}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


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
        for kind, label in _LABELS.items():
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


class _TooLargeForOne(Exception):
    """Inside the one-transaction path: the change set is for a staged load."""


def _size(taxonomy: Taxonomy) -> int:
    return sum(
        len(getattr(taxonomy, kind.field))
        for kind in (*NODE_KINDS.values(), *LINK_KINDS.values())
    )


def taxonomy_digest(desired: Taxonomy, *, prune: bool, scope: list[str] | None) -> str:
    """A digest of what a whole-taxonomy write is asked to make the graph hold.

    Values only (marshal's version 2 keeps no references), so two equal
    taxonomies have one digest however their objects are shared.

    >>> from taxonomy.domain.records import Threat
    >>> a = Taxonomy(threats=(Threat("t", "T"),))
    >>> b = Taxonomy(threats=(Threat("t", "T" + ""),))
    >>> taxonomy_digest(a, prune=True, scope=None) == taxonomy_digest(b, prune=True, scope=None)
    True
    >>> taxonomy_digest(a, prune=False, scope=None) == taxonomy_digest(a, prune=True, scope=None)
    False
    """
    h = hashlib.blake2b(digest_size=20)
    h.update(marshal.dumps((prune, scope), 2))
    for kind in (*NODE_KINDS.values(), *LINK_KINDS.values()):
        records = getattr(desired, kind.field)
        values = attrgetter(*(f.name for f in fields(kind.record)))
        h.update(kind.field.encode())
        h.update(marshal.dumps(list(map(values, records)), 2))
    return h.hexdigest()


def _digest_key(scope: list[str] | None) -> str:
    return ",".join(scope) if scope else "*"


def _unchanged_since_tx(
    tx: neo4j.ManagedTransaction, key: str, digest: str
) -> int | None:
    """The revision, if the last whole write of ``key`` was of ``digest`` and
    nothing has been written since (same revision, same graph)."""
    row = tx.run(
        "MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "OPTIONAL MATCH (d:LayerwiseLoaded {scope: $key}) "
        "RETURN m.revision AS r, m.epoch AS e, m.load_state AS state, "
        "d.digest AS digest, d.revision AS dr, d.epoch AS de",
        key=key,
    ).single()
    if row is None or row["state"] is not None or row["digest"] != digest:
        return None
    if (row["dr"], row["de"]) != (row["r"], row["e"]):
        return None
    return row["r"]


def _record_digest_tx(tx: neo4j.ManagedTransaction, key: str, digest: str) -> None:
    """Remember that the graph holds what ``digest`` asked for, at its revision."""
    tx.run(
        "MATCH (m:LayerwiseMeta {key: 'graph'}) "
        "MERGE (d:LayerwiseLoaded {scope: $key}) "
        "SET d.digest = $digest, d.revision = m.revision, d.epoch = m.epoch",
        key=key,
        digest=digest,
    ).consume()


@translate_errors
def taxonomy_sync(
    desired: Taxonomy,
    *,
    prune: bool,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
    taxonomy: str | Collection[str] | None = None,
    validate: Callable[[Taxonomy, ChangeSet], None] | None = None,
    journal: Callable[[ChangeSet, int], Sequence[dict[str, Any]]] | None = None,
    stats: staging.WriteStats | None = None,
    unchanged_ok: bool = False,
    settle_in_background: bool = False,
) -> tuple[ChangeSet, int]:
    """Make the graph hold ``desired``: read, diff and write, all or nothing.

    A staged load's settling (what follows its switch) runs after this
    returns when ``settle_in_background`` (the web server, which lives on);
    a write meanwhile waits for it (``staging.free_for_write``).

    Returns the change set and the graph revision after it. With ``dry_run``
    nothing is written. ``validate(current, changes)`` runs before any write;
    whatever it raises leaves the graph as it was. ``taxonomy`` restricts the
    comparison (and so ``prune``) to the nodes of those taxonomies and the
    links among them: nodes of other taxonomies are never changed, and
    creating a node whose id another taxonomy holds raises GraphConflict.
    ``journal(changes, revision)`` gives the audit records of a write that
    changes something; they are written with it (see ``journal.py``).

    A change set of up to ``LAYERWISE_STAGED_WRITE_ITEMS`` items is written
    in ONE transaction; a larger one as a staged load (``staging.py``):
    bounded transactions readers do not see, then one small switch, so any
    failure still leaves the graph as it was. ``stats`` (a WriteStats) is
    filled with how the write went.

    A large write remembers the digest of what it was asked for
    (``taxonomy_digest``). The same request again, with nothing written to
    the graph since, changes nothing: it is answered without reading the
    graph, when there is no ``validate`` or ``unchanged_ok`` says that
    ``validate`` has nothing to refuse in an empty change set.
    """
    stats = stats if stats is not None else staging.WriteStats()
    started = time.monotonic()

    def prepare(tx: neo4j.ManagedTransaction) -> tuple[Taxonomy, ChangeSet]:
        current = _read_taxonomy_tx(tx, taxonomy)
        # After each change, the version the write stores (the journal's too).
        changes = as_written(taxonomy_diff(current, desired, prune=prune))
        _check_conflicts_tx(tx, changes, desired, _scope(taxonomy))
        if validate is not None:
            validate(current, changes)
        return current, changes

    def work(tx: neo4j.ManagedTransaction) -> tuple[ChangeSet, int]:
        visibility.lock_meta_tx(tx)
        current, changes = prepare(tx)
        if len(changes.changes) > staging.staged_from():
            raise _TooLargeForOne
        stats.items = len(changes.changes)
        revision = _apply_tx(tx, changes, progress)
        if journal is not None and not changes.is_empty:
            journal_write_tx(tx, journal(changes, revision))
        return changes, revision

    ensure_schema()
    scope = _scope(taxonomy)
    digest = None
    if not dry_run and _size(desired) > staging.staged_from():
        digest = taxonomy_digest(desired, prune=prune, scope=scope)
        if validate is None or unchanged_ok:
            with _session(neo4j.READ_ACCESS) as session:
                revision = session.execute_read(
                    _unchanged_since_tx, _digest_key(scope), digest
                )
            if revision is not None:
                stats.seconds = time.monotonic() - started
                return ChangeSet(), revision
    try:
        with _session() as session:
            if dry_run:
                for attempt in range(READ_ATTEMPTS):
                    try:
                        current, changes = session.execute_read(prepare)
                        return changes, current.revision
                    except ReadRaced:
                        if attempt == READ_ATTEMPTS - 1:
                            raise GraphConflict(
                                "the graph kept changing while it was compared; "
                                "try again"
                            ) from None
            if _size(desired) <= staging.staged_from():
                try:
                    result = staging.write_past_loads(session, work)
                    stats.transactions = 1
                    return result
                except _TooLargeForOne:
                    pass
                finally:
                    forget_revision_token()
        return _staged_sync(
            prepare,
            progress,
            journal,
            stats,
            scope,
            digest,
            background=settle_in_background,
        )
    finally:
        stats.seconds = time.monotonic() - started


def _staged_sync(
    prepare: Callable[[neo4j.ManagedTransaction], tuple[Taxonomy, ChangeSet]],
    progress: Callable[[int, int], None] | None,
    journal: Callable[[ChangeSet, int], Sequence[dict[str, Any]]] | None,
    stats: staging.WriteStats,
    scope: list[str] | None,
    digest: str | None = None,
    background: bool = False,
) -> tuple[ChangeSet, int]:
    """Lock the graph, read and diff, then write small changes in one
    transaction and large ones as a staged load."""
    what = "a write of " + (
        f"taxonomy {', '.join(scope)}" if scope else "the whole graph"
    )
    load_id, token = staging.lock(what, 0)
    try:
        try:
            with staging.Heartbeat(token), _session(neo4j.READ_ACCESS) as session:
                current, changes = session.execute_whole_read(prepare)
        except BaseException:
            staging.unlock(token)
            raise
        stats.items = len(changes.changes)

        def remembered(tx: neo4j.ManagedTransaction) -> None:
            if digest is not None:
                _record_digest_tx(tx, _digest_key(scope), digest)

        if changes.is_empty:
            staging.unlock(token, then=remembered)
            return changes, current.revision
        if len(changes.changes) <= staging.staged_from():

            def one(tx: neo4j.ManagedTransaction) -> int:
                revision = _apply_tx(tx, changes, progress, owner=token)
                if journal is not None:
                    journal_write_tx(tx, journal(changes, revision))
                staging.release_tx(tx, token)
                remembered(tx)
                return revision

            try:
                with _session() as session:
                    revision = session.execute_write(one)
            except BaseException:
                staging.unlock(token)
                raise
            stats.transactions = 1
            return changes, revision
        stats.staged = True
        revision = staging.run_load(
            load_id,
            token,
            stats,
            progress,
            len(changes.changes),
            lambda load: staged_changes.stage(
                load,
                changes,
                _node_props,
                _link_props,
                _link_key,
                journal,
            ),
            then=remembered,
            background=background,
        )
        return changes, revision
    finally:
        forget_revision_token()


# --- Benchmark baseline -----------------------------------------------------------


@translate_errors
def plain_merge(
    rows: dict[str, list[dict[str, Any]]], *, batch_per_transaction: bool = False
) -> None:
    """Write rows with plain batched ``UNWIND ... MERGE``, in one transaction
    (or, with ``batch_per_transaction``, one per batch of ``staging.STAGE_BATCH``).

    No read, no diff, no versions, no all-or-nothing: the baseline the import
    benchmarks measure the import path against. ``rows`` holds ``layer``,
    ``threat`` and ``mitigation`` (``{id, props}``), ``in_layer`` (``{id,
    layer}``) and ``mitigates`` (``{source, target, props}``).
    """

    steps = [
        (
            f"UNWIND $rows AS row MERGE (n:{_LABELS[kind]} {{id: row.id}}) "
            "SET n += row.props",
            rows[kind],
        )
        for kind in ("layer", "threat", "mitigation")
    ]
    steps += [
        (
            "UNWIND $rows AS row MATCH (m:Mitigation {id: row.id}), "
            "(l:GovernanceLayer {id: row.layer}) MERGE (m)-[:IN_LAYER]->(l)",
            rows["in_layer"],
        ),
        (
            "UNWIND $rows AS row MATCH (m:Mitigation {id: row.source}), "
            "(t:MisuseVector {id: row.target}) MERGE (m)-[r:MITIGATES]->(t) "
            "SET r += row.props",
            rows["mitigates"],
        ),
    ]

    def work(tx: neo4j.ManagedTransaction) -> None:
        for query, items in steps:
            for batch in _batches(items):
                tx.run(query, rows=batch).consume()

    with _session() as session:
        if not batch_per_transaction:
            session.execute_write(work)
            return
        for query, items in steps:
            for batch in _batches(items, staging.STAGE_BATCH):
                session.execute_write(
                    lambda tx, q=query, b=batch: tx.run(q, rows=b).consume()
                )


@translate_errors
def bare_read(taxonomy: str) -> int:
    """The rows of a taxonomy's layers, threats, mitigations and MITIGATES links,
    fetched with bare driver calls (``Result.values()``): no records built, no
    visibility test. The baseline the large-taxonomy benchmark measures
    ``taxonomy_read`` against; the number of rows."""
    queries = (
        "MATCH (n:GovernanceLayer) WHERE n.taxonomy IN $t RETURN n {.*}",
        "MATCH (n:MisuseVector) WHERE n.taxonomy IN $t RETURN n {.*}",
        "MATCH (n:Mitigation) WHERE n.taxonomy IN $t "
        "OPTIONAL MATCH (n)-[:IN_LAYER]->(l:GovernanceLayer) RETURN n {.*}, l.id",
        "MATCH (a:Mitigation) WHERE a.taxonomy IN $t MATCH (a)-[r:MITIGATES]->"
        "(b:MisuseVector) WHERE b.taxonomy IN $t RETURN a.id, b.id, r {.*}",
    )

    def work(tx: neo4j.ManagedTransaction) -> int:
        return sum(len(tx.run(query, t=[taxonomy]).values()) for query in queries)

    with _session(neo4j.READ_ACCESS) as session:
        return session.execute_whole_read(work)
