"""Mapping sets in the graph: a ``:MappingSet`` node of metadata and its rows,
``MAPS_TO`` links between threats of two taxonomies (``kinds.MAPS_TO``).

A row's link carries the set's id (``set``) and the row's properties; the
CURIEs of its ends are the set's two prefixes (``subject_prefix``,
``object_prefix`` on the set's node) and the ends' ids. Every write is one
transaction that checks, inside it, that each end is a threat of the set's
taxonomy (``InvalidWrite`` otherwise: nothing is written), bumps the graph
revision and stores its audit records (``journal``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any

import neo4j

from taxonomy.domain.errors import AlreadyExists, InvalidWrite, NotFound
from taxonomy.domain.kinds import MAPPING_SET_LABEL, MAPS_TO, NODE_KINDS
from taxonomy.domain.mappings import (
    MappingRow,
    MappingSet,
    curie_local,
    local_id,
    node_id,
    split_curie,
)
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository import staging
from taxonomy.graph.repository.base import _batches, _session, translate_errors
from taxonomy.graph.repository.revision import bump_revision_tx, forget_revision_token
from taxonomy.graph.repository.schema import ensure_schema
from taxonomy.graph.repository.staging import WriteStats, staged_from
from taxonomy.graph.repository.visibility import VARS, VISIBILITY, visible
from taxonomy.graph.repository.writes import _check_version, _locked, _note, _write

Journal = Callable[[Any], Sequence[dict[str, Any]]] | None
THREAT = NODE_KINDS[MAPS_TO.source].label
_SET_FIELDS = tuple(f.name for f in fields(MappingSet) if f.name not in ("rows",))
_ROW_PROPS = tuple(p for p in MAPS_TO.props)
# Rows sent in one statement (of the one transaction, or of a staged batch).
ROW_BATCH = 10_000

# Readers see the sets and rows a staged load or restore lets them see
# (``visibility``): the old ones until its switch, then its own, whose sets
# and threats hold their ids under ``_sid`` until it is settled. (Writes are
# refused while one is under way.)
_READ_SETS = (
    VISIBILITY + f"MATCH (m:{MAPPING_SET_LABEL}) WHERE {visible('m', *VARS)} "
    "WITH m, coalesce(m.id, m._sid) AS id, pending, dropped "
    "WHERE $id IS NULL OR id = $id "
    "OPTIONAL MATCH (a)-[r:MAPS_TO {set: id}]->(b) "
    f"WHERE {visible('r', *VARS)} AND {visible('a', *VARS)} "
    f"AND {visible('b', *VARS)} "
    "WITH m, id, collect({s: coalesce(a.id, a._sid), o: coalesce(b.id, b._sid), "
    "p: properties(r)}) AS rows "
    "RETURN m {.*, id: id} AS m, [x IN rows WHERE x.s IS NOT NULL] AS rows "
    "ORDER BY id"
)


def _set_of(props: dict[str, Any], rows: list[dict[str, Any]]) -> MappingSet:
    subject, obj = props.get("subject_prefix", ""), props.get("object_prefix", "")
    return MappingSet(
        mapping_set_id=props["id"],
        subject_source=props["subject_source"],
        object_source=props["object_source"],
        license=props.get("license", ""),
        creator_id=tuple(props.get("creator_id") or ()),
        mapping_date=props.get("mapping_date", ""),
        mapping_set_title=props.get("mapping_set_title", ""),
        mapping_set_description=props.get("mapping_set_description", ""),
        comment=props.get("comment", ""),
        curie_map=tuple(
            zip(props.get("prefixes") or (), props.get("expansions") or (), strict=True)
        ),
        rows=tuple(
            sorted(
                (
                    _row_of(
                        subject,
                        obj,
                        {
                            **row,
                            "s": curie_local(row["s"], props["subject_source"]),
                            "o": curie_local(row["o"], props["object_source"]),
                        },
                    )
                    for row in rows
                ),
                key=lambda r: (r.subject_id, r.object_id),
            )
        ),
        version=props.get("version", 1),
    )


def _row_of(subject: str, obj: str, row: dict[str, Any]) -> MappingRow:
    p = row["p"]
    return MappingRow(
        subject_id=f"{subject}:{row['s']}",
        predicate_id=p["predicate_id"],
        object_id=f"{obj}:{row['o']}",
        mapping_justification=p["mapping_justification"],
        confidence=p.get("confidence"),
        comment=p.get("comment", ""),
        author_id=tuple(p.get("author_id") or ()),
        mapping_date=p.get("mapping_date", ""),
        subject_label=p.get("subject_label", ""),
        object_label=p.get("object_label", ""),
        version=p.get("version", 1),
    )


@translate_errors
def mapping_sets_read(mapping_set_id: str | None = None) -> list[MappingSet]:
    """Every mapping set (or the one of that id), rows sorted by subject, object."""
    records, _, _ = get_driver().execute_query(
        _READ_SETS,
        id=mapping_set_id,
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return [_set_of(r["m"], r["rows"]) for r in records]


@translate_errors
def threat_ids(taxonomy: str) -> set[str]:
    """The ids of the threats (techniques, risks) of one taxonomy."""
    records, _, _ = get_driver().execute_query(
        f"MATCH (n:{THREAT}) WHERE n.taxonomy = $taxonomy AND n.id IS NOT NULL "
        "RETURN n.id AS id",
        taxonomy=taxonomy,
        database_=database(),
        routing_=neo4j.RoutingControl.READ,
    )
    return {r["id"] for r in records}


def _set_props(mapping_set: MappingSet, prefixes: tuple[str, str]) -> dict[str, Any]:
    props = {
        name: list(value) if isinstance(value, tuple) else value
        for name in _SET_FIELDS
        if name not in ("mapping_set_id", "curie_map", "version")
        for value in [getattr(mapping_set, name)]
    }
    props["prefixes"] = [p for p, _ in mapping_set.curie_map]
    props["expansions"] = [e for _, e in mapping_set.curie_map]
    props["subject_prefix"], props["object_prefix"] = prefixes
    return props


def _row_params(row: MappingRow) -> dict[str, Any]:
    props = {
        name: list(value) if isinstance(value, tuple) else value
        for name in _ROW_PROPS
        for value in [getattr(row, name)]
    }
    props = {k: v for k, v in props.items() if v is not None}
    props["version"] = row.version
    return {"s": local_id(row.subject_id), "o": local_id(row.object_id), "p": props}


def _prefixes(
    mapping_set: MappingSet, current: dict[str, Any] | None
) -> tuple[str, str]:
    """The set's two CURIE prefixes: its rows', else those stored, else the
    taxonomies' names."""
    if mapping_set.rows:
        row = mapping_set.rows[0]
        return split_curie(row.subject_id)[0], split_curie(row.object_id)[0]
    if current:
        return current["subject_prefix"], current["object_prefix"]
    return mapping_set.subject_source, mapping_set.object_source


