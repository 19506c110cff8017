"""Governance architectures side by side through the API
(``/api/v1/architectures/compare/``): what the pure comparison computes on the
seed read from Neo4j, with the one error shape for a bad choice."""

from __future__ import annotations

import json

import pytest

from taxonomy import selectors
from taxonomy.analysis.architectures import compare
from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.report import coverage_document
from taxonomy.domain.scenario import today
from taxonomy.selectors.cache import shared_get, shared_key
from taxonomy.selectors.coverage import coverage_scenario

URL = "/api/v1/architectures/compare/"
LAYERED = "layered-governance"
OPEN = "openness-without-governance"
RESTRICT = "restriction-without-alternatives"


def _ask(client, *ids, **extra):
    return client.get(URL, {"a": list(ids), **extra})


def test_it_compares_today_with_the_seeds_three_architectures(
    seeded_graph_read_only, anon
):
    response = _ask(anon, "today", OPEN, RESTRICT, LAYERED)
    assert response.status_code == 200
    document = response.json()
    snapshot = selectors.taxonomy_snapshot()
    scenarios = [today(coverage_scenario())] + [
        selectors.architecture_scenario_of(taxonomy=snapshot, key=k)
        for k in (OPEN, RESTRICT, LAYERED)
    ]
    assert [a["id"] for a in document["architectures"]] == [
        "today",
        OPEN,
        RESTRICT,
        LAYERED,
    ]
    for entry, scenario in zip(document["architectures"], scenarios, strict=True):
        alone = coverage_document(snapshot, scenario=scenario)
        # A mobile threat counts by its weakest place, as the world view says.
        world = {
            w["id"]: w["class"]
            for w in (alone.get("world") or {}).get("threats") or []
            if w["mobile"] and w["weakest"]
        }
        judged = {t["id"]: world.get(t["id"], t["class"]) for t in alone["threats"]}
        assert entry["summary"] == {
            c: list(judged.values()).count(c) for c in alone["summary"]
        }
        assert entry["introduced"] == alone["introduced"]
        addressed = [
            t for t, c in judged.items() if c in ("defense-in-depth", "single-layer")
        ]
        assert entry["addressed"] == len(addressed)
        assert entry["not_by_one_layer"] == [
            t for t, c in judged.items() if c != "single-layer"
        ]
    expected = compare(
        snapshot,
        [
            (a["id"], s)
            for a, s in zip(document["architectures"], scenarios, strict=True)
        ],
    )
    assert document["differ"] == [expected.threats[i] for i in expected.differ]
    layered = document["architectures"][3]
    costs = {m.id: m.cost for m in snapshot.mitigations}
    assert layered["cost"] == pytest.approx(sum(costs[m] for m in layered["adopted"]))
    assert "chip-attestation" in layered["adopted"]
    assert document["architectures"][0]["adopted"] == []


def test_the_threat_table_holds_each_architectures_class_in_order(
    seeded_graph_read_only, anon
):
    document = _ask(anon, LAYERED, "today").json()
    for threat in document["threats"]:
        cells = threat["by_architecture"]
        assert len(cells) == 2 and all(c["class"] in CLASSES for c in cells)
        differs = (cells[0]["class"], cells[0]["weakest_class"]) != (
            cells[1]["class"],
            cells[1]["weakest_class"],
        )
        assert threat["differs"] == differs
    assert document["assumptions"]["threshold"] == coverage_scenario().threshold


@pytest.mark.parametrize("ids", [["today"], ["today", OPEN, RESTRICT, LAYERED, "x"]])
def test_fewer_than_two_or_more_than_four_is_a_422_naming_a(
    seeded_graph_read_only, anon, ids
):
    response = _ask(anon, *ids)
    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == ["a"]


def test_an_architecture_chosen_twice_is_a_422_naming_a(seeded_graph_read_only, anon):
    response = _ask(anon, "today", "today")
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert list(details) == ["a"] and "repeated" in details["a"][0]


def test_an_unknown_architecture_is_a_404_in_the_one_error_shape(
    seeded_graph_read_only, anon
):
    response = _ask(anon, "today", "no-such-architecture")
    assert response.status_code == 404
    error = response.json()["error"]
    assert "no-such-architecture" in error["message"]


def test_the_openapi_schema_documents_the_comparison(seeded_graph_read_only, anon):
    response = anon.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    operation = json.loads(response.content)["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"a", "taxonomy"}
    assert {"200", "404", "422"} <= set(operation["responses"])


def test_the_comparison_is_cached_per_graph_revision(seeded_graph_read_only, anon):
    ids = ["today", LAYERED]
    document = _ask(anon, *ids).json()
    token = selectors.revision_token()
    key = shared_key("architecture-comparison", token, "layerwise", tuple(ids))
    assert shared_get(key) == document
    assert selectors.architecture_comparison(ids=ids, token=token) is not None
