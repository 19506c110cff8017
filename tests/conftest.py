"""Shared fixtures: every test that touches Neo4j uses the test server, never yours."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from taxonomy import services
from taxonomy.graph import driver, repository, server
from taxonomy.graph.repository import staging
from taxonomy.selectors import cache as selectors_cache

pytest_plugins = ["tests.node_ids"]


@pytest.fixture(scope="session", autouse=True)
def _test_graph_target():
    """Point the driver at the test server before anything can reach the dev one."""
    target = driver.connection_target(for_tests=True)
    driver.use_target(target)
    yield target
    driver.close_driver()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Passwords hashed with a fast hasher: the default (PBKDF2, slow by design)
    costs about a third of a second for each user a test makes with a
    password, and hundreds of tests make one. No test is about the hasher."""
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        yield


@pytest.fixture(scope="session")
def neo4j_server(_test_graph_target):
    """The real Neo4j test server, started if it is not running, with the schema.

    In CI a server this session started is stopped at its end, as ``make
    test`` stops the first one (the other workers of a parallel run start
    their own)."""
    started = None
    if _test_graph_target.managed_instance:
        inst = server.instance(_test_graph_target.managed_instance)
        started = inst if server.pid(inst) is None else None
        server.start(inst, echo=lambda _: None)
    repository.schema_apply()
    yield _test_graph_target
    if started is not None and os.environ.get("CI"):
        driver.close_driver()
        server.stop(started, echo=lambda _: None)


@pytest.fixture
def graph(neo4j_server, db):
    """An empty graph on the test server (an API import's settling, which
    runs in the background, ends first). With the database: the robustness
    numbers read the judges' panels from it (taxonomy.judgements)."""
    staging.join_background()
    repository.graph_clear()
    yield neo4j_server
    staging.join_background()
    repository.graph_clear()


# The seed as the first load of the session left the graph (nodes, links,
# their properties): later seeds are written back from it in one transaction,
# about half the time of a load (tests/test_shared_seed.py holds the two
# equal).
_seed_snapshot: dict[str, list] = {}


def seed_graph() -> None:
    """Make the graph hold the seed taxonomy of fixtures/, exactly as
    ``taxonomy load`` leaves it (the first time by loading it)."""
    if not _seed_snapshot:
        repository.graph_clear()
        services.taxonomy_load(path=settings.FIXTURES_DIR)
        _seed_snapshot.update(repository.graph_snapshot())
    else:
        repository.graph_restore(_seed_snapshot)


@pytest.fixture
def seeded_graph(graph):
    """The test graph holding the seed taxonomy of fixtures/, for this test
    alone: for a test that writes (one that only reads takes
    ``seeded_graph_read_only``)."""
    seed_graph()
    return graph


# What the last load of a shared graph put in it (the seed alone, or with
# ``extra`` applied after it) and the fingerprint it left (None: load again).
_shared_seed: dict[str, object] = {"fingerprint": None, "extra": None}


def shared_seed_enter(extra: Callable[[], object] | None = None) -> bool:
    """Make the graph the seed (then ``extra()``'s writes), loading it only if
    it is no longer exactly what the last such load left; empty every cache
    of the process, as after a fresh load. Whether it loaded."""
    staging.join_background()
    loaded = (
        _shared_seed["extra"] is not extra
        or repository.graph_fingerprint() != _shared_seed["fingerprint"]
    )
    if loaded:
        seed_graph()
        if extra is not None:
            extra()
        _shared_seed.update(fingerprint=repository.graph_fingerprint(), extra=extra)
    cache.clear()
    selectors_cache.forget_answers()
    selectors_cache._memo = (None, {})
    repository.forget_revision_token()
    return loaded


def shared_seed_leave(test: str) -> None:
    """Fail ``test`` if it changed the shared seed (which the next test then
    loads again)."""
    staging.join_background()
    if repository.graph_fingerprint() != _shared_seed["fingerprint"]:
        _shared_seed["fingerprint"] = None
        pytest.fail(
            f"{test} changed the shared seed graph: a test that writes takes "
            "`seeded_graph` (or `acme_graph`), not a `..._read_only` fixture",
            pytrace=False,
        )


@pytest.fixture
def seeded_graph_read_only(neo4j_server, db, request):
    """The test graph holding the seed taxonomy of fixtures/, shared by the
    tests that only read it: loaded again only when the graph is no longer
    exactly the seed (a test with ``graph`` or ``seeded_graph`` ran between).

    A test that changes it fails, named, at its teardown (it takes
    ``seeded_graph``), and the next test gets the seed afresh. Every cache
    of the process starts empty, as after a fresh load.
    """
    shared_seed_enter()
    yield neo4j_server
    shared_seed_leave(request.node.nodeid)


# The fixtures that share one graph between tests (acme_graph_read_only is in
# tests/graphapi/conftest.py).
SHARED_GRAPHS = ("seeded_graph_read_only", "acme_graph_read_only")


def pytest_collection_modifyitems(items):
    """Run each module's tests that share a graph one after another, where its
    first one stood, so that the module loads that graph once."""

    def shared(item) -> str | None:
        names = getattr(item, "fixturenames", ())
        return next((name for name in SHARED_GRAPHS if name in names), None)

    groups: dict[tuple, list] = {}
    for item in items:
        if name := shared(item):
            groups.setdefault((item.path, name), []).append(item)
    ordered = []
    for item in items:
        if not (name := shared(item)):
            ordered.append(item)
        elif item is groups[item.path, name][0]:
            ordered += groups[item.path, name]
    items[:] = ordered


@pytest.fixture
def fixture_tree(tmp_path) -> Path:
    """A private copy of fixtures/ a test may edit."""
    dest = tmp_path / "fixtures"
    dest.mkdir()
    for path in Path(settings.FIXTURES_DIR).glob("*.yaml"):
        shutil.copy(path, dest / path.name)
    return dest
