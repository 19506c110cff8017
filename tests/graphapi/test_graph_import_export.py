"""Graph elements for visualisation, export in the fixture formats, and all-or-nothing import."""

from __future__ import annotations

import json

from taxonomy import selectors
from taxonomy.formats import document_json, fixtures_yaml


def _document() -> dict:
    return document_json.taxonomy_to_document(selectors.taxonomy_snapshot())


def test_the_graph_has_every_layer_threat_and_mitigation(seeded_graph_read_only, anon):
    body = anon.get("/api/v1/graph/").json()
    kinds = [node["kind"] for node in body["nodes"]]
    assert (kinds.count("layer"), kinds.count("threat"), kinds.count("mitigation")) == (
        4,
        12,
        24,
    )
    assert sum(edge["type"] == "MITIGATES" for edge in body["edges"]) == 51
    threat = next(
        node for node in body["nodes"] if node["id"] == "threat:model-extraction"
    )
    assert threat["class"] == "single-layer"


def test_the_graph_narrows_to_a_neighbourhood(seeded_graph_read_only, anon):
    body = anon.get("/api/v1/graph/?around=threat:control-repression&depth=1").json()
    ids = {node["id"] for node in body["nodes"]}
    assert ids == {
        "threat:control-repression",
        "mitigation:civil-liberties-safeguards",
        "mitigation:multilateral-agency",
        "mitigation:chip-attestation",
        "mitigation:unattested-compute-caps",
    }
    assert all(
        edge["source"] in ids and edge["target"] in ids for edge in body["edges"]
    )


def test_a_bare_id_names_the_node_when_only_one_kind_has_it(
    seeded_graph_read_only, anon
):
    body = anon.get("/api/v1/graph/?around=tee&depth=0").json()
    assert [node["id"] for node in body["nodes"]] == ["mitigation:tee"]


def test_an_unknown_neighbourhood_is_a_422(seeded_graph_read_only, anon):
    response = anon.get("/api/v1/graph/?around=threat:time-travel")
    assert response.status_code == 422
    assert "around" in response.json()["error"]["details"]


def test_json_export_is_the_canonical_document(seeded_graph_read_only, anon):
    response = anon.get("/api/v1/export/?format=json")
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == document_json.export_json(
        selectors.taxonomy_snapshot()
    )


def test_yaml_export_is_one_fixture_file_that_reads_back(seeded_graph_read_only, anon):
    response = anon.get("/api/v1/export/?format=yaml")
    assert response["Content-Type"].startswith("application/yaml")
    reread = fixtures_yaml.load_fixture_text(response.content.decode())
    assert document_json.taxonomy_to_document(reread) == _document()


def test_an_unknown_export_format_is_a_422(seeded_graph_read_only, anon):
    assert anon.get("/api/v1/export/?format=xml").status_code == 422


