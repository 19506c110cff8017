"""What to do next on the command line and the page: each shows what the
analysis (``taxonomy.analysis.recommend``) computes on the graph's snapshot."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command

from taxonomy import services
from taxonomy.analysis.recommend import frontier, greedy_order, recommend
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_params import scenario_query
from taxonomy.selectors import taxonomy_snapshot
from taxonomy.web import charts

TODAY = Scenario(maturities=["deployed"])
DEPLOYED = "tee"  # in effect today: no candidate


@pytest.fixture
def oracle(seeded_graph) -> dict:
    """The recommendation at budget 2, the frontier and the greedy order from
    today, computed by the analysis itself."""
    snapshot = taxonomy_snapshot()
    return {
        "recommendation": recommend(snapshot, TODAY, budget=2),
        "frontier": frontier(snapshot, TODAY),
        "greedy": greedy_order(snapshot, TODAY),
    }


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("recommend", *args, stdout=out)
    return out.getvalue()


def test_the_oracle_recommends_something(oracle):
    rec = oracle["recommendation"]
    assert rec.chosen and rec.addressed_after > rec.addressed_before
    assert len(oracle["frontier"]) > 2


def test_the_command_recommends_what_the_analysis_does(oracle):
    doc = json.loads(_command("--budget", "2", "--format", "json"))
    rec = oracle["recommendation"]
    assert [m["id"] for m in doc["chosen"]] == list(rec.chosen)
    assert doc["scenario"]["today"] is True
    assert doc["scenario"]["params"] == [["maturity", "deployed"]]
    assert (doc["addressed_before"], doc["addressed_after"]) == (
        rec.addressed_before,
        rec.addressed_after,
    )
    assert {m["id"]: m["closes"] for m in doc["chosen"]} == {
        m: list(threats) for m, threats in rec.closes
    }
    assert doc["method"] == rec.method and doc["budget"] == 2.0
    assert [(s["budget"], s["addressed"], s["chosen"]) for s in doc["frontier"]] == [
        (s.budget, s.addressed, list(s.chosen)) for s in oracle["frontier"]
    ]
    assert [s["mitigation"] for s in doc["greedy"]] == [
        s.mitigation for s in oracle["greedy"]
    ]


def test_an_explicit_scenario_replaces_the_default(seeded_graph_read_only):
    snapshot = taxonomy_snapshot()
    doc = json.loads(_command("--threshold", "0.8", "--format", "json"))
    assert doc["scenario"]["today"] is False and doc["budget"] is None
    every = recommend(snapshot, Scenario(), budget=float("inf"))
    assert [m["id"] for m in doc["chosen"]] == list(every.chosen)


def test_the_text_shows_the_set_what_it_closes_the_method_and_the_frontier(oracle):
    text = _command("--budget", "2")
    rec = oracle["recommendation"]
    for mitigation, threats in rec.closes:
        assert f"  {mitigation} (cost 1)" in text
        assert f"closes: {', '.join(threats)}" in text
    assert f"Method: {rec.method}" in text
    assert "Starting point (the default): Today: only the measures already" in text
    rows = [line.split() for line in text.split("Frontier")[1].splitlines()[2:]]
    assert [(float(r[0]), int(r[1])) for r in rows if r] == [
        (s.budget, s.addressed) for s in oracle["frontier"]
    ]


def test_candidates_limit_the_choice(seeded_graph_read_only):
    snapshot = taxonomy_snapshot()
    wanted = ["compute-kyc", "platform-liability"]
    doc = json.loads(_command("--candidates", ",".join(wanted), "--format", "json"))
    rec = recommend(snapshot, TODAY, budget=float("inf"), candidates=wanted)
    assert [m["id"] for m in doc["chosen"]] == list(rec.chosen)
    assert set(rec.chosen) <= set(wanted) and doc["candidates"] == sorted(wanted)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--candidates", "magic"], "magic"),
        (["--candidates", DEPLOYED], DEPLOYED),
        (["--budget", "-1"], "-1"),
        (["--budget", "lots"], "lots"),
        (["--budget", "nan"], "nan"),
        (["--taxonomy", "nowhere"], "nowhere"),
    ],
)
def test_the_command_refuses_bad_input_naming_the_value(
    seeded_graph_read_only, args, named
):
    with pytest.raises(CommandError, match=re.escape(named)):
        _command(*args)


# --- The page -------------------------------------------------------------------


def _by_name(ids) -> list[str]:
    """Mitigation ids in the page's order: alphabetical by name."""
    names = {m.id: m.name for m in taxonomy_snapshot().mitigations}
    return sorted(ids, key=lambda m: (names[m], m))


