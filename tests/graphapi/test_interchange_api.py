"""Exports in every format and ATLAS / STIX imports through the API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import quote

import jsonschema
import networkx as nx
import pytest
import stix2
from ruamel.yaml import YAML

from taxonomy import audit, selectors
from tests.published_atlas import atlas_file

NAVIGATOR_SCHEMA = json.loads(
    (
        Path(__file__).parents[1]
        / "taxonomy"
        / "interchange"
        / "navigator-layer-4.5.schema.json"
    ).read_text()
)
# The first techniques of ATLAS.yaml (a parent, its sub-techniques and three more).
EXCERPT_TECHNIQUES = 8


@pytest.fixture(scope="module")
def atlas_excerpt() -> dict:
    """A small ATLAS file cut from the published one (LAYERWISE_ATLAS_PATH); the
    tests that need it are skipped without it, or fail under CI=true."""
    data = YAML(typ="safe").load(atlas_file().read_text(encoding="utf-8"))
    matrix = data["matrices"][0]
    techniques = matrix["techniques"][:EXCERPT_TECHNIQUES]
    kept = {t["id"] for t in techniques}
    mitigations = []
    for mitigation in matrix["mitigations"]:
        uses = [use for use in mitigation["techniques"] if use["id"] in kept]
        if uses:
            mitigations.append({**mitigation, "techniques": uses})
    matrix = {**matrix, "techniques": techniques, "mitigations": mitigations}
    head = {key: data[key] for key in ("id", "name", "version")}
    return {**head, "matrices": [matrix]}


@pytest.fixture(scope="module")
def atlas_text(atlas_excerpt) -> str:
    out = io.StringIO()
    YAML(typ="safe").dump(atlas_excerpt, out)
    return out.getvalue()


def _stix_bundle() -> str:
    """Two attack patterns, one course of action mitigating one of them."""
    refs = [{"source_name": "mitre-attack", "external_id": "T1566"}]
    phishing = stix2.AttackPattern(name="Phishing", external_references=refs)
    drive_by = stix2.AttackPattern(
        name="Drive-by Compromise",
        external_references=[{"source_name": "mitre-attack", "external_id": "T1189"}],
    )
    training = stix2.CourseOfAction(
        name="User Training",
        external_references=[{"source_name": "mitre-attack", "external_id": "M1017"}],
    )
    rel = stix2.Relationship(training, "mitigates", phishing, description="Teach.")
    return stix2.Bundle(objects=[phishing, drive_by, training, rel]).serialize()


def _import(client, text: str, query: str, content_type: str = "application/yaml"):
    return client.post(f"/api/v1/import/?{query}", text, content_type=content_type)


# --- Exports ---------------------------------------------------------------------------


def test_a_stix_export_is_a_bundle_stix2_parses(acme_graph, anon):
    response = anon.get("/api/v1/export/?format=stix")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert (
        response["Content-Disposition"] == 'attachment; filename="layerwise-stix.json"'
    )
    bundle = stix2.parse(response.content.decode(), allow_custom=True)
    patterns = [o for o in bundle.objects if o.type == "attack-pattern"]
    assert len(patterns) == 12


def test_a_navigator_export_is_a_4_5_layer_of_the_scenario(acme_graph, anon):
    response = anon.get("/api/v1/export/?format=navigator&disable_layer=hardware")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    layer = response.json()
    jsonschema.validate(layer, NAVIGATOR_SCHEMA)
    assert layer["versions"]["layer"] == "4.5"
    assert len(layer["techniques"]) == 12
    assert "without Hardware" in layer["description"]
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert scores["model-extraction"] < 80
    baseline = anon.get("/api/v1/export/?format=navigator").json()
    assert {t["techniqueID"]: t["score"] for t in baseline["techniques"]} != scores


def test_a_navigator_export_of_another_taxonomy_takes_a_domain(acme_graph, anon):
    url = "/api/v1/export/?format=navigator&taxonomy=acme&domain=ics-attack"
    response = anon.get(url)
    assert (
        response["Content-Disposition"] == 'attachment; filename="acme-navigator.json"'
    )
    layer = response.json()
    jsonschema.validate(layer, NAVIGATOR_SCHEMA)
    assert layer["domain"] == "ics-attack"
    assert len(layer["techniques"]) == 2


def test_a_graphml_export_reads_back_with_networkx(acme_graph, anon):
    response = anon.get("/api/v1/export/?format=graphml&taxonomy=acme")
    assert response["Content-Type"] == "application/graphml+xml"
    graph = nx.read_graphml(io.BytesIO(response.content))
    assert {"threat:acme:t1", "threat:acme:t2", "mitigation:acme:m1"} <= set(graph)


def test_a_csv_export_is_the_coverage_matrix(acme_graph, anon):
    response = anon.get("/api/v1/export/?format=csv&maturity=deployed")
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="layerwise-csv.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["threat", "class", "all"]
    assert len(rows) == 1 + 12


def test_the_fixture_exports_take_the_taxonomy(acme_graph, anon):
    body = anon.get("/api/v1/export/?format=json&taxonomy=acme").json()
    assert [t["id"] for t in body["threats"]] == ["acme:t1", "acme:t2"]
    response = anon.get("/api/v1/export/?format=yaml")
    assert response["Content-Disposition"] == (
        'attachment; filename="layerwise-yaml.yaml"'
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=stix&disable_layer=hardware", "disable_layer"),
        ("format=graphml&threshold=0.5", "threshold"),
        ("format=csv&domain=ics-attack", "domain"),
        ("format=navigator&disable_layer=market", "disable_layer"),
        ("format=navigator&domain=moon", "domain"),
        ("format=xml", "format"),
    ],
)
def test_a_parameter_the_format_cannot_use_is_a_422(acme_graph, anon, query, field):
    response = anon.get(f"/api/v1/export/?{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


# --- ATLAS and STIX imports --------------------------------------------------------------


def test_an_atlas_dry_run_reports_and_writes_nothing(
    seeded_graph_read_only, api, atlas_excerpt, atlas_text
):
    revision = selectors.taxonomy_snapshot().revision
    response = _import(api, atlas_text, "format=atlas&dry_run=true")
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["taxonomy"] == "atlas"
    threats = next(row for row in body["summary"] if row["kind"] == "threat")
    assert threats["created"] == EXCERPT_TECHNIQUES
    assert "atlas" not in selectors.taxonomy_names()
    assert selectors.taxonomy_snapshot().revision == revision
    assert not audit.audit_list(channel="api")


def test_an_atlas_import_creates_the_taxonomy_and_is_audited(
    seeded_graph, api, anon, atlas_excerpt, atlas_text
):
    response = _import(api, atlas_text, "format=atlas&default_strength=low")
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is False
    assert body["changes"]["counts"]["delete"] == 0
    threats = anon.get("/api/v1/threats/?taxonomy=atlas&limit=1000").json()
    first = atlas_excerpt["matrices"][0]["techniques"][0]["id"]
    assert threats["count"] == EXCERPT_TECHNIQUES
    assert threats["results"][0]["id"] == f"atlas:{first}"
    links = anon.get("/api/v1/mitigates/?taxonomy=atlas&limit=1000").json()
    assert {link["strength"] for link in links["results"]} == {"low"}
    assert audit.audit_list(channel="api")
    again = _import(api, atlas_text, "format=atlas").json()
    assert again["changes"]["counts"]["create"] == 0


def test_a_layer_map_puts_imported_mitigations_in_the_seed_layers(
    seeded_graph, api, anon, atlas_text
):
    layer_map = {
        "Policy": "institutional",
        "Technical - ML": "software",
        "Technical - Cyber": "software",
    }
    query = (
        f"format=atlas&taxonomy=atlas-mapped&layer_map={quote(json.dumps(layer_map))}"
    )
    response = _import(api, atlas_text, query)
    assert response.status_code == 200
    mitigations = anon.get("/api/v1/mitigations/?taxonomy=atlas-mapped").json()
    assert {m["layer"] for m in mitigations["results"]} <= {"institutional", "software"}


def test_a_layer_map_naming_an_unknown_layer_is_a_422_and_writes_nothing(
    seeded_graph_read_only, api, atlas_text
):
    query = "format=atlas&layer_map=" + quote('{"Policy": "market"}')
    response = _import(api, atlas_text, query)
    assert response.status_code == 422
    problems = response.json()["error"]["details"]["problems"]
    assert any("unknown layer 'market'" in p["message"] for p in problems)
    assert "atlas" not in selectors.taxonomy_names()


def test_a_layer_map_that_is_not_a_json_object_is_a_422(
    seeded_graph_read_only, api, atlas_text
):
    response = _import(api, atlas_text, "format=atlas&layer_map=" + quote("[1]"))
    assert response.status_code == 422
    assert "layer_map" in response.json()["error"]["details"]


def test_a_stix_bundle_imports_under_the_name_given(seeded_graph, api, anon):
    response = _import(
        api, _stix_bundle(), "format=stix&taxonomy=acme-stix", "application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["format"], body["taxonomy"]) == ("stix", "acme-stix")
    threats = anon.get("/api/v1/threats/?taxonomy=acme-stix").json()
    assert [t["id"] for t in threats["results"]] == [
        "acme-stix:T1189",
        "acme-stix:T1566",
    ]
    coverage = anon.get("/api/v1/coverage/?taxonomy=acme-stix").json()
    assert coverage["summary"]["unmitigated"] == 1


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "bundle", "id": "bundle--1", "objects": [{"type": "attack-pattern"}]}',
        '{"type": "bundle", "objects": ',
        "[1, 2]",
        "",
    ],
)
def test_a_malformed_bundle_is_a_422_with_its_problems(
    seeded_graph_read_only, api, text
):
    response = _import(api, text, "format=stix&taxonomy=broken", "application/json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"]["problems"]
    assert all(p["message"] for p in error["details"]["problems"])
    assert "broken" not in selectors.taxonomy_names()


def test_the_seed_name_is_refused(seeded_graph_read_only, api, atlas_text):
    response = _import(api, atlas_text, "format=atlas&taxonomy=layerwise")
    assert response.status_code == 422


@pytest.mark.parametrize(
    "query",
    ["format=atlas&prune=true", "taxonomy=atlas", "layer_map=%7B%7D"],
)
def test_parameters_of_the_other_import_formats_are_refused(
    seeded_graph_read_only, api, atlas_text, query
):
    response = _import(api, atlas_text, query)
    assert response.status_code == 422
    (field,) = response.json()["error"]["details"]
    assert field in query


def test_an_atlas_file_as_csv_is_a_415(seeded_graph_read_only, api, atlas_text):
    response = _import(api, atlas_text, "format=atlas", "text/csv")
    assert response.status_code == 415


def test_an_atlas_import_needs_an_editor(
    seeded_graph_read_only, anon, viewer_api, atlas_text
):
    assert _import(anon, atlas_text, "format=atlas").status_code == 401
    assert _import(viewer_api, atlas_text, "format=atlas").status_code == 403
    assert "atlas" not in selectors.taxonomy_names()


# --- Hostile files and the removal guard -------------------------------------------------


def _alias_bomb(levels: int = 9) -> str:
    lines = ["matrices: []", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("query", "status"), [("format=fixtures", 400), ("format=atlas", 422)]
)
def test_an_alias_bomb_is_refused_and_writes_nothing(
    seeded_graph_read_only, api, query, status
):
    revision = selectors.taxonomy_snapshot().revision
    response = _import(api, _alias_bomb(), query)
    assert response.status_code == status
    (problem,) = response.json()["error"]["details"]["problems"]
    assert "aliases expand to more than 10,000 nodes" in problem["message"]
    assert selectors.taxonomy_snapshot().revision == revision


@pytest.mark.parametrize(
    ("query", "body", "content_type", "status"),
    [
        ("format=fixtures", "threats: " + "[" * 100_000, "application/yaml", 400),
        ("format=atlas", "matrices: " + "[" * 100_000, "application/yaml", 422),
        (
            "format=stix",
            '{"type": "bundle", "id": "bundle--1", "objects": ['
            + "[" * 100_000
            + "]" * 100_000
            + "]}",
            "application/json",
            422,
        ),
    ],
    ids=["fixtures", "atlas", "stix"],
)
def test_a_body_nested_100k_deep_is_a_4xx_naming_the_limit(
    seeded_graph_read_only, api, query, body, content_type, status
):
    response = _import(api, body, query, content_type)
    assert response.status_code == status
    (problem,) = response.json()["error"]["details"]["problems"]
    assert "nested" in problem["message"] and "deep" in problem["message"]


@pytest.fixture
def atlas_truncated(atlas_excerpt) -> str:
    """The excerpt as a file cut after its first two techniques would be."""
    matrix = atlas_excerpt["matrices"][0]
    matrix = {**matrix, "techniques": matrix["techniques"][:2], "mitigations": []}
    out = io.StringIO()
    YAML(typ="safe").dump({**atlas_excerpt, "matrices": [matrix]}, out)
    return out.getvalue()


def test_an_import_removing_most_of_a_taxonomy_is_a_409_and_writes_nothing(
    seeded_graph, api, atlas_text, atlas_truncated
):
    assert _import(api, atlas_text, "format=atlas").status_code == 200
    before = selectors.taxonomy_snapshot(taxonomy="atlas")
    response = _import(api, atlas_truncated, "format=atlas")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "removals_refused"
    assert "allow_removals=true" in error["message"]
    threats = error["details"]["removals"]["threat"]
    assert threats == {"removed": EXCERPT_TECHNIQUES - 2, "held": EXCERPT_TECHNIQUES}
    assert "threat" in error["details"]["over"]
    assert selectors.taxonomy_snapshot(taxonomy="atlas") == before


def test_a_dry_run_warns_of_the_refusal_and_shows_the_removals(
    seeded_graph, api, atlas_text, atlas_truncated
):
    _import(api, atlas_text, "format=atlas")
    body = _import(api, atlas_truncated, "format=atlas&dry_run=true").json()
    assert body["warnings"][0].startswith("refused unless removals are allowed")
    threats = next(row for row in body["summary"] if row["kind"] == "threat")
    assert threats["removed"] == EXCERPT_TECHNIQUES - 2


def test_allow_removals_imports_the_smaller_file(
    seeded_graph, api, anon, atlas_text, atlas_truncated
):
    _import(api, atlas_text, "format=atlas")
    query = "format=atlas&allow_removals=true"
    assert _import(api, atlas_truncated, query).status_code == 200
    assert anon.get("/api/v1/threats/?taxonomy=atlas").json()["count"] == 2


def test_allow_removals_is_refused_for_fixtures(
    seeded_graph_read_only, api, atlas_text
):
    response = _import(api, atlas_text, "allow_removals=true")
    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == ["allow_removals"]
