"""A mitigation's cost through the API: written, read, described, and a bad
one refused naming the field with nothing written."""

from __future__ import annotations

import json

import pytest

from taxonomy import selectors

BAD = [0, -2, "nan", "inf", "abc", True]
BODY = {"id": "m", "name": "M", "layer": "hardware", "maturity": "pilot"}


def test_the_api_writes_and_reads_a_cost(seeded_graph, api, anon):
    response = api.post("/api/v1/mitigations/", {**BODY, "cost": 4}, format="json")
    assert response.status_code == 201
    assert anon.get("/api/v1/mitigations/m/").json()["cost"] == 4.0
    response = api.patch(
        "/api/v1/mitigations/m/", {"name": "M2"}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 200 and response.json()["cost"] == 4.0
    assert anon.get("/api/v1/mitigations/tee/").json()["cost"] == 1.0


@pytest.mark.parametrize("cost", BAD, ids=repr)
def test_the_api_refuses_a_bad_cost_naming_the_field(seeded_graph_read_only, api, cost):
    revision = selectors.taxonomy_snapshot().revision
    response = api.post("/api/v1/mitigations/", {**BODY, "cost": cost}, format="json")
    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == ["cost"]
    assert selectors.taxonomy_snapshot().revision == revision


def test_the_openapi_schema_describes_the_cost(seeded_graph_read_only, anon):
    response = anon.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    schema = json.loads(response.content)
    cost = schema["components"]["schemas"]["Mitigation"]["properties"]["cost"]
    assert cost["type"] == "number" and cost["default"] == 1.0
