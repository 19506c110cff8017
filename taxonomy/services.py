"""Writes to the taxonomy graph: <entity>_<verb>(*, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from taxonomy import fixtures
from taxonomy.changes import ChangeSet
from taxonomy.graph import repository
from taxonomy.graph.records import Taxonomy


@dataclass(frozen=True)
class LoadResult:
    changes: ChangeSet
    revision: int
    dry_run: bool


def schema_apply() -> list[str]:
    """Create Neo4j constraints and indexes; safe to run any number of times."""
    return repository.schema_apply()


def taxonomy_load(
    *,
    path: Path,
    dry_run: bool = False,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Validate the fixtures at ``path`` and write them in one transaction.

    Raises FixtureError (nothing written) when any file has a problem.
    """
    desired = fixtures.load_fixtures(path)
    return taxonomy_apply(taxonomy=desired, dry_run=dry_run, prune=prune, progress=progress)


def taxonomy_apply(
    *,
    taxonomy: Taxonomy,
    dry_run: bool = False,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    changes, revision = repository.taxonomy_sync(
        taxonomy, prune=prune, dry_run=dry_run, progress=progress
    )
    return LoadResult(changes, revision, dry_run)


def taxonomy_load_if_empty(*, path: Path) -> LoadResult | None:
    """Load the fixtures only into an empty graph (first ``make run``)."""
    if not repository.graph_is_empty():
        return None
    return taxonomy_load(path=path)
