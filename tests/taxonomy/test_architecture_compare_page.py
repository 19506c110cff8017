"""The comparison page of governance architectures (issue 25): what it shows
is the comparison the pure analysis computes on the seed in Neo4j, its
downloads are the same document, and a bad choice is explained on the page."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest
from django.urls import reverse
from django.utils.html import escape

from taxonomy import selectors
from taxonomy.analysis.architectures import compare
from taxonomy.analysis.model import ADDRESSED_CLASSES, CLASSES
from taxonomy.domain.scenario import today
from taxonomy.domain.scenario_words import percent
from taxonomy.selectors.coverage import coverage_scenario

IDS = ["today", "restriction-without-alternatives", "layered-governance"]


def _url(*ids, name="architecture-compare", args=()):
    return reverse(name, args=args) + "?" + "&".join(f"a={i}" for i in ids)


def _document(client) -> dict:
    return client.get("/api/v1/architectures/compare/", {"a": IDS}).json()


def _expected():
    snapshot = selectors.taxonomy_snapshot()
    scenarios = [today(coverage_scenario())] + [
        selectors.architecture_scenario_of(taxonomy=snapshot, key=k) for k in IDS[1:]
    ]
    return compare(snapshot, list(zip(IDS, scenarios, strict=True)))


def test_the_table_lists_the_threats_they_differ_on_with_each_class(
    seeded_graph_read_only, client
):
    response = client.get(_url(*IDS))
    assert response.status_code == 200
    html = response.content.decode()
    expected = _expected()
    table = html[
        html.index('id="differences"') : html.index(
            "</table>", html.index('id="differences"')
        )
    ]
    rows = dict(re.findall(r'<tr data-threat="([^"]+)">(.*?)</tr>', table, re.S))
    assert list(rows) == [expected.threats[i] for i in expected.differ]
    for threat, row in rows.items():
        i = expected.threats.index(threat)
        shown = re.findall(r'data-class="([^"]+)"', row)
        assert shown == [CLASSES[o.classes[i]] for o in expected.outcomes]


def test_each_architecture_gets_its_headline_and_the_assumptions_are_shown(
    seeded_graph_read_only, client
):
    html = client.get(_url(*IDS)).content.decode()
    for outcome in _expected().outcomes:
        card = html[html.index(f'id="architecture-{outcome.label}"') :]
        card = card[: card.index("</article>")]
        assert (
            f"<strong>{int(outcome.world_addressed.sum())}</strong> of 12 threats"
            in card
        )
    assumptions = html[html.index('id="assumptions"') :]
    assert "reaches 80%" in assumptions[: assumptions.index("</section>")]
    restriction = next(
        a for a in _document(client)["architectures"] if a["id"] == IDS[1]
    )
    assert escape(restriction["scenario"]["summary"].split(": ", 1)[-1]) in assumptions


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_downloads_are_the_apis_document(seeded_graph_read_only, client, fmt):
    response = client.get(_url(*IDS, name="architecture-compare-download", args=[fmt]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    api = client.get("/api/v1/architectures/compare/", {"a": IDS}).json()
    text = response.content.decode()
    if fmt == "json":
        assert json.loads(text) == api
        return
    frame = pd.read_csv(io.StringIO(text))
    assert len(frame) == len(IDS) * len(api["threats"])
    assert list(frame["architecture"].unique()) == IDS
    for a, architecture in enumerate(api["architectures"]):
        rows = frame[frame["architecture"] == architecture["id"]]
        assert rows["class"].tolist() == [
            t["by_architecture"][a]["class"] for t in api["threats"]
        ]
    assert next(csv.reader(io.StringIO(text)))[0] == "architecture"
    # Where a mobile threat is weakest, with its class and coverage there.
    rows = list(csv.DictReader(io.StringIO(text)))
    cells = [t["by_architecture"][a] for a in range(len(IDS)) for t in api["threats"]]
    weakest = ("weakest", "weakest_class", "weakest_coverage")
    assert [tuple(row[k] for k in weakest) for row in rows] == [
        tuple("" if cell[k] is None else str(cell[k]) for k in weakest)
        for cell in cells
    ]
    assert any(row["weakest_coverage"] for row in rows)


def test_one_architecture_alone_is_explained_on_the_page(
    seeded_graph_read_only, client
):
    response = client.get(_url("today"))
    assert response.status_code == 400
    assert "choose 2 to 4 architectures" in response.content.decode()


def test_an_unknown_architecture_is_a_404_page_with_the_form(
    seeded_graph_read_only, client
):
    response = client.get(_url("today", "nowhere"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "no governance architecture" in html.lower() and 'id="compare-form"' in html


def test_with_nothing_chosen_the_page_offers_today_and_every_architecture(
    seeded_graph_read_only, client
):
    html = client.get(reverse("architecture-compare")).content.decode()
    options = set(re.findall(r'<option value="([^"]*)"', html))
    stored = {a.id for a in selectors.taxonomy_snapshot().architectures}
    assert options == {"", "today"} | stored


def test_the_brief_carries_the_comparison_when_asked(seeded_graph_read_only, client):
    plain = client.get(reverse("brief")).content.decode()
    assert 'id="brief-architectures-section"' not in plain
    query = "&".join(f"architecture={i}" for i in IDS)
    html = client.get(reverse("brief") + "?" + query).content.decode()
    section = html[html.index('id="brief-architectures-section"') :]
    expected = _expected()
    table = section[section.index('id="differences"') :]
    table = table[: table.index("</table>")]
    threats = re.findall(r'<tr data-threat="([^"]+)">', table)
    assert threats == [expected.threats[i] for i in expected.differ]
    glance = section[section.index('id="glance"') :]
    glance = glance[: glance.index("</table>")]
    for outcome in expected.outcomes:
        assert f"{int(outcome.world_addressed.sum())} of 12" in glance


def test_the_brief_says_why_it_cannot_compare_one_architecture(
    seeded_graph_read_only, client
):
    response = client.get(reverse("brief") + "?architecture=today")
    assert response.status_code == 200
    assert "choose 2 to 4 architectures" in response.content.decode()


OPEN = ["today", "openness-without-governance", "layered-governance"]


def test_the_counts_judge_a_mobile_threat_where_it_is_weakest_and_each_figure_says_so(
    seeded_graph_read_only, client
):
    # As everywhere in the world view, a mobile threat counts by its weakest
    # place: scaled misuse, addressed as one world without governance but
    # insufficient where weakest, is not counted as addressed.
    document = client.get("/api/v1/architectures/compare/", {"a": OPEN}).json()
    html = client.get(_url(*OPEN)).content.decode()
    glance = html[
        html.index('id="glance"') : html.index("</table>", html.index('id="glance"'))
    ]
    counted_apart = 0
    for a, architecture in enumerate(document["architectures"]):
        where = [(t["id"], t["by_architecture"][a]) for t in document["threats"]]
        judged = {
            t: c["weakest_class"] if c["weakest"] else c["class"] for t, c in where
        }
        addressed = [t for t, c in judged.items() if c in ADDRESSED_CLASSES]
        assert architecture["addressed"] == len(addressed)
        assert architecture["not_addressed"] == [
            t for t in judged if t not in addressed
        ]
        assert f"{len(addressed)} of 12" in glance
        counted_apart += sum(
            c["class"] in ADDRESSED_CLASSES and t not in addressed for t, c in where
        )
    assert counted_apart, "the seed no longer has a threat the two views part on"
    table = html[html.index('id="differences"') :]
    table = table[: table.index("</table>")]
    for threat in document["threats"]:
        if threat["id"] not in document["differ"] or not threat["mobile"]:
            continue
        row = table[table.index(f'data-threat="{threat["id"]}"') :]
        row = row[: row.index("</tr>")]
        for cell in threat["by_architecture"]:
            assert f"{percent(cell['coverage'])} as one world" in row
            assert f"{percent(cell['weakest_coverage'])} where weakest:" in row


def test_the_measures_row_counts_what_is_adopted_and_says_what_a_unit_is(
    seeded_graph_read_only, client
):
    document = client.get("/api/v1/architectures/compare/", {"a": OPEN}).json()
    layered = document["architectures"][2]
    listed = client.get(reverse("architectures")).content.decode()
    row = listed[listed.index("/architectures/layered-governance/") :]
    row = row[: row.index("</tr>")]
    # The same count as the architectures' list, and the deployed ones said.
    assert f">{len(layered['adopts'])}<" in row
    assert layered["already_in_effect"] and not set(layered["already_in_effect"]) & set(
        layered["adopted"]
    )
    words = (
        f"{len(layered['adopts'])} measures, {len(layered['already_in_effect'])} "
        f"already deployed; cost {layered['cost']:g}, one unit per measure not yet "
        "in effect"
    )
    assert layered["measures"] == words
    html = client.get(_url(*OPEN)).content.decode()
    assert f'<td class="num">{words}</td>' in html
    assert "cost units" not in html


def test_the_glance_table_scrolls_with_a_hint_and_the_legend_has_only_its_classes(
    seeded_graph_read_only, client
):
    html = client.get(_url(*OPEN)).content.decode()
    glance = html[html.index('id="glance-h"') : html.index('id="glance"')]
    assert 'id="glance-scroll-hint"' in glance
    assert (
        'role="region"' in glance and 'aria-describedby="glance-scroll-hint"' in glance
    )
    legend = html[html.index("What the classes mean") :]
    legend = legend[: legend.index("</p>")]
    for name in CLASSES:
        assert name.replace("-", " ").capitalize() in legend
    assert "Loosely mapped" not in legend and "Outside the taxonomy" not in legend


@pytest.mark.parametrize("page", ["overview", "coverage", "graph"])
def test_the_class_legends_show_only_the_analysis_classes(
    seeded_graph_read_only, client, page
):
    html = client.get(reverse(page)).content.decode()
    assert "Single layer" in html
    assert "Loosely mapped" not in html and "Outside the taxonomy" not in html
