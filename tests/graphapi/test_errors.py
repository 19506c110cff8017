"""One error shape for every 4xx/5xx, and 503 (never 500) when Neo4j is unreachable."""

from __future__ import annotations

import socket

import pytest

from taxonomy import selectors
from taxonomy.graph import driver


def _shape(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def neo4j_down(neo4j_server):
    """Point the driver at a port where nothing listens, then back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = driver.ConnectionTarget(
        f"bolt://127.0.0.1:{port}", "neo4j", "x", "neo4j", None
    )
    driver.use_target(dead)
    yield
    driver.use_target(neo4j_server)


def test_an_unknown_url_under_the_api_is_a_json_404(anon):
    response = anon.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert _shape(response)["code"] == "not_found"


def test_an_id_that_cannot_be_an_id_is_a_json_404(anon):
    response = anon.get("/api/v1/threats/-bad-/")
    assert response.status_code == 404
    _shape(response)


def test_an_unsupported_method_is_a_405_in_the_error_shape(seeded_graph, api):
    response = api.post("/api/v1/coverage/", {}, format="json")
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"


def test_an_unsatisfiable_accept_is_a_406_in_json(seeded_graph, anon):
    response = anon.get("/api/v1/threats/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert _shape(response)["code"] == "not_acceptable"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/threats/",
        "/api/v1/coverage/",
        "/api/v1/threats/shadow-ai/",
        "/api/v1/health/",
    ],
)
def test_reads_answer_503_when_neo4j_is_unreachable(neo4j_down, anon, url):
    response = anon.get(url)
    assert response.status_code == 503
    error = _shape(response)
    assert error["code"] == "graph_unavailable"
    assert "Neo4j is unreachable" in error["message"]
    assert response["Retry-After"] == "30"


def test_writes_answer_503_when_neo4j_is_unreachable(neo4j_down, api):
    response = api.post(
        "/api/v1/layers/", {"id": "market", "name": "Market"}, format="json"
    )
    assert response.status_code == 503
    _shape(response)


def test_ping_does_not_need_neo4j(neo4j_down, anon):
    response = anon.get("/api/v1/ping/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_reports_the_neo4j_version(seeded_graph, anon):
    body = anon.get("/api/v1/health/").json()
    assert body["status"] == "ok"
    assert body["neo4j"].startswith("5.")
    assert body["revision"] >= 1


@pytest.mark.parametrize(
    "url", ["/api/v1/threats/", "/api/v1/import/?format=fixtures&dry_run=true"]
)
def test_json_nested_too_deeply_is_a_400_not_a_crash(seeded_graph, api, url):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
    assert len(selectors.taxonomy_snapshot().threats) == 12
