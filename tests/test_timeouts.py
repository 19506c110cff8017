"""Long work ends in an answer: Neo4j stops a query before gunicorn kills the worker."""

from __future__ import annotations

import runpy

import neo4j
import pytest
from django.conf import settings as django_settings

from taxonomy.graph import repository
from taxonomy.graph.repository.base import _session, translate_errors

GUNICORN_CONF = django_settings.BASE_DIR / "config" / "gunicorn.conf.py"
# Counts to a billion: minutes of work, unless Neo4j stops it.
SLOW = "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 100 RETURN count(x)"


@translate_errors
def _slow_revision_token(**kwargs) -> str:
    with _session(neo4j.READ_ACCESS) as session:
        return str(session.run(SLOW).single()[0])


@pytest.fixture
def slow_graph(seeded_graph, settings, monkeypatch):
    """Every request's first graph read (the revision token) runs past the timeout."""
    settings.NEO4J_QUERY_TIMEOUT = 0.5
    settings.LAYERWISE_REVISION_MAX_AGE = 0
    monkeypatch.setattr(repository, "graph_revision_token", _slow_revision_token)
    return seeded_graph


def test_gunicorn_waits_longer_than_a_neo4j_query_may_run():
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["timeout"] > django_settings.NEO4J_QUERY_TIMEOUT > 0
    # a write waiting for a settling load, then running, still answers in time
    assert conf["timeout"] > (
        django_settings.LAYERWISE_SETTLE_WAIT_SECONDS
        + django_settings.NEO4J_QUERY_TIMEOUT
    )
    assert conf["graceful_timeout"] > 0
    assert conf["bind"].startswith("127.0.0.1:")


def test_a_query_past_the_timeout_is_a_503_in_the_apis_error_shape(client, slow_graph):
    response = client.get("/api/v1/threats/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "graph_timeout"
    assert "LAYERWISE_NEO4J_QUERY_TIMEOUT" in error["message"]
    assert response["Retry-After"] == "30"


def test_a_query_past_the_timeout_is_the_503_page_in_the_browser(client, slow_graph):
    response = client.get("/coverage/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "The taxonomy database is not answering" in response.content.decode()
