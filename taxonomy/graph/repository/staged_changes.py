"""Step 2 of a staged load (``staging.py``): a change set written as staged
items, invisible to readers until the switch.

Created nodes carry ``_load``; an updated node is a *replacement* node
(``_sid`` instead of ``id``) with copies of the links the load keeps; a link
is seen only with both its ends, so only a new link between two nodes
readers already see carries ``_load`` too; what the load deletes or
replaces is marked ``_drop``. Each step runs its rows in the load's batches
(``Load.rows``, ``Load.links_of``), each batch a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from taxonomy.domain.changes import Change, ChangeSet
from taxonomy.domain.kinds import LINK_KINDS, NODE_KINDS
from taxonomy.graph.repository.staging import LABELS, RELS, STAGE_BATCH, Load

# The changes of one kind and action: ``ChangeSet.by_kind_action()``.
ByKind = dict[tuple[str, str], list[Change]]


def stage(
    load: Load,
    changes: ChangeSet,
    node_props: Callable[[str, Any], dict[str, Any]],
    link_props: Callable[[tuple[str, ...], Any], dict[str, Any]],
    link_key: Callable[[Change], dict[str, str]],
    journal: Callable[[list[Change], int], Sequence[dict[str, Any]]] | None,
) -> None:
    """Write ``changes`` as staged items of ``load`` (invisible until ``switch``)."""
    by = changes.by_kind_action()
    replaced = {
        kind: {c.key for c in by.get((kind, "update"), [])} for kind in NODE_KINDS
    }
    # Nodes readers do not see before the switch: created and replacements.
    fresh = {
        kind: replaced[kind] | {c.key for c in by.get((kind, "create"), [])}
        for kind in NODE_KINDS
    }
    _mark_what_goes(load, by, replaced, link_key)
    _create_nodes(load, by, node_props)
    _link_layers(load, by, replaced)
    _create_links(load, by, replaced, fresh, link_props, link_key)
    _copy_kept_links(load, {LABELS[kind]: ids for kind, ids in replaced.items()})
    if journal is not None:
        _write_journal(load, changes, journal)


def _mark_what_goes(
    load: Load,
    by: ByKind,
    replaced: dict[str, set[str]],
    link_key: Callable[[Change], dict[str, str]],
) -> None:
    """1. Marks on what goes away or is replaced."""
    for kind, spec in LINK_KINDS.items():
        src, rel, dst = spec.source_label, spec.rel, spec.target_label
        query = (
            f"UNWIND $rows AS row MATCH (:{src} {{id: row.source}})-[r:{rel}]->"
            f"(:{dst} {{id: row.target}}) SET r._drop = $load"
        )
        deleted = [link_key(c) for c in by.get((kind, "delete"), [])]
        load.rows(query, deleted, counted=True)
        load.rows(query, [link_key(c) for c in by.get((kind, "update"), [])], False)
    for kind, label in LABELS.items():
        query = (
            f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) SET n._drop = $load"
        )
        load.rows(query, [{"id": c.key} for c in by.get((kind, "delete"), [])], True)
        load.rows(query, [{"id": key} for key in sorted(replaced[kind])], False)
    # A replaced mitigation gets a new IN_LAYER below; its old one goes.
    load.rows(
        "UNWIND $rows AS row MATCH (:Mitigation {id: row.id})-[r:IN_LAYER]->() "
        "SET r._drop = $load",
        [{"id": key} for key in sorted(replaced["mitigation"])],
        counted=False,
    )


def _create_nodes(
    load: Load, by: ByKind, node_props: Callable[[str, Any], dict[str, Any]]
) -> None:
    """2. Nodes: created ones with their id, replacements under ``_sid``."""
    for kind, label in LABELS.items():
        created = [
            {"id": c.key, "props": node_props(kind, c.after)}
            for c in by.get((kind, "create"), [])
        ]
        load.rows(
            f"UNWIND $rows AS row CREATE (n:{label}) SET n = row.props, "
            "n.id = row.id, n.version = 1, n._load = $load",
            created,
            counted=True,
        )
        updated = [
            {"id": c.key, "props": node_props(kind, c.after)}
            for c in by.get((kind, "update"), [])
        ]
        load.rows(
            f"UNWIND $rows AS row MATCH (o:{label} {{id: row.id}}) "
            f"CREATE (n:{label}) SET n = row.props, "
            "n.version = coalesce(o.version, 0) + 1, n._sid = row.id, n._load = $load",
            updated,
            counted=True,
        )


def _link_layers(load: Load, by: ByKind, replaced: dict[str, set[str]]) -> None:
    """3. Mitigations' layers (created and replaced mitigations)."""
    layer_rows = [
        {"source": c.key, "target": c.after.layer}
        for action in ("create", "update")
        for c in by.get(("mitigation", action), [])
    ]
    # A link from a created or replacement node is seen with it: only a new
    # link between two nodes readers see now needs a mark of its own (and
    # so an index entry, which a million new links would pay for).
    groups = _by_ends(layer_rows, replaced["mitigation"], replaced["layer"])
    for (rs, rt), rows in sorted(groups.items()):
        load.rows(
            f"UNWIND $rows AS row MATCH {_end('a', 'Mitigation', 'source', rs)} "
            f"MATCH {_end('b', 'GovernanceLayer', 'target', rt)} "
            "CREATE (a)-[r:IN_LAYER]->(b)",
            rows,
            counted=False,
        )


