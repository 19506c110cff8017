"""The Incidents and incident pages, the matrix grouped by tactic with its gaps
filter and demand order, and the incidents on the threat page and the overview,
rendered from the real Neo4j test server."""

from __future__ import annotations

import doctest
import re

import pytest

from taxonomy import services
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors import incidents as incident_selectors
from taxonomy.web import matrix_html
from tests.samples import ACME
from tests.taxonomy.incident_samples import INCIDENTS


@pytest.fixture
def incident_graph(graph):
    services.taxonomy_apply(taxonomy=INCIDENTS)
    return graph


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _verdicts(html: str) -> dict[str, bool]:
    rows = re.findall(r'data-incident="([^"]+)" data-stopped="(true|false)"', html)
    return {incident: stopped == "true" for incident, stopped in rows}


def test_the_matrix_rows_module_does_what_its_examples_say():
    assert doctest.testmod(matrix_html).failed == 0


@pytest.mark.parametrize(
    "query", ["", "?disable_layer=hw", "?threshold=0.55", "?maturity=pilot"]
)
def test_the_incidents_page_shows_the_verdicts_of_the_analysis(
    client, incident_graph, query
):
    html = _page(client, f"/incidents/{query}")
    scenario = {
        "": Scenario(),
        "?disable_layer=hw": Scenario(disabled_layers=["hw"]),
        "?threshold=0.55": Scenario(threshold=0.55),
        "?maturity=pilot": Scenario(maturities=["pilot"]),
    }[query]
    report = incident_selectors.incident_report(scenario=scenario)
    assert _verdicts(html) == {i["id"]: i["stopped"] for i in report["incidents"]}
    totals = report["totals"]
    count = re.search(r'id="incidents-count">(\d+) of (\d+)<', html)
    assert count.groups() == (str(totals["stopped"]), str(totals["incidents"]))


def test_the_incidents_headline_comes_with_its_assumption_and_margin(
    client, incident_graph
):
    html = _page(client, "/incidents/")
    assert "2 of 5 documented incidents would be stopped under this scenario" in html
    assert "one addressed step is taken to break the documented sequence" in html
    margin = dict(
        re.findall(
            r'>(\d+)%</a>(?: <span class="muted">\(this scenario\)</span>)?'
            r'</th><td class="num">(\d+) of 5<',
            html,
        )
    )
    assert margin["50"] == "3" and margin["80"] == "2" and margin["95"] == "0"
    assert 'href="/incidents/?threshold=0.5"' in html


def test_the_incidents_page_filters_by_kind_and_verdict_and_keeps_the_totals(
    client, incident_graph
):
    groups = _page(client, "/incidents/?kind=group")
    assert _verdicts(groups) == {"g1": True, "g2": False}
    assert 'id="incidents-count">2 of 5<' in groups
    open_ones = _page(client, "/incidents/?kind=case-study&status=not-stopped")
    assert _verdicts(open_ones) == {"cs2": False, "cs3": False}
    kinds = dict(
        re.findall(
            r'<tr data-kind="([^"]+)">.*?<td class="num">(\d+)</td>',
            _page(client, "/incidents/"),
        )
    )
    assert kinds == {"case-study": "1", "group": "1"}


def test_the_incidents_page_ranks_what_would_stop_the_rest(client, incident_graph):
    html = _page(client, "/incidents/")
    section = html[html.index('id="stoppers"') :]
    ranked = re.findall(r'<tr data-threat="([^"]+)">.*?<td class="num">(\d+)<', section)
    assert ranked == [("t3", "3"), ("t2", "1")]


def test_the_incidents_page_keeps_the_scenario_in_its_filter_form_and_links(
    client, incident_graph
):
    html = _page(client, "/incidents/?disable_layer=hw&kind=group")
    assert '<input type="hidden" name="disable_layer" value="hw">' in html
    assert 'href="/incidents/g1/?disable_layer=hw"' in html


def test_an_unknown_layer_in_the_scenario_gets_a_clear_message(client, incident_graph):
    response = client.get("/incidents/?disable_layer=nowhere")
    assert response.status_code == 400
    assert "This scenario cannot be computed" in response.content.decode()


def test_a_taxonomy_without_incidents_says_where_they_come_from(
    client, editor_client, seeded_graph
):
    html = _page(client, "/incidents/")
    assert "holds no documented incidents" in html
    assert "such as MITRE ATLAS's case studies" in html
    # The command that imports them is for editors only.
    assert "import_atlas" not in html
    assert "import_atlas" in _page(editor_client, "/incidents/")


def test_a_taxonomy_without_incidents_links_those_that_have_some(
    client, incident_graph
):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    html = _page(client, "/incidents/?taxonomy=acme")
    assert "holds no documented incidents" in html
    listed = html[html.index('id="incidents-elsewhere"') :]
    counted = len(INCIDENTS.incidents)
    assert (
        f'<a href="/incidents/">layerwise</a>: {counted} documented incidents' in listed
    )
    assert "acme" not in listed and "import_atlas" not in html


def test_the_incident_page_lists_its_steps_in_order_and_the_one_that_stops_it(
    client, incident_graph
):
    html = _page(client, "/incidents/cs1/")
    steps = re.findall(r'<tr data-threat="([^"]+)" data-step="(\d*)"', html)
    assert steps == [("t2", "1"), ("t1", "2")]
    assert "Stopped at step 2" in html
    stops = re.search(r'class="step--stops".*?</tr>', html, re.S).group(0)
    assert 'href="/threats/t1/"' in stops and 'id="stopping-step"' in stops
    assert "Single layer" in stops and "Insufficient" in html
    # The step names its tactic by shortname; the page links the tactic's page.
    assert 'href="/tactics/ta-access/">Initial access</a>' in html


