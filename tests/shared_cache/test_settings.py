"""CACHE_URL selects the shared Redis cache; without it each process caches alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import cache_settings

PRINT_CACHE = (
    "import django; django.setup(); from django.conf import settings; "
    "c = settings.CACHES['default']; print(c['BACKEND'], c.get('LOCATION'))"
)


def _cache_of(**env: str) -> str:
    """The default cache's backend and location in a fresh process with ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CACHE_URL")}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CACHE],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_cache_url_each_process_caches_in_its_own_memory():
    assert _cache_of() == "django.core.cache.backends.locmem.LocMemCache layerwise"


def test_cache_url_selects_the_redis_it_names(tmp_path):
    url = "redis://:secret@10.0.0.5:6379/2"
    assert _cache_of(CACHE_URL=url) == f"config.cache.SharedRedisCache {url}"
    secret = tmp_path / "cache_url"
    secret.write_text(url + "\n")
    assert _cache_of(CACHE_URL_FILE=str(secret)) == (
        f"config.cache.SharedRedisCache {url}"
    )


def test_the_shared_cache_is_django_s_redis_backend_with_timeouts():
    from django.core.cache.backends.redis import RedisCache
    from django.utils.module_loading import import_string

    entry = cache_settings("redis://127.0.0.1:6379/0", max_entries=5)
    assert issubclass(import_string(entry["BACKEND"]), RedisCache)
    assert entry["KEY_PREFIX"] == "layerwise"
    assert entry["OPTIONS"]["socket_timeout"] <= 1.0


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "127.0.0.1:6379"])
def test_a_cache_url_that_is_not_redis_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must start with"):
        cache_settings(url, max_entries=5)