def test_the_page_shows_the_recommendation_of_the_analysis(client, oracle):
    html = client.get("/next/?budget=2").content.decode()
    rec = oracle["recommendation"]
    assert re.findall(r'<tr id="chosen-([^"]+)"', html) == _by_name(rec.chosen)
    assert "The set is optimal" in html and rec.method == "milp-optimal"
    frontier_table = html.split('<table id="frontier">')[1].split("</table>")[0]
    cells = re.findall(
        r'<tr(?: id="frontier-current")?><td class="num">([\d.]+)</td>'
        r'<td class="num">(\d+)',
        frontier_table,
    )
    assert [(float(b), int(n)) for b, n in cells] == [
        (s.budget, s.addressed) for s in oracle["frontier"]
    ]
    assert "every mitigation costs 1" in html and "80%" in html


def test_the_page_recommends_the_frontier_row_of_its_budget_and_marks_it(
    client, oracle
):
    html = client.get("/next/?budget=3").content.decode()
    chosen = re.findall(r'<tr id="chosen-([^"]+)"', html)
    row = html.split('<tr id="frontier-current">')[1].split("</tr>")[0]
    step = [s for s in oracle["frontier"] if s.budget <= 3][-1]
    names = {m.id: m.name for m in taxonomy_snapshot().mitigations}
    assert chosen == _by_name(step.chosen)
    assert (
        "Your budget, the set above:" in row
        and ", ".join(names[m] for m in chosen) in row
    )
    assert html.count('id="frontier-current"') == 1


def test_the_page_names_the_sets_that_do_exactly_as_well(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    rec = recommend(snapshot, TODAY, budget=3)
    html = client.get("/next/?budget=3").content.decode()
    block = html.split('<div id="equally-good">')[1].split("</div>")[0]
    count = rec.equally_good.count
    assert rec.equally_good.exact and count >= 1
    assert f"{count} other sets of 3 mitigations do exactly as well" in block
    assert f"as many threats ({rec.addressed_after})" in block
    assert "first in alphabetical order" in block
    names = {m.id: m.name for m in snapshot.mitigations}
    listed = re.findall(r"<li>([^<]+)</li>", block)
    assert listed == [
        ", ".join(sorted(names[m] for m in ids)) for ids in rec.equally_good.sets
    ]
    # No ids where names exist.
    assert not any(m in block for m in rec.equally_good.sets[0] if m != names[m])


def test_the_page_says_when_the_set_is_the_only_best_one(
    client, seeded_graph_read_only
):
    rec = recommend(taxonomy_snapshot(), TODAY, budget=1)
    assert rec.equally_good.count == 0 and rec.equally_good.exact
    html = client.get("/next/?budget=1").content.decode()
    assert "No other set within this budget does as well" in html


def test_the_page_draws_the_frontier_as_svg_without_styles_or_scripts(client, oracle):
    html = client.get("/next/").content.decode()
    svg = html.split('<figure class="frontier">')[1].split("</svg>")[0]
    steps = [{"budget": s.budget, "addressed": s.addressed} for s in oracle["frontier"]]
    chart = charts.frontier_chart(steps)
    assert f'<path d="{chart.path}"' in svg
    assert svg.count("<circle") == len(oracle["frontier"])
    assert chart.describe() in svg
    assert (
        "style=" not in html and "<script>" not in html and " on" + "click" not in html
    )


def test_the_page_links_to_the_matrix_with_the_set_adopted(client, oracle):
    html = client.get("/next/?budget=2").content.decode()
    rec = oracle["recommendation"]
    link = re.search(r'id="matrix-link" class="button" href="([^"]+)"', html)[1]
    adopted = Scenario(maturities=["deployed"], adopt=rec.chosen)
    assert link.replace("&amp;", "&") == "/coverage/" + scenario_query(adopted)
    matrix = client.get(link.replace("&amp;", "&"))
    assert matrix.status_code == 200


def test_the_page_is_in_the_navigation(client, seeded_graph_read_only):
    assert 'href="/next/"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("budget=-1", "-1"),
        ("budget=lots", "lots"),
        ("candidates=magic", "magic"),
        (f"candidates={DEPLOYED}", DEPLOYED),
    ],
)
def test_the_page_explains_bad_input(client, seeded_graph_read_only, query, named):
    response = client.get(f"/next/?{query}")
    assert response.status_code == 400
    message = response.content.decode().split('role="alert"')[1]
    assert named in message.split("</div>")[0]


