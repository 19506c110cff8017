"""The lease of a staged load (graph/repository/lease.py): a live writer keeps
its load however long one of its transactions runs; a dead writer's load is
taken over by the next write seconds after its last beat; a write that meets
a load is refused at once with the seconds to wait, never held for a load
nobody settles."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.test import override_settings

from taxonomy import services
from taxonomy.domain.errors import LoadInProgress
from taxonomy.domain.records import Threat
from taxonomy.graph import repository
from taxonomy.graph.driver import database, get_driver
from taxonomy.graph.repository import lease, staging, visibility


def _threats() -> set[str]:
    return {t.id for t in repository.taxonomy_read().threats}


def _load(what: str = "a test load") -> str:
    """The token of a load taken by a writer that beats nothing (as if it
    died at once)."""
    return staging.lock(what, 10)[1]


def _leases() -> int:
    records, _, _ = get_driver().execute_query(
        "MATCH (l:LayerwiseLease) RETURN count(l) AS n", database_=database()
    )
    return records[0]["n"]


def _batch(seconds: float) -> None:
    """One transaction of a load's writer: the meta node's lock, held long."""

    def work(tx):
        tx.run(visibility.LOCK_META).consume()
        time.sleep(seconds)

    with get_driver().session(database=database()) as session:
        session.execute_write(work)


def test_the_default_lease_is_seconds_not_minutes():
    """A dead writer's load is taken over after a few of its beats."""
    assert settings.LAYERWISE_LOAD_STALE_SECONDS <= 30
    assert lease.beat_seconds() * 3 <= settings.LAYERWISE_LOAD_STALE_SECONDS


def test_a_live_writer_busy_in_one_long_transaction_keeps_its_load(seeded_graph):
    """A batch holds the meta node's lock for longer than the lease: the
    lease, beaten on a node of its own, still says the writer is alive, and
    another process's takeover (which waits for that lock) leaves it alone."""
    taken = []
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1):
        token = _load()
        taker = threading.Timer(1.5, lambda: taken.append(staging.settle_load()))
        with lease.Heartbeat(token):
            taker.start()
            _batch(2.5)
            taker.join()
            assert taken == [None]
            staging.unlock(token)  # the writer still holds the graph
    assert repository.load_status() is None
    assert _leases() == 0


def test_a_dead_writers_load_is_taken_over_by_the_next_write(seeded_graph):
    before = _threats()
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1):
        token = _load()
        with pytest.raises(LoadInProgress) as refused:
            services.node_create(kind="threat", record=Threat("late", "Late"))
        assert not refused.value.stale and 1 <= refused.value.wait <= 30
        time.sleep(1.2)  # past the lease, no beat since the lock
        assert repository.load_status()["stale"]
        services.node_create(kind="threat", record=Threat("late", "Late"))
    assert repository.load_status() is None
    assert _threats() == before | {"late"}
    with pytest.raises(staging.LoadLost):  # the dead writer, woken, is refused
        staging.unlock(token)
    assert _leases() == 0  # released with the load


def test_a_write_meeting_a_switched_load_nobody_settles_is_refused_at_once(
    seeded_graph, monkeypatch
):
    """The writer died after its switch: a write does not wait the whole
    settle wait for it, but is refused as soon as the writer has missed
    beats, told when to come back (the takeover), and goes through then."""
    with override_settings(
        LAYERWISE_LOAD_STALE_SECONDS=2, LAYERWISE_SETTLE_WAIT_SECONDS=60
    ):
        load_id, token = staging.lock("a test load", 0)
        # It switches, then its writer dies: no settling, no more beats.
        monkeypatch.setattr(staging, "_settle", lambda load: 1 / 0)
        staging.run_load(
            load_id, token, staging.WriteStats(), None, 0, write=lambda load: None
        )
        monkeypatch.undo()
        assert repository.load_status()["state"] == staging.COMMITTED
        started = time.monotonic()
        with pytest.raises(LoadInProgress) as refused:
            services.node_create(kind="threat", record=Threat("late", "Late"))
        assert time.monotonic() - started < 30, "held for the whole settle wait"
        assert refused.value.state["state"] == staging.COMMITTED
        assert 1 <= refused.value.wait <= 3  # the seconds until the takeover
        time.sleep(refused.value.wait)
        services.node_create(kind="threat", record=Threat("late", "Late"))
    assert repository.load_status() is None
    assert "late" in _threats()
