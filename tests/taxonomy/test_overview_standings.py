"""The overview puts today beside every proposal adopted (or the chosen scenario
beside today), each count held to a brute-force reading of the brief's model."""

from __future__ import annotations

import math
import re
from itertools import chain

import pytest
from hypothesis import HealthCheck, given, settings

from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.resilience import resilience_summary
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import DEFAULT_EFFECTIVENESS, Scenario, today
from taxonomy.selectors import taxonomy_snapshot
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.web import present as presentation
from tests.taxonomy.analysis.test_properties import taxonomies

TAU = 0.8


def _counted(taxonomy: Taxonomy, maturities: set[str] | None) -> set[str]:
    """Mitigations that count: of a counted maturity, and so is all they require
    (transitively), found by repeating until nothing changes."""
    counted = {
        m.id
        for m in taxonomy.mitigations
        if maturities is None or m.maturity in maturities
    }
    while True:
        dropped = {r.source for r in taxonomy.requires if r.target not in counted}
        if not dropped & counted:
            return counted
        counted -= dropped


def _brute_unaddressed(taxonomy: Taxonomy, maturities: set[str] | None) -> tuple:
    """(threats no single layer addresses, threats no layers address) by the
    brief's definitions, computed link by link."""
    counted = _counted(taxonomy, maturities)
    layer_of = {m.id: m.layer for m in taxonomy.mitigations}
    by_one = gaps = 0
    for threat in taxonomy.threats:
        links = [
            (layer_of[link.mitigation], DEFAULT_EFFECTIVENESS[link.strength])
            for link in taxonomy.mitigates
            if link.threat == threat.id and link.mitigation in counted
        ]

        def cover(layers, links=links):
            return 1 - math.prod(1 - e for layer, e in links if layer in layers)

        everything = {layer.id for layer in taxonomy.layers}
        alone = any(cover({layer}) >= TAU - 1e-12 for layer in everything)
        by_one += not alone
        gaps += cover(everything) < TAU - 1e-12
    return by_one, gaps


