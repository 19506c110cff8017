"""The seed graph the read-only tests share: loaded once while nobody changes
it, loaded again after a test that did, and such a test fails, named."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from taxonomy import selectors, services
from taxonomy.domain.records import Threat
from taxonomy.graph import repository
from taxonomy.selectors import cache as selectors_cache
from tests.conftest import (
    pytest_collection_modifyitems,
    seed_graph,
    shared_seed_enter,
    shared_seed_leave,
)


def test_the_seed_is_loaded_once_for_the_tests_that_only_read_it(graph):
    assert shared_seed_enter()
    token = repository.graph_revision_token()
    shared_seed_leave("a reader")
    assert not shared_seed_enter()
    assert repository.graph_revision_token() == token
    shared_seed_leave("another reader")


def test_a_test_that_writes_to_the_shared_seed_fails_naming_itself(graph):
    shared_seed_enter()
    services.node_create(kind="threat", record=Threat("intruder", "Intruder"))
    with pytest.raises(pytest.fail.Exception, match="the-writer changed the shared"):
        shared_seed_leave("the-writer")
    assert shared_seed_enter()
    assert "intruder" not in {t.id for t in selectors.taxonomy_snapshot().threats}


def test_a_test_that_empties_the_graph_gets_the_seed_again(graph):
    shared_seed_enter()
    shared_seed_leave("a reader")
    repository.graph_clear()
    assert shared_seed_enter()
    assert not repository.graph_is_empty()


def test_each_test_starts_with_no_answer_cached(graph):
    shared_seed_enter()
    token = repository.graph_revision_token()
    selectors_cache.per_revision(token, "probe", lambda: "kept")
    shared_seed_leave("a reader")
    shared_seed_enter()
    assert selectors_cache.per_revision(token, "probe", lambda: "fresh") == "fresh"


def test_a_shared_graph_with_more_than_the_seed_is_loaded_apart(graph):
    def add_acme():
        services.node_create(kind="threat", record=Threat("acme-t", "Acme"))

    assert shared_seed_enter(add_acme)
    shared_seed_leave("a reader of both")
    assert not shared_seed_enter(add_acme)
    shared_seed_leave("another reader of both")
    assert shared_seed_enter()
    assert "acme-t" not in {t.id for t in selectors.taxonomy_snapshot().threats}


def test_each_modules_sharing_tests_run_one_after_another_where_the_first_stood():
    class Item:
        def __init__(self, path: str, *fixtures: str):
            self.path, self.fixturenames = path, fixtures

    a1, a2 = Item("a", "graph"), Item("a", "seeded_graph_read_only")
    a3, a4 = Item("a", "seeded_graph"), Item("a", "seeded_graph_read_only")
    a5, b1 = Item("a", "acme_graph_read_only"), Item("b", "seeded_graph_read_only")
    a6 = Item("a", "acme_graph_read_only")
    items = [a1, a2, a3, a5, a4, b1, a6]
    pytest_collection_modifyitems(items)
    assert items == [a1, a2, a4, a3, a5, a6, b1]


def _content(snapshot: dict[str, list]) -> tuple[list[str], list[str]]:
    """A graph's nodes and links as sorted text, ends named by their node's
    labels and properties rather than by an element id, and without what
    every load makes anew (the revision meta node's epoch and time)."""
    nodes = [
        json.dumps(
            {**n, "p": {k: v for k, v in n["p"].items() if k not in PER_LOAD}},
            sort_keys=True,
            default=repr,
        )
        for n in snapshot["nodes"]
    ]
    links = [
        json.dumps(
            [nodes[link["a"]], link["type"], nodes[link["b"]], link["p"]],
            sort_keys=True,
            default=repr,
        )
        for link in snapshot["links"]
    ]
    return sorted(nodes), sorted(links)


PER_LOAD = ("epoch", "updated_at")


def _epoch(snapshot: dict[str, list]) -> str:
    (meta,) = (n for n in snapshot["nodes"] if "LayerwiseMeta" in n["labels"])
    return meta["p"]["epoch"]


def test_a_seed_written_back_is_the_graph_a_load_leaves(graph):
    seed_graph()  # the session's first seed may have been written back too
    repository.graph_clear()
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    loaded = repository.graph_snapshot()
    services.node_create(kind="threat", record=Threat("intruder", "Intruder"))
    seed_graph()
    restored = repository.graph_snapshot()
    nodes, links = _content(loaded)
    assert len(nodes) > 40 and len(links) > 80  # the seed, not an empty graph
    assert _content(restored) == (nodes, links)
    # A new graph, as after a load: no answer cached for another is served.
    assert _epoch(restored) != _epoch(loaded)
    assert "intruder" not in {t.id for t in selectors.taxonomy_snapshot().threats}
