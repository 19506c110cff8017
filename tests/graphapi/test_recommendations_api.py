"""GET /api/v1/recommendations/: what to adopt next, as the analysis computes it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from taxonomy.analysis.recommend import frontier, recommend
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors import taxonomy_snapshot

URL = "/api/v1/recommendations/"
TODAY = Scenario(maturities=["deployed"])


def test_the_answer_is_what_the_analysis_computes(anon, seeded_graph_read_only):
    snapshot = taxonomy_snapshot()
    rec = recommend(snapshot, TODAY, budget=3)
    steps = frontier(snapshot, TODAY)
    response = anon.get(URL, {"budget": "3"})
    assert response.status_code == 200
    doc = response.json()
    assert [m["id"] for m in doc["chosen"]] == list(rec.chosen)
    assert doc["addressed_after"] == rec.addressed_after
    assert doc["method"] == rec.method and doc["scenario"]["today"] is True
    assert [(s["budget"], s["addressed"]) for s in doc["frontier"]] == [
        (s.budget, s.addressed) for s in steps
    ]


def test_the_chosen_set_is_the_frontier_step_of_the_budget(
    anon, seeded_graph_read_only
):
    doc = anon.get(URL, {"budget": "3"}).json()
    step = doc["frontier"][doc["frontier_step"]]
    assert [m["id"] for m in doc["chosen"]] == step["chosen"]
    assert step["budget"] <= 3 < doc["frontier"][doc["frontier_step"] + 1]["budget"]


def test_the_equally_good_sets_are_what_the_analysis_finds(
    anon, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    found = recommend(snapshot, TODAY, budget=3).equally_good
    names = {m.id: m.name for m in snapshot.mitigations}
    doc = anon.get(URL, {"budget": "3"}).json()["equally_good"]
    assert (doc["count"], doc["exact"]) == (found.count, found.exact)
    assert [sorted(m["id"] for m in members) for members in doc["sets"]] == [
        list(ids) for ids in found.sets
    ]
    assert all(m["name"] == names[m["id"]] for s in doc["sets"] for m in s)


def test_the_answer_is_the_commands_document(anon, seeded_graph_read_only):
    out = io.StringIO()
    call_command(
        "recommend",
        "--budget",
        "1",
        "--dependence",
        "within-layer",
        "--format",
        "json",
        stdout=out,
    )
    api = anon.get(URL, {"budget": "1", "dependence": "within-layer"}).json()
    assert api == json.loads(out.getvalue())
    assert api["scenario"]["today"] is False
    assert api["assumptions"]["dependence"] == "within-layer"


def test_count_introduced_and_candidates_are_passed_on(anon, seeded_graph_read_only):
    snapshot = taxonomy_snapshot()
    wanted = ["chip-attestation", "compute-kyc"]
    rec = recommend(snapshot, TODAY, budget=1, candidates=wanted, count_introduced=True)
    doc = anon.get(
        URL, {"budget": "1", "candidates": ",".join(wanted), "count_introduced": "true"}
    ).json()
    assert [m["id"] for m in doc["chosen"]] == list(rec.chosen)
    assert doc["objective"] == rec.objective and doc["count_introduced"] is True


@pytest.mark.parametrize(
    ("query", "field", "named"),
    [
        ({"candidates": "magic"}, "candidates", "magic"),
        ({"candidates": "tee"}, "candidates", "tee"),
        ({"budget": "-1"}, "budget", None),
        ({"budget": "lots"}, "budget", None),
        ({"budget": "nan"}, "budget", None),
        ({"disable_layer": "nowhere"}, "disable_layer", "nowhere"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    anon, seeded_graph_read_only, query, field, named
):
    response = anon.get(URL, query)
    assert response.status_code == 422
    body = response.json()["error"]
    assert field in body["details"]
    if named:
        assert named in " ".join(body["details"][field])


def test_an_unknown_taxonomy_is_404(anon, seeded_graph_read_only):
    assert anon.get(URL, {"taxonomy": "nowhere"}).status_code == 404


def test_a_second_read_is_served_from_the_cache(
    anon, seeded_graph_read_only, monkeypatch
):
    first = anon.get(URL, {"budget": "2"}).content
    monkeypatch.setattr(
        "taxonomy.selectors.recommend._document",
        lambda *a: pytest.fail("recomputed"),
    )
    assert anon.get(URL, {"budget": "2"}).content == first


def test_the_answer_is_in_the_openapi_schema(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][URL]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"budget", "candidates", "count_introduced", "maturity"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
    assert {"chosen", "frontier", "greedy", "method"} <= set(component["properties"])
    assert {"equally_good", "frontier_step"} <= set(component["properties"])
    assert "first by name" in component["description"]
    assert "422" in operation["responses"]
