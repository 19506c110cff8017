"""Single-item writes: create, change or delete one node, each ONE transaction;
the rules every single-item write follows (``link_writes`` writes one link)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors

from taxonomy.domain.architectures import (
    reserved_id_problem,
    scenario_ids,
    scenario_of_query,
)
from taxonomy.domain.errors import (
    AlreadyExists,
    InvalidWrite,
    NotFound,
    StillReferenced,
    VersionConflict,
)
from taxonomy.domain.kinds import (
    BY_LABEL,
    BY_REL,
    LINK_KINDS,
    NODE_KINDS,
)
from taxonomy.graph.repository.base import (
    T,
    Versions,
    _list_or_value,
    _pick,
    _session,
    translate_errors,
)
from taxonomy.graph.repository.journal import journal_write_tx
from taxonomy.graph.repository.revision import bump_revision_tx, forget_revision_token
from taxonomy.graph.repository.schema import ensure_schema
from taxonomy.graph.repository.staging import write_past_loads
from taxonomy.graph.repository.visibility import lock_meta_tx

# --- Single-item writes ----------------------------------------------------------
#
# Each write is ONE transaction: it locks what it changes, checks the expected
# version and the references inside the transaction, writes, bumps the item's
# version and the graph revision. A refused write raises one of the exceptions
# below and the transaction rolls back, so nothing changes.
# A caller that passes a dict as ``seen`` gets in it what the write found
# (``before``: the item before an update or delete) and the graph ``revision``
# after it, read in the same transaction. A caller that passes a ``journal``
# gets it called with the write's result, still inside the transaction; the
# audit records it returns are written by that same transaction (see
# ``journal.py``). An update that would change nothing writes nothing: no
# version, no revision, and so no ``revision`` in ``seen``.

Journal = Callable[[Any], Sequence[dict[str, Any]]] | None


def _write(work: Callable[[neo4j.ManagedTransaction], T], journal: Journal) -> T:
    ensure_schema()

    def unit(tx: neo4j.ManagedTransaction) -> T:
        lock_meta_tx(tx)
        result = work(tx)
        if journal is not None:
            journal_write_tx(tx, journal(result))
        return result

    try:
        with _session() as session:
            return write_past_loads(session, unit)
    finally:
        forget_revision_token()


def _differing(before: Any, props: dict[str, Any]) -> dict[str, Any]:
    """The ``props`` whose value is not already the item's (lists as tuples).

    >>> from taxonomy.domain.records import Layer
    >>> _differing(Layer("hw", "Hardware"), {"name": "Hardware", "description": "x"})
    {'description': 'x'}
    """
    return {
        name: value
        for name, value in props.items()
        if (tuple(value) if isinstance(value, list) else value)
        != getattr(before, name, None)
    }


def _note(seen: dict[str, Any] | None, **values: Any) -> None:
    """Tell a caller who asked (``seen``) what the write found and did, e.g. the
    item ``before`` it and the graph ``revision`` after it (for the audit log)."""
    if seen is not None:
        seen.update(values)


def _lock_node(tx: neo4j.ManagedTransaction, kind: str, key: str) -> int | None:
    """Write-lock a node and return its version (None when it does not exist)."""
    return _locked(tx, NODE_KINDS[kind].label, key, "coalesce(n.version, 1)")


def _locked(tx: neo4j.ManagedTransaction, label: str, key: str, value: str) -> Any:
    """Write-lock the ``label`` node with id ``key`` and return ``value`` (a
    Cypher expression of the node, ``n``); None when there is no such node."""
    row = tx.run(
        f"MATCH (n:{label} {{id: $id}}) SET n._lock = true WITH n REMOVE n._lock "
        f"RETURN {value} AS v",
        id=key,
    ).single()
    return None if row is None else row["v"]


def _check_version(kind: str, key: str, current: int | None, expected: Versions) -> int:
    if current is None:
        raise NotFound(kind, key)
    if expected is not None and current not in expected:
        raise VersionConflict(kind, key, current)
    return current


def _node_read_tx(tx: neo4j.ManagedTransaction, kind: str, key: str) -> Any:
    label, cls = NODE_KINDS[kind].label, NODE_KINDS[kind].record
    row = tx.run(
        f"MATCH (n:{label} {{id: $id}}) "
        "OPTIONAL MATCH (n)-[:IN_LAYER]->(l:GovernanceLayer) "
        "WITH n, min(l.id) AS layer RETURN n {.*, layer: layer} AS p",
        id=key,
    ).single()
    return _pick(cls, row["p"])


def _missing_ids(tx: neo4j.ManagedTransaction, kind: str, ids: list[str]) -> list[str]:
    label = NODE_KINDS[kind].label
    row = tx.run(
        f"UNWIND $ids AS id OPTIONAL MATCH (n:{label} {{id: id}}) "
        "WITH id WHERE n IS NULL RETURN collect(DISTINCT id) AS missing",
        ids=ids,
    ).single()
    return sorted(row["missing"])


def _require_nodes(
    tx: neo4j.ManagedTransaction, checks: list[tuple[str, str, list[str]]]
) -> None:
    """Raise InvalidWrite naming each field whose ids do not exist.

    ``checks`` holds ``(field, kind, ids)``.
    """
    errors: dict[str, list[str]] = {}
    for field, kind, ids in checks:
        for missing in _missing_ids(tx, kind, ids):
            errors.setdefault(field, []).append(f"unknown {kind} {missing!r}")
    if errors:
        raise InvalidWrite(errors)


def _set_layer(tx: neo4j.ManagedTransaction, key: str, layer: str) -> None:
    _require_nodes(tx, [("layer", "layer", [layer])])
    tx.run(
        "MATCH (m:Mitigation {id: $id}) OPTIONAL MATCH (m)-[old:IN_LAYER]->() "
        "DELETE old",
        id=key,
    ).consume()
    tx.run(
        "MATCH (m:Mitigation {id: $id}), (l:GovernanceLayer {id: $layer}) "
        "CREATE (m)-[:IN_LAYER]->(l)",
        id=key,
        layer=layer,
    ).consume()


def _checked_props(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    allowed = NODE_KINDS[kind].stored_fields
    unknown = set(values) - set(allowed) - {"layer"}
    if unknown:
        raise ValueError(f"not fields of a {kind}: {sorted(unknown)}")
    return {k: _list_or_value(v) for k, v in values.items() if k in allowed}


def _require_cited(tx: neo4j.ManagedTransaction, props: dict[str, Any]) -> None:
    """The Source records a node's ``sources`` names must exist, and the ids
    an architecture's ``scenario`` names."""
    if props.get("sources"):
        _require_nodes(tx, [("sources", "source", list(props["sources"]))])
    if props.get("scenario"):
        _require_scenario_ids(tx, props["scenario"])


