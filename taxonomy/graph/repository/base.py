"""What every repository module shares: the session, error translation, batching."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator
from dataclasses import fields
from typing import Any, TypeVar

import neo4j
from neo4j import exceptions as neo4j_errors

from taxonomy.domain.errors import GraphError, GraphUnavailable
from taxonomy.graph.driver import database, get_driver

T = TypeVar("T")
FULLTEXT_INDEX = "taxonomy_text"
BATCH = 5000
Versions = frozenset[int] | None  # acceptable current versions; None = any


def translate_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn driver exceptions into the project's own, once, here."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as e:
            raise GraphUnavailable(f"Neo4j is unreachable: {e}") from e
        except neo4j_errors.AuthError as e:
            raise GraphUnavailable(f"Neo4j refused the credentials: {e.message}") from e
        except OSError as e:
            raise GraphUnavailable(f"Neo4j is unreachable: {e}") from e
        except neo4j_errors.Neo4jError as e:
            raise GraphError(f"Neo4j error {e.code}: {e.message}") from e
        except neo4j_errors.DriverError as e:
            raise GraphError(f"Neo4j driver error: {e}") from e

    return wrapper


def _session(access: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
    return get_driver().session(database=database(), default_access_mode=access)


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
