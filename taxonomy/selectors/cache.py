"""Every cache of the project in one place: what is cached, keyed by what, and
when it stops being used.

Everything cached depends only on the graph, which every write changes the
revision token of (``"<epoch>:<revision>"``, see ``taxonomy.graph.repository
.revision``). So every key holds the token, and nothing is ever invalidated
explicitly: a write makes the next read ask for a new token, and the old
entries are never asked for again.

=========================  ===============  =================================  ==========================
what                       where            keyed by                           goes when
=========================  ===============  =================================  ==========================
the revision token         this process     (one)                              LAYERWISE_REVISION_MAX_AGE
                                                                               seconds pass, or this
                                                                               process writes
taxonomy snapshots, their  this process     token, taxonomy name               the token changes (the
baseline coverage                                                              memo is replaced whole)
entries, node counts
rendered coverage          Django's cache   token, taxonomy, format,           1 hour (``TIMEOUT``)
documents (JSON, CSV)      (``CACHES``)     scenario, query
recommendation documents   Django's cache   token, taxonomy, scenario,         1 hour
                                            budget, candidates,
                                            count_introduced
whole API GET answers      Django's cache   token, absolute URL                1 hour; bodies over
                                                                               ``MAX_BODY`` not kept
=========================  ===============  =================================  ==========================

A value computed while a write lands (its revision differs from the token's)
is returned but not kept, so no entry ever holds data of another revision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from taxonomy.graph import repository

T = TypeVar("T")
TIMEOUT = 3600
MAX_BODY = 1_000_000

# (token, {key: value}): replaced whole when the token changes, so concurrent
# requests of one process never see a mixed state.
_memo: tuple[str | None, dict[Hashable, Any]] = (None, {})


def revision_token(*, fresh: bool = False) -> str:
    """The graph's revision token (``"<epoch>:<revision>"``).

    One cheap read, reused for up to LAYERWISE_REVISION_MAX_AGE seconds
    unless ``fresh``; this process's own writes are always seen at once.
    """
    max_age = 0.0 if fresh else settings.LAYERWISE_REVISION_MAX_AGE
    return repository.graph_revision_token(max_age=max_age)


def revision_of(token: str) -> int:
    """The revision number in a revision token.

    >>> revision_of("3f2a:17")
    17
    """
    return int(token.rsplit(":", 1)[1])


def per_revision(
    token: str,
    key: Hashable,
    compute: Callable[[], T],
    *,
    keep: Callable[[T], bool] = lambda value: True,
) -> T:
    """``compute()`` once per revision token in this process, kept if ``keep`` says so."""
    global _memo
    cached_token, entries = _memo
    if cached_token == token and key in entries:
        return entries[key]
    value = compute()
    if keep(value):
        cached_token, entries = _memo
        kept = dict(entries) if cached_token == token else {}
        kept[key] = value
        _memo = (token, kept)
    return value


def shared_key(prefix: str, *parts: Any) -> str:
    """A key of Django's cache for ``parts`` (which hold the token)."""
    return f"{prefix}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def shared_get(key: str) -> Any:
    return cache.get(key)


def shared_set(key: str, value: Any) -> None:
    cache.set(key, value, timeout=TIMEOUT)