def _lock_set(tx: neo4j.ManagedTransaction, set_id: str) -> dict[str, Any] | None:
    return _locked(tx, MAPPING_SET_LABEL, set_id, "properties(n)")


def _ends_tx(
    tx: neo4j.ManagedTransaction, taxonomy: str, locals_: set[str]
) -> dict[str, str]:
    """Each CURIE local part -> the id of the threat of ``taxonomy`` it names
    (``domain.mappings.node_id``: the local part itself, else imports'
    ``<taxonomy>:<local>``); a part that names none is left out.

    Each candidate id is one seek of the threats' unique index (``id``), so
    resolving a set costs its distinct ends, not its rows times the threats
    of the taxonomy."""
    found = tx.run(
        "UNWIND $ids AS local UNWIND [local, $t + ':' + local] AS id "
        # The hint: on a fresh store the planner may pick the taxonomy's
        # index instead, a scan of the taxonomy per row.
        f"MATCH (n:{THREAT} {{id: id}}) USING INDEX n:{THREAT}(id) "
        "WHERE n.taxonomy = $t "
        "RETURN local, collect(n.id) AS ids",
        ids=sorted(locals_),
        t=taxonomy,
    )
    return {r["local"]: node_id(r["local"], taxonomy, r["ids"]) for r in found}


