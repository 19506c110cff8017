"""Layers, threats, mitigations and sources over HTTP, against the real Neo4j test server."""

from __future__ import annotations

import pytest

from taxonomy import selectors


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize(
    ("url", "count", "first"),
    [
        ("/api/v1/layers/", 4, "hardware"),
        ("/api/v1/threats/", 12, "bias-amplification"),
        ("/api/v1/mitigations/", 24, "bias-evaluation"),
        ("/api/v1/sources/", 10, "aarne-2024"),
    ],
)
def test_it_lists_every_kind_in_id_order(
    seeded_graph_read_only, anon, url, count, first
):
    body = anon.get(url).json()
    ids = [item["id"] for item in body["results"]]
    assert body["count"] == count
    assert ids[0] == first
    assert ids == sorted(ids)


def test_it_paginates_with_limit_and_offset(seeded_graph_read_only, anon):
    everything = [t["id"] for t in anon.get("/api/v1/threats/").json()["results"]]
    page = anon.get("/api/v1/threats/?limit=5&offset=5").json()
    assert page["count"] == 12
    assert [t["id"] for t in page["results"]] == everything[5:10]
    assert "offset=10" in page["next"]


def test_threat_list_items_carry_their_coverage_class(seeded_graph_read_only, anon):
    items = anon.get("/api/v1/threats/").json()["results"]
    assert {t["coverage_class"] for t in items} <= {
        "unmitigated",
        "insufficient",
        "defense-in-depth",
        "single-layer",
    }


def test_it_filters_threats_by_class(seeded_graph_read_only, anon):
    items = anon.get("/api/v1/threats/?class=single-layer").json()["results"]
    assert items
    assert {t["coverage_class"] for t in items} == {"single-layer"}


def test_it_filters_threats_by_the_layer_acting_on_them(seeded_graph_read_only, anon):
    ids = [
        t["id"] for t in anon.get("/api/v1/threats/?layer=hardware").json()["results"]
    ]
    assert "model-extraction" in ids
    assert "shadow-ai" not in ids


def test_it_filters_mitigations_by_layer_and_maturity(seeded_graph_read_only, anon):
    items = anon.get("/api/v1/mitigations/?layer=hardware&maturity=deployed").json()[
        "results"
    ]
    assert [m["id"] for m in items] == ["confidential-computing", "tee"]


def test_it_searches_through_the_full_text_index(seeded_graph_read_only, anon):
    ids = [
        m["id"] for m in anon.get("/api/v1/mitigations/?q=enclave").json()["results"]
    ]
    assert ids == ["tee"]


def test_an_invalid_filter_is_a_422_naming_the_parameter(seeded_graph_read_only, anon):
    response = anon.get("/api/v1/mitigations/?maturity=someday")
    assert response.status_code == 422
    assert "maturity" in _error(response)["details"]


def test_threat_detail_embeds_mitigations_by_layer_and_coverage(
    seeded_graph_read_only, anon
):
    response = anon.get("/api/v1/threats/model-extraction/")
    body = response.json()
    assert response["ETag"] == '"threat:model-extraction:v1"'
    groups = {
        g["layer"]: [m["mitigation"] for m in g["mitigations"]]
        for g in body["mitigations_by_layer"]
    }
    assert set(groups) == {"hardware", "software", "institutional", "liability"}
    assert groups["hardware"] == [
        "confidential-computing",
        "tamper-evident-logging",
        "tee",
    ]
    assert body["enables"] == ["guardrail-removal"]
    assert body["coverage"]["class"] == "single-layer"
    assert body["coverage"]["coverage"]["by_layer"]["hardware"] > 0.9


def test_mitigation_detail_embeds_what_it_mitigates_requires_and_introduces(
    seeded_graph_read_only, anon
):
    body = anon.get("/api/v1/mitigations/unattested-compute-caps/").json()
    assert [m["threat"] for m in body["mitigates"]] == ["covert-deployment"]
    assert body["requires"] == ["chip-attestation"]
    assert body["introduces"] == ["control-repression"]
    assert anon.get("/api/v1/mitigations/chip-attestation/").json()["required_by"] == [
        "unattested-compute-caps"
    ]


