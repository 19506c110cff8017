"""A query parameter an endpoint does not document is a 422 naming it and the
ones it takes; every parameter the OpenAPI schema documents is taken."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import URLPattern
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from graphapi import urls
from graphapi.openapi import operations_of, query_names
from graphapi.views.common import KnownParameters

SCHEMA = json.loads(
    OpenApiJsonRenderer().render(
        SchemaGenerator().get_schema(request=None, public=True)
    )
)
OPERATIONS = [
    (path, method, operation)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
]
UNKNOWN = "zz_not_a_parameter"


def _url(path: str) -> str:
    """The path with an id in each of its {placeholders}."""
    return re.sub(r"\{\w+\}", "x-1", path)


def _documented(operation: dict) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def _listed(message: str) -> set[str]:
    """The parameter names an unknown parameter's message lists as taken."""
    listed = message.rsplit("this endpoint takes: ", 1)[1]
    return set() if listed == "none" else set(listed.split(", "))


def test_a_misspelt_scenario_parameter_is_a_422_naming_it_and_the_known_ones(db, anon):
    response = anon.get("/api/v1/coverage/?disable_mitgation=export-controls")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    ((name, [message]),) = error["details"].items()
    assert name == "disable_mitgation"
    assert message.startswith("unknown parameter (did you mean 'disable_mitigation'?)")
    assert {"disable_mitigation", "threshold", "taxonomy"} <= _listed(message)
    assert "disable_mitgation" in error["message"]


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    OPERATIONS,
    ids=[f"{method} {path}" for path, method, _ in OPERATIONS],
)
def test_every_operation_takes_what_it_documents_and_refuses_the_rest(
    api, path, method, operation
):
    documented = _documented(operation)
    # Every documented parameter beside an unknown one: only the unknown one is
    # refused, and nothing runs (the 422 comes before the view's work).
    query = "&".join(f"{name}=x" for name in sorted(documented | {UNKNOWN}))
    response = api.generic(method.upper(), f"{_url(path)}?{query}")
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert list(details) == [UNKNOWN]
    assert _listed(details[UNKNOWN][0]) == documented
    assert "422" in operation["responses"]


def test_a_head_request_is_checked_as_its_get(db, anon):
    assert anon.head(f"/api/v1/threats/?{UNKNOWN}=1").status_code == 422


def test_format_is_no_renderer_switch_but_a_parameter_of_export_only(db, anon):
    refused = anon.get("/api/v1/threats/?format=json")
    assert refused.status_code == 422
    assert list(refused.json()["error"]["details"]) == ["format"]
    assert "format" in query_names(operations_of("api/v1/export/")["get"])


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/schema/?lang=en", 200),
        (f"/api/v1/schema/?{UNKNOWN}=1", 422),
        ("/api/v1/docs/?script=", 200),
        ("/api/v1/docs/?lang=en", 200),
        (f"/api/v1/docs/?{UNKNOWN}=1", 422),
    ],
)
def test_the_schema_and_swagger_ui_take_their_own_parameters_only(
    db, anon, url, status
):
    assert anon.get(url).status_code == status


def _routes():
    """(route, view class) of every URL of the API."""
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        yield f"api/v1/{pattern.pattern}", pattern.callback.view_class


def test_every_view_of_the_api_refuses_unknown_parameters():
    routes = list(_routes())
    assert routes
    for route, view in routes:
        assert issubclass(view, KnownParameters), route
        documented = operations_of(route) is not None
        assert documented != (view.query_parameters is not None), route


def test_a_search_longer_than_the_documented_cap_is_a_422(seeded_graph_read_only, anon):
    (q,) = (
        p
        for p in SCHEMA["paths"]["/api/v1/threats/"]["get"]["parameters"]
        if p["name"] == "q"
    )
    cap = q["schema"]["maxLength"]
    assert cap <= 500
    words = ("poisoning " * cap)[:cap]
    assert anon.get("/api/v1/threats/", {"q": words}).status_code == 200
    refused = anon.get("/api/v1/threats/", {"q": words + "x"})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["details"]) == ["q"]


@pytest.mark.parametrize(
    "page_url",
    [
        "/coverage/?disable_layer=hardware&threshold=0.7",
        "/coverage/?disable_mitigation=export-controls&compare=baseline",
        "/coverage/?taxonomy=acme",
        "/graph/",
    ],
)
def test_the_pages_link_the_api_with_parameters_it_takes(acme_graph, db, page_url):
    # Not "page": that is Playwright's fixture, and would pull the browser in.
    client = Client()
    html = client.get(page_url).content.decode()
    links = [
        unescape(link)
        for link in re.findall(r'(?:href|data-[\w-]+)="(/api/v1/[^"]*)"', html)
    ]
    assert links, page_url
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, (page_url, link, response.content[:300])
