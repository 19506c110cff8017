"""The AI Atlas Nexus catalogues imported through the API
(``/api/v1/import/?format=risk-atlas&catalogue=...``), read from the installed
package as ``manage.py import_risk_atlas`` reads them: editors only, all or
nothing, audited on the API channel, with a dry run."""

from __future__ import annotations

import functools
import importlib.util
import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import OpenAPIV30SpecValidator

from taxonomy import selectors
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

NIST = "nist-ai-600-1"
PACKAGE_ID = "nist-ai-rmf"  # the package's own id of NIST AI 600-1's risks
URL = "/api/v1/import/"


@functools.cache
def _package_items() -> tuple[list[dict], list[dict]]:
    """NIST AI 600-1's risks and actions in the package's files, read by
    PyYAML from the folder the import system finds (not by our reader)."""
    spec = importlib.util.find_spec("ai_atlas_nexus")
    folder = Path(spec.submodule_search_locations[0]) / "data" / "knowledge_graph"
    risks, actions = [], []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for key, found in (("entries", risks), ("actions", actions)):
            found += [
                item
                for item in data.get(key) or []
                if item.get("isDefinedByTaxonomy") == PACKAGE_ID
            ]
    return risks, actions


def _post(client, query: str, body: str = "", **headers):
    return client.post(
        f"{URL}?{query}", body, content_type="application/yaml", headers=headers
    )


def _row(answer: dict, kind: str) -> dict:
    return next(row for row in answer["summary"] if row["kind"] == kind)


def test_a_dry_run_reports_the_catalogue_and_writes_nothing(
    seeded_graph_read_only, api
):
    risks, actions = _package_items()
    # As curl -X POST sends it: no body, no Content-Type of a file.
    response = api.post(f"{URL}?format=risk-atlas&catalogue={NIST}&dry_run=true")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["dry_run"], answer["format"]) == (True, "risk-atlas")
    assert answer["taxonomy"] == NIST
    assert _row(answer, "threat")["created"] == len(risks)
    assert _row(answer, "mitigation")["created"] == len(actions)
    assert NIST not in selectors.taxonomy_names()
    assert not AuditEntry.objects.filter(channel="api").exists()


def test_an_import_writes_what_the_command_writes_and_is_audited(
    seeded_graph, api, editor
):
    risks, actions = _package_items()
    response = _post(api, f"format=risk-atlas&catalogue={NIST}")
    assert response.status_code == 200, response.content
    snapshot = selectors.taxonomy_snapshot(taxonomy=NIST)
    assert {t.id for t in snapshot.threats} >= {f"{NIST}:{r['id']}" for r in risks}
    assert len(snapshot.mitigations) == len(actions)
    audited = AuditEntry.objects.filter(channel="api", kind="mitigation")
    assert audited.count() == len(actions)
    assert set(audited.values_list("actor_name", flat=True)) == {editor.username}
    # The command, reading the same package, finds nothing left to change.
    revision = repository.graph_revision()
    out = StringIO()
    call_command("import_risk_atlas", NIST, stdout=out, stderr=StringIO())
    assert "0 to create, 0 to change, 0 to delete" in out.getvalue()
    assert repository.graph_revision() == revision


def test_options_of_catalogue_imports_apply(seeded_graph, api, anon):
    query = f"format=risk-atlas&catalogue={NIST}&taxonomy=nist-low&default_strength=low"
    assert _post(api, query).status_code == 200
    links = anon.get("/api/v1/mitigates/?taxonomy=nist-low&limit=1000").json()
    assert links["count"] and {link["strength"] for link in links["results"]} == {"low"}


def test_only_an_editor_imports_a_catalogue(seeded_graph_read_only, anon, viewer_api):
    query = f"format=risk-atlas&catalogue={NIST}"
    assert _post(anon, query).status_code == 401
    assert _post(viewer_api, query).status_code == 403
    assert NIST not in selectors.taxonomy_names()


def test_an_unknown_catalogue_is_a_422_naming_those_there_are(
    seeded_graph_read_only, api
):
    response = _post(api, "format=risk-atlas&catalogue=no-such-catalogue")
    assert response.status_code == 422
    [problem] = response.json()["error"]["details"]["problems"]
    assert "no catalogue 'no-such-catalogue'" in problem["message"]
    assert NIST in problem["message"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("format=risk-atlas", "required for format risk-atlas"),
        (f"format=atlas&catalogue={NIST}", "only for format risk-atlas"),
        (f"catalogue={NIST}", "only for format risk-atlas"),
        (
            "format=risk-atlas&catalogue=../etc",
            "This value does not match the required pattern.",
        ),
    ],
)
def test_the_catalogue_is_named_for_risk_atlas_and_only_there(
    seeded_graph_read_only, api, query, message
):
    response = _post(api, query)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["catalogue"] == [message]


def test_a_body_sent_with_risk_atlas_is_a_400_and_writes_nothing(
    seeded_graph_read_only, api
):
    response = _post(api, f"format=risk-atlas&catalogue={NIST}", "entries: []\n")
    assert response.status_code == 400
    assert "send no body" in response.json()["error"]["message"]
    assert NIST not in selectors.taxonomy_names()


def test_the_openapi_schema_documents_the_catalogue_import(anon):
    served = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(served.content)
    OpenAPIV30SpecValidator(schema).validate()
    post = schema["paths"]["/api/v1/import/"]["post"]
    parameters = {p["name"]: p for p in post["parameters"]}
    assert "risk-atlas" in _enum(schema, parameters["format"]["schema"])
    assert NIST in parameters["catalogue"]["description"]
    assert "format=risk-atlas" in post["description"]
    answer = schema["components"]["schemas"]["CatalogueImportResult"]
    assert "risk-atlas" in _enum(schema, answer["properties"]["format"])


def _enum(schema: dict, node: dict) -> list:
    """The values of an enum, inline or behind a $ref (or an allOf of one)."""
    for ref in [node.get("$ref")] + [n.get("$ref") for n in node.get("allOf", [])]:
        if ref:
            node = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return node["enum"]
