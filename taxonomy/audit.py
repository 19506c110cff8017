"""The audit log: every write to the graph as who, when, what (before and after) and why.

Each write's transaction stores its own audit records in the graph (the
journal, ``taxonomy.graph.repository.journal``): the services build them with
``journal_entries`` and hand them to the repository, so a committed change
always has its record and a rolled-back one never has. The ``AuditEntry``
table is a copy of the journal that the history pages and the API filter and
page through; ``audit_catch_up`` brings it up to date (after every write and
before every read of the log) and ``audit_rebuild`` remakes it from the
journal.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone

from taxonomy.domain.changes import Change, ChangeSet
from taxonomy.domain.errors import GraphError
from taxonomy.domain.kinds import KINDS as ALL_KINDS
from taxonomy.domain.kinds import LINK_KINDS, split_link_key
from taxonomy.graph import repository
from taxonomy.models import AuditEntry
from taxonomy.selectors.rounds import secret_round_slugs

logger = logging.getLogger(__name__)
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


def journal_entries(
    changes: ChangeSet | Iterable[Change],
    *,
    actor: Any,
    channel: str,
    comment: str,
    revision: int,
) -> list[dict[str, Any]]:
    """The journal records of one write's changes, all at one timestamp.

    Plain values only (``before`` and ``after`` as JSON text), as the graph
    stores them; ``position`` orders them within the write.

    >>> from taxonomy.domain.records import Layer
    >>> [entry] = journal_entries(
    ...     [Change("layer", "create", "hw", None, Layer("hw", "Hardware"))],
    ...     actor="taxonomy load", channel="fixtures", comment="", revision=7)
    >>> entry["revision"], entry["position"], entry["actor_name"], entry["before"]
    (7, 0, 'taxonomy load', None)
    >>> json.loads(entry["after"])["name"]
    'Hardware'
    """
    items = changes.changes if isinstance(changes, ChangeSet) else changes
    user, name = actor_of(actor)
    at = timezone.now().isoformat()
    entries = []
    for position, change in enumerate(items):
        source, target = link_ends(change.kind, change.key)
        entries.append(
            {
                "revision": revision,
                "position": position,
                "at": at,
                "actor_id": None if user is None else user.pk,
                "actor_name": name,
                "channel": channel,
                "action": change.action,
                "kind": change.kind,
                "key": change.key,
                "source": source,
                "target": target,
                "before": _json(record_values(change.before)),
                "after": _json(record_values(change.after)),
                "comment": comment,
            }
        )
    return entries


def _json(values: dict[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(values, default=str)


def _insert_copies(records: list[dict[str, Any]], epoch: str, users: set[Any]) -> None:
    """Insert ``records`` into the table, skipping any already copied.

    What ``bulk_create(..., ignore_conflicts=True)`` of one entry a record
    writes, without building a model instance and preparing every field of
    it: the text fields are the journal's own values, and only the time and
    the two JSON fields go through the database's adapters. The columns are
    the model's own (a field added to it and not filled here fails loudly).
    The one INSERT is run for every row (``executemany``: SQLite prepares it
    once; psycopg, binding on the client, sends it once per row). A large load's
    journal (a million records) is copied about twice as fast on SQLite;
    ``tests/taxonomy/test_audit_copy.py`` holds the two equal.
    """
    connection = connections[router.db_for_write(AuditEntry)]
    ops, meta = connection.ops, AuditEntry._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql = " ".join(
        [
            ops.insert_statement(on_conflict=OnConflict.IGNORE),
            ops.quote_name(meta.db_table),
            f"({', '.join(ops.quote_name(f.column) for f in fields)})",
            f"VALUES ({', '.join(['%s'] * len(fields))})",
            ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or "",
        ]
    )
    times: dict[str, Any] = {}

    def when(text: str) -> Any:
        # One write's records share one time: adapted once.
        if text not in times:
            times[text] = meta.get_field("at").get_db_prep_save(
                dt.datetime.fromisoformat(text), connection
            )
        return times[text]

    def loaded(name: str, text: str | None) -> Any:
        field = meta.get_field(name)
        return (
            None
            if text is None
            else field.get_db_prep_save(json.loads(text), connection)
        )

    def row(r: dict[str, Any]) -> tuple:
        values = {
            "at": when(r["at"]),
            "actor_id": actor if (actor := r.get("actor_id")) in users else None,
            "actor_name": r["actor_name"],
            "channel": r["channel"],
            "action": r["action"],
            "kind": r["kind"],
            "key": r["key"],
            "source": r.get("source", ""),
            "target": r.get("target", ""),
            "before": loaded("before", r.get("before")),
            "after": loaded("after", r.get("after")),
            "comment": r.get("comment", ""),
            "graph_revision": r["revision"],
            "graph_epoch": epoch,
            "position": r["position"],
        }
        return tuple(values[f.attname] for f in fields)

    rows = [row(r) for r in records]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def audit_catch_up(epoch: str | None = None) -> int:
    """Copy the journal's records the table lacks; return how many were copied.

    ``epoch`` is the graph's (read when not given). Safe to run at any time
    and from several processes at once: a record already copied is skipped
    (one copy per epoch, revision and position).
    """
    if epoch is None:
        epoch = repository.journal_epoch()
    held = AuditEntry.objects.filter(graph_epoch=epoch, position__isnull=False)
    revision = held.aggregate(r=Max("graph_revision"))["r"] or 0
    position = held.filter(graph_revision=revision).aggregate(p=Max("position"))["p"]
    copied = 0
    for page in repository.journal_after(
        revision, -1 if position is None else position
    ):
        wanted = {r.get("actor_id") for r in page} - {None}
        users = set(
            get_user_model().objects.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        _insert_copies(page, epoch, users)
        copied += len(page)
    return copied


def audit_rebuild() -> int:
    """Remake the table's copy of the current graph's journal from the journal.

    Entries of other epochs (graphs since emptied) and entries from before the
    journal existed are kept. Returns the number of entries copied.
    """
    epoch = repository.journal_epoch()
    AuditEntry.objects.filter(graph_epoch=epoch, position__isnull=False).delete()
    return audit_catch_up()


# The graph revision token the copy was last brought up to date at, in this
# process: while the token stays, there is nothing new to copy.
_copied_at: str | None = None


def audit_up_to_date() -> None:
    """Bring the copy up to date before a read, if the graph answers.

    One cheap token read when nothing was written since the last catch-up
    (the token is the one every cached read of the graph uses, as fresh as
    they are); a journal read only when the graph changed. The log stays
    readable from the copy while Neo4j is down; what was written meanwhile
    is copied at the next read that reaches it.
    """
    global _copied_at
    try:
        token = repository.graph_revision_token(
            max_age=settings.LAYERWISE_REVISION_MAX_AGE
        )
        if token == _copied_at:
            return
        audit_catch_up(epoch=repository.epoch_of(token))
        _copied_at = token
    except GraphError as e:
        logger.warning("audit log read from its copy only: %s", e)


# --- Reading the log ------------------------------------------------------------------


def audit_list(
    *,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    kind: str | None = None,
    channel: str | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first, filtered by editor (their name, or ``command:`` and a
    command's name), day range, kind, channel.

    ``since`` and ``until`` are days, both included.
    """
    audit_up_to_date()
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(_actor_match(actor))
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    if kind:
        entries = entries.filter(kind=kind)
    if channel:
        entries = entries.filter(channel=channel)
    return _without_secret_answers(entries)


