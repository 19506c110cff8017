"""Shared fixtures: every test that touches Neo4j uses the test server, never yours."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from taxonomy import services
from taxonomy.graph import driver, repository, server
from taxonomy.graph.repository import staging


@pytest.fixture(scope="session", autouse=True)
def _test_graph_target():
    """Point the driver at the test server before anything can reach the dev one."""
    target = driver.connection_target(for_tests=True)
    driver.use_target(target)
    yield target
    driver.close_driver()


@pytest.fixture(scope="session")
def neo4j_server(_test_graph_target):
    """The real Neo4j test server, started if it is not running, with the schema."""
    if _test_graph_target.managed_instance:
        server.start(
            server.instance(_test_graph_target.managed_instance), echo=lambda _: None
        )
    repository.schema_apply()
    return _test_graph_target


@pytest.fixture
def graph(neo4j_server):
    """An empty graph on the test server (an API import's settling, which
    runs in the background, ends first)."""
    staging.join_background()
    repository.graph_clear()
    yield neo4j_server
    staging.join_background()
    repository.graph_clear()


@pytest.fixture
def seeded_graph(graph):
    """The test graph holding the seed taxonomy of fixtures/."""
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    return graph


@pytest.fixture
def fixture_tree(tmp_path) -> Path:
    """A private copy of fixtures/ a test may edit."""
    dest = tmp_path / "fixtures"
    dest.mkdir()
    for path in Path(settings.FIXTURES_DIR).glob("*.yaml"):
        shutil.copy(path, dest / path.name)
    return dest
