"""Every export of a scenario states the jurisdiction and the date it counts
(issue 25), read with the field's tools; the exports of the whole taxonomy
take no scenario and say so."""

from __future__ import annotations

import io
import json

import pandas as pd

WHERE = {"jurisdiction": "eu", "as_of": "2026-01-01"}
WORDS = "in the European Union, as of 2026-01-01"


def _query(**extra) -> str:
    return "&".join(f"{k}={v}" for k, v in {**WHERE, **extra}.items())


def test_the_csv_download_states_where_and_when_on_every_row(
    seeded_graph_read_only, client
):
    response = client.get(f"/export/csv/?{_query()}")
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.content.decode()))
    assert len(frame) == 12
    assert frame["scenario in words"].str.contains(WORDS, regex=False).all()


def test_the_json_download_states_where_and_when(seeded_graph_read_only, client):
    response = client.get(f"/export/coverage/?{_query()}")
    document = json.loads(response.content)
    assert document["scenario"]["jurisdiction"] == "eu"
    assert document["scenario"]["as_of"] == "2026-01-01"
    assert WORDS in document["scenario"]["summary"]


def test_the_navigator_download_states_where_and_when(seeded_graph_read_only, client):
    layer = json.loads(client.get(f"/export/navigator/?{_query()}").content)
    metadata = {m["name"]: m["value"] for m in layer["metadata"]}
    assert (metadata["jurisdiction"], metadata["as of"]) == ("eu", "2026-01-01")
    assert WORDS in layer["description"]


def test_the_exports_of_the_whole_taxonomy_refuse_a_place_or_a_date(
    seeded_graph_read_only, client
):
    for name in ("stix", "graphml"):
        response = client.get(f"/api/v1/export/?format={name}&{_query()}")
        assert response.status_code in (400, 422)
        details = response.json()["error"]["details"]
        assert set(details) >= {"jurisdiction", "as_of"}, details


def test_the_brief_states_where_and_when_keeping_the_names_capitalised(
    seeded_graph_read_only, client
):
    html = client.get(f"/brief/?{_query(maturity='deployed')}").content.decode()
    # A view at a date is not called today.
    assert f"Only the measures already deployed count, {WORDS}" in html
    assert "Today: only" not in html and "(today" not in html
    # The headline repeats the scenario in a sentence: only its first letter
    # is lowered, never the jurisdiction's name.
    assert f"(only the measures already deployed count, {WORDS}" in html
    assert "european union" not in html
