"""The audit log: every write to the graph as who, when, what (before and after) and why.

The services write entries after the graph's transaction has committed
(``audit_record`` for one item, ``audit_record_changes`` for a change set);
the history pages and the API read them with ``audit_list`` and
``audit_node_history``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import fields, is_dataclass
from itertools import islice
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from taxonomy.domain.changes import Change, ChangeSet
from taxonomy.domain.kinds import KINDS as ALL_KINDS
from taxonomy.domain.kinds import LINK_KINDS, split_link_key
from taxonomy.models import AuditEntry

BATCH = 1000
KINDS = tuple(ALL_KINDS)


def record_values(record: Any) -> dict[str, Any] | None:
    """A record as the JSON an entry stores (tuples become lists); None stays None.

    >>> from taxonomy.domain.records import Layer
    >>> record_values(Layer("hardware", "Hardware"))["name"]
    'Hardware'
    """
    if record is None:
        return None
    if is_dataclass(record):
        return {
            f.name: list(v) if isinstance(v := getattr(record, f.name), tuple) else v
            for f in fields(record)
        }
    return dict(record)


def link_ends(kind: str, key: str) -> tuple[str, str]:
    """The two ends of a link's key, blank for a node (ids never hold ``>``).

    >>> link_ends("enables", "a->b"), link_ends("threat", "a")
    (('a', 'b'), ('', ''))
    """
    if kind not in LINK_KINDS:
        return "", ""
    return split_link_key(key)


def actor_of(actor: Any) -> tuple[Any, str]:
    """``(user or None, name)`` of whoever wrote: a Django user, or a description
    of an automated writer such as ``"taxonomy load (fixtures)"``."""
    if actor is None or isinstance(actor, str):
        return None, actor or "unknown"
    if not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return actor, actor.get_username()


def _entry(
    change: Change,
    *,
    actor: Any,
    channel: str,
    comment: str,
    revision: int | None,
    at: dt.datetime,
) -> AuditEntry:
    user, name = actor_of(actor)
    source, target = link_ends(change.kind, change.key)
    return AuditEntry(
        at=at,
        actor=user,
        actor_name=name,
        channel=channel,
        action=change.action,
        kind=change.kind,
        key=change.key,
        source=source,
        target=target,
        before=record_values(change.before),
        after=record_values(change.after),
        comment=comment,
        graph_revision=revision,
    )


def audit_record(
    *,
    kind: str,
    action: str,
    key: str,
    before: Any = None,
    after: Any = None,
    actor: Any = None,
    channel: str,
    comment: str = "",
    revision: int | None = None,
) -> AuditEntry:
    """Record one write to one item; ``before``/``after`` are records or dicts."""
    change = Change(kind, action, key, before, after)
    entry = _entry(
        change,
        actor=actor,
        channel=channel,
        comment=comment,
        revision=revision,
        at=timezone.now(),
    )
    entry.save()
    return entry


def audit_record_changes(
    *,
    changes: ChangeSet | Iterable[Change],
    actor: Any = None,
    channel: str,
    comment: str = "",
    revision: int | None = None,
) -> int:
    """Record every change of a change set, in batches, all at one timestamp.

    Returns the number of entries written.
    """
    items = changes.changes if isinstance(changes, ChangeSet) else changes
    at = timezone.now()
    entries: Iterator[AuditEntry] = (
        _entry(
            c, actor=actor, channel=channel, comment=comment, revision=revision, at=at
        )
        for c in items
    )
    written = 0
    while batch := list(islice(entries, BATCH)):
        AuditEntry.objects.bulk_create(batch)
        written += len(batch)
    return written


# --- Reading the log ------------------------------------------------------------------


def audit_list(
    *,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    kind: str | None = None,
    channel: str | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first, filtered by editor (their name), day range, kind, channel.

    ``since`` and ``until`` are days, both included.
    """
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_name=actor)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    if kind:
        entries = entries.filter(kind=kind)
    if channel:
        entries = entries.filter(channel=channel)
    return entries


def audit_node_history(*, kind: str, key: str) -> QuerySet[AuditEntry]:
    """Entries about one item, newest first; for a node also every link that
    involves it (a threat's history shows its MITIGATES links changing)."""
    match = Q(kind=kind, key=key)
    for link in LINK_KINDS.values():
        if link.source == kind:
            match |= Q(kind=link.name, source=key)
        if link.target == kind:
            match |= Q(kind=link.name, target=key)
    return AuditEntry.objects.filter(match)


def audit_editors() -> list[str]:
    """Every name that has written, sorted (the choices of the editor filter)."""
    names = AuditEntry.objects.values_list("actor_name", flat=True).distinct()
    return sorted(names)


def field_changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` for each field that differs; versions left out.

    >>> field_changes({"name": "A", "version": 1}, {"name": "B", "version": 2})
    [('name', 'A', 'B')]
    >>> field_changes(None, {"id": "x", "version": 1})
    [('id', None, 'x')]
    """
    before, after = before or {}, after or {}
    names = list(after) + [k for k in before if k not in after]
    return [
        (name, before.get(name), after.get(name))
        for name in names
        if name != "version" and before.get(name) != after.get(name)
    ]
