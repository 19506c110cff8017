"""The mapping-set endpoints against the real Neo4j: create, read, change and
delete sets and rows, refusals that write nothing, If-Match, the audit log,
and the SSSOM export."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taxonomy import services
from taxonomy.domain.records import Taxonomy, Threat
from taxonomy.formats.sssom import read_sssom
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

SET_ID = "https://example.org/layerwise/mappings/api-test"
TWO = (
    Taxonomy(
        threats=(
            Threat("model-extraction", "Model extraction"),
            Threat("guardrail-removal", "Guardrail removal"),
        )
    ),
    Taxonomy(
        threats=(
            Threat("AML.T0024", "Exfiltration via ML Inference API", taxonomy="atlas"),
            Threat("AML.T0054", "LLM Jailbreak", taxonomy="atlas"),
        )
    ),
)
ROW = {
    "subject_id": "atlas:AML.T0024",
    "predicate_id": "skos:closeMatch",
    "object_id": "layerwise:model-extraction",
    "confidence": 0.8,
    "comment": "Extraction through the inference API is one way weights leave.",
}
SET = {
    "mapping_set_id": SET_ID,
    "subject_source": "atlas",
    "object_source": "layerwise",
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "curie_map": {
        "atlas": "https://atlas.mitre.org/techniques/",
        "layerwise": "https://example.org/layerwise/threat/",
    },
    "rows": [ROW],
}


@pytest.fixture
def two(graph):
    services.taxonomy_apply(taxonomy=TWO[0], scope="layerwise")
    services.taxonomy_apply(taxonomy=TWO[1], scope="atlas")
    return graph


def _set_url(**query: str) -> str:
    return "/api/v1/mappings/set/?" + urlencode({"id": SET_ID, **query})


def _row_url(subject: str, obj: str) -> str:
    query = {"set": SET_ID, "subject": subject, "object": obj}
    return "/api/v1/mappings/row/?" + urlencode(query)


def test_an_editor_creates_a_set_that_reads_back_and_exports_as_sssom(two, api, anon):
    created = api.post("/api/v1/mappings/", SET, format="json")
    assert created.status_code == 201, created.json()
    assert created["Location"].startswith("/api/v1/mappings/set/?id=")
    read = anon.get(_set_url())
    assert read.status_code == 200
    assert read.json()["rows"][0]["confidence"] == 0.8
    assert read["ETag"] == f'"mapping_set:{SET_ID}:v1"'
    listed = anon.get("/api/v1/mappings/?taxonomy=atlas").json()
    assert [(s["mapping_set_id"], s["row_count"]) for s in listed] == [(SET_ID, 1)]
    assert anon.get("/api/v1/mappings/?taxonomy=nist").json() == []
    export = anon.get("/api/v1/mappings/export/?" + urlencode({"id": SET_ID}))
    assert export["Content-Type"].startswith("text/tab-separated-values")
    mapping_set, _ = read_sssom(export.content.decode(), name="export")
    assert [r.object_id for r in mapping_set.rows] == ["layerwise:model-extraction"]
    assert AuditEntry.objects.filter(kind="mapping_set", action="create").exists()


def test_rows_are_added_changed_and_deleted_each_audited(two, api):
    api.post("/api/v1/mappings/", SET, format="json")
    row = {
        **ROW,
        "subject_id": "atlas:AML.T0054",
        "object_id": "layerwise:guardrail-removal",
        "predicate_id": "skos:narrowMatch",
    }
    added = api.post(
        "/api/v1/mappings/rows/?" + urlencode({"set": SET_ID}), row, format="json"
    )
    assert added.status_code == 201, added.json()
    url = _row_url("atlas:AML.T0054", "layerwise:guardrail-removal")
    changed = api.put(url, {**row, "confidence": 0.5}, format="json", HTTP_IF_MATCH="1")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    stale = api.put(url, {**row, "confidence": 0.4}, format="json", HTTP_IF_MATCH="1")
    assert stale.status_code == 412
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    actions = list(
        AuditEntry.objects.filter(kind="maps_to")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["create", "update", "delete"]
    [stored] = repository.mapping_sets_read()
    assert [r.subject_id for r in stored.rows] == ["atlas:AML.T0024"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"predicate_id": "skos:sameAs"}, "predicate_id"),
        ({"mapping_justification": "semapv:Guess"}, "mapping_justification"),
        ({"comment": "two\nlines"}, "comment"),
    ],
)
def test_a_bad_row_is_refused_on_its_field_and_writes_nothing(two, api, change, field):
    api.post("/api/v1/mappings/", SET, format="json")
    before = repository.graph_fingerprint()
    url = "/api/v1/mappings/rows/?" + urlencode({"set": SET_ID})
    answer = api.post(
        url, {**ROW, "subject_id": "atlas:AML.T0054", **change}, format="json"
    )
    assert answer.status_code == 422
    assert field in answer.json()["error"]["details"]
    assert repository.graph_fingerprint() == before


def test_a_row_naming_an_item_of_neither_taxonomy_is_refused(two, api):
    api.post("/api/v1/mappings/", SET, format="json")
    before = repository.graph_fingerprint()
    url = "/api/v1/mappings/rows/?" + urlencode({"set": SET_ID})
    answer = api.post(url, {**ROW, "object_id": "layerwise:no-such"}, format="json")
    assert answer.status_code == 422
    assert "no-such" in str(answer.json()["error"]["details"])
    assert repository.graph_fingerprint() == before


def test_a_row_with_an_undeclared_prefix_is_refused(two, api):
    api.post("/api/v1/mappings/", SET, format="json")
    url = "/api/v1/mappings/rows/?" + urlencode({"set": SET_ID})
    answer = api.post(url, {**ROW, "subject_id": "mitre:AML.T0054"}, format="json")
    assert answer.status_code == 422
    assert "unknown prefix 'mitre'" in str(answer.json()["error"]["details"])


def test_a_second_set_of_the_same_id_is_a_conflict(two, api):
    assert api.post("/api/v1/mappings/", SET, format="json").status_code == 201
    assert api.post("/api/v1/mappings/", SET, format="json").status_code == 409


def test_a_set_joining_a_taxonomy_the_graph_lacks_is_refused(two, api):
    answer = api.post(
        "/api/v1/mappings/",
        {**SET, "subject_source": "nist", "rows": []},
        format="json",
    )
    assert answer.status_code == 422
    assert "subject_source" in answer.json()["error"]["details"]


def test_metadata_changes_and_the_set_is_deleted_with_its_rows(two, api):
    api.post("/api/v1/mappings/", SET, format="json")
    changed = api.patch(
        _set_url(),
        {"mapping_set_title": "ATLAS onto the seed"},
        format="json",
        HTTP_IF_MATCH=f'"mapping_set:{SET_ID}:v1"',
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["mapping_set_title"] == "ATLAS onto the seed"
    assert changed.json()["row_count"] == 1
    assert api.delete(_set_url()).status_code == 204
    assert repository.mapping_sets_read() == []
    assert AuditEntry.objects.filter(kind="maps_to", action="delete").exists()


def test_only_editors_write(two, anon, viewer_api):
    assert anon.post("/api/v1/mappings/", SET, format="json").status_code == 401
    assert viewer_api.post("/api/v1/mappings/", SET, format="json").status_code == 403
    assert repository.mapping_sets_read() == []


def test_an_unknown_set_is_404_and_a_missing_id_422(two, anon):
    assert anon.get(_set_url()).status_code == 404
    assert anon.get("/api/v1/mappings/set/").status_code == 422


def test_the_export_registry_writes_a_set_as_its_own_endpoint_does(two, api, anon):
    api.post("/api/v1/mappings/", SET, format="json")
    own = anon.get("/api/v1/mappings/export/?" + urlencode({"id": SET_ID}))
    query = {"format": "sssom", "taxonomy": "atlas", "mapping_set": SET_ID}
    through = anon.get("/api/v1/export/?" + urlencode(query))
    assert through.status_code == 200
    assert through["Content-Type"].startswith("text/tab-separated-values")
    assert through.content == own.content
    out = io.StringIO()
    call_command(
        "export",
        "--format",
        "sssom",
        "--taxonomy",
        "layerwise",
        "--mapping-set",
        SET_ID,
        stdout=out,
    )
    assert out.getvalue().encode() == own.content


@pytest.mark.parametrize(
    "query",
    [
        {"format": "sssom", "taxonomy": "atlas"},
        {"format": "json", "taxonomy": "atlas", "mapping_set": SET_ID},
    ],
)
def test_a_mapping_set_is_required_by_sssom_and_refused_by_the_others(two, anon, query):
    answer = anon.get("/api/v1/export/?" + urlencode(query))
    assert answer.status_code == 422
    assert "mapping_set" in answer.json()["error"]["details"]


def test_a_set_is_exported_only_for_a_taxonomy_it_joins(two, api, anon):
    api.post("/api/v1/mappings/", SET, format="json")
    services.taxonomy_apply(
        taxonomy=Taxonomy(threats=(Threat("x", "X", taxonomy="other"),)),
        scope="other",
    )
    query = {"format": "sssom", "taxonomy": "other", "mapping_set": SET_ID}
    assert anon.get("/api/v1/export/?" + urlencode(query)).status_code == 404


def test_the_mappings_command_loads_lists_and_exports_a_set(two, api, tmp_path, db):
    api.post("/api/v1/mappings/", SET, format="json")
    exported = tmp_path / "set.sssom.tsv"
    call_command(
        "mappings", "export", SET_ID, "--out", str(exported), stdout=io.StringIO()
    )
    api.delete(_set_url())
    out = io.StringIO()
    call_command("mappings", "load", str(exported), stdout=out)
    assert f"  set id: {SET_ID}\n  1 row, MITRE ATLAS onto our threats" in (
        out.getvalue()
    )
    listed = io.StringIO()
    call_command("mappings", "list", stdout=listed)
    assert SET_ID in listed.getvalue()
    again = io.StringIO()
    call_command("mappings", "export", SET_ID, stdout=again)
    assert again.getvalue() == exported.read_text()


def test_taxonomy_load_refuses_a_bad_mapping_file_before_writing_anything(
    graph, fixture_tree, db
):
    (fixture_tree / "mappings").mkdir()
    bad = fixture_tree / "mappings" / "bad.sssom.tsv"
    bad.write_text(
        "#mapping_set_id: https://example.org/x\n#license: https://example.org/l\n"
        "#subject_source: atlas\n#object_source: layerwise\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\n"
        "atlas:a\tskos:exactMatch\tlayerwise:b\tsemapv:ManualMappingCuration\t1.5\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("taxonomy", "load", str(fixture_tree), stderr=err)
    assert f"{bad}:6:1: subject_id: unknown prefix 'atlas'" in err.getvalue()
    assert f"{bad}:6:66: confidence: '1.5' is not a number" in err.getvalue()
    assert repository.graph_is_empty()


def test_a_deleted_threat_takes_its_mapping_rows_with_it_in_the_audit_log(two, api):
    api.post("/api/v1/mappings/", SET, format="json")
    assert api.delete("/api/v1/threats/model-extraction/").status_code == 204
    [stored] = repository.mapping_sets_read()
    assert stored.rows == ()
    entry = AuditEntry.objects.get(kind="maps_to", action="delete")
    assert entry.before["mapping_set_id"] == SET_ID
    assert entry.key == "AML.T0024->model-extraction"


def test_the_audit_api_filters_the_changes_to_mapping_sets_and_rows(two, api):
    api.post("/api/v1/mappings/", SET, format="json")
    rows = api.get("/api/v1/audit/?kind=maps_to")
    assert rows.status_code == 200, rows.json()
    assert [e["key"] for e in rows.json()["results"]] == [
        "atlas:AML.T0024->layerwise:model-extraction"
    ]
    sets = api.get("/api/v1/audit/?kind=mapping_set").json()["results"]
    assert [(e["key"], e["after"]["rows"]) for e in sets] == [(SET_ID, 1)]


def test_the_history_page_shows_the_changes_to_mapping_sets(two, api, client):
    api.post("/api/v1/mappings/", SET, format="json")
    page = client.get("/history/")
    assert page.status_code == 200
    assert "atlas:AML.T0024-&gt;layerwise:model-extraction" in page.content.decode()
    # Each change is a sentence, as the taxonomy's own changes are.
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert f"Added the mapping set {SET_ID}\n" in text
    assert (
        "Added the mapping atlas:AML.T0024 skos:closeMatch layerwise:model-extraction "
        f"to the mapping set {SET_ID}\n"
    ) in text
