"""What the schema calls invalid is refused: empty query values, pages out of
range, JSON numbers where text is due, and If-Match headers of another form."""

from __future__ import annotations

import re

import pytest

from graphapi.etags import IF_MATCH_PATTERN


def _schema(client) -> dict:
    accept = "application/vnd.oai.openapi+json"
    return client.get("/api/v1/schema/", HTTP_ACCEPT=accept).json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/threats/?taxonomy=",
        "/api/v1/mitigations/?threat=",
        "/api/v1/threats/shadow-ai/?taxonomy=",
        "/api/v1/audit/?until=",
        "/api/v1/revisions/compare/?b=",
        "/api/v1/coverage/?taxonomy=",
    ],
)
def test_an_empty_query_parameter_is_a_422_naming_it(seeded_graph_read_only, api, url):
    response = api.get(url)
    assert response.status_code == 422
    (name,) = response.json()["error"]["details"]
    assert url.endswith(f"?{name}=")


def test_an_empty_cascade_deletes_nothing(seeded_graph_read_only, api):
    response = api.delete("/api/v1/threats/shadow-ai/?cascade=")
    assert response.status_code == 422
    assert api.get("/api/v1/threats/shadow-ai/").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["offset=abc", "offset=-1", "offset=null", "limit=abc", "limit=-1", "limit=0"]
    + ["limit=1001", "limit="],
)
def test_a_page_out_of_range_is_a_422_naming_the_parameter(
    seeded_graph_read_only, api, query
):
    response = api.get(f"/api/v1/threats/?{query}")
    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == [query.split("=")[0]]


def test_the_schema_documents_the_page_range(api):
    schema = _schema(api)
    listed = schema["paths"]["/api/v1/threats/"]["get"]["parameters"]
    limit, offset = (
        next(p["schema"] for p in listed if p["name"] == name)
        for name in ("limit", "offset")
    )
    assert (limit["minimum"], limit["maximum"], offset["minimum"]) == (1, 1000, 0)


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/layers/", {"id": 0, "name": "Zero"}, "id"),
        ("/api/v1/layers/", {"id": "zero", "name": 0}, "name"),
        ("/api/v1/threats/", {"id": "t", "name": "T", "maturity": 0}, "maturity"),
        ("/api/v1/threats/", {"id": "t", "name": "T", "taxonomy": 1}, "taxonomy"),
        ("/api/v1/sources/", {"id": "s", "name": "S", "year": "1999"}, "year"),
        ("/api/v1/sources/", {"id": "s", "name": "S", "year": 1999.0}, "year"),
        ("/api/v1/enables/", {"source": 1, "target": "shadow-ai"}, "source"),
        ("/api/v1/layers/", {"id": " zero", "name": "Zero"}, "id"),
        (
            "/api/v1/layers/",
            {"id": "z", "name": "Z", "description": "x" * 20000 + " "},
            "description",
        ),
    ],
)
def test_a_json_value_of_another_type_is_a_422_and_writes_nothing(
    seeded_graph_read_only, api, url, body, field
):
    before = api.get(url).json()["count"]
    response = api.post(url, body, format="json")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
    assert api.get(url).json()["count"] == before


def test_a_cost_sent_as_text_is_a_422(seeded_graph_read_only, api):
    body = {
        "id": "m",
        "name": "M",
        "layer": "liability",
        "maturity": "proposed",
        "cost": "2",
    }
    response = api.post("/api/v1/mitigations/", body, format="json")
    assert response.status_code == 422
    assert "cost" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("HTTPS://example.org/a", True),
        ("http://x", True),
        ("http://a b", False),
        ("http://a\x1c", False),
        ("http://a\ufeff", False),
        ("javascript:alert(1)", False),
    ],
)
def test_the_documented_url_pattern_is_the_url_rule(seeded_graph, api, url, valid):
    schema = _schema(api)
    url_schema = schema["components"]["schemas"]["Source"]["properties"]["url"]
    assert bool(re.match(url_schema["oneOf"][0]["pattern"], url)) is valid
    body = {"id": "s", "name": "S", "url": url}
    response = api.post("/api/v1/sources/", body, format="json")
    assert response.status_code == (201 if valid else 422)


@pytest.mark.parametrize("header", ["", "  ", "v3", '"a", b', "*, 3", "²", "1" * 19])
def test_an_if_match_outside_the_documented_pattern_is_a_400(
    seeded_graph_read_only, api, header
):
    assert not re.match(IF_MATCH_PATTERN, header)
    response = api.patch(
        "/api/v1/threats/shadow-ai/", {"name": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400
    assert api.get("/api/v1/threats/shadow-ai/").json()["name"] != "x"


@pytest.mark.parametrize("header", ["1", ' "threat:shadow-ai:v1" ', 'W/"x", 1'])
def test_an_if_match_of_the_documented_pattern_is_read(seeded_graph, api, header):
    assert re.match(IF_MATCH_PATTERN, header)
    response = api.patch(
        "/api/v1/threats/shadow-ai/", {"name": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 200


def test_a_replacing_put_documents_the_id_as_optional(seeded_graph, api):
    schema = _schema(api)
    body = schema["paths"]["/api/v1/threats/{key}/"]["put"]["requestBody"]
    name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "id" not in schema["components"]["schemas"][name]["required"]
    response = api.put("/api/v1/threats/shadow-ai/", {"name": "Shadow"}, format="json")
    assert response.status_code == 200


def test_a_search_of_white_space_matches_nothing(seeded_graph_read_only, api):
    response = api.get("/api/v1/threats/?q=%20%20")
    assert response.status_code == 200
    assert response.json()["count"] == 0
