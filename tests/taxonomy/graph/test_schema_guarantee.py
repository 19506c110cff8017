"""A graph without the schema (a user's own Neo4j, a restored dump, a load run
before ``taxonomy schema``) still refuses duplicate ids and can be searched."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from taxonomy import selectors, services
from taxonomy.domain.errors import AlreadyExists
from taxonomy.domain.records import Threat
from taxonomy.graph import driver, repository
from taxonomy.graph.repository.schema import SCHEMA_NAMES, SCHEMA_STATEMENTS


def _drop_schema() -> None:
    session = driver.get_driver().session(database=driver.database())
    with session:
        for name, statement in zip(SCHEMA_NAMES, SCHEMA_STATEMENTS, strict=True):
            kind = "CONSTRAINT" if " CONSTRAINT " in statement else "INDEX"
            session.run(f"DROP {kind} {name} IF EXISTS").consume()
    repository.forget_schema()


@pytest.fixture
def graph_without_schema(graph):
    _drop_schema()
    assert repository.schema_missing() == list(SCHEMA_NAMES)
    yield graph
    repository.schema_apply()


def test_health_reports_a_missing_schema(graph_without_schema, client):
    body = client.get("/api/v1/health/").json()
    assert body["status"] == "schema_missing"
    assert "misuse_vector_id" in body["schema_missing"]


def test_twenty_parallel_creates_of_one_id_store_one_threat(graph_without_schema):
    def create(i: int) -> str:
        try:
            services.node_create(
                kind="threat", record=Threat("twin", f"Twin {i}"), channel=None
            )
            return "created"
        except AlreadyExists:
            return "exists"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(create, range(20)))
    assert outcomes.count("created") == 1
    assert [t.id for t in selectors.taxonomy_snapshot().threats] == ["twin"]
    assert repository.schema_missing() == []


def test_a_search_on_a_graph_without_the_index_answers(graph_without_schema):
    assert selectors.search_results(text="anything")["threat"] == []
    assert repository.schema_missing() == []
