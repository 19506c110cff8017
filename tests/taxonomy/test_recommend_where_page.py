"""The /next/ page's "where" choice (issue 25): what a jurisdiction should
adopt next, and which measures, adopted where, close the most mobile threats,
as the analysis computes them on the real seed."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.recommend import in_jurisdiction, recommend, recommend_places
from taxonomy.domain.jurisdictions import Geography, place_phrase
from taxonomy.domain.scenario import Scenario
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


@pytest.mark.parametrize(
    ("query", "named"),
    [("where=mars", "mars"), ("where=places&jurisdiction=eu", "eu")],
)
def test_the_page_explains_a_bad_where(client, seeded_graph_read_only, query, named):
    response = client.get(f"/next/?{query}")
    assert response.status_code == 400
    message = response.content.decode().split('role="alert"')[1]
    assert named in message.split("</div>")[0]
