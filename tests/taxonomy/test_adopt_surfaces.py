"""``adopt`` on every surface a scenario is: the CLI, the API, the pages, the
permalinks and the downloads, each against the analysis run directly."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from taxonomy.analysis import report
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_params import scenario_query
from taxonomy.selectors import taxonomy_export, taxonomy_snapshot

ADOPT = ["chip-attestation", "deployer-liability"]
TODAY = Scenario(maturities=["deployed"])
ADOPTED = Scenario(maturities=["deployed"], adopt=ADOPT)
QUERY = "maturity=deployed&adopt=chip-attestation,deployer-liability"


def _classes(document: dict) -> dict[str, str]:
    return {t["id"]: t["class"] for t in document["threats"]}


@pytest.fixture
def oracle(seeded_graph) -> dict:
    """The coverage documents of today and of today plus the adoption, computed
    by the analysis itself from the graph's snapshot."""
    snapshot = taxonomy_snapshot()
    return {
        name: report.coverage_document(snapshot, scenario=scenario)
        for name, scenario in (("today", TODAY), ("adopted", ADOPTED))
    }


def test_the_oracle_shows_that_adopting_changes_something(oracle):
    today, adopted = oracle["today"], oracle["adopted"]
    assert _classes(today) != _classes(adopted)
    assert adopted["scenario"]["adopted"] == ADOPT


def _coverage_command(*args: str) -> dict:
    out = io.StringIO()
    call_command("coverage", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_adopts_as_the_analysis_says(oracle):
    doc = _coverage_command("--maturity", "deployed", "--adopt", *ADOPT)
    assert _classes(doc) == _classes(oracle["adopted"])
    assert doc["scenario"]["adopted"] == ADOPT
    comma = _coverage_command("--maturity", "deployed", "--adopt", ",".join(ADOPT))
    assert comma == doc


def test_the_command_refuses_an_unknown_adopted_mitigation(seeded_graph_read_only):
    with pytest.raises(CommandError, match="unknown adopted mitigation: magic"):
        _coverage_command("--adopt", "magic")


def test_the_api_adopts_as_the_analysis_says(client, oracle):
    response = client.get(f"/api/v1/coverage/?{QUERY}")
    assert response.status_code == 200
    assert _classes(response.json()) == _classes(oracle["adopted"])


def test_the_api_diff_compares_the_adoption_with_the_baseline(client, oracle):
    diff = client.get(f"/api/v1/coverage/diff/?{QUERY}").json()
    baseline = client.get("/api/v1/coverage/").json()
    changed = {c["id"] for c in diff["diff"]["changed"]}
    expected = {
        t for t, c in _classes(oracle["adopted"]).items() if c != _classes(baseline)[t]
    }
    assert changed == expected


def test_the_api_refuses_an_unknown_adopted_mitigation_naming_adopt(
    client, seeded_graph_read_only
):
    response = client.get("/api/v1/coverage/?adopt=magic,chip-attestation")
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert details == {"adopt": ["unknown adopted mitigation 'magic'"]}


def test_the_matrix_adopts_and_says_so_with_display_names(client, oracle):
    html = client.get(f"/coverage/?{QUERY}").content.decode()
    assert "plus Chip attestation and Deployer liability adopted" in html
    for threat, klass in _classes(oracle["adopted"]).items():
        row = re.search(rf'<tr[^>]*data-threat="{threat}"[^>]*>', html)
        assert row and f'data-class="{klass}"' in row.group(0), threat


def test_the_matrix_controls_tick_the_adopted_mitigations(
    client, seeded_graph_read_only
):
    html = client.get(f"/coverage/?{QUERY}").content.decode()
    ticked = re.findall(
        r'<input type="checkbox" name="adopt" value="([^"]+)" checked>', html
    )
    assert ticked == ADOPT
    assert '<input type="checkbox" name="adopt" value="tee">' in html
    plain = client.get("/coverage/").content.decode()
    assert 'name="adopt"' in plain and 'name="adopt" value="tee" checked' not in plain


def test_the_permalink_keeps_the_adoption(client, oracle):
    html = client.get(f"/coverage/?{QUERY}").content.decode()
    permalink = re.search(r'<a href="([^"]+)" id="permalink">', html).group(1)
    again = client.get(permalink.replace("&amp;", "&")).content.decode()
    assert "plus Chip attestation and Deployer liability adopted" in again
    rows = re.findall(r'data-threat="([^"]+)" data-class="([^"]+)"', again)
    assert dict(rows) == _classes(oracle["adopted"])
    query = scenario_query(ADOPTED)
    assert query == "?adopt=chip-attestation&adopt=deployer-liability&maturity=deployed"
    rebuilt = client.get(f"/api/v1/coverage/{query}").json()
    assert _classes(rebuilt) == _classes(oracle["adopted"])


def test_a_page_explains_an_unknown_adopted_mitigation(client, seeded_graph_read_only):
    response = client.get("/coverage/?adopt=magic")
    assert response.status_code == 400
    assert "unknown adopted mitigation: magic" in response.content.decode()


def test_the_brief_names_the_adoption(client, seeded_graph_read_only):
    html = client.get(f"/brief/?{QUERY}").content.decode()
    assert "plus Chip attestation and Deployer liability adopted" in html


def test_the_navigator_download_scores_the_adoption(client, oracle):
    response = client.get(f"/export/navigator/?{QUERY}")
    assert response.status_code == 200
    layer = json.loads(response.content)
    assert layer == json.loads(taxonomy_export(format="navigator", scenario=ADOPTED))
    today = json.loads(taxonomy_export(format="navigator", scenario=TODAY))
    assert layer["techniques"] != today["techniques"]
    metadata = {m["name"]: m["value"] for m in layer["metadata"]}
    assert metadata["adopted"] == ", ".join(ADOPT)


def test_the_json_download_is_the_adopted_document(client, oracle):
    response = client.get(f"/export/coverage/?{QUERY}")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert _classes(doc) == _classes(oracle["adopted"])
    assert doc["scenario"]["adopted"] == ADOPT


def test_a_download_refuses_an_unknown_adopted_mitigation(
    client, seeded_graph_read_only
):
    response = client.get("/export/navigator/?adopt=magic")
    assert response.status_code == 400
    assert "unknown adopted mitigation: magic" in response.content.decode()


def test_disabling_wins_over_adopting_on_the_api(client, seeded_graph_read_only):
    both = client.get(
        "/api/v1/coverage/?maturity=deployed&adopt=chip-attestation"
        "&disable_mitigation=chip-attestation"
    ).json()
    today = client.get("/api/v1/coverage/?maturity=deployed").json()
    assert _classes(both) == _classes(today)
