"""The browser pages, rendered from the real Neo4j test server."""

from __future__ import annotations

import pytest

from taxonomy.graph import driver


def test_the_overview_lists_layers_threats_and_mitigations(client, seeded_graph):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Hardware", "Guardrail removal", "Trusted execution environments"):
        assert text in html


@pytest.fixture
def unreachable_neo4j(neo4j_server):
    """Point the driver at a port where nothing listens, then restore it."""
    driver.use_target(driver.ConnectionTarget("bolt://127.0.0.1:9", "neo4j", "x", "neo4j", None))
    yield
    driver.use_target(neo4j_server)


def test_an_unreachable_neo4j_gives_a_friendly_503(client, unreachable_neo4j):
    response = client.get("/")
    assert response.status_code == 503
    assert b"not answering" in response.content
    assert b"Traceback" not in response.content
