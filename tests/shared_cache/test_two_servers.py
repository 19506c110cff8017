"""Two gunicorn servers on one Redis and one Neo4j: each sees the other's writes
on its next read, and serves the answers the other computed."""

from __future__ import annotations

import pytest

from tests.shared_cache.conftest import (
    free_port,
    server_env,
    start_server,
    stop_server,
)

THREAT = "/api/v1/threats/shadow-ai/"
READS = 8  # enough requests that both workers of a server answer some


def _sets(redis_client) -> int:
    """How many SET commands Redis has run: every value Django's cache stored."""
    return redis_client.info("commandstats").get("cmdstat_set", {}).get("calls", 0)


def test_a_write_through_one_server_is_read_through_the_other_at_once(two_servers):
    first, second, token = two_servers
    for _ in range(READS):
        assert second.json(THREAT)["name"] == "Shadow AI"
        assert first.json(THREAT)["name"] == "Shadow AI"
    status, body = first.request(
        THREAT, method="PATCH", body={"name": "Shadow AI, renamed"}, token=token
    )
    assert status == 200, body
    assert [second.json(THREAT)["name"] for _ in range(READS)] == [
        "Shadow AI, renamed"
    ] * READS
    assert (
        second.json("/api/v1/health/")["revision"]
        == (first.json("/api/v1/health/")["revision"])
    )


def test_an_answer_computed_by_one_server_is_served_by_the_other(
    two_servers, redis_client
):
    first, second, _ = two_servers
    before = _sets(redis_client)
    status, computed = first.request("/api/v1/coverage/")
    assert status == 200
    stored = _sets(redis_client)
    assert stored > before
    assert redis_client.keys("layerwise:1:response:*")
    for _ in range(READS):
        assert second.request("/api/v1/coverage/") == (200, computed)
    assert _sets(redis_client) == stored


def test_the_servers_report_the_shared_cache_in_their_health(two_servers):
    first, second, _ = two_servers
    assert first.json("/api/v1/health/")["cache"] == "ok"
    assert second.json("/api/v1/health/")["cache"] == "ok"


@pytest.fixture(scope="module")
def server_without_redis(neo4j_server, sql_database):
    """A gunicorn server whose CACHE_URL names a Redis that is not there."""
    env = server_env(
        neo4j_server,
        cache_url=f"redis://:nobody@127.0.0.1:{free_port()}/0",
        database_url=sql_database[0],
    )
    server = start_server(env)
    yield server
    stop_server(server)


def test_a_server_whose_redis_is_down_still_answers_from_neo4j(
    server_without_redis, seeded_graph_read_only
):
    health = server_without_redis.json("/api/v1/health/")
    assert (health["status"], health["cache"]) == ("ok", "unreachable")
    first = server_without_redis.request("/api/v1/coverage/")
    assert first[0] == 200
    assert server_without_redis.request("/api/v1/coverage/") == first
    assert server_without_redis.json(THREAT)["name"] == "Shadow AI"
