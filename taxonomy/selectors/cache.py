"""Every cache of the project in one place: what is cached, keyed by what, and
when it stops being used.

Everything cached depends only on the graph, which every write changes the
revision token of (``"<epoch>:<revision>"``, see ``taxonomy.graph.repository
.revision``). So every key holds the token, and nothing is ever invalidated
explicitly: a write makes the next read ask for a new token, and the old
entries are never asked for again.

Django's cache (``CACHES``) is this process's memory unless CACHE_URL names
a Redis, which every server then shares (``config.cache``): an answer one
server computed is served by all, and the write mark tells each server of
every write on its next read. A Redis that does not answer is a cache that
misses: answers are computed from Neo4j, and writes of other servers are
seen after LAYERWISE_REVISION_MAX_AGE at worst (``cache_status`` says so in
``/api/v1/health/``).

=========================  ===============  =================================  ==========================
what                       where            keyed by                           goes when
=========================  ===============  =================================  ==========================
the write mark (a new      Django's cache   (one)                              replaced by every write
random value and the                                                           of any process sharing
writer's bookmarks)                                                            the cache
the revision token         this process     (one)                              the write mark changes,
                                                                               this process writes, or
                                                                               LAYERWISE_REVISION_MAX_AGE
                                                                               seconds pass
taxonomy snapshots, their  this process     token, taxonomy name               the token changes (the
baseline coverage                                                              memo is replaced whole)
entries, node counts
coverage documents, and    Django's cache   token, ``CoverageQuery`` (a named  1 hour (``TIMEOUT``)
their JSON and CSV text    (``CACHES``)     revision: which recording its
(pages, API, exports)                       name holds), format
recommendation documents   Django's cache   token, taxonomy, scenario,         1 hour
                                            budget, candidates,
                                            count_introduced
the jurisdictions matrix   Django's cache   token, taxonomy, scenario (the     1 hour
and timeline                                timeline's: and today's date)
whole API GET answers      Django's cache   token, absolute URL (so servers    1 hour; bodies over
                                            share one only when the proxy      ``MAX_BODY`` not kept
                                            passes them the same Host)
the whole answers this     this process     token, absolute URL                the token changes, a
process served last                                                            setting changes, 1 hour,
                                                                               or past
                                                                               LAYERWISE_ANSWER_MEMO_BYTES
                                                                               (least recently served
                                                                               first)
=========================  ===============  =================================  ==========================

The last row spares a warm answer its trip to Redis: with the token checked
on every request (the write mark), an answer kept under it is exactly as
valid here as in Redis. Settings change at run time only in tests: each
change starts a new generation of this process's keys (``shared_key``), so
no answer made under other settings is served.

A value computed while a write lands (its revision differs from the token's)
is returned but not kept, so no entry ever holds data of another revision.
The write mark is read before the token, so a write that lands between the
two changes the mark again and the next read asks Neo4j once more.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed

from taxonomy.graph import repository

T = TypeVar("T")
TIMEOUT = 3600
MAX_BODY = 1_000_000

# (token, {key: value}): replaced whole when the token changes, so concurrent
# requests of one process never see a mixed state.
_memo: tuple[str | None, dict[Hashable, Any]] = (None, {})


class _Answers:
    """Whole answers of one token, least recently served first, up to a size,
    each for at most ``TIMEOUT`` seconds from when this process kept it (the
    shared cache's own timeout, counted from a later moment when the answer
    came from there: keys hold the token, so that is only memory).

    ``size`` is what the caller counts (the body) and ``ENTRY_BYTES`` more for
    the key, the headers and the entry itself.
    """

    ENTRY_BYTES = 1024

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._token: str | None = None
        # key -> (value, bytes counted, kept at)
        self._entries: OrderedDict[str, tuple[Any, int, float]] = OrderedDict()
        self._bytes = 0

    def get(self, token: str, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key) if token == self._token else None
            if entry is None:
                return None
            if self._clock() - entry[2] >= TIMEOUT:
                del self._entries[key]
                self._bytes -= entry[1]
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def keep(self, token: str, key: str, value: Any, size: int, limit: int) -> None:
        with self._lock:
            if token != self._token:
                self._token, self._entries, self._bytes = token, OrderedDict(), 0
            size += self.ENTRY_BYTES
            if size > limit:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size, self._clock())
            self._bytes += size
            while self._bytes > limit:
                self._bytes -= self._entries.popitem(last=False)[1][1]

    def forget(self, **_: Any) -> None:
        with self._lock:
            self._token, self._entries, self._bytes = None, OrderedDict(), 0

    def size(self) -> tuple[int, int]:
        """(answers, bytes) kept."""
        with self._lock:
            return len(self._entries), self._bytes


_answers = _Answers()
# An answer depends on the settings too. They change at run time only in
# tests; each change starts a new generation of this process's keys
# (``shared_key``) and lets every kept answer go.
_settings_generation = 0


def _settings_changed(**_: Any) -> None:
    global _settings_generation
    _settings_generation += 1
    _answers.forget()


setting_changed.connect(_settings_changed, dispatch_uid="layerwise-answers")


def revision_token(*, fresh: bool = False) -> str:
    """The graph's revision token (``"<epoch>:<revision>"``).

    One cache lookup (the write mark), and one cheap Neo4j read when the
    mark changed or LAYERWISE_REVISION_MAX_AGE seconds passed (always when
    ``fresh``): the writes of every process sharing the cache are seen at once.
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
    """A key of Django's cache for ``parts`` (which hold the token) under the
    settings this process runs with (their generation: 0 but in tests)."""
    named = repr((_settings_generation, parts)) if _settings_generation else repr(parts)
    return f"{prefix}:" + hashlib.sha256(named.encode()).hexdigest()


def local_answer(token: str, key: str) -> Any:
    """The answer this process kept under ``key`` at ``token``, or None."""
    return _answers.get(token, key)


def keep_answer(token: str, key: str, value: Any, size: int) -> None:
    """Keep ``value`` (``size`` bytes) under ``key`` at ``token`` in this process,
    letting go of the least recently served past LAYERWISE_ANSWER_MEMO_BYTES;
    a new token lets go of every answer of the old one."""
    _answers.keep(token, key, value, size, settings.LAYERWISE_ANSWER_MEMO_BYTES)


def forget_answers() -> None:
    _answers.forget()


def answers_kept() -> tuple[int, int]:
    """(answers, bytes) this process keeps."""
    return _answers.size()


def shared_get(key: str) -> Any:
    return cache.get(key)


def shared_set(key: str, value: Any) -> None:
    cache.set(key, value, timeout=TIMEOUT)


def cache_status() -> str:
    """``local`` (each process's own memory), or whether CACHE_URL's Redis
    answers: ``ok`` or ``unreachable``."""
    reachable = getattr(cache, "reachable", None)
    if reachable is None:
        return "local"
    return "ok" if reachable() else "unreachable"
