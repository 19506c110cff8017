"""The rules the API states, held on every write: field limits on catalogue
imports as on single writes, integers past 64 bits, urls and dates matched
whole, JSON bodies with a key twice, the threshold's bounds in the schema."""

from __future__ import annotations

import json

import pytest
import stix2

from taxonomy import selectors
from taxonomy.domain.limits import NAME_MAX, TEXT_MAX

HUGE = 2**64


def _error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()["error"]


def _mentions(response, *words: str, status: int = 422) -> None:
    text = json.dumps(_error(response, status))
    for word in words:
        assert word in text, (word, text[:2000])


def _bundle(name: str, description: str = "") -> str:
    refs = [{"source_name": "mitre-attack", "external_id": "T1566"}]
    pattern = stix2.AttackPattern(
        name=name, description=description or None, external_references=refs
    )
    return stix2.Bundle(objects=[pattern]).serialize()


# --- catalogue imports hold the single write's field limits ---------------------------


@pytest.mark.parametrize("dry_run", ["false", "true"])
@pytest.mark.parametrize(
    ("name", "description", "field"),
    [
        ("x" * (NAME_MAX + 1), "", "name"),
        ("Phishing", "y" * (TEXT_MAX + 1), "description"),
    ],
)
def test_a_stix_import_past_a_field_limit_is_refused_naming_item_and_field(
    seeded_graph_read_only, api, dry_run, name, description, field
):
    revision = selectors.taxonomy_snapshot().revision
    response = api.post(
        f"/api/v1/import/?format=stix&taxonomy=big&dry_run={dry_run}",
        _bundle(name, description),
        content_type="application/json",
    )
    _mentions(response, "big:T1566", f"{field} is ", "allowed")
    assert "big" not in selectors.taxonomy_names()
    assert selectors.taxonomy_snapshot().revision == revision


def test_the_same_stix_import_within_the_limits_is_stored(seeded_graph, api):
    response = api.post(
        "/api/v1/import/?format=stix&taxonomy=big",
        _bundle("x" * NAME_MAX),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "big" in selectors.taxonomy_names()


# --- integers past 64 bits -------------------------------------------------------------


@pytest.fixture
def incident_api(graph, api):
    from taxonomy import services
    from tests.taxonomy.incident_samples import INCIDENTS

    services.taxonomy_apply(taxonomy=INCIDENTS)
    return api


@pytest.mark.parametrize("order", [HUGE, 2**63, -HUGE])
def test_a_tactic_order_past_64_bits_is_refused(incident_api, order):
    response = incident_api.post(
        "/api/v1/tactics/",
        {"id": "ta-new", "name": "New", "order": order},
        format="json",
    )
    _mentions(response, "order")
    response = incident_api.patch(
        "/api/v1/tactics/ta-access/", {"order": order}, format="json"
    )
    _mentions(response, "order")
    assert {t.id: t.order for t in selectors.taxonomy_snapshot().tactics} == {
        "ta-access": 0,
        "ta-impact": 1,
    }


def test_the_largest_64_bit_order_is_stored(incident_api):
    response = incident_api.patch(
        "/api/v1/tactics/ta-access/", {"order": 2**63 - 1}, format="json"
    )
    assert response.status_code == 200, response.content


def test_uses_steps_past_64_bits_are_refused(incident_api):
    link = next(u for u in selectors.taxonomy_snapshot().uses)
    url = f"/api/v1/uses/{link.incident}/{link.threat}/"
    response = incident_api.patch(url, {"steps": [1, HUGE]}, format="json")
    _mentions(response, "steps")
    assert next(u for u in selectors.taxonomy_snapshot().uses) == link


def test_an_if_match_version_past_64_bits_is_not_a_500(incident_api):
    response = incident_api.patch(
        "/api/v1/tactics/ta-access/",
        {"name": "Renamed"},
        format="json",
        HTTP_IF_MATCH=str(HUGE) * 3,
    )
    assert response.status_code in (400, 412)


# --- a url with a trailing newline; dates that are no dates -------------------------


@pytest.mark.parametrize("url", ["HTTP://EXAMPLE.ORG\n", "https://example.org/a\n"])
def test_a_source_url_with_a_trailing_newline_is_refused(
    seeded_graph_read_only, api, url
):
    response = api.post(
        "/api/v1/sources/", {"id": "nl", "name": "NL", "url": url}, format="json"
    )
    _mentions(response, "url")
    assert "nl" not in {s.id for s in selectors.taxonomy_snapshot().sources}


def test_an_id_with_a_trailing_newline_is_refused(seeded_graph_read_only, api):
    response = api.post("/api/v1/threats/", {"id": "a\n", "name": "A"}, format="json")
    _mentions(response, "id")


@pytest.mark.parametrize("date", ["99999", "2016-13-45", "2015-02-29", "2016-00"])
def test_an_incident_date_that_is_no_real_date_is_refused(incident_api, date):
    response = incident_api.post(
        "/api/v1/incidents/", {"id": "new", "name": "New", "date": date}, format="json"
    )
    _mentions(response, "date")
    response = incident_api.patch(
        "/api/v1/incidents/cs1/", {"date": date}, format="json"
    )
    _mentions(response, "date")
    incidents = {i.id: i.date for i in selectors.taxonomy_snapshot().incidents}
    assert "new" not in incidents and incidents["cs1"] == "2024-05-01"


@pytest.mark.parametrize("date", ["2016", "2016-02", "2016-02-29"])
def test_an_incident_date_at_any_precision_is_stored(incident_api, date):
    response = incident_api.patch(
        "/api/v1/incidents/cs1/", {"date": date}, format="json"
    )
    assert response.status_code == 200, response.content


# --- a JSON body with a key twice ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/threats/", '{"id": "a", "name": "A", "id": "b"}'),
        ("/api/v1/layers/", '{"id": "a", "name": "A", "name": "B"}'),
        (
            "/api/v1/mitigates/",
            '{"mitigation": "tee", "threat": "shadow-ai", "strength": "low",'
            ' "strength": "high"}',
        ),
    ],
)
def test_a_json_body_with_a_key_twice_is_refused(
    seeded_graph_read_only, api, url, body
):
    revision = selectors.taxonomy_snapshot().revision
    response = api.post(url, body, content_type="application/json")
    _mentions(response, "twice", status=400)
    assert selectors.taxonomy_snapshot().revision == revision