def test_an_import_dry_run_writes_nothing_and_reports_changes_and_impact(
    seeded_graph_read_only, api
):
    before = _document()
    revision = selectors.taxonomy_snapshot().revision
    text = api.get("/api/v1/export/?format=yaml").content.decode()
    text = text.replace(
        "  - mitigation: civil-liberties-safeguards\n        strength: medium",
        "  - mitigation: civil-liberties-safeguards\n        strength: high",
    )
    response = api.post(
        "/api/v1/import/?dry_run=true", text, content_type="application/yaml"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["changes"]["counts"] == {"create": 0, "update": 1, "delete": 0}
    assert (
        body["changes"]["changes"][0]["key"]
        == "civil-liberties-safeguards->control-repression"
    )
    assert body["impact"]["changed"] == [
        {
            "id": "control-repression",
            "from": "insufficient",
            "to": "single-layer",
            "coverage": {"from": 0.72, "to": 0.93},
        }
    ]
    assert _document() == before
    assert selectors.taxonomy_snapshot().revision == revision


def test_a_json_import_applies_in_one_go(seeded_graph, api):
    document = _document()
    document["threats"].append({"id": "deepfake-fraud", "name": "Deepfake fraud"})
    document["mitigates"].append(
        {"mitigation": "watermarking", "threat": "deepfake-fraud", "strength": "medium"}
    )
    response = api.post("/api/v1/import/", document, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["changes"]["counts"] == {"create": 2, "update": 0, "delete": 0}
    assert body["impact"]["changed"] == [
        {
            "id": "deepfake-fraud",
            "from": None,
            "to": "insufficient",
            "coverage": {"from": None, "to": 0.6},
        }
    ]
    assert api.get("/api/v1/threats/deepfake-fraud/").status_code == 200


def test_an_import_with_prune_deletes_what_it_lacks(seeded_graph, api):
    document = _document()
    document["mitigates"] = [
        m for m in document["mitigates"] if m["threat"] != "shadow-ai"
    ]
    body = api.post("/api/v1/import/?prune=true", document, format="json").json()
    assert body["changes"]["counts"]["delete"] == 4
    assert (
        api.get("/api/v1/threats/shadow-ai/").json()["coverage"]["class"]
        == "unmitigated"
    )


def test_a_yaml_import_with_problems_names_their_lines_and_writes_nothing(
    seeded_graph_read_only, api
):
    before = _document()
    text = api.get("/api/v1/export/?format=yaml").content.decode()
    line = text[: text.index("mitigation: tee\n")].count("\n") + 1
    text = text.replace("mitigation: tee\n", "mitigation: tea\n", 1).replace(
        "strength: high", "strength: huge", 1
    )
    response = api.post("/api/v1/import/", text, content_type="application/yaml")
    assert response.status_code == 422
    problems = response.json()["error"]["details"]["problems"]
    assert any("'huge' is not one of" in p["message"] for p in problems)
    fixed = text.replace("strength: huge", "strength: high")
    response = api.post("/api/v1/import/", fixed, content_type="application/yaml")
    problems = response.json()["error"]["details"]["problems"]
    assert problems == [
        {
            "line": line,
            "field": problems[0]["field"],
            "message": problems[0]["message"],
        }
    ]
    assert problems[0]["field"].endswith(".mitigation")
    assert "unknown mitigation 'tea'" in problems[0]["message"]
    assert _document() == before


def test_a_json_import_with_an_unknown_reference_names_the_field(
    seeded_graph_read_only, api
):
    document = _document()
    document["mitigates"][0]["threat"] = "time-travel"
    response = api.post("/api/v1/import/", document, format="json")
    assert response.status_code == 422
    problem = response.json()["error"]["details"]["problems"][0]
    assert problem["field"] == "mitigates[0].threat"


def test_an_import_that_closes_a_requires_cycle_with_the_graph_is_refused(
    seeded_graph_read_only, api
):
    before = _document()
    document = {
        "mitigations": [
            m
            for m in before["mitigations"]
            if m["id"] in ("chip-attestation", "unattested-compute-caps")
        ],
        "layers": [layer for layer in before["layers"] if layer["id"] == "hardware"],
        "requires": [
            {"source": "chip-attestation", "target": "unattested-compute-caps"}
        ],
    }
    response = api.post("/api/v1/import/", document, format="json")
    assert response.status_code == 422
    assert (
        "REQUIRES cycle"
        in response.json()["error"]["details"]["problems"][0]["message"]
    )
    assert _document() == before


def test_yaml_that_is_not_yaml_is_a_400(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/import/", "threats: [\n", content_type="application/yaml"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["problems"][0]["line"] == 2


def test_a_json_import_that_is_not_an_object_is_a_400(seeded_graph_read_only, api):
    response = api.post(
        "/api/v1/import/", json.dumps([1, 2]), content_type="application/json"
    )
    assert response.status_code == 400


def test_an_unsupported_content_type_is_a_415(seeded_graph_read_only, api):
    response = api.post("/api/v1/import/", "a,b", content_type="text/csv")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_import_needs_an_editor(seeded_graph_read_only, anon, viewer_api):
    assert (
        anon.post("/api/v1/import/?dry_run=true", {}, format="json").status_code == 401
    )
    assert (
        viewer_api.post("/api/v1/import/?dry_run=true", {}, format="json").status_code
        == 403
    )
