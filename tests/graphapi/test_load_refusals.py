"""Writes through the API while a staged load holds the graph: refused at once
with Retry-After; health says when a load's writer is dead."""

from __future__ import annotations

import time

from django.test import override_settings

from taxonomy.graph.repository import lease, staging
from tests.taxonomy.graph.test_lease import _load, _threats


def test_the_api_refuses_a_write_during_a_load_with_retry_after(seeded_graph, api):
    token = _load("an import")
    with lease.Heartbeat(token):
        response = api.post(
            "/api/v1/threats/", {"id": "late", "name": "Late"}, format="json"
        )
        staging.unlock(token)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "load_in_progress"
    assert 2 <= int(response["Retry-After"]) <= 30
    assert "late" not in _threats()


def test_health_reports_a_dead_load_as_stale_without_rate_or_time_left(
    seeded_graph, anon
):
    with override_settings(LAYERWISE_LOAD_STALE_SECONDS=1):
        _load()
        time.sleep(1.2)
        status = anon.get("/api/v1/health/").json()["load"]
        staging.settle_load()
    assert status["stale"] is True
    assert status["rate"] is None and status["eta"] is None
    assert status["silent_seconds"] > 1