def _row_ends_tx(
    tx: neo4j.ManagedTransaction, mapping_set: MappingSet, rows: Sequence[MappingRow]
) -> list[dict[str, Any]]:
    """The rows' parameters with the ids of their two threats (``a``, ``b``);
    InvalidWrite (nothing written) naming the ends that are no threat of
    their taxonomy."""
    params = [_row_params(row) for row in rows]
    subjects = _ends_tx(tx, mapping_set.subject_source, {p["s"] for p in params})
    objects = _ends_tx(tx, mapping_set.object_source, {p["o"] for p in params})
    missing = [
        f"{p['s']!r} is no threat of {mapping_set.subject_source}"
        for p in params
        if p["s"] not in subjects
    ]
    missing += [
        f"{p['o']!r} is no threat of {mapping_set.object_source}"
        for p in params
        if p["o"] not in objects
    ]
    if missing:
        raise InvalidWrite({"rows": missing[:50]})
    for p in params:
        p["a"], p["b"] = subjects[p["s"]], objects[p["o"]]
        p["p"]["set"] = mapping_set.mapping_set_id
    return params


# A row's link between its two threats, each found by a seek of the unique
# index on ``id`` (PROFILE: NodeUniqueIndexSeek, no label scan).
_CREATE_ROWS = (
    f"UNWIND $rows AS row MATCH (a:{THREAT} {{id: row.a}}) USING INDEX a:{THREAT}(id) "
    f"MATCH (b:{THREAT} {{id: row.b}}) USING INDEX b:{THREAT}(id) "
    f"CREATE (a)-[r:{MAPS_TO.rel}]->(b) SET r = row.p"
)


def _write_rows(
    tx: neo4j.ManagedTransaction, mapping_set: MappingSet, rows: Sequence[MappingRow]
) -> list[dict[str, Any]]:
    """Create the rows' links, refusing (InvalidWrite) an end that is no
    threat of its taxonomy; the rows' parameters as written."""
    params = _row_ends_tx(tx, mapping_set, rows)
    for batch in _batches(params, ROW_BATCH):
        tx.run(_CREATE_ROWS, rows=batch).consume()
    return params


def _read_set_tx(tx: neo4j.ManagedTransaction, set_id: str) -> MappingSet:
    record = tx.run(_READ_SETS, id=set_id).single()
    if record is None:
        raise NotFound("mapping_set", set_id)
    return _set_of(record["m"], record["rows"])


def _stored(
    mapping_set: MappingSet,
    props: dict[str, Any],
    version: int,
    params: Sequence[dict[str, Any]],
) -> MappingSet:
    """The set as a read would return it, built from what the write stored
    (the same ``_set_of`` over the same properties), without reading back
    rows the write has just sent."""
    return _set_of(
        {**props, "id": mapping_set.mapping_set_id, "version": version},
        [{"s": p["a"], "o": p["b"], "p": p["p"]} for p in params],
    )


def _current_tx(
    tx: neo4j.ManagedTransaction,
    mapping_set: MappingSet,
    current: dict[str, Any] | None,
    create_only: bool,
    expected: set[int] | None,
) -> MappingSet | None:
    """The stored set of the same id (None if new), checked against
    ``create_only`` and ``expected``."""
    if current is None:
        return None
    if create_only:
        raise AlreadyExists("mapping_set", mapping_set.mapping_set_id)
    before = _read_set_tx(tx, mapping_set.mapping_set_id)
    if expected is not None:
        _check_version(
            "mapping_set", mapping_set.mapping_set_id, before.version, expected
        )
    return before


