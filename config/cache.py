"""Django's Redis cache backend, made harmless when Redis is down (CACHE_URL)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
# Seconds after a failure during which Redis is not asked at all, so that while
# it is down each request does not wait for the socket timeout again.
RETRY_AFTER = 5.0
# Monotonic time before which Redis is not asked; 0.0 while it answers. One
# value for the process, as every thread's cache object talks to one Redis.
_retry_at = 0.0


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

    def reachable(self) -> bool:
        """Whether Redis answers a PING now (the health check asks)."""
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as error:
            _failed(error)
            return False
        _answered()
        return True