def test_a_json_patch_with_a_key_twice_is_refused(seeded_graph_read_only, api):
    response = api.patch(
        "/api/v1/threats/shadow-ai/",
        '{"name": "One", "name": "Two"}',
        content_type="application/json",
    )
    _mentions(response, "name", "twice", status=400)


# --- the threshold's bounds, as the schema states them ---------------------------------


def _threshold_parameters(schema: dict) -> list[dict]:
    return [
        p["schema"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for p in operation.get("parameters", [])
        if p["name"] == "threshold"
    ]


def test_the_schema_states_the_threshold_bounds_the_api_holds(
    seeded_graph_read_only, anon
):
    served = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    bounds = _threshold_parameters(served.json())
    assert bounds
    for schema in bounds:
        assert (schema["minimum"], schema["exclusiveMinimum"]) == (0, True)
        assert (schema["maximum"], schema.get("exclusiveMaximum", False)) == (1, False)
    for value, allowed in (
        ("0", False),
        ("1", True),
        ("0.0001", True),
        ("1.01", False),
    ):
        status = anon.get(f"/api/v1/coverage/?threshold={value}").status_code
        assert (status == 200) is allowed, (value, status)


# --- fixture and document bodies through the API ----------------------------------------

FIXTURE_BODY = """\
tactics:
  - id: recon
    name: Reconnaissance
    order: {order}
incidents:
  - id: tay
    name: Tay
    date: '{date}'
"""


@pytest.mark.parametrize(
    ("order", "date", "field"),
    [(HUGE, "2016-03-23", "order"), (0, "2016-13-45", "date")],
)
def test_a_fixture_body_past_a_limit_is_refused_naming_line_and_field(
    seeded_graph_read_only, api, order, date, field
):
    revision = selectors.taxonomy_snapshot().revision
    response = api.post(
        "/api/v1/import/?format=fixtures",
        FIXTURE_BODY.format(order=order, date=date),
        content_type="application/yaml",
    )
    _mentions(response, field, status=response.status_code)
    assert response.status_code in (400, 422)
    assert selectors.taxonomy_snapshot().revision == revision


def test_a_document_body_with_a_version_past_64_bits_is_not_a_500(
    seeded_graph_read_only, api
):
    document = json.loads(
        api.get("/api/v1/export/?format=json").content.decode("utf-8")
    )
    document["threats"][0]["version"] = HUGE
    response = api.post(
        "/api/v1/import/?format=fixtures",
        json.dumps(document),
        content_type="application/json",
    )
    assert response.status_code < 500, response.content