def test_recorded_costs_are_spent(seeded_graph):
    snapshot = taxonomy_snapshot()
    costly = tuple(
        replace(m, cost=3.0) if m.id == "deployer-liability" else m
        for m in snapshot.mitigations
    )
    services.taxonomy_apply(taxonomy=replace(snapshot, mitigations=costly))
    doc = json.loads(_command("--budget", "2", "--format", "json"))
    rec = recommend(
        taxonomy_snapshot(), TODAY, budget=2, costs={"deployer-liability": 3}
    )
    assert "deployer-liability" not in rec.chosen
    assert [m["id"] for m in doc["chosen"]] == list(rec.chosen)
    assert doc["assumptions"]["unit_costs"] is False
    assert "costs as recorded" in _command("--budget", "2")


def test_the_text_lists_the_sets_equally_good(seeded_graph_read_only):
    snapshot = taxonomy_snapshot()
    rec = recommend(snapshot, TODAY, budget=3)
    names = {m.id: m.name for m in snapshot.mitigations}
    text = _command("--budget", "3")
    assert f"Equally good: {rec.equally_good.count} other set(s)" in text
    for ids in rec.equally_good.sets:
        assert f"\n  {', '.join(sorted(ids, key=names.get))}\n" in text


def _equally_good_block(client, query: str) -> str:
    html = client.get(f"/next/?{query}").content.decode()
    return html.split('<div id="equally-good">')[1].split("</div>")[0]


def test_one_other_set_counted_against_new_threats_is_worded_so(
    client, seeded_graph_read_only
):
    rec = recommend(taxonomy_snapshot(), TODAY, budget=2, count_introduced=True)
    assert (rec.equally_good.count, rec.equally_good.exact) == (1, True)
    block = _equally_good_block(client, "budget=2&count_introduced=1")
    assert (
        f"1 other set of {len(rec.chosen)} mitigations does exactly as well: it "
        "addresses as many threats once the new threats left open count against "
        f"it ({rec.objective})"
    ) in block
    assert "between the two" in block


def test_a_count_past_the_limit_reads_at_least(client, seeded_graph_read_only):
    rec = recommend(taxonomy_snapshot(), TODAY, budget=4)
    assert not rec.equally_good.exact
    block = _equally_good_block(client, "budget=4")
    assert f"At least {rec.equally_good.count} other sets of 4 mitigations" in block
    assert block.count("<li>") == len(rec.equally_good.sets) == 5


def test_the_frontier_is_explained_above_its_table_in_words_a_phone_shows(
    client, oracle
):
    """The explanation stands outside the table's scroll region (a caption
    as wide as the table was cut off on a phone), and an empty cell says
    none in words, as the page's other tables do."""
    html = client.get("/next/?budget=3").content.decode()
    before, table = html.split('<table id="frontier">')
    about = before.split('<p id="frontier-about">')[1].split("</p>")[0]
    assert "each row holds from its budget up to the next row's" in about
    region = before.rindex("<div")
    assert 'role="region"' in before[region:]
    assert before.index('<p id="frontier-about">') < region
    body = table.split("</table>")[0]
    assert "<caption" in body and "each row holds" not in body
    assert "—" not in body
    first = body.split("<tbody>")[1].split("</tr>")[0]
    assert "none: the starting point" in first
    assert first.endswith('<td><span class="muted">none</span></td>')
