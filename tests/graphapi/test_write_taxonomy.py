"""Writes refuse a taxonomy name that reads refuse, with the same answer, writing nothing."""

from __future__ import annotations

import pytest

from taxonomy import selectors

BAD_NAMES = ["bad name!", "Acme", "my_taxonomy", "acme.v2", "-acme", "a" * 64]


def _reads_answer(anon, name: str) -> dict:
    response = anon.get("/api/v1/threats/", {"taxonomy": name})
    assert response.status_code == 422
    return response.json()["error"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_creating_a_threat_in_a_malformed_taxonomy_is_refused_like_a_read(
    seeded_graph_read_only, api, anon, name
):
    before = selectors.taxonomy_snapshot(taxonomy=None)
    response = api.post(
        "/api/v1/threats/",
        {"id": "new-threat", "name": "New", "taxonomy": name},
        format="json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error == _reads_answer(anon, name)
    assert selectors.taxonomy_snapshot(taxonomy=None) == before


def test_creating_a_threat_in_an_empty_taxonomy_name_is_refused(
    seeded_graph_read_only, api
):
    before = selectors.taxonomy_snapshot(taxonomy=None)
    response = api.post(
        "/api/v1/threats/",
        {"id": "new-threat", "name": "New", "taxonomy": ""},
        format="json",
    )
    assert response.status_code == 422
    assert "taxonomy" in response.json()["error"]["details"]
    assert selectors.taxonomy_snapshot(taxonomy=None) == before


@pytest.mark.parametrize("name", ["bad name!", "Acme"])
def test_moving_a_layer_into_a_malformed_taxonomy_is_refused(
    seeded_graph_read_only, api, name
):
    before = api.get("/api/v1/layers/hardware/").json()
    response = api.patch("/api/v1/layers/hardware/", {"taxonomy": name}, format="json")
    assert response.status_code == 422
    assert "taxonomy" in response.json()["error"]["details"]
    assert api.get("/api/v1/layers/hardware/").json() == before


def test_a_well_formed_taxonomy_name_is_still_accepted(seeded_graph, api):
    response = api.post(
        "/api/v1/threats/",
        {"id": "acme:new", "name": "New", "taxonomy": "acme-2"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["taxonomy"] == "acme-2"
