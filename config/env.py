"""Typed readers for settings taken from the environment; bad values fail loudly."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_SIZE = re.compile(r"(\d+)([kmg]?)", re.IGNORECASE)
_UNIT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def _envnumber(name: str, default, parse, what: str):
    """``parse`` of NAME's value (``default`` when unset or blank); a value
    it refuses fails loudly, saying it is not ``what``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {what}") from None


def envint(name: str, default: int) -> int:
    return _envnumber(name, default, int, "an integer")


def envfloat(name: str, default: float) -> float:
    return _envnumber(name, default, float, "a number")


def envsize(name: str, default: int | None = None) -> int | None:
    """A memory size in bytes, written ``65536k``, ``512m``, ``2g`` or in bytes."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    match = _SIZE.fullmatch(raw.strip())
    if match is None:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a size such as 512m or 2g")
    return int(match.group(1)) * _UNIT[match.group(2).lower()]


def envrange(name: str, default: tuple[float, float]) -> tuple[float, float]:
    """Two numbers ``LOW-HIGH`` with 0 <= LOW <= HIGH <= 1, e.g. ``0.15-0.45``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        low, high = (float(part) for part in raw.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a range such as 0.15-0.45"
        ) from None
    if not 0 <= low <= high <= 1:
        raise ImproperlyConfigured(f"{name}={raw!r} must satisfy 0 <= LOW <= HIGH <= 1")
    return low, high


def envchoice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices``, case-insensitive; anything else fails loudly."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as e:
            raise ImproperlyConfigured(
                f"{name}_FILE={path!r} cannot be read: {e}"
            ) from e
    return os.environ.get(name, default)


def cache_settings(url: str, *, max_entries: int) -> dict[str, Any]:
    """The ``default`` entry of CACHES: Redis at ``url`` when given, else the
    process's own memory (at most ``max_entries`` entries).

    ``url`` is ``redis://``, ``rediss://`` (TLS) or ``unix://``, as Django's
    Redis backend takes it, with the password in it
    (``redis://:secret@10.0.0.5:6379/0``).

    >>> cache_settings("", max_entries=10)["BACKEND"]
    'django.core.cache.backends.locmem.LocMemCache'
    >>> cache_settings("redis://127.0.0.1:6379/0", max_entries=10)["BACKEND"]
    'config.cache.SharedRedisCache'
    """
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "layerwise",
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(
            "CACHE_URL must start with redis://, rediss:// or unix://"
        )
    return {
        "BACKEND": "config.cache.SharedRedisCache",
        "LOCATION": url,
        # Keys start "layerwise:", so the Redis may serve other applications too.
        "KEY_PREFIX": "layerwise",
        # A Redis that does not answer costs a request at most this long before
        # the cache counts as unreachable (config.cache).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
