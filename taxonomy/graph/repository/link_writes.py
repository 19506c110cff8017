"""Single-link writes: create, change or delete one link (a property link
such as MITIGATES, or a plain one), each ONE transaction, under the rules
of ``writes`` (locks, versions, ``seen``, ``journal``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import neo4j

from taxonomy.domain import rules
from taxonomy.domain.errors import (
    AlreadyExists,
    InvalidWrite,
)
from taxonomy.domain.kinds import (
    LINK_KINDS,
    PROPERTY_LINK_KINDS,
    link_key,
)
from taxonomy.domain.records import Link
from taxonomy.graph.repository.base import (
    Versions,
    _list_or_value,
    _pick,
    translate_errors,
)
from taxonomy.graph.repository.revision import bump_revision_tx
from taxonomy.graph.repository.writes import (
    Journal,
    _check_version,
    _differing,
    _lock_node,
    _note,
    _require_nodes,
    _write,
)


def _ends_of(kind: str) -> tuple[str, str, str]:
    """(source label, relationship type, target label) of a link kind."""
    spec = LINK_KINDS[kind]
    return spec.source_label, spec.rel, spec.target_label


def _on_link(
    tx: neo4j.ManagedTransaction,
    kind: str,
    source: str,
    target: str,
    then: str,
    **params: Any,
) -> neo4j.Result:
    """Run ``then`` on the ``kind`` link from ``source`` to ``target`` (as ``r``)."""
    src, rel, dst = _ends_of(kind)
    return tx.run(
        f"MATCH (:{src} {{id: $source}})-[r:{rel}]->(:{dst} {{id: $target}}) {then}",
        source=source,
        target=target,
        **params,
    )


def _link_read_tx(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str, version: int
) -> Any:
    if kind in PROPERTY_LINK_KINDS:
        return _property_link_read_tx(tx, kind, source, target)
    return Link(source, target, version)


def _lock_link(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> int | None:
    row = _on_link(
        tx,
        kind,
        source,
        target,
        "SET r._lock = true WITH r REMOVE r._lock RETURN coalesce(r.version, 1) AS v",
    ).single()
    return None if row is None else row["v"]


def _lock_endpoints(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> None:
    """Lock both ends of a link to be (in id order, so two writers never deadlock)."""
    spec = LINK_KINDS[kind]
    ends = sorted({(source, spec.source), (target, spec.target)})
    for key, node_kind in ends:
        _lock_node(tx, node_kind, key)


def _require_ends(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> None:
    spec = LINK_KINDS[kind]
    source_field, target_field = spec.ends
    _require_nodes(
        tx,
        [(source_field, spec.source, [source]), (target_field, spec.target, [target])],
    )


def _property_link_read_tx(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> Any:
    """A link with properties (MITIGATES, USES) as stored."""
    spec = LINK_KINDS[kind]
    row = _on_link(tx, kind, source, target, "RETURN r {.*} AS p").single()
    return _pick(spec.record, {**row["p"], spec.ends[0]: source, spec.ends[1]: target})


def _check_property_link_tx(tx: neo4j.ManagedTransaction, kind: str, link: Any) -> None:
    """The rules a MITIGATES or USES link must keep, checked against the graph:
    the sources it cites exist; a USES link's steps are well formed, its
    tactics exist and no other technique of the incident holds its steps."""
    if kind == "mitigates":
        _require_nodes(tx, [("sources", "source", list(link.sources))])
        return
    if kind in ("member_of", "in_force_in"):
        _check_geography_link_tx(tx, kind, link)
        return
    if kind == "adopts":
        _require_nodes(
            tx,
            [
                ("jurisdictions", "jurisdiction", list(link.jurisdictions)),
                ("sources", "source", list(link.sources)),
            ],
        )
        return
    errors: dict[str, list[str]] = {}
    for field, message in rules.uses_problems(link):
        errors.setdefault(field, []).append(message)
    if errors:
        raise InvalidWrite(errors)
    _require_nodes(tx, [("tactics", "tactic", sorted({t for t in link.tactics if t}))])
    taken = tx.run(
        "MATCH (:Incident {id: $incident})-[r:USES]->(t:MisuseVector) "
        "WHERE t.id <> $threat UNWIND coalesce(r.steps, []) AS step "
        "WITH step, t WHERE step IN $steps RETURN step, t.id AS t ORDER BY step",
        incident=link.incident,
        threat=link.threat,
        steps=list(link.steps),
    ).values()
    if taken:
        raise InvalidWrite(
            {
                "steps": [
                    f"step {step} of incident {link.incident!r} is already {t!r}'s"
                    for step, t in taken
                ]
            }
        )


def _check_geography_link_tx(
    tx: neo4j.ManagedTransaction, kind: str, link: Any
) -> None:
    """The rules a MEMBER_OF or IN_FORCE_IN link must keep (issue 25): its
    dates and maturity; the sources it cites exist; a membership is in a bloc
    or a multilateral body and closes no cycle."""
    errors: dict[str, list[str]] = {}
    for field, message in rules.geography_link_problems(kind, link):
        errors.setdefault(field, []).append(message)
    if errors:
        raise InvalidWrite(errors)
    _require_nodes(tx, [("sources", "source", list(link.sources))])
    if kind != "member_of":
        return
    body = tx.run(
        "MATCH (j:Jurisdiction {id: $body}) RETURN j.kind AS kind", body=link.body
    ).single()
    if body is not None and (body["kind"] or "state") == "state":
        raise InvalidWrite(
            {
                "body": [
                    f"{link.body!r} is a state; only a bloc or a multilateral "
                    "body has members"
                ]
            }
        )
    _check_link_rules(tx, kind, link.member, link.body)


def _claim_new_link_tx(
    tx: neo4j.ManagedTransaction,
    kind: str,
    source: str,
    target: str,
    check: Callable[[], None],
) -> None:
    """Before a link is created: lock and require both ends, run the kind's
    ``check``, then refuse a link that already exists (in this order: a missing
    end or a broken rule is named before a duplicate)."""
    _lock_endpoints(tx, kind, source, target)
    _require_ends(tx, kind, source, target)
    check()
    if _lock_link(tx, kind, source, target) is not None:
        raise AlreadyExists(kind, link_key(source, target))


@translate_errors
def property_link_create(
    *,
    kind: str,
    record: Any,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> Any:
    """Create one MITIGATES or USES link; its ends and what it cites must exist."""
    spec = LINK_KINDS[kind]
    source, target = spec.end_ids(record)
    src, rel, dst = _ends_of(kind)

    def work(tx: neo4j.ManagedTransaction) -> Any:
        _claim_new_link_tx(
            tx, kind, source, target, lambda: _check_property_link_tx(tx, kind, record)
        )
        tx.run(
            f"MATCH (a:{src} {{id: $source}}), (b:{dst} {{id: $target}}) "
            f"CREATE (a)-[r:{rel}]->(b) SET r += $props, r.version = 1",
            source=source,
            target=target,
            props={f: _list_or_value(getattr(record, f)) for f in spec.props},
        ).consume()
        _note(seen, revision=bump_revision_tx(tx))
        return _property_link_read_tx(tx, kind, source, target)

    return _write(work, journal)


@translate_errors
def property_link_update(
    *,
    kind: str,
    source: str,
    target: str,
    changes: dict[str, Any],
    expected: Versions,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> Any:
    """Set some properties of one MITIGATES or USES link (strength, rationale
    and sources; steps, tactics and descriptions).

    As for nodes, an update that changes no value writes nothing.
    """
    spec = LINK_KINDS[kind]
    unknown = set(changes) - set(spec.props)
    if unknown:
        raise ValueError(f"not fields of a {kind} link: {sorted(unknown)}")
    props = {k: _list_or_value(v) for k, v in changes.items()}
    key = link_key(source, target)

    def work(tx: neo4j.ManagedTransaction) -> Any:
        current = _lock_link(tx, kind, source, target)
        _check_version(kind, key, current, expected)
        before = _property_link_read_tx(tx, kind, source, target)
        differing = _differing(before, props)
        if not differing:
            return before
        _note(seen, before=before)
        after = replace(
            before,
            **{k: tuple(v) if isinstance(v, list) else v for k, v in differing.items()},
        )
        _check_property_link_tx(tx, kind, after)
        _on_link(
            tx,
            kind,
            source,
            target,
            "SET r += $props, r.version = coalesce(r.version, 1) + 1",
            props=differing,
        ).consume()
        _note(seen, revision=bump_revision_tx(tx))
        return _property_link_read_tx(tx, kind, source, target)

    return _write(work, journal)


def _check_link_rules(
    tx: neo4j.ManagedTransaction, kind: str, source: str, target: str
) -> None:
    spec = LINK_KINDS[kind]
    if spec.irreflexive and source == target:
        raise InvalidWrite({"target": [rules.self_link_message(kind, source)]})
    if not spec.acyclic:
        return
    label, rel = spec.source_label, spec.rel
    if source == target:
        raise InvalidWrite({"target": [rules.cycle_message(kind, [source, source])]})
    row = tx.run(
        f"MATCH p = shortestPath((:{label} {{id: $target}})-[:{rel}*]->"
        f"(:{label} {{id: $source}})) RETURN [n IN nodes(p) | n.id] AS ids",
        source=source,
        target=target,
    ).single()
    if row is not None:
        chain = [source, *row["ids"]]
        raise InvalidWrite({"target": [rules.cycle_message(kind, chain)]})


@translate_errors
def link_create(
    *,
    kind: str,
    source: str,
    target: str,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> Link:
    """Create one ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF link (no properties
    besides version)."""
    src, rel, dst = _ends_of(kind)

    def work(tx: neo4j.ManagedTransaction) -> Link:
        _claim_new_link_tx(
            tx,
            kind,
            source,
            target,
            lambda: _check_link_rules(tx, kind, source, target),
        )
        tx.run(
            f"MATCH (a:{src} {{id: $source}}), (b:{dst} {{id: $target}}) "
            f"CREATE (a)-[:{rel} {{version: 1}}]->(b)",
            source=source,
            target=target,
        ).consume()
        _note(seen, revision=bump_revision_tx(tx))
        return Link(source, target, 1)

    return _write(work, journal)


@translate_errors
def link_delete(
    *,
    kind: str,
    source: str,
    target: str,
    expected: Versions,
    seen: dict[str, Any] | None = None,
    journal: Journal = None,
) -> None:
    """Delete one link of any kind if its version is an expected one."""

    def work(tx: neo4j.ManagedTransaction) -> None:
        current = _lock_link(tx, kind, source, target)
        _check_version(kind, link_key(source, target), current, expected)
        if seen is not None:
            _note(seen, before=_link_read_tx(tx, kind, source, target, current))
        _on_link(tx, kind, source, target, "DELETE r").consume()
        _note(seen, revision=bump_revision_tx(tx))

    _write(work, journal)
