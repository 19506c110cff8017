"""Django's Redis cache backend, made harmless when Redis is down (CACHE_URL),
with one Redis client per connection pool and an atomic sliding-log counter
for the API's throttle."""

from __future__ import annotations

import bisect
import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)
# Seconds after a failure during which Redis is not asked at all, so that while
# it is down each request does not wait for the socket timeout again.
RETRY_AFTER = 5.0
# Monotonic time before which Redis is not asked; 0.0 while it answers. One
# value for the process, as every thread's cache object talks to one Redis.
_retry_at = 0.0
# Monotonic time before which the throttle counts in this process without
# asking Redis, after Redis refused its script (an ACL, out of memory...);
# 0.0 while it runs.
_script_retry_at = 0.0
SCRIPT_RETRY_AFTER = 60.0


def _failed(error: RedisError) -> None:
    global _retry_at
    if not _retry_at:
        log.warning(
            "The shared cache (CACHE_URL) does not answer (%s): every answer "
            "is computed from Neo4j until it does; other servers' writes may be "
            "seen up to LAYERWISE_REVISION_MAX_AGE seconds late.",
            error,
        )
    _retry_at = time.monotonic() + RETRY_AFTER


def _answered() -> None:
    global _retry_at
    if _retry_at:
        log.warning("The shared cache (CACHE_URL) answers again.")
        _retry_at = 0.0


def _tolerant(method: Callable, fallback: Callable) -> Callable:
    """``method``, answering ``fallback(...)`` of its arguments when Redis fails."""

    @functools.wraps(method)
    def wrapper(self: SharedRedisCache, *args: Any, **kwargs: Any) -> Any:
        if _retry_at and time.monotonic() < _retry_at:
            return fallback(*args, **kwargs)
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            _failed(error)
            return fallback(*args, **kwargs)
        _answered()
        return result

    return wrapper


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


class SlidingLog:
    """Per-key logs of admitted times, in this process's memory: the sliding
    log of DRF's throttle, under a lock so threads cannot lose a count.

    It counts while Redis does not answer, so the throttle keeps working per
    process during an outage, as it does without CACHE_URL. A sweep lets go
    of the keys with no time in the window of the call that sweeps: one
    window for every key, as there is one throttle.

    >>> log = SlidingLog()
    >>> [log.admit("k", 2, 60.0, now) for now in (0.0, 1.0, 2.0)]
    [None, None, 58.0]
    >>> log.admit("k", 2, 60.0, 60.0) is None  # 0.0 is past the window
    True
    """

    SWEEP_EVERY = 1024  # admissions between sweeps of the clients gone quiet

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[str, list[float]] = {}
        self._calls = 0

    def admit(self, key: str, limit: int, window: float, now: float) -> float | None:
        """None, and ``now`` logged, if fewer than ``limit`` admitted times of
        ``key`` are later than ``now - window``; else the seconds until one is
        not (nothing logged)."""
        with self._lock:
            self._calls += 1
            if self._calls % self.SWEEP_EVERY == 0:
                self._sweep(now - window)
            if limit <= 0:
                return window
            times = self._logs.get(key, [])
            del times[: bisect.bisect_right(times, now - window)]
            if len(times) < limit:
                bisect.insort(times, now)
                self._logs[key] = times
                return None
            return times[len(times) - limit] + window - now

    def _sweep(self, before: float) -> None:
        """Let go of the keys with no time after ``before``: a log is kept
        only while it can still refuse a request."""
        for key in [k for k, times in self._logs.items() if times[-1] <= before]:
            del self._logs[key]

    def keys(self) -> int:
        with self._lock:
            return len(self._logs)

    def clear(self) -> None:
        with self._lock:
            self._logs.clear()


LOCAL_LOG = SlidingLog()

# SlidingLog.admit, atomically in Redis: the key is a sorted set of admitted
# times (as scores) that expires a window (and a second, for the servers'
# clocks) after the last admission. The wait is sent back as text: Redis
# would cut a Lua number to an integer.
_ADMIT = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if limit <= 0 then
  return string.format('%.17g', window)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return false
end
local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return string.format('%.17g', tonumber(oldest[2]) + window - now)
"""


class _ClientPerPool(RedisCacheClient):
    """Django's Redis client maker, except that it keeps one ``redis.Redis`` per
    connection pool instead of making one for every command: making one (its
    table of some 170 reply callbacks) cost more than the command itself, a
    quarter of a cached answer's time when profiled. A ``redis.Redis`` may be
    shared by threads; each command takes its own connection from the pool."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}
        self._admit: Any = None

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients.setdefault(
                id(pool), self._client(connection_pool=pool)
            )
        return client

    def admit(self, key: str, limit: int, window: float, now: float) -> float | None:
        if self._admit is None:
            self._admit = self.get_client(write=True).register_script(_ADMIT)
        member = f"{now!r}:{secrets.token_hex(8)}"
        wait = self._admit(keys=[key], args=[limit, repr(window), repr(now), member])
        return None if wait is None else float(wait)


class SharedRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache``, except that while Redis
    does not answer a read is a miss and a write is dropped, with one warning
    logged per outage: the site then computes every answer from Neo4j, as
    without a cache, instead of failing."""

    get = _tolerant(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _tolerant(RedisCache.get_many, lambda keys, version=None: {})
    has_key = _tolerant(RedisCache.has_key, _false)
    add = _tolerant(RedisCache.add, _false)
    set = _tolerant(RedisCache.set, _nothing)
    set_many = _tolerant(RedisCache.set_many, lambda data, *a, **k: list(data))
    touch = _tolerant(RedisCache.touch, _false)
    delete = _tolerant(RedisCache.delete, _false)
    delete_many = _tolerant(RedisCache.delete_many, _nothing)
    clear = _tolerant(RedisCache.clear, _false)

    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool

    def _admit(self, key: str, limit: int, window: float, now: float) -> float | None:
        # A key of its own: DRF's log under the plain key is a pickled list,
        # which servers of an earlier version may still write during an upgrade.
        global _script_retry_at
        if _script_retry_at and time.monotonic() < _script_retry_at:
            return LOCAL_LOG.admit(key, limit, window, now)
        shared = self.make_and_validate_key(f"admit:{key}")
        try:
            wait = self._cache.admit(shared, limit, window, now)
        except ResponseError as error:  # e.g. scripts denied by the server's ACL
            if not _script_retry_at:
                log.warning(
                    "The shared cache refuses the throttle's script (%s): each "
                    "server process counts its own requests, asking again "
                    "every %.0f s.",
                    error,
                    SCRIPT_RETRY_AFTER,
                )
            _script_retry_at = time.monotonic() + SCRIPT_RETRY_AFTER
            return LOCAL_LOG.admit(key, limit, window, now)
        if _script_retry_at:
            log.warning("The shared cache runs the throttle's script again.")
            _script_retry_at = 0.0
        return wait

    admit = _tolerant(_admit, LOCAL_LOG.admit)
    admit.__doc__ = """``SlidingLog.admit`` for ``key``, counted in Redis in one
    atomic step, so that every server sharing it counts every request; while
    Redis does not answer, or if it refuses the script, counted in this
    process's ``LOCAL_LOG`` (a refused script does not stop the rest of the
    cache)."""

    def reachable(self) -> bool:
        """Whether Redis answers a PING now (the health check asks)."""
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as error:
            _failed(error)
            return False
        _answered()
        return True
