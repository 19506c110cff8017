"""Editing a mapping set's rows in the browser: editors only, CSRF-checked
forms, refusals on their fields with nothing written, stale saves refused,
every save in the history."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from taxonomy import services
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.domain.records import Taxonomy, Threat
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

SET_ID = "https://example.org/layerwise/mappings/browser"
MAPPING = MappingSet(
    SET_ID,
    "atlas",
    "layerwise",
    license="https://creativecommons.org/licenses/by/4.0/",
    curie_map=(
        ("atlas", "https://atlas.mitre.org/techniques/"),
        ("layerwise", "https://example.org/layerwise/threat/"),
    ),
    rows=(
        MappingRow(
            "atlas:AML.T0024",
            "skos:closeMatch",
            "layerwise:model-extraction",
            confidence=0.8,
        ),
    ),
)
ROW = {
    "subject_id": "atlas:AML.T0054",
    "predicate_id": "skos:narrowMatch",
    "object_id": "layerwise:guardrail-removal",
    "confidence": "0.6",
    "mapping_justification": "semapv:ManualMappingCuration",
    "rationale": "A jailbreak is one way guardrails stop holding.",
    "author_id": "",
    "mapping_date": "2026-12-07",
}


@pytest.fixture
def mapped(graph):
    services.taxonomy_apply(
        taxonomy=Taxonomy(
            threats=(
                Threat("model-extraction", "Model extraction"),
                Threat("guardrail-removal", "Guardrail removal"),
            )
        ),
        scope="layerwise",
    )
    services.taxonomy_apply(
        taxonomy=Taxonomy(
            threats=(
                Threat("atlas:AML.T0024", "Exfiltration via API", taxonomy="atlas"),
                Threat("atlas:AML.T0054", "LLM Jailbreak", taxonomy="atlas"),
            )
        ),
        scope="atlas",
    )
    services.mapping_set_save(mapping_set=MAPPING, channel=None)
    return graph


def _url(**query: str) -> str:
    return "/crosswalks/row/?" + urlencode({"set": SET_ID, **query})


def _rows() -> dict[str, MappingRow]:
    [stored] = repository.mapping_sets_read()
    return {r.key: r for r in stored.rows}


def test_an_editor_adds_a_row_and_the_history_says_so(mapped, editor_client):
    assert editor_client.get(_url()).status_code == 200
    answer = editor_client.post(_url(), {**ROW, "comment": "from the review"})
    assert answer.status_code == 302
    row = _rows()["atlas:AML.T0054->layerwise:guardrail-removal"]
    assert (row.predicate_id, row.confidence) == ("skos:narrowMatch", 0.6)
    entry = AuditEntry.objects.get(kind="maps_to", action="create")
    assert (entry.channel, entry.comment) == ("browser", "from the review")


def test_an_editor_changes_and_deletes_a_row(mapped, editor_client):
    url = _url(subject="atlas:AML.T0024", object="layerwise:model-extraction")
    page = editor_client.get(url)
    assert 'value="0.8"' in page.content.decode()
    changed = {
        **ROW,
        "subject_id": "atlas:AML.T0024",
        "object_id": "layerwise:model-extraction",
        "version": "1",
    }
    assert editor_client.post(url, changed).status_code == 302
    assert _rows()["atlas:AML.T0024->layerwise:model-extraction"].confidence == 0.6
    assert (
        editor_client.post(url, {**changed, "version": "2", "delete": "1"}).status_code
        == 302
    )
    assert _rows() == {}


def test_a_stale_form_saves_nothing(mapped, editor_client):
    url = _url(subject="atlas:AML.T0024", object="layerwise:model-extraction")
    stale = {
        **ROW,
        "subject_id": "atlas:AML.T0024",
        "object_id": "layerwise:model-extraction",
        "version": "7",
    }
    answer = editor_client.post(url, stale)
    assert answer.status_code == 200
    assert "Someone else changed or deleted this row" in answer.content.decode()
    assert _rows()["atlas:AML.T0024->layerwise:model-extraction"].confidence == 0.8


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"confidence": "1.5"}, "confidence", "less than or equal to 1"),
        ({"subject_id": "mitre:AML.T0054"}, "subject_id", "unknown prefix"),
        ({"object_id": "layerwise:no-such"}, None, "no threat of layerwise"),
    ],
)
def test_a_bad_row_is_refused_on_its_field_and_writes_nothing(
    mapped, editor_client, change, field, message
):
    before = repository.graph_fingerprint()
    answer = editor_client.post(_url(), {**ROW, **change})
    assert answer.status_code == 200
    form = answer.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in e for e in errors), form.errors
    assert repository.graph_fingerprint() == before


def test_only_editors_reach_the_form(mapped, viewer_client):
    anonymous = Client().get(_url())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert viewer_client.post(_url(), ROW).status_code == 403
    assert len(_rows()) == 1


def test_the_form_needs_its_csrf_token(mapped, ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    assert client.post(_url(), ROW).status_code == 403
    assert len(_rows()) == 1


def test_an_unknown_set_or_row_is_a_404(mapped, editor_client):
    assert editor_client.get("/crosswalks/row/?set=nope").status_code == 404
    assert (
        editor_client.get(_url(subject="atlas:x", object="layerwise:y")).status_code
        == 404
    )
