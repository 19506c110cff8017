"""The coverage selector caches the document on (graph token, query) for the
pages as for the API: a page asked twice, or the API after a page for the same
query, analyses once; a write, another query or a moved revision name
analyses again."""

from __future__ import annotations

import re
from dataclasses import replace
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from taxonomy import selectors, services
from taxonomy.selectors import coverage as selected
from taxonomy.selectors.impact import coverage_impact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_reads_empty_cache(settings):
    settings.LAYERWISE_API_ANON_RATE = None
    settings.LAYERWISE_API_REQUIRE_LOGIN = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def analyses(monkeypatch) -> list:
    """Every query the selector analyses (computes rather than serves)."""
    calls = []
    original = selected.coverage_computed

    def counted(query, taxonomy):
        calls.append(query)
        return original(query, taxonomy)

    monkeypatch.setattr(selected, "coverage_computed", counted)
    return calls


def _strengthen_shadow_ai() -> None:
    services.property_link_update(
        kind="mitigates",
        source="io-guardrails",
        target="shadow-ai",
        changes={"strength": "high"},
        actor="test",
    )


def _row_class(html: str, threat: str) -> str:
    return re.search(rf'id="row-{threat}"[^>]*data-class="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "url",
    [
        "/coverage/?disable_layer=hardware",
        "/coverage/?compare=baseline",
        "/",
        "/brief/",
        "/threats/guardrail-removal/",
        "/layers/hardware/",
    ],
)
def test_a_page_asked_again_is_served_from_the_cache(
    seeded_graph, client, analyses, url
):
    first = client.get(url)
    assert first.status_code == 200
    computed = len(analyses)
    assert computed >= 1
    second = client.get(url)
    assert second.status_code == 200
    assert len(analyses) == computed


def test_another_scenario_is_analysed_and_the_first_still_served(
    seeded_graph, client, analyses
):
    client.get("/coverage/?disable_layer=hardware")
    assert len(analyses) == 1
    client.get("/coverage/?disable_layer=software")
    assert len(analyses) == 2
    assert analyses[1].scenario.disabled_layers == {"software"}
    client.get("/coverage/?disable_layer=hardware")
    assert len(analyses) == 2


def test_the_api_serves_the_document_a_page_computed(seeded_graph, client, analyses):
    client.get("/coverage/?disable_layer=hardware")
    assert len(analyses) == 1
    answer = APIClient().get("/api/v1/coverage/?disable_layer=hardware")
    assert answer.status_code == 200
    assert len(analyses) == 1
    assert answer.json()["scenario"]["disabled_layers"] == ["hardware"]


def test_a_write_makes_the_page_analyse_again(seeded_graph, client, analyses):
    before = client.get("/coverage/").content.decode()
    assert _row_class(before, "shadow-ai") == "insufficient"
    _strengthen_shadow_ai()
    after = client.get("/coverage/").content.decode()
    assert len(analyses) == 2
    assert _row_class(after, "shadow-ai") == "single-layer"


def test_a_named_revision_is_cached_until_its_name_moves(
    seeded_graph, client, analyses
):
    call_command("taxonomy", "tag", "v1", stdout=StringIO())
    _strengthen_shadow_ai()
    then = client.get("/coverage/?revision=v1").content.decode()
    assert _row_class(then, "shadow-ai") == "insufficient"
    client.get("/coverage/?revision=v1")
    api = APIClient().get("/api/v1/coverage/?revision=v1")
    assert len(analyses) == 1
    assert {t["id"]: t["class"] for t in api.json()["threats"]}["shadow-ai"] == (
        "insufficient"
    )
    # The graph revision stays; the name now records the stronger link.
    call_command("taxonomy", "tag", "v1", "--force", stdout=StringIO())
    moved = client.get("/coverage/?revision=v1").content.decode()
    assert len(analyses) == 2
    assert _row_class(moved, "shadow-ai") == "single-layer"
    api = APIClient().get("/api/v1/coverage/?revision=v1")
    assert {t["id"]: t["class"] for t in api.json()["threats"]}["shadow-ai"] == (
        "single-layer"
    )


def test_the_impact_preview_analyses_taxonomies_outside_the_graph_uncached(
    seeded_graph, analyses
):
    snapshot = selectors.taxonomy_snapshot()
    weaker = replace(snapshot, mitigates=snapshot.mitigates[::2])
    first = coverage_impact(snapshot, weaker)
    second = coverage_impact(snapshot, weaker)
    assert first == second and first["changed"]
    assert len(analyses) == 4
