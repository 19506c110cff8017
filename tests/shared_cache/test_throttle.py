"""The API's throttle counts in the shared Redis in one atomic step, by DRF's rule.

The rule (DRF's sliding log): a request is admitted while fewer than N admitted
requests of its client are less than the period old; a refused one is told the
seconds until one is not. The oracle is that rule counted by brute force.
"""

from __future__ import annotations

import logging
import threading
import uuid

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from redis.exceptions import ResponseError
from rest_framework.test import APIClient

from config import cache as shared_cache
from config import redis_server
from tests.shared_cache.conftest import free_port, redis_entry

PING = "/api/v1/ping/"


def brute_force(requests, limit: int, window: float) -> list[float | None]:
    """For each (key, now): None if admitted, else the seconds to wait."""
    admitted: dict[str, list[float]] = {}
    answers = []
    for key, now in requests:
        live = sorted(t for t in admitted.get(key, []) if t > now - window)
        if limit <= 0:  # a rate of 0: never admitted, asked to wait a period
            answers.append(window)
        elif len(live) < limit:
            admitted.setdefault(key, []).append(now)
            answers.append(None)
        else:
            answers.append(live[len(live) - limit] + window - now)
    return answers


# Times on a grid of quarter seconds (from one clock, so never decreasing):
# requests land exactly a window after earlier ones, where the rule's
# "less than the period old" decides.
_steps = st.lists(
    st.tuples(st.sampled_from("abc"), st.integers(min_value=0, max_value=6)),
    min_size=1,
    max_size=60,
)


def _requests(steps) -> list[tuple[str, float]]:
    now, out = 1_700_000_000.0, []
    for key, quarters in steps:
        now += quarters * 0.25
        out.append((key, now))
    return out


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=_steps,
    limit=st.integers(min_value=0, max_value=5),
    # Redis expires a log in real time (a window and a second after its last
    # admission) while these times are made up: windows under a second would
    # let a slow example's log expire midway.
    window=st.sampled_from([1.0, 1.5, 60.0]),
)
def test_redis_and_the_local_log_admit_as_the_rule_counted_by_brute_force(
    shared_settings, steps, limit, window
):
    requests = _requests(steps)
    expected = brute_force(requests, limit, window)
    run = uuid.uuid4().hex
    local = shared_cache.SlidingLog()
    local.SWEEP_EVERY = 1  # a sweep before every request: it must drop no live log
    in_redis = [cache.admit(f"{run}:{k}", limit, window, now) for k, now in requests]
    in_memory = [local.admit(k, limit, window, now) for k, now in requests]
    for answers in (in_redis, in_memory):
        assert [a is None for a in answers] == [e is None for e in expected]
        assert [a for a in answers if a is not None] == pytest.approx(
            [e for e in expected if e is not None], abs=1e-9
        )


def test_simultaneous_requests_are_each_counted_once(shared_settings):
    # DRF's log is read, then written whole: two requests at once both read
    # the same log and one count is lost. Here none is.
    admitted, lock = [], threading.Lock()

    def client() -> None:
        for _ in range(25):
            ok = cache.admit("crowd", 60, 60.0, 1_700_000_000.0) is None
            with lock:
                admitted.append(ok)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted.count(True) == 60
    assert len(admitted) == 200


def test_the_api_throttles_through_redis_and_says_when_to_retry(
    shared_settings, redis_client, db
):
    shared_settings.LAYERWISE_API_ANON_RATE = "5/min"
    anon = APIClient()
    answers = [anon.get(PING) for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert 58 <= int(answers[-1]["Retry-After"]) <= 60
    logs = [key for key in redis_client.keys() if b"throttle_anon" in key]
    assert len(logs) == 1
    assert redis_client.zcard(logs[0]) == 5
    assert 60_000 < redis_client.pttl(logs[0]) <= 61_000  # a window and a second


@pytest.fixture
def own_redis(settings, _cache_answers, tmp_path):
    inst = redis_server.Instance(free_port(), tmp_path / "redis")
    redis_server.start(inst)
    settings.CACHES = {"default": redis_entry(inst.url)}
    shared_cache.LOCAL_LOG.clear()
    yield inst
    redis_server.stop(inst)
    shared_cache.LOCAL_LOG.clear()


def test_while_redis_is_down_the_throttle_counts_in_this_process(
    own_redis, settings, db, caplog
):
    settings.LAYERWISE_API_ANON_RATE = "3/min"
    anon = APIClient()
    assert [anon.get(PING).status_code for _ in range(2)] == [200, 200]
    redis_server.stop(own_redis)
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        codes = [anon.get(PING).status_code for _ in range(4)]
    # The process counts afresh: what Redis counted is out of its reach.
    assert codes == [200] * 3 + [429]
    assert "does not answer" in caplog.text


def test_a_log_left_by_drf_under_the_plain_key_is_not_in_the_way(
    shared_settings, redis_client, db, caplog
):
    # Servers of the version before count under the plain key, as a pickled
    # list; during an upgrade both versions share Redis.
    cache.set("throttle_anon_127.0.0.1", [1_700_000_000.0] * 3, 60)
    shared_settings.LAYERWISE_API_ANON_RATE = "2/min"
    anon = APIClient()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        codes = [anon.get(PING).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert cache.get("throttle_anon_127.0.0.1") == [1_700_000_000.0] * 3
    assert "does not answer" not in caplog.text


def test_a_redis_that_refuses_scripts_leaves_the_count_to_each_process(
    shared_settings, redis_client, db, monkeypatch, caplog
):
    calls = []

    def refused(*args, **kwargs):
        calls.append(args)
        raise ResponseError("NOPERM this user has no permissions to run 'evalsha'")

    monkeypatch.setattr(shared_cache._ClientPerPool, "admit", refused)
    monkeypatch.setattr(shared_cache, "_script_retry_at", 0.0)
    shared_cache.LOCAL_LOG.clear()
    shared_settings.LAYERWISE_API_ANON_RATE = "2/min"
    anon = APIClient()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        codes = [anon.get(PING).status_code for _ in range(3)]
    shared_cache.LOCAL_LOG.clear()
    assert codes == [200, 200, 429]
    assert "refuses the throttle's script" in caplog.text
    assert len(calls) == 1  # not asked again for a while
    # the rest of the shared cache is still asked
    assert shared_cache._retry_at == 0.0
    cache.set("still-shared", 1)
    assert redis_client.exists(cache.make_and_validate_key("still-shared"))


def test_the_local_log_lets_go_of_clients_gone_quiet(monkeypatch):
    monkeypatch.setattr(shared_cache.SlidingLog, "SWEEP_EVERY", 8)
    log = shared_cache.SlidingLog()
    for n in range(20):
        assert log.admit(f"client-{n}", 5, 60.0, 100.0) is None
    assert log.keys() == 20
    log.admit("client-1", 5, 60.0, 150.0)  # in the window, though not now
    for _ in range(7):  # a window after the first, client 0 still asking
        log.admit("client-0", 5, 60.0, 160.0)
    assert log.keys() == 2


def test_one_redis_client_serves_every_command(shared_settings):
    backend = cache._cache  # the process's Django Redis client maker
    assert backend.get_client(write=True) is backend.get_client()
    cache.set("one-client", 1)
    assert cache.get("one-client") == 1
