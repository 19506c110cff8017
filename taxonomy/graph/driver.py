"""One Neo4j driver per process, built lazily from settings and closed at exit."""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass

import neo4j
from django.conf import settings

_lock = threading.Lock()
_driver: neo4j.Driver | None = None
_target: ConnectionTarget | None = None


@dataclass(frozen=True)
class ConnectionTarget:
    uri: str
    user: str
    password: str
    database: str
    managed_instance: str | None  # the local instance name, None for NEO4J_URI


def connection_target(*, for_tests: bool = False) -> ConnectionTarget:
    """Where to connect: NEO4J_URI if set, else the project's own local server."""
    from taxonomy.graph import server

    if for_tests:
        given = (
            settings.NEO4J_TEST_URI,
            settings.NEO4J_TEST_USER,
            settings.NEO4J_TEST_PASSWORD,
        )
    else:
        given = (settings.NEO4J_URI, settings.NEO4J_USER, settings.NEO4J_PASSWORD)
    if not given[0]:
        return _local_target("test" if for_tests else server.current_instance_name())
    return ConnectionTarget(*given, settings.NEO4J_DATABASE, None)


def _local_target(name: str) -> ConnectionTarget:
    from taxonomy.graph import server

    instance = server.instance(name)
    return ConnectionTarget(
        instance.bolt_uri, "neo4j", instance.password(), "neo4j", instance.name
    )


def use_target(target: ConnectionTarget) -> None:
    """Point this process's driver at ``target`` (tests, benchmarks)."""
    global _target
    with _lock:
        _close_locked()
        _target = target


def get_driver() -> neo4j.Driver:
    global _driver, _target
    if _driver is None:
        with _lock:
            if _driver is None:
                if _target is None:
                    _target = connection_target()
                _driver = neo4j.GraphDatabase.driver(
                    _target.uri,
                    auth=(_target.user, _target.password),
                    connection_acquisition_timeout=10.0,
                    connection_timeout=5.0,
                    max_transaction_retry_time=5.0,
                    # Reads of a still-empty graph name labels that do not
                    # exist yet; the server's advice about that is noise.
                    notifications_min_severity="OFF",
                )
    return _driver


def bookmark_manager() -> neo4j.BookmarkManager:
    """The bookmarks of this process's writes, which every session and query
    waits for (read-your-writes when reads go to a cluster's readers)."""
    return get_driver().execute_query_bookmark_manager


def database() -> str:
    get_driver()
    assert _target is not None
    return _target.database


def close_driver() -> None:
    with _lock:
        _close_locked()


def _close_locked() -> None:
    global _driver
    if _driver is not None:
        _driver.close()
        _driver = None


atexit.register(close_driver)


def current_target() -> ConnectionTarget:
    """Where this process's driver connects (a benchmark hands it to a child process)."""
    get_driver()
    assert _target is not None
    return _target