def _require_scenario_ids(tx: neo4j.ManagedTransaction, text: str) -> None:
    """An architecture's stored scenario (issue 25) is one the scenario codec
    reads, and every layer, mitigation and jurisdiction it names exists."""
    try:
        scenario = scenario_of_query(text)
    except ValueError as error:
        raise InvalidWrite({"scenario": [str(error)]}) from None
    problems = [
        f"names an unknown {kind} {missing!r}"
        for kind, ids in scenario_ids(scenario).items()
        for missing in _missing_ids(tx, kind, sorted(ids))
    ]
    if problems:
        raise InvalidWrite({"scenario": problems})


@translate_errors
def node_create(
    *,
    kind: str,
    record: Any,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> Any:
    """Create one node (with its layer for a mitigation); return it as stored."""
    if reserved := reserved_id_problem(kind, record.id):
        raise InvalidWrite({"id": [reserved]})
    label = NODE_KINDS[kind].label
    props = _checked_props(
        kind, {f: getattr(record, f) for f in NODE_KINDS[kind].stored_fields}
    )

    def work(tx: neo4j.ManagedTransaction) -> Any:
        if _lock_node(tx, kind, record.id) is not None:
            raise AlreadyExists(kind, record.id)
        _require_cited(tx, props)
        tx.run(
            f"CREATE (n:{label} {{id: $id}}) SET n += $props, n.version = 1",
            id=record.id,
            props=props,
        ).consume()
        if kind == "mitigation":
            _set_layer(tx, record.id, record.layer)
        _note(seen, revision=bump_revision_tx(tx))
        return _node_read_tx(tx, kind, record.id)

    try:
        return _write(work, journal)
    except neo4j_errors.ConstraintError as e:
        raise AlreadyExists(kind, record.id) from e


@translate_errors
def node_update(
    *,
    kind: str,
    key: str,
    changes: dict[str, Any],
    expected: Versions,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> Any:
    """Set some fields of one node if its version is an expected one; return it.

    Fields that already hold the given values are left alone; when none is
    left the node is returned as it is, with its version unchanged.
    """
    label = NODE_KINDS[kind].label
    props = _checked_props(kind, changes)

    def work(tx: neo4j.ManagedTransaction) -> Any:
        _check_version(kind, key, _lock_node(tx, kind, key), expected)
        before = _node_read_tx(tx, kind, key)
        # An item's taxonomy is part of its identity, like its id: an update
        # that leaves it out keeps it, one that names another is refused.
        if props.get("taxonomy", before.taxonomy) != before.taxonomy:
            raise InvalidWrite(
                {
                    "taxonomy": [
                        f"{key!r} belongs to taxonomy {before.taxonomy!r}; an item's "
                        "taxonomy cannot change"
                    ]
                }
            )
        props.pop("taxonomy", None)
        differing = _differing(before, props)
        new_layer = kind == "mitigation" and changes.get("layer", before.layer) != (
            before.layer
        )
        if not differing and not new_layer:
            return before
        _note(seen, before=before)
        _require_cited(tx, differing)
        tx.run(
            f"MATCH (n:{label} {{id: $id}}) "
            "SET n += $props, n.version = coalesce(n.version, 1) + 1",
            id=key,
            props=differing,
        ).consume()
        if new_layer:
            _set_layer(tx, key, changes["layer"])
        _note(seen, revision=bump_revision_tx(tx))
        return _node_read_tx(tx, kind, key)

    return _write(work, journal)


def _links_naming_tx(
    tx: neo4j.ManagedTransaction, kind: str, field: str, key: str
) -> list[dict[str, str]]:
    """The ``kind`` links whose list property ``field`` names the node ``key``,
    as ``{kind, source, target, via}``, by source then target."""
    spec = LINK_KINDS[kind]
    if field not in spec.props:
        raise ValueError(f"not a field of a {kind} link: {field!r}")
    rows = tx.run(
        f"MATCH (s:{spec.source_label})-[r:{spec.rel}]->(t:{spec.target_label}) "
        f"WHERE $id IN coalesce(r.{field}, []) "
        "RETURN s.id AS s, t.id AS t ORDER BY s, t",
        id=key,
    )
    return [
        {"kind": kind, "source": r["s"], "target": r["t"], "via": field} for r in rows
    ]


# The labels of the node kinds that cite sources (``sources`` on the node).
_CITING = " OR ".join(
    f"n:{kind.label}" for kind in NODE_KINDS.values() if "sources" in kind.stored_fields
)


def _node_links_tx(
    tx: neo4j.ManagedTransaction, kind: str, key: str
) -> list[dict[str, str]]:
    """Every link that involves the node, as ``{kind, source, target}``."""
    if kind == "layer":
        rows = tx.run(
            "MATCH (m:Mitigation)-[:IN_LAYER]->(:GovernanceLayer {id: $id}) "
            "RETURN m.id AS m ORDER BY m",
            id=key,
        )
        return [{"kind": "in_layer", "source": r["m"], "target": key} for r in rows]
    if kind == "source":
        cited = _links_naming_tx(tx, "mitigates", "sources", key)
        rows = tx.run(
            f"MATCH (n) WHERE ({_CITING}) "
            "AND $id IN coalesce(n.sources, []) "
            "RETURN n.id AS n, labels(n) AS labels ORDER BY n",
            id=key,
        )
        for r in rows:
            kind_of = next(
                BY_LABEL[label].name for label in r["labels"] if label in BY_LABEL
            )
            cited.append(
                {"kind": "cites", "source": r["n"], "target": key, "via": kind_of}
            )
        return cited
    named = []
    if kind == "jurisdiction":
        # ADOPTS links name the places they adopt in (issue 25): a link left
        # with no place would mean everywhere, so it goes; the others lose it.
        rows = tx.run(
            "MATCH (a:Architecture)-[r:ADOPTS]->(m:Mitigation) "
            "WHERE $id IN coalesce(r.jurisdictions, []) "
            "RETURN a.id AS a, m.id AS m, "
            "size([j IN r.jurisdictions WHERE j <> $id]) = 0 AS only "
            "ORDER BY a, m",
            id=key,
        )
        named = [
            {"kind": "adopts", "source": r["a"], "target": r["m"]}
            | ({} if r["only"] else {"via": "jurisdictions"})
            for r in rows
        ]
    if kind == "tactic":
        named = _links_naming_tx(tx, "uses", "tactics", key)
    label = NODE_KINDS[kind].label
    rows = tx.run(
        f"MATCH (n:{label} {{id: $id}})-[r]-() WHERE type(r) IN $types "
        "RETURN type(r) AS rel, startNode(r).id AS s, endNode(r).id AS t",
        id=key,
        types=list(BY_REL),
    )
    links = named + [
        {"kind": BY_REL[r["rel"]].name, "source": r["s"], "target": r["t"]}
        for r in rows
    ]
    return sorted(
        links, key=lambda link: (link["kind"], link["source"], link["target"])
    )


def _refuse_if_a_scenario_names_tx(
    tx: neo4j.ManagedTransaction, kind: str, key: str
) -> None:
    """A layer, mitigation or jurisdiction an architecture's stored scenario
    names (issue 25) is not deleted, cascade or not: the scenario is an
    editor's text, to be changed by one first."""
    if kind not in ("layer", "mitigation", "jurisdiction"):
        return
    rows = tx.run(
        "MATCH (a:Architecture) WHERE coalesce(a.scenario, '') <> '' "
        "RETURN a.id AS id, a.scenario AS scenario ORDER BY id"
    )
    naming = []
    for row in rows:
        try:
            named = scenario_ids(scenario_of_query(row["scenario"]))
        except ValueError:
            continue
        if key in named.get(kind, set()):
            naming.append(row["id"])
    if naming:
        raise InvalidWrite(
            {
                "id": [
                    f"the scenario of architecture {a!r} names {kind} {key!r}; "
                    "change that scenario first"
                    for a in naming
                ]
            }
        )


@translate_errors
def node_delete(
    *,
    kind: str,
    key: str,
    expected: Versions,
    cascade: bool,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> list[dict[str, str]]:
    """Delete one node; refuse while links involve it unless ``cascade``.

    With ``cascade`` a threat or mitigation goes with its links, a layer with
    the mitigations in it (and their links), a source is removed from the
    ``sources`` of every MITIGATES link and node citing it, and a tactic
    from the steps of the USES links naming it (the step stays, without a
    tactic), a jurisdiction from the places of the ADOPTS links naming it
    (a link left with no place goes: no place would mean everywhere).
    Returns the links removed.
    """
    label = NODE_KINDS[kind].label

    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, str]]:
        _check_version(kind, key, _lock_node(tx, kind, key), expected)
        if seen is not None:
            _note(seen, before=_node_read_tx(tx, kind, key))
        _refuse_if_a_scenario_names_tx(tx, kind, key)
        links = _node_links_tx(tx, kind, key)
        if links and not cascade:
            raise StillReferenced(kind, key, links)
        if kind == "layer":
            tx.run(
                "MATCH (m:Mitigation)-[:IN_LAYER]->(:GovernanceLayer {id: $id}) "
                "DETACH DELETE m",
                id=key,
            ).consume()
        elif kind == "source":
            tx.run(
                "MATCH (:Mitigation)-[r:MITIGATES]->(:MisuseVector) "
                "WHERE $id IN coalesce(r.sources, []) "
                "SET r.sources = [s IN r.sources WHERE s <> $id], "
                "r.version = coalesce(r.version, 1) + 1",
                id=key,
            ).consume()
            tx.run(
                f"MATCH (n) WHERE ({_CITING}) "
                "AND $id IN coalesce(n.sources, []) "
                "SET n.sources = [s IN n.sources WHERE s <> $id], "
                "n.version = coalesce(n.version, 1) + 1",
                id=key,
            ).consume()
        elif kind == "jurisdiction":
            tx.run(
                "MATCH (:Architecture)-[r:ADOPTS]->(:Mitigation) "
                "WHERE $id IN coalesce(r.jurisdictions, []) "
                "WITH r, [j IN r.jurisdictions WHERE j <> $id] AS rest "
                "FOREACH (_ IN CASE WHEN size(rest) = 0 THEN [1] ELSE [] END | "
                "DELETE r) "
                "FOREACH (_ IN CASE WHEN size(rest) > 0 THEN [1] ELSE [] END | "
                "SET r.jurisdictions = rest, r.version = coalesce(r.version, 1) + 1)",
                id=key,
            ).consume()
        elif kind == "tactic":
            tx.run(
                "MATCH (:Incident)-[r:USES]->(:MisuseVector) "
                "WHERE $id IN coalesce(r.tactics, []) "
                "SET r.tactics = [t IN r.tactics | CASE t WHEN $id THEN '' ELSE t END], "
                "r.version = coalesce(r.version, 1) + 1",
                id=key,
            ).consume()
        # The mapping-set rows of a threat go with it (a row to nothing maps
        # nothing), returned so that the audit log records each.
        rows = tx.run(
            f"MATCH (n:{label} {{id: $id}})-[r:MAPS_TO]-() "
            "RETURN r.set AS set, startNode(r).id AS s, endNode(r).id AS t",
            id=key,
        )
        links = links + [
            {"kind": "maps_to", "source": r["s"], "target": r["t"], "set": r["set"]}
            for r in rows
        ]
        tx.run(f"MATCH (n:{label} {{id: $id}}) DETACH DELETE n", id=key).consume()
        _note(seen, revision=bump_revision_tx(tx))
        return links

    return _write(work, journal)
