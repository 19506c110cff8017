"""The one audited path every write takes: who writes, through which channel
and why, the journal records stored in the write's own transaction, and the
audit table brought up to date after it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taxonomy import audit
from taxonomy.domain.changes import Change, ChangeSet
from taxonomy.domain.records import Taxonomy
from taxonomy.graph import repository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class By:
    """Who writes, through which channel, and why: what the audit log records.

    Without a channel nothing is audited (tests and benchmarks that fill a
    throwaway graph). With one, the repository writes the journal records
    these functions give inside the write's own transaction; afterwards
    ``copied`` brings the audit table (a copy of the journal) up to date.
    """

    actor: Any
    channel: str | None
    comment: str

    def entries(self, changes: ChangeSet | list[Change], revision: int) -> list:
        return audit.journal_entries(
            changes,
            actor=self.actor,
            channel=self.channel,
            comment=self.comment,
            revision=revision,
        )

    def journal_of_changes(self) -> Callable[[ChangeSet, int], list] | None:
        """The journal of a whole-taxonomy write (``repository.taxonomy_sync``)."""
        return None if self.channel is None else self.entries

    def copied(self) -> None:
        """Copy the journal into the audit table, after a write has committed.

        A failure here loses nothing: the records are in the graph, and the
        next read of the log (or ``manage.py audit rebuild``) copies them.
        """
        if self.channel is None:
            return
        try:
            audit.audit_up_to_date()
        except Exception:
            logger.exception("audit table not yet up to date (the journal is)")


def audited(
    write: Callable[..., Any],
    action: str,
    kind: str,
    key: Callable[[Any], str] | str,
    by: By,
    more: Callable[[Any], list[Change]] | None = None,
) -> Any:
    """Run one repository write with its audit record: THE single-item write path.

    ``write(seen=, journal=)`` performs it, fills ``seen`` with what the
    repository saw (the item ``before``, the graph ``revision``; no revision
    when the write changed nothing) and calls ``journal(result)`` inside its
    transaction for the records to store with it. ``key`` is the item's key,
    or a function of the write's result giving it; ``more(result)`` gives
    further changes the write made (a cascading delete's links).
    """
    seen: dict[str, Any] = {}

    def journal(result: Any) -> list:
        if "revision" not in seen:
            return []
        name = key(result) if callable(key) else key
        after = None if action == "delete" else result
        changes = [Change(kind, action, name, seen.get("before"), after)]
        return by.entries(changes + (more(result) if more else []), seen["revision"])

    result = write(seen=seen, journal=None if by.channel is None else journal)
    if "revision" in seen:
        by.copied()
    return result


def synced(
    desired: Taxonomy,
    /,
    *,
    by: By,
    dry_run: bool,
    stats: repository.WriteStats | None,
    **options: Any,
) -> tuple[ChangeSet, int, repository.WriteStats]:
    """Make the graph hold ``desired`` (``repository.taxonomy_sync``, given
    ``options``), the journal of its changes stored with the write and the
    audit table brought up to date once it committed: THE whole-taxonomy
    write path. The changes, the revision and the write's ``stats``."""
    stats = stats if stats is not None else repository.WriteStats()
    changes, revision = repository.taxonomy_sync(
        desired,
        dry_run=dry_run,
        journal=by.journal_of_changes(),
        stats=stats,
        **options,
    )
    if not dry_run:
        by.copied()
    return changes, revision, stats
