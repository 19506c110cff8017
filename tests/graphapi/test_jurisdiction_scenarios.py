"""The scenario parameters ``jurisdiction`` and ``as_of`` (issue 25) on every
surface: the API, the pages and the command answer what
``analysis.jurisdictions`` computes, refuse an unknown jurisdiction or a date
that is not a date naming the parameter, and a taxonomy without jurisdictions
answers as before."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.jurisdictions import analyse_in
from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.report_render import render_csv, render_json
from taxonomy.analysis.world import world_view
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.jurisdictions import Geography
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_params import scenario_params
from taxonomy.formats.fixtures_yaml import load_fixtures
from taxonomy.formats.navigator import navigator_layer, render_navigator


@pytest.fixture(scope="module")
def seed() -> Taxonomy:
    return load_fixtures(Path(settings.FIXTURES_DIR))


def _without_geography(taxonomy: Taxonomy) -> Taxonomy:
    """The taxonomy with no jurisdiction, link or flag of issue 25."""
    from dataclasses import replace

    return replace(
        taxonomy,
        jurisdictions=(),
        memberships=(),
        in_force=(),
        threats=tuple(replace(t, mobile="") for t in taxonomy.threats),
        mitigations=tuple(replace(m, everywhere="") for m in taxonomy.mitigations),
    )


def test_the_seed_records_the_places_the_brief_names(seed):
    ids = {j.id for j in seed.jurisdictions}
    assert {"eu", "us", "cn", "uk", "rest-of-world", "ai-safeguards-agency"} <= ids
    assert {j.kind for j in seed.jurisdictions if j.id == "ai-safeguards-agency"} == {
        "multilateral"
    }
    assert all(x.rationale and x.sources for x in seed.in_force)
    assert all(j.sources for j in seed.jurisdictions)
    assert {t.id for t in seed.threats if t.mobile} >= {
        "covert-deployment",
        "sanctions-evasion",
        "jurisdiction-shopping",
    }


@pytest.mark.parametrize("jurisdiction", ["eu", "us", "cn", "uk", "rest-of-world"])
@pytest.mark.parametrize("as_of", [None, datetime.date(2025, 1, 1)])
def test_a_jurisdiction_s_document_is_analyse_in_s_analysis(seed, jurisdiction, as_of):
    scenario = Scenario(maturities=["deployed"], jurisdiction=jurisdiction, as_of=as_of)
    document = coverage_document(seed, scenario=scenario)
    expected = analyse_in(
        coverage_model(seed), Geography.of(seed), scenario, jurisdiction, as_of=as_of
    )
    assert document["summary"] == dict(expected.summary)
    by_id = {t["id"]: t for t in document["threats"]}
    for threat in seed.threats:
        assert by_id[threat.id]["class"] == expected.threat(threat.id).coverage_class
    assert document["world"] is None
    assert document["scenario"]["jurisdiction"] == jurisdiction


def test_the_eu_counts_its_ai_act_only_from_the_day_it_applies(seed):
    model, geography = coverage_model(seed), Geography.of(seed)
    before = Scenario(jurisdiction="eu", as_of="2025-01-01")
    after = Scenario(jurisdiction="eu", as_of="2025-09-01")
    off_before = analyse_in(model, geography, before, "eu", as_of=before.as_of)
    on_after = analyse_in(model, geography, after, "eu", as_of=after.as_of)

    def links(analysis):
        return {
            link.mitigation
            for threat in seed.threats
            for link in analysis.threat(threat.id).links
        }

    assert "compute-thresholds" not in links(off_before)
    assert "compute-thresholds" in links(on_after)


def test_the_world_section_is_the_world_view(seed):
    scenario = Scenario(maturities=["deployed"])
    document = json.loads(render_json(coverage_document(seed, scenario=scenario)))
    view = world_view(coverage_model(seed), Geography.of(seed), scenario)
    world = document["world"]
    assert [p["id"] for p in world["places"]] == list(view.places)
    assert "ai-safeguards-agency" not in view.places
    for entry in world["threats"]:
        expected = view.threat(entry["id"])
        assert entry["weakest"] == expected.weakest
        assert entry["class"] == expected.coverage_class
        assert entry["addressed_in"] == expected.addressed_in
        assert entry["coverage"] == pytest.approx(expected.coverage, abs=1e-6)
        assert entry["mobile"] == expected.mobile
    assert world["mobile_summary"] == view.mobile_summary
    assert set(world["mobile_summary"]) == set(CLASSES)
    mobile = sum(entry["mobile"] for entry in world["threats"])
    assert mobile > 1
    assert world["line"].startswith(f"{mobile} threats are mobile")


def test_a_taxonomy_without_jurisdictions_answers_as_before(seed):
    """The document, CSV and Navigator layer of the seed without its
    geography hold nothing of it: no world section, no new scenario key."""
    bare = _without_geography(seed)
    for scenario in (Scenario(), Scenario(maturities=["deployed"])):
        document = coverage_document(bare, scenario=scenario)
        assert "world" not in document
        assert not {"jurisdiction", "as_of"} & set(document["scenario"])
        # The analysis itself is the geography's world analysis.
        full = coverage_document(seed, scenario=scenario)
        assert full["threats"] == document["threats"]
        assert full["summary"] == document["summary"]
        csv_bare, csv_full = render_csv(document), render_csv(full)
        assert csv_bare == csv_full
    with pytest.raises(ScenarioError, match="unknown jurisdiction: eu"):
        coverage_document(bare, scenario=Scenario(jurisdiction="eu"))


def test_the_parameters_travel_through_the_one_codec():
    scenario = Scenario(jurisdiction="eu", as_of="2026-01-01")
    assert ("jurisdiction", "eu") in scenario_params(scenario)
    assert ("as_of", "2026-01-01") in scenario_params(scenario)
    with pytest.raises(ValueError, match="as_of must be a date YYYY-MM-DD"):
        Scenario(as_of="2026-02-30")


def test_the_api_answers_what_analyse_in_computes(seeded_graph_read_only, anon, seed):
    response = anon.get("/api/v1/coverage/?jurisdiction=cn&maturity=deployed")
    assert response.status_code == 200
    document = response.json()
    expected = analyse_in(
        coverage_model(seed),
        Geography.of(seed),
        Scenario(maturities=["deployed"]),
        "cn",
    )
    assert document["summary"] == dict(expected.summary)
    assert document["scenario"]["summary"].endswith("in China; threshold 80%.")
    out = StringIO()
    call_command(
        "coverage",
        "--format",
        "json",
        "--jurisdiction",
        "cn",
        "--maturity",
        "deployed",
        stdout=out,
    )
    assert out.getvalue() == response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [("?jurisdiction=atlantis", "jurisdiction"), ("?as_of=2026-13-01", "as_of")],
)
def test_a_bad_jurisdiction_or_date_is_a_422_naming_the_parameter(
    seeded_graph_read_only, anon, query, field
):
    response = anon.get(f"/api/v1/coverage/{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_the_pages_take_the_parameters_and_say_where(seeded_graph_read_only, client):
    overview = client.get("/").content.decode()
    assert 'id="world-line"' in overview
    assert "where they are weakest" in overview
    matrix = client.get("/coverage/?jurisdiction=eu&as_of=2026-01-01")
    assert matrix.status_code == 200
    html = matrix.content.decode()
    assert "in the European Union, as of 2026-01-01" in html
    assert 'id="world-line"' not in html
    bad = client.get("/coverage/?jurisdiction=atlantis")
    assert "atlantis" in bad.content.decode()
    page = client.get("/jurisdictions/eu/").content.decode()
    assert "European Union" in page and "compute-thresholds" in page


def test_the_navigator_layer_of_a_taxonomy_without_jurisdictions_is_unchanged(seed):
    bare = _without_geography(seed)
    for scenario in (Scenario(), Scenario(maturities=["deployed"])):
        document = coverage_document(bare, scenario=scenario)
        full = coverage_document(seed, scenario=scenario)
        del full["world"], full["scenario"]["jurisdiction"], full["scenario"]["as_of"]
        assert render_json(full) == render_json(document)
        layer = navigator_layer(document, taxonomy="layerwise")
        assert render_navigator(layer) == render_navigator(
            navigator_layer(full, taxonomy="layerwise")
        )


def _error_fields(response) -> set[str]:
    return set(response.json()["error"]["details"])


def test_jurisdictions_and_their_links_are_written_through_the_api(seeded_graph, api):
    created = api.post(
        "/api/v1/jurisdictions/",
        {"id": "fr", "name": "France", "kind": "state", "sources": []},
        format="json",
    )
    assert created.status_code == 201, created.content
    member = api.post(
        "/api/v1/member-of/",
        {"member": "fr", "body": "eu", "since": "1958-01-01"},
        format="json",
    )
    assert member.status_code == 201, member.content
    in_force = api.post(
        "/api/v1/in-force-in/",
        {
            "mitigation": "compute-kyc",
            "jurisdiction": "fr",
            "maturity": "pilot",
            "rationale": "A test judgement.",
        },
        format="json",
    )
    assert in_force.status_code == 201, in_force.content
    # France now counts what the EU has in force, at the EU's maturity.
    france = api.get("/api/v1/coverage/?jurisdiction=fr").json()
    assert "in France" in france["scenario"]["summary"]
    assert "fr" in [
        p["id"] for p in api.get("/api/v1/coverage/").json()["world"]["places"]
    ]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/member-of/", {"member": "eu", "body": "us"}, "body"),
        (
            "/api/v1/member-of/",
            {"member": "ai-safeguards-agency", "body": "ai-safeguards-agency"},
            "target",
        ),
        (
            "/api/v1/in-force-in/",
            {
                "mitigation": "tee",
                "jurisdiction": "eu",
                "maturity": "pilot",
                "since": "2026-02-30",
            },
            "since",
        ),
        (
            "/api/v1/in-force-in/",
            {
                "mitigation": "tee",
                "jurisdiction": "eu",
                "maturity": "pilot",
                "since": "2026-01-01",
                "until": "2025-01-01",
            },
            "until",
        ),
        (
            "/api/v1/in-force-in/",
            {"mitigation": "tee", "jurisdiction": "atlantis", "maturity": "pilot"},
            "jurisdiction",
        ),
    ],
)
def test_a_bad_jurisdiction_link_is_a_422_naming_the_field_and_writes_nothing(
    seeded_graph_read_only, api, url, body, field
):
    before = api.get("/api/v1/coverage/").content
    response = api.post(url, body, format="json")
    assert response.status_code == 422, response.content
    assert field in _error_fields(response)
    assert api.get("/api/v1/coverage/").content == before


def test_a_membership_cycle_is_refused_through_the_api(seeded_graph, api):
    assert (
        api.post(
            "/api/v1/jurisdictions/",
            {"id": "bloc-a", "name": "Bloc A", "kind": "bloc"},
            format="json",
        ).status_code
        == 201
    )
    assert (
        api.post(
            "/api/v1/member-of/", {"member": "bloc-a", "body": "eu"}, format="json"
        ).status_code
        == 201
    )
    cycle = api.post(
        "/api/v1/member-of/", {"member": "eu", "body": "bloc-a"}, format="json"
    )
    assert cycle.status_code == 422
    assert "MEMBER_OF cycle" in json.dumps(cycle.json())


def test_every_analysis_surface_takes_the_jurisdiction(
    seeded_graph_read_only, anon, seed
):
    """Recommendations, resilience and robustness in a jurisdiction are those
    of the model analyse_in uses there (scoped_model), not the world's."""
    from taxonomy.analysis.jurisdictions import scoped_model
    from taxonomy.analysis.recommend import recommend
    from taxonomy.analysis.resilience import layer_depth

    scenario = Scenario(maturities=["deployed"], jurisdiction="cn")
    model, inner = scoped_model(seed, scenario)
    world_model, world = scoped_model(seed, Scenario(maturities=["deployed"]))
    assert inner != world
    cn = anon.get("/api/v1/recommendations/?jurisdiction=cn&maturity=deployed&budget=2")
    assert cn.status_code == 200, cn.content
    chosen = recommend(
        model, inner, budget=2, costs={m.id: m.cost for m in seed.mitigations}
    )
    assert [c["id"] for c in cn.json()["chosen"]] == list(chosen.chosen)
    assert "in China" in cn.json()["scenario"]["summary"]
    depths = layer_depth(model, inner)
    world_depths = layer_depth(world_model, world)
    assert depths != world_depths
    robust = anon.get(
        "/api/v1/coverage/robustness/?jurisdiction=cn&maturity=deployed&samples=20"
    )
    assert robust.status_code == 200, robust.content
    unknown = anon.get("/api/v1/recommendations/?jurisdiction=atlantis")
    assert unknown.status_code == 422
    assert "jurisdiction" in unknown.json()["error"]["details"]
