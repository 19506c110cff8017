"""Reads of one taxonomy at a time: the seed by default, another with ?taxonomy=."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from taxonomy import selectors, services
from taxonomy.domain.records import Taxonomy, Threat
from tests.graphapi.conftest import ACME


def _ids(body: dict, key: str = "id") -> list[str]:
    return [item[key] for item in body["results"]]


def _coverage_command(*args: str) -> str:
    out = StringIO()
    call_command("coverage", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("path", "seed_count", "acme_ids"),
    [
        ("/api/v1/layers/", 4, ["acme:policy"]),
        ("/api/v1/threats/", 12, ["acme:t1", "acme:t2"]),
        ("/api/v1/mitigations/", 24, ["acme:m1"]),
        ("/api/v1/sources/", None, []),
    ],
)
def test_node_lists_default_to_the_seed_and_switch_with_the_parameter(
    acme_graph_read_only, anon, path, seed_count, acme_ids
):
    seed = anon.get(path).json()
    assert seed == anon.get(f"{path}?taxonomy=layerwise").json()
    assert not any(key.startswith("acme:") for key in _ids(seed))
    if seed_count is not None:
        assert seed["count"] == seed_count
    assert _ids(anon.get(f"{path}?taxonomy=acme").json()) == acme_ids


def test_the_threat_list_classes_the_named_taxonomys_threats(
    acme_graph_read_only, anon
):
    body = anon.get("/api/v1/threats/?taxonomy=acme&class=unmitigated").json()
    assert _ids(body) == ["acme:t2"]


def test_link_lists_are_scoped_too(acme_graph_read_only, anon):
    acme = anon.get("/api/v1/mitigates/?taxonomy=acme").json()
    assert [(x["mitigation"], x["threat"]) for x in acme["results"]] == [
        ("acme:m1", "acme:t1")
    ]
    assert anon.get("/api/v1/mitigates/").json()["count"] == 51
    assert anon.get("/api/v1/enables/?taxonomy=acme").json()["count"] == 0


def test_an_item_is_read_in_its_own_taxonomy_only(acme_graph_read_only, anon):
    response = anon.get("/api/v1/threats/acme:t1/?taxonomy=acme")
    assert response.status_code == 200
    assert response.json()["coverage"]["class"] == "single-layer"
    assert anon.get("/api/v1/threats/acme:t1/").status_code == 404
    link = "/api/v1/mitigates/acme:m1/acme:t1/"
    assert anon.get(f"{link}?taxonomy=acme").json()["strength"] == "high"
    assert anon.get(link).status_code == 404


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("", []),
        ("?disable_layer=acme:policy", ["--disable-layer", "acme:policy"]),
        ("?threat=acme:t1", ["--threat", "acme:t1"]),
    ],
)
def test_coverage_of_a_taxonomy_is_the_commands_json_byte_for_byte(
    acme_graph_read_only, anon, query, args
):
    separator = "&" if query else "?"
    response = anon.get(f"/api/v1/coverage/{query}{separator}taxonomy=acme")
    assert response.status_code == 200
    expected = _coverage_command("--format", "json", "--taxonomy", "acme", *args)
    assert response.content.decode() == expected
    assert response.content != anon.get(f"/api/v1/coverage/{query}").content


def test_the_diff_and_the_matrix_take_the_taxonomy(acme_graph_read_only, anon):
    diff = anon.get("/api/v1/coverage/diff/?taxonomy=acme&disable_layer=acme:policy")
    assert diff.content.decode() == _coverage_command(
        "--format",
        "json",
        "--taxonomy",
        "acme",
        "--diff-baseline",
        "--disable-layer",
        "acme:policy",
    )
    matrix = anon.get("/api/v1/coverage/matrix.csv?taxonomy=acme")
    assert matrix.content.decode() == _coverage_command(
        "--format", "csv", "--taxonomy", "acme"
    )


def test_the_graph_shows_the_named_taxonomy(acme_graph_read_only, anon):
    body = anon.get("/api/v1/graph/?taxonomy=acme").json()
    assert {node["id"] for node in body["nodes"]} == {
        "layer:acme:policy",
        "threat:acme:t1",
        "threat:acme:t2",
        "mitigation:acme:m1",
    }
    assert len(anon.get("/api/v1/graph/").json()["nodes"]) == 4 + 12 + 24


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/threats/",
        "/api/v1/layers/guardrail/",
        "/api/v1/mitigates/",
        "/api/v1/enables/",
        "/api/v1/requires/a/b/",
        "/api/v1/coverage/",
        "/api/v1/coverage/diff/",
        "/api/v1/coverage/matrix.csv",
        "/api/v1/graph/",
        "/api/v1/export/",
        "/api/v1/export/?format=navigator",
    ],
)
def test_an_unknown_taxonomy_is_a_404_naming_the_known_ones(
    acme_graph_read_only, anon, path
):
    separator = "&" if "?" in path else "?"
    response = anon.get(f"{path}{separator}taxonomy=nope")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["details"]["kind"] == "taxonomy"
    assert error["details"]["id"] == "nope"


def test_a_malformed_taxonomy_name_is_a_422(acme_graph_read_only, anon):
    response = anon.get("/api/v1/threats/?taxonomy=Not%20a%20name")
    assert response.status_code == 422
    assert "taxonomy" in response.json()["error"]["details"]


def test_a_named_revision_is_of_the_seed_only(acme_graph_read_only, anon):
    response = anon.get("/api/v1/coverage/?revision=v1&taxonomy=acme")
    assert response.status_code == 422
    assert "revision" in response.json()["error"]["details"]


def test_the_taxonomies_are_listed_with_their_counts(acme_graph_read_only, anon):
    body = anon.get("/api/v1/taxonomies/").json()
    assert body["results"] == [
        {
            "name": "acme",
            "default": False,
            "layers": 1,
            "threats": 2,
            "mitigations": 1,
            "sources": 0,
        },
        {
            "name": "layerwise",
            "default": True,
            "layers": 4,
            "threats": 12,
            "mitigations": 24,
            "sources": body["results"][1]["sources"],
        },
    ]
    assert body["results"][1]["sources"] > 0


def test_a_write_to_one_taxonomy_is_seen_by_the_next_read_of_it(acme_graph, anon):
    seed = anon.get("/api/v1/threats/").content
    assert anon.get("/api/v1/threats/?taxonomy=acme").json()["count"] == 2
    counts = anon.get("/api/v1/taxonomies/").json()["results"][0]
    grown = Taxonomy(
        **{
            **{f: getattr(ACME, f) for f in ("layers", "mitigations", "mitigates")},
            "threats": (*ACME.threats, Threat("acme:t3", "Three", taxonomy="acme")),
        }
    )
    services.taxonomy_apply(taxonomy=grown, scope="acme")
    assert anon.get("/api/v1/threats/?taxonomy=acme").json()["count"] == 3
    assert anon.get("/api/v1/taxonomies/").json()["results"][0] == {
        **counts,
        "threats": 3,
    }
    coverage = anon.get("/api/v1/coverage/?taxonomy=acme").json()
    assert coverage["summary"]["unmitigated"] == 2
    assert anon.get("/api/v1/threats/").content == seed


def test_an_update_keeps_the_items_taxonomy_and_refuses_to_move_it(api, acme_graph):
    key = ACME.threats[0].id
    url = f"/api/v1/threats/{key}/"
    body = {"id": key, "name": "Renamed", "description": ""}
    # A write's taxonomy is the item's (or its body's): ?taxonomy= is no
    # parameter of it, and is refused rather than ignored.
    scoped = api.put(f"{url}?taxonomy=acme", body, format="json")
    assert scoped.status_code == 422
    assert list(scoped.json()["error"]["details"]) == ["taxonomy"]
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["taxonomy"] == "acme"
    moved = api.patch(url, {"taxonomy": "layerwise"}, format="json")
    assert moved.status_code == 422
    assert "taxonomy" in moved.json()["error"]["details"]
    names = {t.id: t.name for t in selectors.taxonomy_snapshot(taxonomy="acme").threats}
    assert names[key] == "Renamed"
