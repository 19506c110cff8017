"""The jurisdiction pages: one jurisdiction's page, and the jurisdictions ×
threats matrix with the timeline (issue 25)."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from taxonomy import selectors, services
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.jurisdictions import bound_nowhere
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.jurisdictions import Geography, place_phrase
from taxonomy.selectors.cache import shared_get, shared_key
from taxonomy.selectors.coverage import coverage_scenario


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</table>", start)]


def test_the_in_force_table_cites_the_sources_of_each_link(
    seeded_graph_read_only, client
):
    html = client.get(reverse("jurisdiction", args=["us"])).content.decode()
    table = _section(html, "jurisdiction-in-force")
    row = table[table.index('data-mitigation="export-controls"') :]
    row = row[: row.index("</tr>")]
    assert "smuggling through other jurisdictions" in row
    assert re.search(r'Sources: <a href="/sources/doj-gpu-smuggling/">', row)
    assert 'href="/sources/sastry-2024/"' in row
    # Each cell is labelled, for the rows stacked on a phone.
    assert 'data-label="Maturity here"' in row and 'data-label="Why"' in row
    # A link without dates says so, and how it is counted ("always" read as
    # a claim that it has always been in force).
    when = re.sub(r"<[^>]+>", "", row[row.index('data-label="When"') :])
    assert when.startswith(
        'data-label="When">no dates recorded (counted at every date)'
    )


def _cells(html: str) -> dict[tuple[str, str], str]:
    """(threat, place) → the class a cell of the jurisdictions matrix shows."""
    table = _section(html, "jurisdiction-matrix")
    cells = {}
    for row in re.finditer(r'<tr data-threat="([^"]+)">(.*?)</tr>', table, re.S):
        for place, cls in re.findall(
            r'data-place="([^"]+)" data-class="([^"]+)"', row.group(2)
        ):
            cells[row.group(1), place] = cls
    return cells


def _classes_in(place: str, **scenario) -> dict[str, str]:
    """Each threat's class in one place, from the coverage document of that
    jurisdiction (the one selector every other page asks)."""
    query = CoverageQuery(scenario=coverage_scenario(jurisdiction=place, **scenario))
    return {t["id"]: t["class"] for t in selectors.coverage_report(query)["threats"]}


PLACES = ("cn", "eu", "rest-of-world", "uk", "us")


@pytest.mark.parametrize(
    ("query", "scenario"),
    [
        ("", {}),
        ("?maturity=deployed", {"maturities": ["deployed"]}),
        (
            "?maturity=deployed&as_of=2025-03-01",
            {"maturities": ["deployed"], "as_of": datetime.date(2025, 3, 1)},
        ),
        ("?disable_layer=hardware", {"disabled_layers": ["hardware"]}),
    ],
)
def test_each_column_of_the_matrix_page_is_the_coverage_in_that_place(
    seeded_graph_read_only, client, query, scenario
):
    response = client.get(reverse("jurisdictions") + query)
    assert response.status_code == 200
    cells = _cells(response.content.decode())
    assert {place for _, place in cells} == set(PLACES)
    for place in PLACES:
        for threat, cls in _classes_in(place, **scenario).items():
            assert cells[threat, place] == cls, (threat, place)


def test_the_date_changes_what_binds_in_the_eu(seeded_graph_read_only, client):
    page = "/jurisdictions/?maturity=deployed&as_of="
    before = _cells(client.get(page + "2025-01-01").content.decode())
    after = _cells(client.get(page + "2025-09-01").content.decode())
    # Use-case regulation binds in the EU from 2025-02-02 (the AI Act's bans).
    assert before["scaled-misuse", "eu"] == "insufficient"
    assert after["scaled-misuse", "eu"] == "defense-in-depth"
    assert before["scaled-misuse", "us"] == after["scaled-misuse", "us"]


def test_a_mobile_threat_is_marked_where_it_is_weakest(seeded_graph_read_only, client):
    html = client.get("/jurisdictions/?maturity=deployed").content.decode()
    table = _section(html, "jurisdiction-matrix")
    row = re.search(r'<tr data-threat="scaled-misuse">(.*?)</tr>', table, re.S)[1]
    marked = re.findall(r'jcell--weakest" data-place="([^"]+)"', row)
    classes = dict(re.findall(r'data-place="([^"]+)" data-class="([^"]+)"', row))
    # The EU addresses it (use-case regulation there); every other place ties.
    assert classes["eu"] == "defense-in-depth"
    assert sorted(marked) == ["cn", "rest-of-world", "uk", "us"]
    assert "1 of 5 (20%)" in row


def test_the_timeline_has_a_point_per_date_recorded_and_today(
    seeded_graph_read_only, client
):
    html = client.get("/jurisdictions/?maturity=deployed").content.decode()
    table = _section(html, "jurisdiction-timeline")
    dates = re.findall(r'<tr data-date="([^"]+)">', table)
    today = datetime.date.today().isoformat()
    assert dates == sorted({"2025-02-01", "2025-02-02", "2025-08-02", today})
    assert f"{today} (today)" in table
    eu = {
        day: _classes_in(
            "eu", maturities=["deployed"], as_of=datetime.date.fromisoformat(day)
        )
        for day in dates
    }
    rows = re.findall(r'<tr data-date="([^"]+)">(.*?)</tr>', table, re.S)
    for day, row in rows:
        cells = re.findall(
            r"<td>(\d+) addressed · (\d+) that no single layer addresses", row
        )
        addressed = sum(
            c in ("defense-in-depth", "single-layer") for c in eu[day].values()
        )
        others = sum(c != "single-layer" for c in eu[day].values())
        # Columns in place order: cn, eu, ...
        assert cells[1] == (str(addressed), str(others)), day
    assert html.count('role="img"') >= len(PLACES)


def test_the_matrix_says_what_it_assumes_and_shows_only_its_classes(
    seeded_graph_read_only, client
):
    html = client.get(reverse("jurisdictions")).content.decode()
    scenario = html.split('id="jurisdictions-scenario"')[1].split("</p>")[0]
    # Most of the seed's measures are recorded in no jurisdiction: they count
    # in every column, and the page says so beside the threshold.
    assert "recorded as in force in no jurisdiction counts in every place" in scenario
    assert "threshold 80%" in scenario
    legend = html.split('aria-label="What a cell says"')[1].split("</ul>")[0]
    # The crosswalk's classes never occur here (through= is ignored).
    assert "Single layer" in legend and "Unmitigated" in legend
    assert "Loosely mapped" not in legend and "Outside the taxonomy" not in legend


@pytest.mark.parametrize("place", ["eu", "cn"])
def test_a_jurisdiction_page_says_measures_recorded_nowhere_bind_there_too(
    seeded_graph_read_only, client, place
):
    html = client.get(reverse("jurisdiction", args=[place])).content.decode()
    note = html.split('id="in-force-everywhere"')[1].split("</p>")[0]
    assert "in force everywhere, here too" in note
    assert "only what binds here</a> (what is in force here, and every measure" in html


def test_a_date_that_is_not_a_date_is_a_clear_error(seeded_graph_read_only, client):
    response = client.get("/jurisdictions/?as_of=2025-13-01")
    assert response.status_code == 400
    assert "as_of must be a date YYYY-MM-DD" in response.content.decode()


def test_the_matrix_is_cached_per_revision(seeded_graph_read_only):
    token = selectors.revision_token()
    scenario = coverage_scenario(maturities=["deployed"])
    first = selectors.jurisdiction_matrix(token=token, scenario=scenario)
    again = selectors.jurisdiction_matrix(token=token, scenario=scenario)
    assert again == first
    key = shared_key("jurisdiction-matrix", token, "layerwise", scenario.cache_key())
    assert shared_get(key) == first


def test_a_taxonomy_without_jurisdictions_says_there_is_one_analysis(graph, client):
    response = client.get(reverse("jurisdictions"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-jurisdictions"' in html
    assert 'id="jurisdiction-matrix"' not in html


def test_with_every_place_weighted_the_share_by_weight_is_shown(seeded_graph, client):
    weights = {"cn": 15, "eu": 5, "rest-of-world": 3, "uk": 2, "us": 75}
    for place, weight in weights.items():
        services.node_update(kind="jurisdiction", key=place, changes={"weight": weight})
    html = client.get("/jurisdictions/?maturity=deployed").content.decode()
    table = _section(html, "jurisdiction-matrix")
    assert "By weight" in table
    row = re.search(r'<tr data-threat="scaled-misuse">(.*?)</tr>', table, re.S)[1]
    # Addressed in the EU alone: 5 of the 100 weight.
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["1 of 5 (20%)", "5%"]


def test_the_matrix_names_the_measures_that_bind_no_place(
    client, seeded_graph_read_only
):
    snapshot = selectors.taxonomy_snapshot()
    bound = bound_nowhere(coverage_model(snapshot), Geography.of(snapshot))
    assert bound, "the seed records measures only in the agency, which has no member"
    names = {x.id: x.name for x in (*snapshot.mitigations, *snapshot.jurisdictions)}
    html = client.get(reverse("jurisdictions")).content.decode()
    found = re.search(r'id="bound-nowhere">(.*?)</p>', html, re.S)
    assert found, "the page says which measures bind no place"
    said = unescape(found.group(1))
    measures = said.split(" recorded as in force only in ")[0]
    for mitigation, bodies in bound.items():
        assert names[mitigation] in measures
        for body in bodies:
            assert place_phrase(names[body]) in said
    # The measures said are the analysis's, no others.
    assert not [
        m.name for m in snapshot.mitigations if m.id not in bound and m.name in measures
    ]
    assert "the coverage matrix" in said