def test_an_unknown_item_is_a_404(seeded_graph_read_only, anon):
    response = anon.get("/api/v1/threats/no-such-threat/")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_an_editor_creates_a_threat(seeded_graph, api, anon):
    response = api.post(
        "/api/v1/threats/",
        {"id": "deepfake-fraud", "name": "Deepfake fraud"},
        format="json",
    )
    assert response.status_code == 201
    assert response["ETag"] == '"threat:deepfake-fraud:v1"'
    assert response["Location"] == "/api/v1/threats/deepfake-fraud/"
    assert (
        anon.get("/api/v1/threats/deepfake-fraud/").json()["coverage"]["class"]
        == "unmitigated"
    )


def test_creating_an_existing_id_is_a_409(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/layers/", {"id": "hardware", "name": "Again"}, format="json"
    )
    assert response.status_code == 409
    assert _error(response)["code"] == "already_exists"


def test_a_mitigation_in_an_unknown_layer_is_a_422_naming_the_layer(
    seeded_graph_read_only, api
):
    revision = selectors.taxonomy_snapshot().revision
    response = api.post(
        "/api/v1/mitigations/",
        {"id": "m", "name": "M", "layer": "market", "maturity": "pilot"},
        format="json",
    )
    assert response.status_code == 422
    assert _error(response)["details"] == {"layer": ["unknown layer 'market'"]}
    assert selectors.taxonomy_snapshot().revision == revision


def test_a_missing_field_is_a_422_naming_the_field(seeded_graph_read_only, api):
    response = api.post("/api/v1/threats/", {"id": "x"}, format="json")
    assert response.status_code == 422
    assert list(_error(response)["details"]) == ["name"]