def _without_secret_answers(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """Leave out the judgements given in rounds not yet closed: nobody reads
    an answer of an open round in the history (``selectors.rounds``); the
    round's own entries (opened, advanced, closed) stay."""
    secret = secret_round_slugs()
    if not secret:
        return entries
    return entries.exclude(
        Q(kind="judgement") & (Q(after__round__in=secret) | Q(before__round__in=secret))
    )


def audit_node_history(*, kind: str, key: str) -> QuerySet[AuditEntry]:
    """Entries about one item, newest first; for a node also every link that
    involves it (a threat's history shows its MITIGATES links changing)."""
    audit_up_to_date()
    match = Q(kind=kind, key=key)
    for link in LINK_KINDS.values():
        if link.source == kind:
            match |= Q(kind=link.name, source=key)
        if link.target == kind:
            match |= Q(kind=link.name, target=key)
    # Judgements of a MITIGATES link (taxonomy.judgements) are in its history.
    if kind == "mitigates":
        match |= Q(kind="judgement", key=key)
    return _without_secret_answers(AuditEntry.objects.filter(match))


# Writers that are commands (a fixture load, an import), not people: the
# editor filter offers one choice per command, whichever file it read.
COMMAND_CHANNELS = ("fixtures", "import")
# The editor filter's value of a command; no username holds a colon.
COMMAND = "command:"


def actor_choice(name: str, channel: str) -> tuple[str, str]:
    """(filter value, label) of whoever wrote an entry: a person by name, a
    command by its name alone (its file left out).

    >>> actor_choice("ada", "api"), actor_choice("import_atlas (ATLAS.yaml)", "import")
    (('ada', 'ada'), ('command:import_atlas', 'import_atlas (command)'))
    """
    if channel in COMMAND_CHANNELS:
        command = name.split(" (", 1)[0]
        return f"{COMMAND}{command}", f"{command} (command)"
    return name, name


def audit_editors() -> list[tuple[str, str]]:
    """One (value, label) per person and per command that has written, by label
    (the choices of the editor filter)."""
    audit_up_to_date()
    # order_by(): the table's default order would add its columns to DISTINCT.
    pairs = AuditEntry.objects.order_by().values_list("actor_name", "channel")
    choices = {actor_choice(name, channel) for name, channel in pairs.distinct()}
    return sorted(choices, key=lambda choice: (choice[1].lower(), choice[0]))


def _actor_match(actor: str) -> Q:
    """The entries of one editor filter value: a person's name, or a command."""
    if not actor.startswith(COMMAND):
        return Q(actor_name=actor)
    command = actor.removeprefix(COMMAND)
    return Q(channel__in=COMMAND_CHANNELS) & (
        Q(actor_name=command) | Q(actor_name__startswith=f"{command} (")
    )


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
