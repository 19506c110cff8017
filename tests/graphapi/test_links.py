"""MITIGATES, ENABLES, REQUIRES, INTRODUCES and SUBTYPE_OF links as resources of their
own."""

from __future__ import annotations

import pytest

from taxonomy import selectors


def _details(response) -> dict:
    return response.json()["error"]["details"]


def test_it_lists_mitigates_links_filtered_by_threat_and_strength(
    seeded_graph_read_only, anon
):
    body = anon.get("/api/v1/mitigates/?threat=model-extraction&strength=high").json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "mitigation": "tee",
        "threat": "model-extraction",
        "strength": "high",
        "rationale": body["results"][0]["rationale"],
        "sources": ["aarne-2024", "sastry-2024"],
        "version": 1,
    }


def test_it_lists_mitigates_links_from_one_layer(seeded_graph_read_only, anon):
    body = anon.get("/api/v1/mitigates/?layer=liability&limit=100").json()
    assert {link["mitigation"] for link in body["results"]} == {
        "deployer-liability",
        "platform-liability",
        "liability-insurance",
        "vendor-contracts",
    }


def test_an_editor_creates_a_mitigates_link(seeded_graph, api):
    response = api.post(
        "/api/v1/mitigates/",
        {
            "mitigation": "watermarking",
            "threat": "shadow-ai",
            "strength": "low",
            "rationale": "Marks reveal which outputs came from an unsanctioned model.",
            "sources": ["gartner-2025"],
        },
        format="json",
    )
    assert response.status_code == 201
    assert response["ETag"] == '"mitigates:watermarking->shadow-ai:v1"'
    assert response["Location"] == "/api/v1/mitigates/watermarking/shadow-ai/"
    detail = api.get("/api/v1/threats/shadow-ai/").json()
    software = next(
        g for g in detail["mitigations_by_layer"] if g["layer"] == "software"
    )
    assert "watermarking" in [m["mitigation"] for m in software["mitigations"]]


def test_a_link_to_an_unknown_threat_is_a_422_naming_the_field(
    seeded_graph_read_only, api
):
    response = api.post(
        "/api/v1/mitigates/",
        {
            "mitigation": "tee",
            "threat": "time-travel",
            "strength": "low",
            "sources": ["nobody-1999"],
        },
        format="json",
    )
    assert response.status_code == 422
    assert _details(response) == {
        "threat": ["unknown threat 'time-travel'"],
    }


def test_a_link_citing_an_unknown_source_is_a_422_naming_sources(
    seeded_graph_read_only, api
):
    response = api.post(
        "/api/v1/mitigates/",
        {
            "mitigation": "tee",
            "threat": "shadow-ai",
            "strength": "low",
            "sources": ["nobody-1999"],
        },
        format="json",
    )
    assert response.status_code == 422
    assert _details(response) == {"sources": ["unknown source 'nobody-1999'"]}


def test_a_strength_outside_the_vocabulary_is_a_422(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/mitigates/",
        {"mitigation": "tee", "threat": "shadow-ai", "strength": "total"},
        format="json",
    )
    assert response.status_code == 422
    assert "strength" in _details(response)


def test_a_second_link_between_the_same_pair_is_a_409(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/mitigates/",
        {"mitigation": "tee", "threat": "model-extraction", "strength": "low"},
        format="json",
    )
    assert response.status_code == 409


