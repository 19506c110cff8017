"""One error shape for every 4xx/5xx, and 503 (never 500) when Neo4j is unreachable."""

from __future__ import annotations

import socket

import neo4j
import pytest

from bench.interchange import NAME, bench_taxonomy
from taxonomy import selectors
from taxonomy.formats.stix import stix_bundle
from taxonomy.graph import driver
from taxonomy.graph.repository import staging
from tests.graphapi.test_import_jobs import run_worker


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


def test_an_unsupported_method_is_a_405_in_the_error_shape(seeded_graph_read_only, api):
    response = api.post("/api/v1/coverage/", {}, format="json")
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"


def test_an_unsatisfiable_accept_is_a_406_in_json(seeded_graph_read_only, anon):
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


def test_health_reports_the_neo4j_version(seeded_graph_read_only, anon):
    body = anon.get("/api/v1/health/").json()
    assert body["status"] == "ok"
    assert body["neo4j"].startswith("5.")
    assert body["revision"] >= 1


@pytest.mark.parametrize(
    "url", ["/api/v1/threats/", "/api/v1/import/?format=fixtures&dry_run=true"]
)
def test_json_nested_too_deeply_is_a_400_not_a_crash(seeded_graph_read_only, api, url):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
    assert len(selectors.taxonomy_snapshot().threats) == 12


def test_the_503_says_neither_the_address_nor_the_port_of_neo4j(neo4j_down, anon):
    for response in (anon.get("/api/v1/threats/"), anon.get("/")):
        assert response.status_code == 503
        text = response.content.decode()
        assert "127.0.0.1" not in text
        assert driver.current_target().uri.rsplit(":", 1)[1] not in text


@pytest.fixture
def neo4j_failing(monkeypatch):
    """A Neo4j that answers, but whose database is unavailable, until undone."""
    error = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.TransientError.General.DatabaseUnavailable",
        message="Database 'neo4j' is unavailable.",
    )

    def fail(*args, **kwargs):
        raise error

    for cls, name in [
        (neo4j.Session, "run"),
        (neo4j.Session, "execute_read"),
        (neo4j.Session, "begin_transaction"),
        (neo4j.Driver, "execute_query"),
    ]:
        monkeypatch.setattr(cls, name, fail)
    return monkeypatch


def test_a_neo4j_up_but_failing_gives_503s_then_recovers_without_a_restart(
    seeded_graph_read_only, anon, client, neo4j_failing
):
    response = anon.get("/api/v1/threats/")
    assert response.status_code == 503
    assert _shape(response)["code"] == "graph_unavailable"
    assert response["Retry-After"] == "30"
    assert client.get("/").status_code == 503
    neo4j_failing.undo()
    assert anon.get("/api/v1/threats/").status_code == 200
    assert client.get("/").status_code == 200


def test_an_import_larger_than_a_transaction_is_staged_and_says_so(
    seeded_graph, api, monkeypatch
):
    large = bench_taxonomy(threats=2_000, mitigations=200, links=20_000)
    response = api.post(
        "/api/v1/import/?format=stix",
        stix_bundle(large, name=NAME),
        content_type="application/json",
    )
    assert response.status_code == 202, response.content  # a body this large: a job
    run_worker(monkeypatch)
    job = api.get(response["Location"]).json()
    assert job["status"] == "succeeded", job
    write = job["result"]["write"]
    assert write["staged"] is True
    assert write["items"] == 2_000 + 200 + 20_000 + 8 > write["transactions"] > 3
    assert write["items_per_second"] > 0
    assert len(selectors.taxonomy_snapshot(taxonomy=NAME).mitigates) == 20_000
    staging.join_background()  # the API's import settles after its answer
    assert api.get("/api/v1/health/").json()["load"] is None


def test_an_import_too_large_for_neo4j_is_a_413_and_the_api_keeps_serving(
    seeded_graph_read_only, api, settings, monkeypatch
):
    settings.LAYERWISE_STAGED_WRITE_ITEMS = 10**9  # one transaction, however large
    large = bench_taxonomy(threats=2_000, mitigations=200, links=20_000)
    response = api.post(
        "/api/v1/import/?format=stix",
        stix_bundle(large, name=NAME),
        content_type="application/json",
    )
    assert response.status_code == 202  # a body this large is a job, which fails
    run_worker(monkeypatch)
    job = api.get(response["Location"]).json()
    assert (job["status"], job["error_status"]) == ("failed", 413)
    error = job["error"]
    assert error["code"] == "too_large"
    assert "db.memory.transaction.max = 32.0 MiB" in error["message"]
    assert "nothing was written" in error["message"]
    assert "LAYERWISE_NEO4J_TEST_TX_MAX" in error["message"]
    assert len(selectors.taxonomy_snapshot().threats) == 12
    assert api.get("/api/v1/threats/shadow-ai/").status_code == 200
