"""Whole taxonomies written: the fixtures loaded, a taxonomy applied or
imported as a canonical document, all or nothing, and the graph's schema."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taxonomy.domain import rules
from taxonomy.domain.changes import ChangeSet
from taxonomy.domain.errors import FixtureError, Problem
from taxonomy.domain.records import Taxonomy
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.graph import repository
from taxonomy.selectors.impact import coverage_impact, taxonomy_merged
from taxonomy.services.audited import By, synced


@dataclass(frozen=True)
class LoadResult:
    changes: ChangeSet
    revision: int
    dry_run: bool
    # How the write went: one transaction or staged, items/s (``WriteStats``).
    write: repository.WriteStats | None = None


def schema_apply() -> list[str]:
    """Create Neo4j constraints and indexes; safe to run any number of times."""
    return repository.schema_apply()


def taxonomy_load(
    *,
    path: Path,
    dry_run: bool = False,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
    actor: Any = None,
    channel: str | None = None,
    comment: str = "",
    stats: repository.WriteStats | None = None,
) -> LoadResult:
    """Validate the fixtures at ``path`` and write them, all or nothing.

    Raises FixtureError (nothing written) when any file has a problem.
    ``actor``, ``channel`` and ``comment`` are for the audit log (see
    ``taxonomy_apply``).
    """
    desired = fixtures_yaml.load_fixtures(path)
    return taxonomy_apply(
        taxonomy=desired,
        dry_run=dry_run,
        prune=prune,
        progress=progress,
        scope=fixtures_yaml.taxonomy_names(desired),
        actor=actor,
        channel=channel,
        comment=comment,
        stats=stats,
    )


def taxonomy_apply(
    *,
    taxonomy: Taxonomy,
    dry_run: bool = False,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
    scope: str | Collection[str] | None = None,
    actor: Any = None,
    channel: str | None = None,
    comment: str = "",
    stats: repository.WriteStats | None = None,
) -> LoadResult:
    """Make the graph hold ``taxonomy``, all or nothing (one transaction, or a
    staged load when the change set is too large for one; ``stats`` says).

    ``scope`` names the taxonomies compared (and pruned); None compares the
    whole graph, so with ``prune`` it deletes every other taxonomy. With a
    ``channel`` (``fixtures``, ``import``, ``api``) every change is written to
    the audit log as done by ``actor`` (a user, or a description such as
    ``"taxonomy load (fixtures)"``); without one nothing is audited, which
    only tests and benchmarks that fill a throwaway graph should want.
    """
    changes, revision, stats = synced(
        taxonomy,
        by=By(actor, channel, comment),
        dry_run=dry_run,
        stats=stats,
        prune=prune,
        progress=progress,
        taxonomy=scope,
    )
    return LoadResult(changes, revision, dry_run, stats)


def taxonomy_load_if_empty(
    *, path: Path, actor: Any = None, channel: str | None = None, comment: str = ""
) -> LoadResult | None:
    """Load the fixtures only into an empty graph (first ``make run``)."""
    if not repository.graph_is_empty():
        return None
    return taxonomy_load(path=path, actor=actor, channel=channel, comment=comment)


@dataclass(frozen=True)
class ImportResult:
    changes: ChangeSet
    revision: int
    dry_run: bool
    impact: dict[str, Any]
    write: repository.WriteStats | None = None


def taxonomy_import(
    *,
    taxonomy: Taxonomy,
    prune: bool = False,
    dry_run: bool = False,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
    progress: Callable[[int, int], None] | None = None,
    stats: repository.WriteStats | None = None,
    settle_in_background: bool = False,
) -> ImportResult:
    """Make the graph hold an already validated taxonomy, all or nothing
    (a staged load settled after this returns with ``settle_in_background``).

    Without ``prune`` the graph keeps what the import does not mention. The
    result after the import is checked inside the write's transaction (a
    REQUIRES or SUBTYPE_OF cycle with what the graph holds raises
    FixtureError and writes nothing). ``impact`` compares the baseline
    coverage before and after.
    """
    seen: dict[str, Taxonomy] = {}

    def validate(current: Taxonomy, changes: ChangeSet) -> None:
        after = taxonomy_merged(current, taxonomy, prune=prune)
        problems = [
            Problem(document_json.DOCUMENT_NAME, 0, m)
            for m in rules.cycle_problems(after)
        ]
        if problems:
            raise FixtureError(problems)
        seen.update(before=current, after=after)

    changes, revision, stats = synced(
        taxonomy,
        by=By(actor, channel, comment),
        dry_run=dry_run,
        stats=stats,
        prune=prune,
        validate=validate,
        progress=progress,
        settle_in_background=settle_in_background,
        # Compare (and prune) only the document's taxonomies, never the others.
        taxonomy=fixtures_yaml.taxonomy_names(taxonomy),
    )
    return ImportResult(
        changes,
        revision,
        dry_run,
        coverage_impact(seen["before"], seen["after"]),
        stats,
    )
