"""The difference between two taxonomies, as a change set a write can apply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from taxonomy.domain.kinds import KINDS as ALL_KINDS
from taxonomy.domain.kinds import LINK_KINDS, LinkKind, items_of, record_key
from taxonomy.domain.records import Taxonomy

# (kind, Taxonomy field) in the order changes are reported.
KINDS = tuple((kind.name, kind.field) for kind in ALL_KINDS.values())
ACTIONS = ("create", "update", "delete")


@dataclass(frozen=True)
class Change:
    kind: str
    action: str
    key: str
    before: Any = None
    after: Any = None

    def changed_fields(self) -> list[str]:
        if self.before is None or self.after is None:
            return []
        return [
            f.name
            for f in fields(self.after)
            if f.name != "version"
            and getattr(self.before, f.name) != getattr(self.after, f.name)
        ]

    def describe(self) -> str:
        sign = {"create": "+", "update": "~", "delete": "-"}[self.action]
        detail = (
            f" ({', '.join(self.changed_fields())})" if self.action == "update" else ""
        )
        return f"{sign} {self.kind} {self.key}{detail}"


@dataclass(frozen=True)
class ChangeSet:
    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def by_kind_action(self) -> dict[tuple[str, str], list[Change]]:
        out: dict[tuple[str, str], list[Change]] = defaultdict(list)
        for change in self.changes:
            out[(change.kind, change.action)].append(change)
        return out

    def counts(self) -> dict[str, int]:
        out = {action: 0 for action in ACTIONS}
        for change in self.changes:
            out[change.action] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        return (
            f"{c['create']} to create, {c['update']} to change, {c['delete']} to delete"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "changes": [
                {
                    "kind": c.kind,
                    "action": c.action,
                    "key": c.key,
                    "fields": c.changed_fields(),
                }
                for c in self.changes
            ],
        }


def _comparable(record: Any) -> Any:
    return replace(record, version=1)


def taxonomy_diff(current: Taxonomy, desired: Taxonomy, *, prune: bool) -> ChangeSet:
    """What to do to ``current`` so it holds ``desired``.

    Items of ``current`` that ``desired`` lacks are deleted only with ``prune``.
    Versions are ignored: they count changes, they are not content.

    >>> from taxonomy.domain.records import Layer
    >>> before = Taxonomy(layers=(Layer("hardware", "Hardware"),))
    >>> after = Taxonomy(layers=(Layer("hardware", "Chips"),))
    >>> [c.describe() for c in taxonomy_diff(before, after, prune=False).changes]
    ['~ layer hardware (name)']
    """
    changes: list[Change] = []
    for kind, name in KINDS:
        have = {record_key(r): r for r in getattr(current, name)}
        want = {record_key(r): r for r in getattr(desired, name)}
        for key, record in want.items():
            old = have.get(key)
            if old is None:
                changes.append(Change(kind, "create", key, None, record))
            elif _comparable(old) != _comparable(record):
                changes.append(Change(kind, "update", key, old, record))
        if prune:
            for key in sorted(set(have) - set(want)):
                changes.append(Change(kind, "delete", key, have[key], None))
    return ChangeSet(tuple(changes))


def as_written(changes: ChangeSet) -> ChangeSet:
    """``changes`` with each ``after`` at the version the write stores: 1 for
    a created item, one past ``before`` for an updated one.

    A diff's ``after`` is the desired record, whose version is whatever the
    request carried; a write counts versions itself, so this is the record a
    read after the write returns (and what the audit log records).

    >>> from taxonomy.domain.records import Layer
    >>> change = Change("layer", "update", "hw", Layer("hw", "HW", version=4),
    ...     Layer("hw", "Chips"))
    >>> as_written(ChangeSet((change,))).changes[0].after.version
    5
    """
    return ChangeSet(
        tuple(
            c
            if c.after is None
            else replace(
                c,
                after=replace(
                    c.after, version=1 + (c.before.version if c.before else 0)
                ),
            )
            for c in changes.changes
        )
    )


def taxonomy_with_changes(taxonomy: Taxonomy, changes: Iterable[Change]) -> Taxonomy:
    """``taxonomy`` as a write of ``changes`` would leave it, computed in memory.

    Created and updated items take their ``after``; deleted ones go. Every kind
    stays sorted by key, as the graph reads it. Nothing checks references:
    the caller passes changes that keep the taxonomy whole.

    >>> from taxonomy.domain.records import Layer
    >>> before = Taxonomy(layers=(Layer("hardware", "Hardware"),))
    >>> change = Change("layer", "create", "market", None, Layer("market", "Market"))
    >>> [x.id for x in taxonomy_with_changes(before, [change]).layers]
    ['hardware', 'market']
    """
    names = dict(KINDS)
    items = {
        name: {record_key(r): r for r in getattr(taxonomy, name)} for _, name in KINDS
    }
    for change in changes:
        kind = items[names[change.kind]]
        if change.action == "delete":
            kind.pop(change.key, None)
        else:
            kind[change.key] = change.after
    return replace(
        taxonomy,
        **{
            name: tuple(kind[key] for key in sorted(kind))
            for name, kind in items.items()
        },
    )


def node_delete_changes(taxonomy: Taxonomy, kind: str, key: str) -> list[Change]:
    """Deleting a node with everything a cascading delete takes with it.

    A threat or mitigation goes with its links; a layer with its mitigations
    (and their links); a source is taken out of every ``sources`` list.

    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "pilot"),))
    >>> [c.describe() for c in node_delete_changes(tax, "layer", "hw")]
    ['- layer hw', '- mitigation m']
    """
    record = next((r for r in items_of(taxonomy, kind) if record_key(r) == key), None)
    changes = [Change(kind, "delete", key, record, None)]
    if kind == "source":
        return changes + _uncited(taxonomy, key)
    gone = {(kind, key)}
    if kind == "layer":
        for m in taxonomy.mitigations:
            if m.layer == key:
                changes.append(Change("mitigation", "delete", m.id, m, None))
                gone.add(("mitigation", m.id))
    for spec in LINK_KINDS.values():
        for link in getattr(taxonomy, spec.field):
            if _ends(spec, link) & gone:
                changes.append(
                    Change(spec.name, "delete", record_key(link), link, None)
                )
    return changes


def _ends(spec: LinkKind, link: Any) -> set[tuple[str, str]]:
    source, target = spec.end_ids(link)
    return {(spec.source, source), (spec.target, target)}


def _uncited(taxonomy: Taxonomy, source: str) -> list[Change]:
    changes = []
    citing = [
        k for k in ALL_KINDS.values() if "sources" in k.record.__dataclass_fields__
    ]
    for spec in citing:
        kind = spec.name
        for record in getattr(taxonomy, spec.field):
            if source in record.sources:
                kept = tuple(s for s in record.sources if s != source)
                after = replace(record, sources=kept)
                changes.append(
                    Change(kind, "update", record_key(record), record, after)
                )
    return changes