def _create_links(
    load: Load,
    by: ByKind,
    replaced: dict[str, set[str]],
    fresh: dict[str, set[str]],
    link_props: Callable[[tuple[str, ...], Any], dict[str, Any]],
    link_key: Callable[[Change], dict[str, str]],
) -> None:
    """4. Links created or changed, between the nodes readers will see."""
    for kind, spec in LINK_KINDS.items():
        src, rel, dst = spec.source_label, spec.rel, spec.target_label
        rows = []
        for action in ("create", "update"):
            for c in by.get((kind, action), []):
                version = 1 if c.before is None else c.before.version + 1
                props = link_props(spec.props, c.after) if spec.props else {}
                rows.append({**link_key(c), "props": props, "version": version})
        groups = _by_ends(rows, replaced[spec.source], replaced[spec.target])
        new_src, new_dst = fresh[spec.source], fresh[spec.target]
        for (rs, rt), group in sorted(groups.items()):
            marked = [
                r
                for r in group
                if r["source"] not in new_src and r["target"] not in new_dst
            ]
            unmarked = [
                r for r in group if r["source"] in new_src or r["target"] in new_dst
            ]
            for part, mark in ((marked, ", r._load = $load"), (unmarked, "")):
                load.rows(
                    f"UNWIND $rows AS row MATCH {_end('a', src, 'source', rs)} "
                    f"MATCH {_end('b', dst, 'target', rt)} "
                    f"CREATE (a)-[r:{rel}]->(b) SET r = row.props, "
                    f"r.version = row.version{mark}",
                    part,
                    counted=True,
                )


def _copy_kept_links(load: Load, by_label: dict[str, set[str]]) -> None:
    """5. The links replaced nodes keep, copied onto their replacements, at
    most a batch of links a transaction however many one node has: each
    copied original is marked to go (it goes with its node anyway)."""
    for rel, src, dst in RELS:
        sources = sorted(by_label.get(src, ()))
        load.links_of(
            f"UNWIND $rows AS row MATCH (a2:{src} {{_sid: row.id, _load: $load}}) "
            f"MATCH (a:{src} {{id: row.id}})-[r:{rel}]->(b:{dst}) "
            "WHERE r._drop IS NULL "
            f"OPTIONAL MATCH (b2:{dst} {{_sid: b.id, _load: $load}}) "
            "WITH a2, r, b, b2 WHERE b._drop IS NULL OR b2 IS NOT NULL "
            "WITH a2, r, coalesce(b2, b) AS bb LIMIT $batch "
            f"CREATE (a2)-[r2:{rel}]->(bb) SET r2 = properties(r) REMOVE r2._load "
            "SET r._drop = $load RETURN count(r2) AS n",
            [{"id": i} for i in sources],
        )
        targets = sorted(by_label.get(dst, ()))
        load.links_of(
            f"UNWIND $rows AS row MATCH (b2:{dst} {{_sid: row.id, _load: $load}}) "
            f"MATCH (a:{src})-[r:{rel}]->(b:{dst} {{id: row.id}}) "
            "WHERE r._drop IS NULL AND a._drop IS NULL "
            "WITH a, r, b2 LIMIT $batch "
            f"CREATE (a)-[r2:{rel}]->(b2) SET r2 = properties(r) REMOVE r2._load "
            "SET r._drop = $load RETURN count(r2) AS n",
            [{"id": i} for i in targets],
        )


def _write_journal(
    load: Load,
    changes: ChangeSet,
    journal: Callable[[list[Change], int], Sequence[dict[str, Any]]],
) -> None:
    """6. The audit records, at the revision the switch gives."""
    items = list(changes.changes)
    for start in range(0, len(items), STAGE_BATCH):
        chunk = list(journal(items[start : start + STAGE_BATCH], load.id))
        for entry in chunk:
            entry["position"] += start
        load.rows(
            "UNWIND $rows AS row CREATE (a:AuditRecord) SET a = row", chunk, False
        )


def _end(var: str, label: str, key: str, replaced: bool) -> str:
    """The pattern that finds a link's end: its replacement, or the node itself."""
    if replaced:
        return f"({var}:{label} {{_sid: row.{key}, _load: $load}})"
    return f"({var}:{label} {{id: row.{key}}})"


def _by_ends(
    rows: list[dict[str, Any]], src_replaced: set[str], dst_replaced: set[str]
) -> dict[tuple[bool, bool], list[dict[str, Any]]]:
    groups: dict[tuple[bool, bool], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["source"] in src_replaced, row["target"] in dst_replaced)
        groups.setdefault(key, []).append(row)
    return groups
