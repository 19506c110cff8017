"""Single-item writes in the repository: one transaction each, versions checked inside it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from taxonomy import selectors, services
from taxonomy.graph import repository
from taxonomy.graph.driver import database, get_driver


def test_two_writers_with_the_same_version_never_both_succeed(
    seeded_graph,
    transactional_db,  # the winner's audit entry is written from its thread
):
    def rename(name: str) -> str:
        try:
            services.node_update(
                kind="threat",
                key="shadow-ai",
                changes={"name": name},
                expected=frozenset({1}),
            )
            return "ok"
        except repository.VersionConflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(rename, [f"Shadow AI {i}" for i in range(4)]))
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    threat = next(
        t for t in selectors.taxonomy_snapshot().threats if t.id == "shadow-ai"
    )
    assert threat.version == 2


def test_a_refused_write_rolls_back_what_it_already_did(seeded_graph_read_only):
    before = selectors.taxonomy_snapshot()
    with pytest.raises(repository.InvalidWrite):
        services.node_update(
            kind="mitigation", key="tee", changes={"name": "T", "layer": "market"}
        )
    assert selectors.taxonomy_snapshot() == before


def test_a_reused_token_misses_only_other_processes_writes_for_its_max_age(
    seeded_graph, db
):
    first = repository.graph_revision_token(max_age=60)
    # A write by another process: the revision changes behind this one's back.
    get_driver().execute_query(
        "MATCH (m:LayerwiseMeta {key: 'graph'}) SET m.revision = m.revision + 1",
        database_=database(),
    )
    assert repository.graph_revision_token(max_age=60) == first
    assert repository.graph_revision_token(max_age=0) != first
    services.node_update(kind="layer", key="hardware", changes={"name": "Chips"})
    assert selectors.revision_of(repository.graph_revision_token(max_age=60)) == (
        selectors.revision_of(first) + 2
    )


def test_emptying_the_graph_changes_the_token_even_at_the_same_revision(
    graph, settings
):
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    first = repository.graph_revision_token()
    repository.graph_clear()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    second = repository.graph_revision_token()
    assert selectors.revision_of(first) == selectors.revision_of(second) == 1
    assert first != second
