"""A Redis that stops answering never takes the site down: answers come from Neo4j."""

from __future__ import annotations

import logging

import pytest
import redis

from config import redis_server
from tests.shared_cache.conftest import free_port, redis_entry

COVERAGE = "/api/v1/coverage/"


@pytest.fixture
def own_redis(settings, _cache_answers, tmp_path):
    """A Redis of this test alone (it is stopped on purpose), as this process's cache."""
    inst = redis_server.Instance(free_port(), tmp_path / "redis")
    redis_server.start(inst)
    settings.CACHES = {"default": redis_entry(inst.url)}
    yield inst
    redis_server.stop(inst)


def test_reads_answer_from_neo4j_while_redis_is_down(
    own_redis, seeded_graph_read_only, client, db, caplog
):
    cached = client.get(COVERAGE)
    assert cached.status_code == 200
    keys = redis.Redis(port=own_redis.port, password=own_redis.password()).keys()
    assert any(b":response:" in key for key in keys)
    assert client.get("/api/v1/health/").json()["cache"] == "ok"

    redis_server.stop(own_redis)
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        computed = client.get(COVERAGE)
    assert (computed.status_code, computed.content) == (200, cached.content)
    assert "does not answer" in caplog.text
    health = client.get("/api/v1/health/").json()
    assert (health["status"], health["cache"]) == ("ok", "unreachable")
    assert client.get("/api/v1/threats/shadow-ai/").json()["name"] == "Shadow AI"

    redis_server.start(own_redis)
    assert client.get("/api/v1/health/").json()["cache"] == "ok"
    assert client.get(COVERAGE).content == cached.content


def test_without_cache_url_health_says_the_cache_is_local(
    seeded_graph_read_only, client, db
):
    assert client.get("/api/v1/health/").json()["cache"] == "local"
