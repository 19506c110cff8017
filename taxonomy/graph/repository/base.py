"""What every repository module shares: the session, error translation, batching."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import fields
from typing import Any, TypeVar

import neo4j
from django.conf import settings
from neo4j import exceptions as neo4j_errors

from taxonomy.domain.errors import (
    GraphError,
    GraphTimeout,
    GraphUnavailable,
    WriteTooLarge,
)
from taxonomy.graph import server
from taxonomy.graph.driver import (
    bookmark_manager,
    current_target,
    database,
    get_driver,
)

T = TypeVar("T")
# Named by what it holds: a new label or property is a new name, so a graph
# indexed before gets the new index (an index's definition cannot change).
FULLTEXT_INDEX = "taxonomy_text_4"
# Full-text indexes of earlier versions, dropped when the schema is applied.
OBSOLETE_INDEXES = ("taxonomy_text", "taxonomy_text_2", "taxonomy_text_3")
BATCH = 5000
Versions = frozenset[int] | None  # acceptable current versions; None = any
# Retries of a failed write transaction, as the driver's own: for this long,
# waiting twice as long before each.
RETRY_SECONDS = 5.0
RETRY_DELAY = 0.5
MEMORY_LIMIT = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
# Neo4j stopped a transaction that ran past its timeout (NEO4J_QUERY_TIMEOUT).
TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"
# Neo4j's words: "... would use more than the limit 64.0 MiB. Currently using
# 63.0 MiB. db.memory.transaction.max threshold reached"
_LIMIT_HIT = re.compile(
    r"the limit (?P<limit>[\d.]+ ?\w+)\b.*?(?P<setting>[\w.]+) threshold reached",
    re.S,
)
# What users read; the driver's own text (with the server's address) is logged.
UNREACHABLE = "Neo4j is unreachable; nothing has been lost, try again in a minute"
FAILING = (
    "Neo4j is running but cannot serve the request (short of memory, or its "
    "database unavailable); nothing has been lost, try again in a minute"
)
INCOMPLETE = (
    "Neo4j stopped answering while committing the write: it may or may not "
    "have been written; read the graph again before retrying"
)

logger = logging.getLogger(__name__)


def write_too_large(error: neo4j_errors.Neo4jError) -> WriteTooLarge | None:
    """The WriteTooLarge that ``error`` is, if Neo4j aborted for a memory limit."""
    if error.code != MEMORY_LIMIT:
        return None
    hit = _LIMIT_HIT.search(error.message or "")
    setting = hit["setting"] if hit else "db.memory.transaction.max"
    limit = hit["limit"] if hit else "its configured value"
    advice = server.limit_advice(current_target().managed_instance, setting)
    return WriteTooLarge(setting, limit, advice)


def _unavailable(message: str, error: Exception) -> GraphUnavailable:
    logger.warning("%s: %s", message, error)
    return GraphUnavailable(message)


def translate_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn driver exceptions into the project's own, once, here."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except neo4j_errors.IncompleteCommit as e:
            raise _unavailable(INCOMPLETE, e) from e
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as e:
            raise _unavailable(UNREACHABLE, e) from e
        except neo4j_errors.AuthError as e:
            raise GraphUnavailable(f"Neo4j refused the credentials: {e.message}") from e
        except OSError as e:
            raise _unavailable(UNREACHABLE, e) from e
        except neo4j_errors.Neo4jError as e:
            if (e.code or "").startswith(TIMED_OUT):
                raise GraphTimeout(
                    f"Neo4j stopped the query after {settings.NEO4J_QUERY_TIMEOUT:g} s "
                    "(LAYERWISE_NEO4J_QUERY_TIMEOUT); nothing was written. Ask for "
                    "less at once, or try again when the server is less busy."
                ) from e
            too_large = write_too_large(e)
            if too_large is not None:
                raise too_large from e
            # A server that is up but failing (its database panicked or
            # stopped, out of memory) is unavailable, not a bug of ours.
            if isinstance(e, (neo4j_errors.TransientError, neo4j_errors.DatabaseError)):
                raise _unavailable(FAILING, e) from e
            raise GraphError(f"Neo4j error {e.code}: {e.message}") from e
        except neo4j_errors.DriverError as e:
            raise GraphError(f"Neo4j driver error: {e}") from e

    return wrapper


def _final_at_memory_limit(work: Callable[..., T]) -> Callable[..., T]:
    """``work`` raising WriteTooLarge at a memory limit, which no retry follows."""

    @functools.wraps(work)
    def wrapper(tx: neo4j.ManagedTransaction, *args: Any, **kwargs: Any) -> T:
        try:
            return work(tx, *args, **kwargs)
        except neo4j_errors.Neo4jError as e:
            too_large = write_too_large(e)
            if too_large is None:
                raise
            raise too_large from e

    return wrapper


class _Session:
    """A driver session whose transactions Neo4j stops after NEO4J_QUERY_TIMEOUT
    seconds, and which are not retried past a memory limit.

    The driver retries every transient error, and a transaction Neo4j aborted
    for its size (while writing or while committing) would only fail again,
    after as long again.
    """

    def __init__(self, session: neo4j.Session):
        self._session = session

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._session.close()

    def run(self, query: str, **parameters: Any) -> neo4j.Result:
        timed = neo4j.Query(query, timeout=settings.NEO4J_QUERY_TIMEOUT)
        return self._session.run(timed, **parameters)

    def execute_read(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._session.execute_read(self._timed(work), *args, **kwargs)

    def execute_whole_read(
        self, work: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """``execute_read`` of a whole taxonomy: it may run for
        NEO4J_READ_TIMEOUT (a million links take tens of seconds)."""
        limit = settings.NEO4J_QUERY_TIMEOUT
        timed = self._timed(work, limit and max(settings.NEO4J_READ_TIMEOUT, limit))
        return self._session.execute_read(timed, *args, **kwargs)

    @staticmethod
    def _timed(
        work: Callable[..., T], timeout: float | None = None
    ) -> Callable[..., T]:
        seconds = settings.NEO4J_QUERY_TIMEOUT if timeout is None else timeout
        return neo4j.unit_of_work(timeout=seconds)(_final_at_memory_limit(work))

    def execute_write(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``work(tx, ...)`` in one write transaction, committed; retried like
        the driver retries (transient errors, for up to RETRY_SECONDS) but
        never after a memory limit."""
        work = _final_at_memory_limit(work)
        deadline, delay = None, RETRY_DELAY
        while True:
            try:
                with self._session.begin_transaction(
                    timeout=settings.NEO4J_QUERY_TIMEOUT
                ) as tx:
                    result = work(tx, *args, **kwargs)
                    tx.commit()
                return result
            except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as e:
                too_large = (
                    write_too_large(e)
                    if isinstance(e, neo4j_errors.Neo4jError)
                    else None
                )
                if too_large is not None:
                    raise too_large from e
                deadline = deadline or time.monotonic() + RETRY_SECONDS
                if not e.is_retryable() or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay *= 2


def _session(access: str = neo4j.WRITE_ACCESS) -> _Session:
    # One bookmark manager for every session and query of the process: a read
    # routed to a cluster's reader waits for this process's writes.
    return _Session(
        get_driver().session(
            database=database(),
            default_access_mode=access,
            bookmark_manager=bookmark_manager(),
        )
    )


def read_one(query: str) -> Any:
    """The one value of a read query that returns one row of one column,
    run on the database's readers."""
    records, _, _ = get_driver().execute_query(
        query, database_=database(), routing_=neo4j.RoutingControl.READ
    )
    return records[0][0]


def _pick(cls: type, values: dict[str, Any]) -> Any:
    kwargs = {}
    for f in fields(cls):
        if f.name in values and values[f.name] is not None:
            value = values[f.name]
            kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def _scope(taxonomy: str | Collection[str] | None) -> list[str] | None:
    """The taxonomies a read or write is restricted to; None means all of them."""
    if taxonomy is None:
        return None
    if isinstance(taxonomy, str):
        return [taxonomy]
    return sorted(set(taxonomy))


def _batches(rows: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _list_or_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