def test_the_incident_page_follows_the_scenario(client, incident_graph):
    html = _page(client, "/incidents/cs1/?disable_layer=hw")
    assert 'data-stopped="false"' in html
    assert "Not stopped" in html and 'id="stopping-step"' not in html
    assert client.get("/incidents/nowhere/").status_code == 404


def test_the_threat_page_lists_the_incidents_that_use_it_and_its_tactics(
    client, incident_graph
):
    html = _page(client, "/threats/t1/")
    section = html[html.index('id="incidents"') :]
    assert re.findall(r'<tr data-incident="([^"]+)">', section) == ["cs1", "g1"]
    assert 'href="/tactics/ta-access/"' in section
    assert 'href="/tactics/ta-impact/"' in section


def test_the_overview_states_how_many_incidents_the_scenario_stops(
    client, incident_graph
):
    html = _page(client, "/")
    line = re.search(r'id="incidents-line">.*?</p>', html, re.S).group(0)
    assert "<strong>2 of 5</strong>" in line
    assert "documented incidents would be stopped in this scenario" in line
    assert "one addressed step" in line
    off = _page(client, "/?disable_layer=hw")
    assert "<strong>0 of 5</strong>" in off


def test_the_brief_states_the_stopped_incidents_with_assumption_and_margin(
    client, incident_graph
):
    report = incident_selectors.incident_report(scenario=Scenario())
    line = re.search(
        r'id="incidents-line">.*?</p>', _page(client, "/brief/"), re.S
    ).group(0)
    totals = report["totals"]
    assert f"<strong>{totals['stopped']} of {totals['incidents']}</strong>" in line
    assert "one addressed step" in line
    for row in report["by_threshold"]:
        assert f"{round(100 * row['threshold'])}%: {row['stopped']}" in line


def test_the_overview_of_a_taxonomy_without_incidents_has_no_incident_line(
    client, seeded_graph_read_only
):
    assert 'id="incidents-line"' not in _page(client, "/")
    assert 'id="incidents-line"' not in _page(client, "/brief/")


# --- The matrix ---------------------------------------------------------------------


def _groups(html: str) -> list[tuple[str, list[str]]]:
    """(tactic id, threat ids) of each tactic group, in order."""
    found = []
    for block in re.findall(r'<details class="tactic-group".*?</details>', html, re.S):
        tactic = re.search(r'data-tactic="([^"]*)"', block).group(1)
        found.append(
            (tactic, re.findall(r'<tr id="[^"]*" data-threat="([^"]+)"', block))
        )
    return found


def test_the_matrix_groups_rows_by_tactic_listing_a_technique_under_each(
    client, incident_graph
):
    html = _page(client, "/coverage/?sort=name")
    assert _groups(html) == [
        ("ta-access", ["t2", "t1"]),
        ("ta-impact", ["t1", "t3"]),
        ("", ["t4"]),
    ]
    # The class counts above the matrix count t1 once: 4 threats in all.
    counts = re.findall(r'<a class="count"[^>]*>(\d+)</a>', html)
    assert sum(map(int, counts)) == 4
    assert len(set(re.findall(r'<tr id="([^"]+)"', html))) == 5


def test_the_matrix_shows_one_tactic_alone_and_one_list_on_request(
    client, incident_graph
):
    one = _page(client, "/coverage/?tactic=ta-impact&sort=name")
    assert _groups(one) == [("ta-impact", ["t1", "t3"])]
    flat = _page(client, "/coverage/?group=none&sort=name")
    assert "tactic-group" not in flat
    assert re.findall(r'<tr id="row-([^"]+)"', flat) == ["t2", "t4", "t1", "t3"]


def test_the_only_gaps_filter_keeps_the_threats_no_layers_address(
    client, incident_graph
):
    html = _page(client, "/coverage/?gaps=1&group=none")
    assert sorted(re.findall(r'<tr id="row-([^"]+)"', html)) == ["t2", "t3", "t4"]
    assert 'id="gaps-notice"' in html
    grouped = _page(client, "/coverage/?gaps=1&sort=name")
    assert _groups(grouped) == [
        ("ta-access", ["t2"]),
        ("ta-impact", ["t3"]),
        ("", ["t4"]),
    ]


def test_the_demand_sort_puts_the_gaps_first_most_used_first(client, incident_graph):
    html = _page(client, "/coverage/?sort=demand&group=none")
    rows = re.findall(r'<tr id="row-([^"]+)"[^>]*data-demand="(\d+)"', html)
    assert rows == [("t3", "3"), ("t2", "2"), ("t4", "0"), ("t1", "2")]
    weighted = _page(client, "/coverage/?weight=demand&group=none")
    assert [
        t
        for t, _ in re.findall(
            r'<tr id="row-([^"]+)"[^>]*data-demand="(\d+)"', weighted
        )
    ] == ["t3", "t2", "t4", "t1"]


def test_the_matrix_keeps_its_view_choices_in_its_sort_links(client, incident_graph):
    html = _page(client, "/coverage/?gaps=1&tactic=ta-impact&disable_layer=sw")
    assert (
        'href="/coverage/?disable_layer=sw&amp;sort=name&amp;gaps=1&amp;tactic=ta-impact"'
        in html
    )


def test_a_seed_matrix_without_tactics_or_incidents_is_one_list_without_demand(
    client, seeded_graph_read_only
):
    html = _page(client, "/coverage/")
    assert "tactic-group" not in html and "data-demand" not in html
    assert html.count('<tr id="row-') == 12
    assert 'value="demand"' not in html