def test_a_link_update_checks_the_version(seeded_graph, api):
    url = "/api/v1/mitigates/tee/model-extraction/"
    etag = api.get(url)["ETag"]
    response = api.patch(url, {"strength": "medium"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["strength"] == "medium"
    assert response["ETag"] == '"mitigates:tee->model-extraction:v2"'
    stale = api.patch(url, {"strength": "low"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert api.get(url).json()["strength"] == "medium"


def test_put_on_a_link_replaces_its_fields(seeded_graph, api):
    url = "/api/v1/mitigates/tee/model-extraction/"
    response = api.put(url, {"strength": "low"}, format="json")
    assert response.status_code == 200
    assert response.json()["rationale"] == ""
    assert response.json()["sources"] == []


def test_a_link_cannot_change_its_ends(seeded_graph_read_only, api):
    response = api.patch(
        "/api/v1/mitigates/tee/model-extraction/",
        {"threat": "shadow-ai"},
        format="json",
    )
    assert response.status_code == 422
    assert "threat" in _details(response)


def test_an_editor_deletes_a_link(seeded_graph, api):
    assert api.delete("/api/v1/mitigates/tee/model-extraction/").status_code == 204
    assert api.get("/api/v1/mitigates/tee/model-extraction/").status_code == 404
    assert api.delete("/api/v1/mitigates/tee/model-extraction/").status_code == 404


def test_enables_links_are_created_listed_and_deleted(seeded_graph, api):
    response = api.post(
        "/api/v1/enables/",
        {"source": "shadow-ai", "target": "scaled-misuse"},
        format="json",
    )
    assert response.status_code == 201
    assert response["ETag"] == '"enables:shadow-ai->scaled-misuse:v1"'
    listed = api.get("/api/v1/enables/?source=shadow-ai").json()["results"]
    assert listed == [{"source": "shadow-ai", "target": "scaled-misuse", "version": 1}]
    url = "/api/v1/enables/shadow-ai/scaled-misuse/"
    assert (
        api.delete(
            url, HTTP_IF_MATCH='"enables:shadow-ai->scaled-misuse:v1"'
        ).status_code
        == 204
    )
    assert api.get(url).status_code == 404


def test_a_threat_cannot_enable_itself(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/enables/",
        {"source": "shadow-ai", "target": "shadow-ai"},
        format="json",
    )
    assert response.status_code == 422
    assert "target" in _details(response)


def test_a_requires_cycle_is_a_422_and_writes_nothing(seeded_graph_read_only, api):
    revision = selectors.taxonomy_snapshot().revision
    response = api.post(
        "/api/v1/requires/",
        {"source": "chip-attestation", "target": "unattested-compute-caps"},
        format="json",
    )
    assert response.status_code == 422
    assert _details(response) == {
        "target": [
            "REQUIRES cycle: chip-attestation -> unattested-compute-caps -> chip-attestation"
        ]
    }
    assert selectors.taxonomy_snapshot().revision == revision


def test_a_link_between_unknown_ends_names_both(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/introduces/", {"source": "a", "target": "b"}, format="json"
    )
    assert response.status_code == 422
    assert _details(response) == {
        "source": ["unknown mitigation 'a'"],
        "target": ["unknown threat 'b'"],
    }


def test_introduces_links_show_on_the_threat(seeded_graph, api):
    response = api.post(
        "/api/v1/introduces/",
        {"source": "compute-kyc", "target": "control-repression"},
        format="json",
    )
    assert response.status_code == 201
    body = api.get("/api/v1/threats/control-repression/").json()
    assert body["introduced_by"] == [
        "chip-attestation",
        "compute-kyc",
        "unattested-compute-caps",
    ]


SUBTYPE = {"source": "shadow-ai", "target": "covert-deployment"}
SUBTYPE_URL = "/api/v1/subtypes/shadow-ai/covert-deployment/"


def test_subtype_links_are_created_listed_read_and_deleted(seeded_graph, api):
    response = api.post("/api/v1/subtypes/", SUBTYPE, format="json")
    assert response.status_code == 201
    assert response["ETag"] == '"subtype:shadow-ai->covert-deployment:v1"'
    assert response["Location"] == SUBTYPE_URL
    listed = api.get("/api/v1/subtypes/?target=covert-deployment").json()["results"]
    assert listed == [{**SUBTYPE, "version": 1}]
    assert api.get(SUBTYPE_URL).json() == {**SUBTYPE, "version": 1}
    assert api.get("/api/v1/threats/shadow-ai/").json()["subtype_of"] == [
        "covert-deployment"
    ]
    assert api.post("/api/v1/subtypes/", SUBTYPE, format="json").status_code == 409
    etag = '"subtype:shadow-ai->covert-deployment:v1"'
    assert api.delete(SUBTYPE_URL, HTTP_IF_MATCH=etag).status_code == 204
    assert api.get(SUBTYPE_URL).status_code == 404


@pytest.mark.parametrize("client, status", [("anon", 401), ("viewer_api", 403)])
def test_only_editors_write_subtype_links(seeded_graph, api, request, client, status):
    api.post("/api/v1/subtypes/", SUBTYPE, format="json")
    other = request.getfixturevalue(client)
    assert other.post("/api/v1/subtypes/", SUBTYPE, format="json").status_code == status
    assert other.delete(SUBTYPE_URL).status_code == status
    assert api.get(SUBTYPE_URL).status_code == 200


@pytest.mark.parametrize(
    "source, target, message",
    [
        ("shadow-ai", "shadow-ai", "SUBTYPE_OF cycle: shadow-ai -> shadow-ai"),
        (
            "covert-deployment",
            "shadow-ai",
            "SUBTYPE_OF cycle: covert-deployment -> shadow-ai -> covert-deployment",
        ),
    ],
)
def test_a_subtype_cycle_is_a_422_and_writes_nothing(
    seeded_graph, api, source, target, message
):
    api.post("/api/v1/subtypes/", SUBTYPE, format="json")
    revision = selectors.taxonomy_snapshot().revision
    response = api.post(
        "/api/v1/subtypes/", {"source": source, "target": target}, format="json"
    )
    assert response.status_code == 422
    assert _details(response) == {"target": [message]}
    assert selectors.taxonomy_snapshot().revision == revision


def test_subtype_links_with_unknown_ends_are_a_422_or_a_404(
    seeded_graph_read_only, api
):
    response = api.post(
        "/api/v1/subtypes/", {"source": "a", "target": "b"}, format="json"
    )
    assert response.status_code == 422
    assert _details(response) == {
        "source": ["unknown threat 'a'"],
        "target": ["unknown threat 'b'"],
    }
    assert api.get("/api/v1/subtypes/a/b/").status_code == 404
    assert api.delete("/api/v1/subtypes/a/b/").status_code == 404
