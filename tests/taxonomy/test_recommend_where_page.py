"""The /next/ page's "where" choice (issue 25): what a jurisdiction should
adopt next, and which measures, adopted where, close the most mobile threats,
as the analysis computes them on the real seed."""

from __future__ import annotations

import html as html_lib
import math
import re
from dataclasses import replace

import pytest

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.jurisdictions import analyse_in
from taxonomy.analysis.model import ADDRESSED_CLASSES
from taxonomy.analysis.recommend import (
    greedy_order,
    in_jurisdiction,
    recommend,
    recommend_places,
)
from taxonomy.domain.jurisdictions import Geography, place_phrase
from taxonomy.domain.scenario import Scenario, adopt_entry
from taxonomy.selectors import taxonomy_snapshot


def _page(client, query: str) -> str:
    response = client.get(f"/next/?{query}")
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def test_the_page_says_what_the_eu_should_adopt_in_words(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    model, geography = coverage_model(snapshot), Geography.of(snapshot)
    in_eu = Scenario(maturities=["deployed"], jurisdiction="eu")
    rec = recommend(*in_jurisdiction(model, geography, in_eu, "eu"), budget=2)
    html = _page(client, "where=eu&budget=2")
    eu = place_phrase(next(j.name for j in snapshot.jurisdictions if j.id == "eu"))
    names = {m.id: m.name for m in snapshot.mitigations}
    headline = html.split('id="next-headline">')[1].split("</p>")[0]
    measures = " and ".join(sorted(names[m] for m in rec.chosen))
    assert headline.startswith(f"Adopt {measures} in {eu} (cost ")
    assert f"from {rec.addressed_before} to {rec.addressed_after}" in headline
    for m in rec.chosen:
        assert f'<tr id="chosen-{m}@eu">' in html
    assert f'<option value="eu" selected>In {eu}</option>' in html
    link = re.search(r'id="matrix-link" class="button" href="([^"]+)"', html)[1]
    assert "jurisdiction=eu" in link and f"adopt={rec.chosen[0]}%40eu" in link
    assert client.get(link).status_code == 200


def test_the_page_says_which_measures_where_close_mobile_threats(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    found = recommend_places(
        coverage_model(snapshot),
        Geography.of(snapshot),
        Scenario(maturities=["deployed"]),
        budget=4,
    )
    html = _page(client, "where=places&budget=4")
    headline = html.split('id="next-headline">')[1].split("</p>")[0]
    assert headline.startswith("Adopt ")
    assert f"from {len(found.addressed_before)} to {len(found.addressed_after)}" in (
        headline
    )
    threats = {t.id: t.name for t in snapshot.threats}
    closed = html.split('<ul id="mobile">')[1].split("</ul>")[0]
    for t in found.newly_addressed:
        assert f"{threats[t]}</a>: <strong>closed by these adoptions" in closed
    assert "every affordable set" in html and 'id="frontier"' not in html


def _cell_text(html: str, row_id: str, column: int) -> str:
    row = html.split(f'<tr id="{row_id}">')[1].split("</tr>")[0]
    cells = re.split(r"<t[hd][ >]", row)[1:]
    return " ".join(re.sub(r"<[^>]+>", " ", cells[column]).split())


def test_a_measure_introduces_the_same_threats_over_the_places_as_in_the_eu(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    threats = {t.id: t.name for t in snapshot.threats}
    own: dict[str, set[str]] = {}
    for link in snapshot.introduces:
        own.setdefault(link.source, set()).add(threats[link.target])
    eu, places = _page(client, "where=eu"), _page(client, "where=places")
    shown = 0
    for m, introduced in own.items():
        if f'<tr id="chosen-{m}@eu">' in eu and f'<tr id="chosen-{m}@eu">' in places:
            there, over = (
                _cell_text(eu, f"chosen-{m}@eu", 4),
                _cell_text(places, f"chosen-{m}@eu", 4),
            )
            assert there == over
            assert all(name in over for name in introduced)
            shown += 1
    assert shown, "the seed's answers both adopt a measure that introduces a threat"


def test_the_places_headline_names_each_measure_once(client, seeded_graph_read_only):
    snapshot = taxonomy_snapshot()
    found = recommend_places(
        coverage_model(snapshot),
        Geography.of(snapshot),
        Scenario(maturities=["deployed"]),
        budget=float("inf"),
    )
    html = _page(client, "where=places")
    headline = html.split('id="next-headline">')[1].split("</p>")[0]
    names = {m.id: m.name for m in snapshot.mitigations}
    wheres: dict[str, set[str]] = {}
    for m, p in found.chosen:
        wheres.setdefault(m, set()).add(p)
    for m in wheres:
        assert headline.count(names[m]) == 1
    everywhere = [names[m] for m, ps in wheres.items() if ps == set(found.places)]
    if everywhere and len(found.places) == 5:
        assert f"{sorted(everywhere)[-1]} in all five places" in headline


@pytest.mark.parametrize("where", ["eu", "places"])
def test_the_table_to_adopt_says_it_scrolls_on_a_phone(
    client, seeded_graph_read_only, where
):
    html = _page(client, f"where={where}")
    tables = {"chosen": "The mitigations to adopt"}
    if where == "eu":
        tables |= {"frontier": "What each budget buys", "greedy": "One at a time"}
    for table, label in tables.items():
        assert f'<p class="table-scroll__hint muted" id="{table}-scroll-hint">' in html
        assert (
            f'role="region" aria-label="{label}: a table" '
            f'aria-describedby="{table}-scroll-hint" tabindex="0"'
        ) in html


def test_the_greedy_order_in_the_eu_says_what_each_step_introduces(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    model, geography = coverage_model(snapshot), Geography.of(snapshot)
    in_eu = Scenario(maturities=["deployed"], jurisdiction="eu")
    order = greedy_order(*in_jurisdiction(model, geography, in_eu, "eu"))
    threats = {t.id: t.name for t in snapshot.threats}
    html = _page(client, "where=eu")
    table = html.split('<table id="greedy">')[1].split("</table>")[0]
    assert '<th scope="col">Introduces</th>' in table
    rows = table.split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == len(order)
    assert any(step.introduced for step in order)
    for row, step in zip(rows, order, strict=True):
        last = " ".join(re.sub(r"<[^>]+>", "", row.split("<td>")[-1]).split())
        assert last == (", ".join(threats[t] for t in step.introduced) or "none")


def test_the_eu_headline_counts_the_mobile_threats_it_cannot_stop_alone(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    model, geography = coverage_model(snapshot), Geography.of(snapshot)
    in_eu = Scenario(maturities=["deployed"], jurisdiction="eu")
    rec = recommend(*in_jurisdiction(model, geography, in_eu, "eu"), budget=math.inf)
    adopted = replace(in_eu, adopt={adopt_entry(m, "eu") for m in rec.chosen})
    classes = analyse_in(model, geography, adopted, "eu").classes
    addressed = {t for t, c in classes.items() if c in ADDRESSED_CLASSES}
    assert len(addressed) == rec.addressed_after
    mobile = len(addressed & geography.mobile_threats)
    assert mobile > 1
    html = _page(client, "where=eu")
    headline = html.split('id="next-headline">')[1].split("</p>")[0]
    assert (
        f"Of these {len(addressed)}, {mobile} are mobile threats: their actors can "
        "act from another place"
    ) in headline
    assert 'href="/next/?where=places"' in headline


@pytest.mark.parametrize(
    ("query", "named"),
    [("where=mars", "mars"), ("where=places&jurisdiction=eu", "eu")],
)
def test_the_page_explains_a_bad_where(client, seeded_graph_read_only, query, named):
    response = client.get(f"/next/?{query}")
    assert response.status_code == 400
    message = response.content.decode().split('role="alert"')[1]
    assert named in message.split("</div>")[0]