def test_a_body_that_is_not_json_is_a_400(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/threats/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed"


def test_put_replaces_and_bumps_the_version(seeded_graph, api):
    response = api.put(
        "/api/v1/mitigations/tee/",
        {"name": "TEEs", "layer": "software", "maturity": "pilot"},
        format="json",
        HTTP_IF_MATCH='"mitigation:tee:v1"',
    )
    assert response.status_code == 200
    assert response["ETag"] == '"mitigation:tee:v2"'
    tee = next(m for m in selectors.taxonomy_snapshot().mitigations if m.id == "tee")
    assert (tee.name, tee.layer, tee.maturity, tee.description, tee.version) == (
        "TEEs",
        "software",
        "pilot",
        "",
        2,
    )


def test_patch_changes_only_the_fields_sent(seeded_graph, api):
    response = api.patch(
        "/api/v1/layers/hardware/", {"name": "Chips"}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Chips"
    assert body["description"].startswith("The chip and data-centre level")
    assert body["version"] == 2


def test_a_stale_if_match_is_a_412_and_changes_nothing(seeded_graph, api):
    api.patch("/api/v1/threats/shadow-ai/", {"name": "Shadow AI (1)"}, format="json")
    response = api.patch(
        "/api/v1/threats/shadow-ai/",
        {"name": "Shadow AI (2)"},
        format="json",
        HTTP_IF_MATCH='"threat:shadow-ai:v1"',
    )
    assert response.status_code == 412
    assert _error(response)["details"] == {"current_version": 2}
    assert api.get("/api/v1/threats/shadow-ai/").json()["name"] == "Shadow AI (1)"


def test_an_etag_of_another_item_does_not_match(seeded_graph_read_only, api):
    response = api.patch(
        "/api/v1/threats/shadow-ai/",
        {"name": "x"},
        format="json",
        HTTP_IF_MATCH='"threat:scaled-misuse:v1"',
    )
    assert response.status_code == 412


def test_a_malformed_if_match_is_a_400(seeded_graph_read_only, api):
    response = api.patch(
        "/api/v1/threats/shadow-ai/", {"name": "x"}, format="json", HTTP_IF_MATCH="v1"
    )
    assert response.status_code == 400


def test_the_id_in_the_body_must_match_the_url(seeded_graph_read_only, api):
    response = api.put(
        "/api/v1/layers/hardware/", {"id": "chips", "name": "Chips"}, format="json"
    )
    assert response.status_code == 422
    assert "id" in _error(response)["details"]


def test_updating_an_unknown_item_is_a_404(seeded_graph_read_only, api):
    response = api.patch("/api/v1/layers/market/", {"name": "Market"}, format="json")
    assert response.status_code == 404


def test_deleting_a_linked_threat_is_a_409_listing_the_links(
    seeded_graph_read_only, api
):
    response = api.delete("/api/v1/threats/control-repression/")
    assert response.status_code == 409
    links = _error(response)["details"]["links"]
    assert {
        "kind": "introduces",
        "source": "chip-attestation",
        "target": "control-repression",
    } in links
    assert {
        "kind": "mitigates",
        "source": "civil-liberties-safeguards",
        "target": "control-repression",
    } in links
    assert api.get("/api/v1/threats/control-repression/").status_code == 200


def test_cascade_deletes_the_threat_with_its_links(seeded_graph, api):
    response = api.delete("/api/v1/threats/control-repression/?cascade=true")
    assert response.status_code == 204
    snapshot = selectors.taxonomy_snapshot()
    assert "control-repression" not in {t.id for t in snapshot.threats}
    assert all(link.target != "control-repression" for link in snapshot.introduces)


def test_deleting_an_unlinked_node_needs_no_cascade(seeded_graph, api):
    api.post("/api/v1/threats/", {"id": "lonely", "name": "Lonely"}, format="json")
    assert (
        api.delete(
            "/api/v1/threats/lonely/", HTTP_IF_MATCH='"threat:lonely:v1"'
        ).status_code
        == 204
    )
    assert api.get("/api/v1/threats/lonely/").status_code == 404


def test_a_cited_source_is_removed_from_its_links_by_cascade(seeded_graph, api):
    assert api.delete("/api/v1/sources/gartner-2025/").status_code == 409
    assert api.delete("/api/v1/sources/gartner-2025/?cascade=true").status_code == 204
    snapshot = selectors.taxonomy_snapshot()
    assert all("gartner-2025" not in link.sources for link in snapshot.mitigates)


def test_a_layer_with_mitigations_goes_with_them_by_cascade(seeded_graph, api):
    response = api.delete("/api/v1/layers/liability/")
    assert response.status_code == 409
    assert {
        "kind": "in_layer",
        "source": "vendor-contracts",
        "target": "liability",
    } in _error(response)["details"]["links"]
    assert api.delete("/api/v1/layers/liability/?cascade=true").status_code == 204
    snapshot = selectors.taxonomy_snapshot()
    assert {m.layer for m in snapshot.mitigations} == {
        "hardware",
        "software",
        "institutional",
    }


def test_every_write_bumps_the_graph_revision(seeded_graph, api):
    before = selectors.taxonomy_snapshot().revision
    api.patch("/api/v1/sources/qi-2024/", {"year": 2023}, format="json")
    assert selectors.taxonomy_snapshot().revision == before + 1


def test_a_weak_etag_never_matches_if_match(seeded_graph_read_only, api):
    response = api.patch(
        "/api/v1/threats/shadow-ai/",
        {"name": "x"},
        format="json",
        HTTP_IF_MATCH='W/"threat:shadow-ai:v1"',
    )
    assert response.status_code == 412


def test_a_body_larger_than_allowed_is_a_413(seeded_graph_read_only, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api.post(
        "/api/v1/threats/", {"id": "x", "name": "x" * 200}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    "header", ["²", '"²"', "1" * 5000, '"threat:shadow-ai:v' + "9" * 5000 + '"']
)
def test_an_if_match_that_is_no_version_number_is_a_400_and_changes_nothing(
    seeded_graph_read_only, api, header
):
    response = api.patch(
        "/api/v1/threats/shadow-ai/", {"name": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
    assert api.get("/api/v1/threats/shadow-ai/").json()["name"] != "x"


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "data:,x"])
def test_a_source_url_that_is_no_web_address_is_a_422_and_writes_nothing(
    seeded_graph_read_only, api, url
):
    body = {"id": "evil", "name": "Evil", "url": url}
    response = api.post("/api/v1/sources/", body, format="json")
    assert response.status_code == 422
    assert "url" in response.json()["error"]["details"]
    assert api.get("/api/v1/sources/evil/").status_code == 404
