"""Adopting in a jurisdiction through the API: ``adopt=M@J`` in every scenario,
and ``where`` on /api/v1/recommendations/ (issue 25), on the real seed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.jurisdictions import analyse_in
from taxonomy.analysis.model import ADDRESSED_CLASSES
from taxonomy.analysis.recommend import in_jurisdiction, recommend, recommend_places
from taxonomy.domain.jurisdictions import Geography, place_phrase
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors import taxonomy_snapshot

URL = "/api/v1/recommendations/"
COVERAGE = "/api/v1/coverage/"
TODAY = Scenario(maturities=["deployed"])


def _seed():
    snapshot = taxonomy_snapshot()
    return snapshot, coverage_model(snapshot), Geography.of(snapshot)


def test_what_the_eu_should_adopt_next_is_the_analysis_in_the_eu(
    anon, seeded_graph_read_only
):
    snapshot, model, geography = _seed()
    in_eu = Scenario(maturities=["deployed"], jurisdiction="eu")
    rec = recommend(*in_jurisdiction(model, geography, in_eu, "eu"), budget=2)
    doc = anon.get(URL, {"budget": "2", "where": "eu"}).json()
    assert [m["id"] for m in doc["chosen"]] == list(rec.chosen)
    assert rec.addressed_after > rec.addressed_before
    assert (doc["addressed_before"], doc["addressed_after"]) == (
        rec.addressed_before,
        rec.addressed_after,
    )
    assert doc["where"] == "eu" and ["jurisdiction", "eu"] in doc["scenario"]["params"]
    eu = place_phrase(next(j.name for j in snapshot.jurisdictions if j.id == "eu"))
    names = {m.id: m.name for m in snapshot.mitigations}
    assert [(m["adopt"], m["words"]) for m in doc["chosen"]] == [
        (f"{m}@eu", f"Adopt {names[m]} in {eu}") for m in rec.chosen
    ]


def test_adopting_the_answer_in_the_eu_addresses_what_it_said(
    anon, seeded_graph_read_only
):
    snapshot, model, geography = _seed()
    doc = anon.get(URL, {"budget": "2", "where": "eu"}).json()
    adopt = [m["adopt"] for m in doc["chosen"]]
    coverage = anon.get(
        COVERAGE, {"maturity": "deployed", "jurisdiction": "eu", "adopt": adopt}
    ).json()
    classes = {t["id"]: t["class"] for t in coverage["threats"]}
    addressed = [t for t, c in classes.items() if c in ADDRESSED_CLASSES]
    assert len(addressed) == doc["addressed_after"]
    alone = analyse_in(
        model,
        geography,
        Scenario(maturities=["deployed"], jurisdiction="eu", adopt=adopt),
        "eu",
    )
    assert classes == alone.classes
    assert "adopting" in coverage["scenario"]["summary"]
    # The mobile threats among them: their actors can act from another place.
    assert doc["mobile_addressed"] == sorted(set(addressed) & geography.mobile_threats)


def test_the_measures_and_places_closing_most_mobile_threats(
    anon, seeded_graph_read_only
):
    _, model, geography = _seed()
    found = recommend_places(model, geography, TODAY, budget=4)
    doc = anon.get(URL, {"budget": "4", "where": "places"}).json()
    assert [(m["id"], m["jurisdiction"]) for m in doc["chosen"]] == list(found.chosen)
    assert found.newly_addressed
    assert doc["newly_addressed"] == list(found.newly_addressed)
    assert doc["addressed_after"] == len(found.addressed_after)
    assert doc["words"].startswith("Adopt ") and doc["frontier_step"] is None
    assert [p["id"] for p in doc["places"]] == list(found.places)


def test_a_measure_adopted_over_the_places_introduces_what_it_does_anywhere(
    anon, seeded_graph_read_only
):
    snapshot, _, _ = _seed()
    doc = anon.get(URL, {"where": "places"}).json()
    own = {}
    for link in snapshot.introduces:
        own.setdefault(link.source, set()).add(link.target)
    introducing = [m for m in doc["chosen"] if own.get(m["id"])]
    assert introducing, "the seed's answer adopts a measure that introduces a threat"
    for m in doc["chosen"]:
        # Each is adopted where it is not yet in effect: what it introduces comes.
        assert own.get(m["id"], set()) <= set(m["introduces"])
    by = {}
    for m in doc["chosen"]:
        for t in m["introduces"]:
            by.setdefault(t, []).append(m["adopt"])
    assert doc["introduced"] == [
        {"threat": t, "by": entries} for t, entries in sorted(by.items())
    ]
    eu = anon.get(URL, {"where": "eu"}).json()
    in_eu = {m["id"]: m["introduces"] for m in eu["chosen"]}
    for m in doc["chosen"]:
        if m["jurisdiction"] == "eu" and m["id"] in in_eu:
            assert m["introduces"] == in_eu[m["id"]]


def test_the_command_gives_the_apis_document(anon, seeded_graph_read_only):
    for where in ("eu", "places"):
        out = io.StringIO()
        call_command(
            "recommend",
            "--budget",
            "3",
            "--where",
            where,
            "--format",
            "json",
            stdout=out,
        )
        api = anon.get(URL, {"budget": "3", "where": where}).json()
        assert api == json.loads(out.getvalue())
    text = io.StringIO()
    call_command("recommend", "--budget", "2", "--where", "eu", stdout=text)
    assert "Adopt " in text.getvalue() and " in " in text.getvalue()


@pytest.mark.parametrize(
    ("url", "query", "field", "named"),
    [
        (URL, {"where": "mars"}, "where", "mars"),
        (URL, {"where": "eu", "jurisdiction": "us"}, "where", "us"),
        (URL, {"where": "eu", "candidates": "tee@us"}, "candidates", "tee@us"),
        (URL, {"where": "places", "budget": "1", "candidates": "tee@eu-x"}, None, None),
        (URL, {"where": "places", "jurisdiction": "eu"}, "where", "eu"),
        (COVERAGE, {"adopt": "tee@mars"}, "adopt", "mars"),
        (COVERAGE, {"adopt": "nope@eu"}, "adopt", "nope"),
        (COVERAGE, {"adopt": "tee@"}, "adopt", None),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(
    anon, seeded_graph_read_only, url, query, field, named
):
    response = anon.get(url, query)
    assert 400 <= response.status_code < 500
    details = response.json()["error"]["details"]
    if field:
        assert field in details
        if named:
            assert named in " ".join(details[field])


def test_where_is_in_the_openapi_schema(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][URL]["get"]
    where = next(p for p in operation["parameters"] if p["name"] == "where")
    assert "places" in where["description"]
    adopt = next(p for p in operation["parameters"] if p["name"] == "adopt")
    assert "@" in adopt["schema"]["items"]["pattern"]