@translate_errors
def mapping_set_replace(
    mapping_set: MappingSet,
    *,
    create_only: bool = False,
    expected: set[int] | None = None,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
    stats: WriteStats | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MappingSet:
    """Write a whole set, replacing the one of its id (rows and metadata), all
    or nothing; return it as stored. ``create_only`` refuses an existing id
    (AlreadyExists). ``seen`` gets the set ``before`` (None if new) and the
    graph ``revision``; ``stats`` how the write went.

    Up to ``LAYERWISE_STAGED_WRITE_ITEMS`` rows are written in ONE
    transaction; a larger set, as a large taxonomy is, as a staged load
    (``staging.py``): its rows in bounded transactions readers do not see,
    then one small switch, so a failure still leaves the graph as it was.
    """
    stats = stats if stats is not None else WriteStats()
    started = time.monotonic()
    stats.items = len(mapping_set.rows)
    try:
        if len(mapping_set.rows) > staged_from():
            stats.staged = True
            return _staged_replace(
                mapping_set, create_only, expected, seen, journal, stats, progress
            )

        def work(tx: neo4j.ManagedTransaction) -> MappingSet:
            current = _lock_set(tx, mapping_set.mapping_set_id)
            before = _current_tx(tx, mapping_set, current, create_only, expected)
            if before is not None:
                tx.run(
                    "MATCH ()-[r:MAPS_TO {set: $id}]->() DELETE r",
                    id=mapping_set.mapping_set_id,
                ).consume()
            version = 1 if before is None else before.version + 1
            props = _set_props(mapping_set, _prefixes(mapping_set, current))
            tx.run(
                f"MERGE (m:{MAPPING_SET_LABEL} {{id: $id}}) SET m = $props, m.id = $id",
                id=mapping_set.mapping_set_id,
                props={**props, "version": version},
            ).consume()
            params = _write_rows(tx, mapping_set, mapping_set.rows)
            revision = bump_revision_tx(tx)
            _note(seen, before=before, revision=revision)
            return _stored(mapping_set, props, version, params)

        stats.transactions = 1
        return _write(work, journal)
    finally:
        stats.seconds = time.monotonic() - started


def _staged_replace(
    mapping_set: MappingSet,
    create_only: bool,
    expected: set[int] | None,
    seen: dict[str, Any] | None,
    journal: Journal,
    stats: WriteStats,
    progress: Callable[[int, int], None] | None,
) -> MappingSet:
    """``mapping_set_replace`` of a set too large for one transaction.

    With the graph locked (no other write until the load ends), the stored
    set is read and the rows' ends resolved; then the staged load marks the
    old rows ``_drop`` and creates the new ones marked ``_load``, with their
    audit records, a batch a transaction; its switch writes the set's node
    (metadata, version) and the revision. Settling and undoing are the
    staged load's own: ``_drop`` links go, or ``_load`` links go and the
    marks are lifted.
    """
    set_id = mapping_set.mapping_set_id
    ensure_schema()
    load_id, token = staging.lock(f"a write of mapping set {set_id}", 0)

    def prepare(tx: neo4j.ManagedTransaction) -> tuple:
        row = tx.run(
            f"MATCH (m:{MAPPING_SET_LABEL} {{id: $id}}) RETURN properties(m) AS m",
            id=set_id,
        ).single()
        current = None if row is None else row["m"]
        before = _current_tx(tx, mapping_set, current, create_only, expected)
        return current, before, _row_ends_tx(tx, mapping_set, mapping_set.rows)

    try:
        with staging.Heartbeat(token), _session(neo4j.READ_ACCESS) as session:
            current, before, params = session.execute_whole_read(prepare)
        version = 1 if before is None else before.version + 1
        props = _set_props(mapping_set, _prefixes(mapping_set, current))
        stored = _stored(mapping_set, props, version, params)
        _note(seen, before=before, revision=load_id)
        entries = list(journal(stored)) if journal is not None else []
    except BaseException:
        staging.unlock(token)
        raise

    def write(load: staging.Load) -> None:
        load.until_done(
            f"MATCH ()-[r:{MAPS_TO.rel} {{set: $set}}]->() WHERE r._drop IS NULL "
            "WITH r LIMIT $batch SET r._drop = $load RETURN count(r) AS n",
            set=set_id,
        )
        load.rows(_CREATE_ROWS + ", r._load = $load", params, counted=True)
        load.rows(
            "UNWIND $rows AS row CREATE (a:AuditRecord) SET a = row", entries, False
        )

    def switch(tx: neo4j.ManagedTransaction) -> None:
        tx.run(
            f"MERGE (m:{MAPPING_SET_LABEL} {{id: $id}}) SET m = $props, m.id = $id",
            id=set_id,
            props={**props, "version": version},
        ).consume()

    try:
        staging.run_load(
            load_id, token, stats, progress, len(params), write, then=switch
        )
    finally:
        forget_revision_token()
    return stored


@translate_errors
def mapping_set_delete(
    mapping_set_id: str,
    *,
    expected: set[int] | None = None,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> MappingSet:
    """Delete a set and its rows in one transaction; return it as it was."""

    def work(tx: neo4j.ManagedTransaction) -> MappingSet:
        if _lock_set(tx, mapping_set_id) is None:
            raise NotFound("mapping_set", mapping_set_id)
        before = _read_set_tx(tx, mapping_set_id)
        if expected is not None:
            _check_version("mapping_set", mapping_set_id, before.version, expected)
        tx.run(
            "MATCH ()-[r:MAPS_TO {set: $id}]->() DELETE r", id=mapping_set_id
        ).consume()
        tx.run(
            f"MATCH (m:{MAPPING_SET_LABEL} {{id: $id}}) DELETE m", id=mapping_set_id
        ).consume()
        revision = bump_revision_tx(tx)
        _note(seen, before=before, revision=revision)
        return before

    return _write(work, journal)


@translate_errors
def mapping_row_write(
    mapping_set_id: str,
    *,
    key: str | None,
    row: MappingRow | None,
    expected: set[int] | None = None,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> MappingRow | None:
    """Create (``key`` None), replace (both) or delete (``row`` None) one row
    of a set, in one transaction; return the row as stored (None: deleted).

    ``key`` is the row's ``subject_id->object_id``; ``seen`` gets the row
    ``before`` and the graph ``revision``. A row whose ends change is the
    same row moved: it keeps its history under its new key.
    """

    def work(tx: neo4j.ManagedTransaction) -> MappingRow | None:
        if _lock_set(tx, mapping_set_id) is None:
            raise NotFound("mapping_set", mapping_set_id)
        current = _read_set_tx(tx, mapping_set_id)
        rows = {r.key: r for r in current.rows}
        before = None
        if key is not None:
            before = rows.get(key)
            if before is None:
                raise NotFound("mapping", key)
            if expected is not None:
                _check_version("mapping", key, before.version, expected)
        if row is not None and row.key != key and row.key in rows:
            raise AlreadyExists("mapping", row.key)
        if before is not None:
            s, o = (local_id(c) for c in (before.subject_id, before.object_id))
            tx.run(
                f"MATCH (a:{THREAT} {{id: $a}})-[r:MAPS_TO {{set: $set}}]->"
                f"(b:{THREAT} {{id: $b}}) DELETE r",
                a=_ends_tx(tx, current.subject_source, {s}).get(s),
                b=_ends_tx(tx, current.object_source, {o}).get(o),
                set=mapping_set_id,
            ).consume()
        stored = None
        if row is not None:
            stored = replace(row, version=1 if before is None else before.version + 1)
            tx.run(
                f"MATCH (m:{MAPPING_SET_LABEL} {{id: $id}}) "
                "SET m.subject_prefix = $s, m.object_prefix = $o",
                id=mapping_set_id,
                s=split_curie(row.subject_id)[0],
                o=split_curie(row.object_id)[0],
            ).consume()
            _write_rows(tx, current, [stored])
        revision = bump_revision_tx(tx)
        _note(seen, before=before, revision=revision)
        return stored

    return _write(work, journal)
