"""/api/v1/ lists every endpoint of the OpenAPI schema, with links to the
schema and Swagger UI."""

from __future__ import annotations

import pytest


def _schema(client, **extra) -> dict:
    accept = "application/vnd.oai.openapi+json"
    return client.get("/api/v1/schema/", HTTP_ACCEPT=accept, **extra).json()


@pytest.fixture
def index(db, anon) -> dict:
    response = anon.get("/api/v1/")
    assert response.status_code == 200
    return response.json()


def test_the_index_lists_every_path_of_the_schema_with_its_methods(anon, index):
    paths = _schema(anon)["paths"]
    listed = {endpoint["path"]: endpoint for endpoint in index["endpoints"]}
    assert list(listed) == list(paths)
    for path, operations in paths.items():
        methods = listed[path]["methods"]
        assert set(methods) == {m.upper() for m in operations}, path
        for method, operation in operations.items():
            assert methods[method.upper()] == operation["summary"], path


def test_each_description_is_one_line(index):
    assert index["endpoints"]
    for endpoint in index["endpoints"]:
        assert endpoint["methods"], endpoint["path"]
        for summary in endpoint["methods"].values():
            assert summary and "\n" not in summary, endpoint["path"]


def test_each_endpoint_has_its_url_on_this_server(index):
    assert index["endpoints"]
    for endpoint in index["endpoints"]:
        assert endpoint["url"] == "http://testserver" + endpoint["path"]


def test_the_index_documents_itself(index):
    (itself,) = (e for e in index["endpoints"] if e["path"] == "/api/v1/")
    assert list(itself["methods"]) == ["GET"]


def test_the_links_to_the_schema_and_swagger_ui_work(anon, index):
    schema = anon.get(index["schema"], HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == index["title"]
    docs = anon.get(index["docs"])
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode()


def test_the_index_is_public_even_when_reads_need_a_login(db, anon, settings):
    settings.LAYERWISE_API_REQUIRE_LOGIN = True
    assert anon.get("/api/v1/").status_code == 200
    assert anon.get("/api/v1/threats/").status_code == 401
