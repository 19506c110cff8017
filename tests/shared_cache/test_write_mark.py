"""The write mark: every write replaces it, and a token is read again when it changed;
its bookmarks make a reader wait for the writer's write."""

from __future__ import annotations

from django.core.cache import cache

from taxonomy import services
from taxonomy.graph import repository
from taxonomy.graph.driver import bookmark_manager, database, get_driver
from taxonomy.graph.repository.base import _session
from taxonomy.graph.repository.revision import WRITE_MARK


def _write_behind_this_process_s_back() -> list[str]:
    """Bump the revision as another server would; return that write's bookmarks."""
    with get_driver().session(database=database(), bookmark_manager=None) as session:
        session.run(
            "MATCH (m:LayerwiseMeta {key: 'graph'}) SET m.revision = m.revision + 1"
        ).consume()
        return list(session.last_bookmarks().raw_values)


def test_every_write_puts_a_new_write_mark_in_the_cache(seeded_graph, db):
    before = cache.get(WRITE_MARK)
    services.node_update(kind="layer", key="hardware", changes={"name": "Chips"})
    after = cache.get(WRITE_MARK)
    assert after is not None and after != before
    assert set(after[2]) == bookmark_manager().get_bookmarks()


def test_a_token_is_read_again_as_soon_as_another_server_leaves_a_new_mark(
    seeded_graph,
):
    first = repository.graph_revision_token(max_age=60)
    _write_behind_this_process_s_back()
    assert repository.graph_revision_token(max_age=60) == first
    cache.set(WRITE_MARK, ("another server's write", None, ()))
    assert repository.graph_revision_token(max_age=60) != first


def test_this_process_s_sessions_keep_the_bookmarks_of_its_writes(seeded_graph):
    with _session() as session:
        session.execute_write(
            lambda tx: tx.run(
                "MATCH (l:GovernanceLayer {id: 'hardware'}) SET l.name = 'Chips'"
            ).consume()
        )
        written = session._session.last_bookmarks().raw_values
    assert written and written <= bookmark_manager().get_bookmarks()


def test_a_reader_takes_up_the_bookmarks_another_server_left(seeded_graph):
    repository.graph_revision_token()
    bookmarks = _write_behind_this_process_s_back()
    assert not set(bookmarks) <= bookmark_manager().get_bookmarks()
    graph = (seeded_graph.uri, seeded_graph.database)
    cache.set(WRITE_MARK, ("another server's write", graph, tuple(bookmarks)))
    repository.graph_revision_token(max_age=60)
    assert set(bookmarks) <= bookmark_manager().get_bookmarks()


def test_bookmarks_of_another_graph_are_not_taken_up(seeded_graph_read_only):
    cache.set(WRITE_MARK, ("elsewhere", ("bolt://elsewhere:7687", "neo4j"), ("b",)))
    repository.graph_revision_token(max_age=60)
    assert "b" not in bookmark_manager().get_bookmarks()