def _panel(html: str, slug: str) -> str:
    found = re.search(rf'id="standing-{slug}">(.*?)</p>', html, re.S)
    assert found, f"no panel {slug}"
    return re.sub(r"<[^>]+>", "", found.group(1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(taxonomy=taxonomies())
def test_today_and_every_proposal_count_as_a_brute_force_reading_says(taxonomy):
    for scenario, maturities in ((today(), {"deployed"}), (Scenario(), None)):
        document = coverage_document(taxonomy, scenario=scenario)
        panel = presentation.standing("x", "", scenario, document)
        by_one, gaps = _brute_unaddressed(taxonomy, maturities)
        assert (panel.unaddressed, panel.gaps) == (by_one, gaps)
        assert panel.total == len(taxonomy.threats)


def test_the_seed_overview_states_today_and_every_proposal_in_one_sentence_each(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    html = client.get("/").content.decode()
    now = _panel(html, "today")
    future = _panel(html, "every-proposal-adopted")
    total = len(snapshot.threats)
    by_one_now, gaps_now = _brute_unaddressed(snapshot, {"deployed"})
    by_one_all, gaps_all = _brute_unaddressed(snapshot, None)
    assert now.startswith("Today, with only the measures already deployed, ")
    assert f"{by_one_now} of {total} threats are not addressed" in now
    assert f"{gaps_now} of them are not addressed even by all layers" in now
    maturities = presentation.maturity_counts(snapshot)
    assert future.startswith(
        f"If every proposal were adopted ({maturities['proposed']} proposed and "
        f"{maturities['pilot']} pilot measures counted as if in force), "
        f"{by_one_all} of {total} threats would not be addressed"
    )
    assert now.count(".") == 1 and future.count(".") == 1  # one sentence each
    # Today leads: it comes first on the page.
    assert html.index('id="standing-today"') < html.index(
        'id="standing-every-proposal-adopted"'
    )


def test_each_panel_links_its_count_to_those_threats_in_its_scenario(
    client, seeded_graph_read_only
):
    html = client.get("/").content.decode()
    links = re.findall(r'class="standing__count" href="([^"]+)"', html)
    assert len(links) == 2
    assert "maturity=deployed" in links[0] and "maturity" not in links[1]
    assert all("class=unmitigated" in link for link in links)


@pytest.mark.parametrize(
    "query, first, second",
    [
        ("?disable_layer=hardware", "this-scenario", "today"),
        ("?maturity=deployed", "today", "every-proposal-adopted"),
        ("?maturity=deployed&adopt=chip-attestation", "this-scenario", "today"),
    ],
)
def test_a_chosen_scenario_stands_beside_today(
    client, seeded_graph_read_only, query, first, second
):
    html = client.get("/" + query).content.decode()
    slugs = re.findall(
        r'class="standing(?: standing--lead)?" id="standing-\d" '
        r'data-scenario="([^"]+)"',
        html,
    )
    assert slugs == [first, second]
    assert "Everything from here down describes one scenario." in html


def test_every_panel_and_the_detail_name_their_scenario_in_words(
    client, seeded_graph_read_only
):
    html = client.get("/?disable_layer=hardware").content.decode()
    assert "Every measure counts, proposed and pilot ones included" in html
    assert "without Hardware" in html
    assert "Today: only the measures already deployed count" in html
    assert 'id="show-today"' in html


def test_no_formula_or_capitalised_link_kind_is_on_the_overview(
    client, seeded_graph_read_only
):
    html = client.get("/").content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    for jargon in ("ENABLES", "REQUIRES", "τ", "Π", "1 − "):
        assert jargon not in text


def _threshold_box(html: str) -> str:
    return re.search(r'<input id="threshold"[^>]*>', html).group(0)


def test_the_threshold_box_takes_a_percentage(client, seeded_graph_read_only):
    typed = client.get("/coverage/?threshold_percent=70").content.decode()
    as_codec = client.get("/coverage/?threshold=0.7").content.decode()
    assert 'value="70"' in _threshold_box(typed)
    assert 'value="70"' in _threshold_box(as_codec)
    rows = re.compile(r'<tr[^>]*data-threat="[^"]+"[^>]*>')
    assert rows.findall(typed) == rows.findall(as_codec)
    assert "threshold 70%" in typed
    assert 'value="80"' in _threshold_box(client.get("/coverage/").content.decode())


@pytest.mark.parametrize(
    "typed, message",
    [
        ("0.7", "0.7 would mean 0.7%; for 70% type 70"),
        ("150", "from 1 to 100"),
        ("abc", "from 1 to 100"),
        ("0", "from 1 to 100"),
    ],
)
def test_a_threshold_that_is_not_a_percentage_gets_a_message_beside_the_box(
    client, seeded_graph_read_only, typed, message
):
    response = client.get("/coverage/", {"threshold_percent": typed})
    html = response.content.decode()
    assert response.status_code == 400
    error = re.search(
        r'<p class="field-error" id="threshold-error"[^>]*>(.*?)</p>', html
    )
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in _threshold_box(html)
    htmx = client.get(
        "/coverage/", {"threshold_percent": typed}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-swap-oob="true">' in htmx and message in htmx


def test_the_glossary_defines_every_term_the_pages_link(client, seeded_graph_read_only):
    pages = ("/", "/coverage/", "/glossary/", "/threats/guardrail-removal/")
    linked = set(
        chain.from_iterable(
            re.findall(
                r'class="term" href="/glossary/#([a-z-]+)"',
                client.get(p).content.decode(),
            )
            for p in pages
        )
    )
    glossary = client.get("/glossary/").content.decode()
    anchors = set(re.findall(r'<dt id="([a-z-]+)"', glossary))
    assert linked and linked <= anchors
    assert {
        "coverage",
        "addressed",
        "defense-in-depth",
        "dependence",
        "chain",
        "requires",
        "pivotal",
        "depth",
    } <= anchors
    assert "depth" in linked  # the threat page's depth is explained


def test_a_term_is_linked_once_per_page(client, seeded_graph_read_only):
    html = client.get("/").content.decode()
    assert html.count('href="/glossary/#addressed"') == 1


def test_the_next_page_takes_the_threshold_as_a_percentage(
    client, seeded_graph_read_only
):
    typed = client.get("/next/", {"threshold_percent": "70"}).content.decode()
    as_codec = client.get("/next/", {"threshold": "0.7"}).content.decode()
    assert 'value="70"' in _threshold_box(typed)
    assert "threshold 70%" in typed
    assert re.findall(r"<tr[^>]*>", typed) == re.findall(r"<tr[^>]*>", as_codec)
    wrong = client.get("/next/", {"threshold_percent": "0.7"})
    assert wrong.status_code == 400
    assert "for 70% type 70" in wrong.content.decode()


def test_the_resilience_line_describes_the_scenario_of_the_detail_section(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    for query, scenario in (
        ("", coverage_scenario()),
        ("?maturity=deployed", coverage_scenario(maturities=["deployed"])),
    ):
        html = client.get("/" + query).content.decode()
        line = re.search(r'id="resilience-line"><strong>(\d+) of (\d+)</strong>', html)
        summary = resilience_summary(snapshot, scenario)
        assert (int(line.group(1)), int(line.group(2))) == (
            summary.survive_one_layer,
            summary.threats,
        )
