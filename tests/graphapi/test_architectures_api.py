"""Governance architectures through the API (issue 25): created, read, changed
and deleted like every kind, each write audited; a scenario or an adoption
naming what the taxonomy does not hold is a 422 on its field, with nothing
written."""

from __future__ import annotations

import pytest

from taxonomy.models import AuditEntry


def _fields(response) -> set[str]:
    return set(response.json()["error"]["details"])


def test_an_architecture_and_what_it_adopts_are_written_read_and_audited(
    seeded_graph, api
):
    created = api.post(
        "/api/v1/architectures/",
        {
            "id": "eu-first",
            "name": "The EU first",
            "description": "The EU adopts attestation before anyone else.",
            "scenario": "maturity=deployed&jurisdiction=eu",
            "sources": ["eu-ai-act-2024"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    adopted = api.post(
        "/api/v1/adopts/",
        {
            "architecture": "eu-first",
            "mitigation": "chip-attestation",
            "jurisdictions": ["eu"],
            "rationale": "The bloc acts first.",
            "sources": ["aarne-2024"],
        },
        format="json",
    )
    assert adopted.status_code == 201, adopted.content
    detail = api.get("/api/v1/architectures/eu-first/").json()
    assert detail["scenario"] == "maturity=deployed&jurisdiction=eu"
    assert [(a["mitigation"], a["jurisdictions"]) for a in detail["adopts"]] == [
        ("chip-attestation", ["eu"])
    ]
    assert detail["coverage_query"] == (
        "adopt=chip-attestation%40eu&maturity=deployed&jurisdiction=eu"
    )
    listed = api.get("/api/v1/architectures/").json()
    assert "eu-first" in [a["id"] for a in listed["results"]]

    changed = api.patch(
        "/api/v1/adopts/eu-first/chip-attestation/",
        {"jurisdictions": ["eu", "uk"]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["jurisdictions"] == ["eu", "uk"]
    renamed = api.patch(
        "/api/v1/architectures/eu-first/", {"scenario": ""}, format="json"
    )
    assert renamed.status_code == 200, renamed.content
    refused = api.delete("/api/v1/architectures/eu-first/")
    assert refused.status_code == 409, refused.content
    gone = api.delete("/api/v1/architectures/eu-first/?cascade=true")
    assert gone.status_code == 204, gone.content
    assert api.get("/api/v1/architectures/eu-first/").status_code == 404

    entries = AuditEntry.objects.filter(kind__in=("architecture", "adopts"))
    actions = [(e.kind, e.action) for e in entries.order_by("id")]
    assert ("architecture", "create") in actions
    assert ("adopts", "create") in actions
    assert ("adopts", "update") in actions
    assert ("architecture", "update") in actions
    assert ("architecture", "delete") in actions
    assert ("adopts", "delete") in actions
    update = entries.get(kind="adopts", action="update")
    assert update.before["jurisdictions"] == ["eu"]
    assert update.after["jurisdictions"] == ["eu", "uk"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/architectures/",
            {"id": "x", "name": "X", "scenario": "colour=red"},
            "scenario",
        ),
        ("/api/v1/architectures/", {"id": "today", "name": "Today"}, "id"),
        ("/api/v1/architectures/", {"id": "compare", "name": "Compare"}, "id"),
        (
            "/api/v1/architectures/",
            {"id": "x", "name": "X", "scenario": "jurisdiction=atlantis"},
            "scenario",
        ),
        (
            "/api/v1/architectures/",
            {"id": "x", "name": "X", "scenario": "adopt=tee@atlantis"},
            "scenario",
        ),
        (
            "/api/v1/architectures/",
            {"id": "x", "name": "X", "scenario": "threshold=high"},
            "scenario",
        ),
        (
            "/api/v1/adopts/",
            {"architecture": "layered-governance", "mitigation": "no-such-measure"},
            "mitigation",
        ),
        (
            "/api/v1/adopts/",
            {
                "architecture": "openness-without-governance",
                "mitigation": "tee",
                "jurisdictions": ["atlantis"],
            },
            "jurisdictions",
        ),
        (
            "/api/v1/adopts/",
            {
                "architecture": "openness-without-governance",
                "mitigation": "tee",
                "sources": ["no-such-paper"],
            },
            "sources",
        ),
        (
            "/api/v1/adopts/",
            {"architecture": "no-such-option", "mitigation": "tee"},
            "architecture",
        ),
    ],
)
def test_a_bad_architecture_or_adoption_is_a_422_naming_the_field_and_writes_nothing(
    seeded_graph_read_only, api, url, body, field
):
    before = api.get("/api/v1/graph/").content
    response = api.post(url, body, format="json")
    assert response.status_code == 422, response.content
    assert field in _fields(response)
    assert api.get("/api/v1/graph/").content == before
    assert not AuditEntry.objects.exists()


def test_changing_an_adoption_to_an_unknown_place_is_refused(
    seeded_graph_read_only, api
):
    url = "/api/v1/adopts/restriction-without-alternatives/open-weight-restrictions/"
    before = api.get(url).json()
    response = api.patch(url, {"jurisdictions": ["us", "atlantis"]}, format="json")
    assert response.status_code == 422, response.content
    assert "jurisdictions" in _fields(response)
    assert api.get(url).json() == before


def test_only_editors_write_architectures(seeded_graph_read_only, anon, viewer_api):
    body = {"id": "x", "name": "X"}
    assert anon.post("/api/v1/architectures/", body, format="json").status_code in (
        401,
        403,
    )
    assert (
        viewer_api.post("/api/v1/architectures/", body, format="json").status_code
        == 403
    )
    assert anon.get("/api/v1/architectures/layered-governance/").status_code == 200


def test_a_jurisdiction_an_adoption_names_is_deleted_only_with_cascade(
    seeded_graph, api
):
    assert (
        api.post(
            "/api/v1/architectures/", {"id": "x", "name": "X"}, format="json"
        ).status_code
        == 201
    )
    assert (
        api.post(
            "/api/v1/adopts/",
            {"architecture": "x", "mitigation": "tee", "jurisdictions": ["cn"]},
            format="json",
        ).status_code
        == 201
    )
    refused = api.delete("/api/v1/jurisdictions/cn/")
    assert refused.status_code == 409, refused.content
    assert api.get("/api/v1/adopts/x/tee/").status_code == 200
    gone = api.delete("/api/v1/jurisdictions/cn/?cascade=true")
    assert gone.status_code == 204, gone.content
    # An adoption left with no place would mean everywhere: it goes.
    assert api.get("/api/v1/adopts/x/tee/").status_code == 404
    layered = api.get("/api/v1/adopts/layered-governance/multilateral-agency/").json()
    assert layered["jurisdictions"] == ["us", "eu", "uk", "rest-of-world"]
    entries = AuditEntry.objects.filter(kind="adopts")
    assert entries.filter(action="delete", key="x->tee").exists()
    update = entries.get(action="update", key="layered-governance->multilateral-agency")
    assert update.before == {"jurisdiction": "cn"}


def test_what_an_architectures_scenario_names_is_not_deleted(seeded_graph, api):
    assert (
        api.post(
            "/api/v1/architectures/",
            {"id": "x", "name": "X", "scenario": "jurisdiction=uk&adopt=tee@cn"},
            format="json",
        ).status_code
        == 201
    )
    for url in (
        "/api/v1/jurisdictions/uk/?cascade=true",
        "/api/v1/jurisdictions/cn/?cascade=true",
        "/api/v1/mitigations/tee/?cascade=true",
    ):
        response = api.delete(url)
        assert response.status_code == 422, response.content
        assert "architecture 'x'" in str(response.json()["error"]["details"])
    assert api.get("/api/v1/jurisdictions/uk/").status_code == 200
    assert api.get("/api/v1/mitigations/tee/").status_code == 200
