"""The browser pages, rendered from the real Neo4j test server."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django.conf import settings

from taxonomy import services
from taxonomy.analysis.robustness_report import middle_count
from taxonomy.formats.fixtures_yaml import load_fixtures
from taxonomy.graph import driver
from taxonomy.web import present as presentation
from tests.samples import ACME


def test_the_presentation_helpers_do_what_their_examples_say():
    modules = [
        importlib.import_module(f"{presentation.__name__}.{info.name}")
        for info in pkgutil.iter_modules(presentation.__path__)
    ]
    results = [doctest.testmod(module) for module in modules]
    assert len(modules) >= 5
    assert sum(r.failed for r in results) == 0
    assert sum(r.attempted for r in results) >= 50


def test_the_overview_states_how_many_threats_no_single_layer_addresses(
    client, seeded_graph_read_only
):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    headline = re.search(r'id="headline-count"[^>]*>(\d+) of (\d+)<', html)
    assert headline and headline.group(2) == "12"
    assert int(headline.group(1)) >= 1
    assert "threats cannot be addressed by any single governance layer" in html
    assert "Most critical mitigations".lower() in html.lower()


def test_every_number_on_the_overview_links_to_the_list_behind_it(
    client, seeded_graph_read_only
):
    html = client.get("/").content.decode()
    assert re.search(
        r'href="/coverage/\?class=unmitigated&amp;class=insufficient', html
    )
    assert 'href="/coverage/?class=single-layer"' in html


@pytest.mark.parametrize(
    "path, text",
    [
        ("/coverage/", "Coverage matrix"),
        ("/combinations/", "Layer combinations"),
        ("/threats/guardrail-removal/", "Guardrail removal"),
        ("/mitigations/chip-attestation/", "Chip attestation"),
        ("/layers/hardware/", "What falls through without it"),
        ("/sources/qi-2024/", "Qi et al. 2024"),
        ("/graph/", "Graph explorer"),
        ("/search/?q=export", "Export controls"),
        ("/brief/", "Graph revision"),
    ],
)
def test_each_page_renders_from_the_seed_taxonomy(
    client, seeded_graph_read_only, path, text
):
    response = client.get(path)
    assert response.status_code == 200, path
    assert text in response.content.decode()


def test_the_matrix_has_a_header_for_every_layer_and_a_row_per_threat(
    client, seeded_graph_read_only
):
    html = client.get("/coverage/").content.decode()
    for layer in ("Hardware", "Software", "Institutional", "Liability", "All layers"):
        assert f">{layer}</a></th>" in html
    assert html.count('<tr id="row-') == 12
    assert 'scope="row"' in html


def test_switching_a_layer_off_changes_a_threats_class(client, seeded_graph_read_only):
    def klass(html, threat):
        return re.search(rf'id="row-{threat}"[^>]*data-class="([^"]+)"', html).group(1)

    base = client.get("/coverage/").content.decode()
    off = client.get("/coverage/?disable_layer=hardware&compare=baseline").content
    off = off.decode()
    assert klass(base, "model-extraction") == "single-layer"
    assert klass(off, "model-extraction") != "single-layer"
    assert "was Single layer" in off


def test_htmx_gets_only_the_matrix_region(client, seeded_graph_read_only):
    response = client.get("/coverage/?disable_layer=hardware", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="matrix-region"')
    assert "<html" not in html


def test_an_unknown_layer_in_the_url_gives_a_clear_message_not_a_500(
    client, seeded_graph_read_only
):
    response = client.get("/coverage/?disable_layer=market")
    assert response.status_code == 400
    assert "unknown layer: market" in response.content.decode()


def test_a_bad_threshold_gives_a_clear_message(client, seeded_graph_read_only):
    response = client.get("/?threshold=2")
    assert response.status_code == 400
    assert "threshold" in response.content.decode()


def test_the_matrix_links_its_csv_and_json_downloads_with_the_scenario(
    client, seeded_graph_read_only
):
    html = client.get("/coverage/?disable_layer=liability&compare=baseline").content
    html = html.decode()
    assert 'href="/export/csv/?disable_layer=liability"' in html
    assert (
        'href="/export/coverage/?disable_layer=liability&amp;compare=baseline"' in html
    )
    csv = client.get("/export/csv/?disable_layer=liability")
    assert csv.content.decode().splitlines()[0].startswith("threat,class,all,hardware")


def test_the_threat_page_groups_mitigations_by_layer_with_rationale_and_sources(
    client, seeded_graph_read_only
):
    html = client.get("/threats/guardrail-removal/").content.decode()
    assert 'id="layer-liability"' in html
    assert "Deployer liability" in html
    assert 'href="/sources/qi-2024/"' in html
    assert "Scaled misuse" in html  # a chain out of it


def test_an_unknown_threat_is_a_404(client, seeded_graph_read_only):
    assert client.get("/threats/no-such-threat/").status_code == 404


def test_the_explorer_reads_graph_elements_with_classes_from_the_api(
    client, seeded_graph_read_only
):
    html = client.get("/graph/").content.decode()
    assert 'data-elements-url="/api/v1/graph/"' in html
    data = client.get("/api/v1/graph/?around=threat:guardrail-removal").json()
    threat = next(n for n in data["nodes"] if n["id"] == "threat:guardrail-removal")
    assert threat["class"] in presentation.CLASS_INFO
    assert any(e["type"] == "ENABLES" for e in data["edges"])


def test_the_explorer_says_which_scenario_colours_its_threats(
    client, seeded_graph_read_only
):
    """The threats' classes come with nothing disabled: the legend says that
    scenario in words, the one whose coverage document gives those classes,
    and names every kind of link the graph draws."""
    html = client.get("/graph/").content.decode()
    said = re.search(r'id="graph-classes-scenario">&emsp;([^<]+)</li>', html)[1]
    document = client.get("/export/coverage/").json()
    assert said == document["scenario"]["summary"]
    data = client.get("/api/v1/graph/").json()
    drawn = {
        n["id"].split(":", 1)[1]: n["class"] for n in data["nodes"] if "class" in n
    }
    assert drawn == {t["id"]: t["class"] for t in document["threats"]}
    legend = html[html.index('class="graph-legend"') : html.index("</aside>")]
    for kind in {e["type"] for e in data["edges"]} - {"IN_LAYER"}:
        assert f"{kind.capitalize()} (" in legend or f"{kind.capitalize()}, " in legend


def test_the_explorer_lists_each_link_as_a_label_and_its_verb(
    client, seeded_graph_read_only
):
    """A link reads "Export controls: mitigates Sanctions evasion (high)": the
    verb follows a colon, so it never disagrees with a plural name."""
    html = client.get("/graph/").content.decode()
    listed = html[html.index("<summary>Links (") :]
    items = re.findall(r"<li>([^<]*)<em>([^<]+)</em>([^<]*)</li>", listed)
    assert items, "the explorer lists its links"
    assert all(source.endswith(": ") for source, _, _ in items)
    assert any(
        verb == "mitigates" and rest.rstrip().endswith(("(low)", "(medium)", "(high)"))
        for _, verb, rest in items
    )


def test_search_groups_results_by_kind(client, seeded_graph_read_only):
    html = client.get("/search/?q=liability").content.decode()
    assert "Governance layers" in html and "Mitigations" in html


def test_the_brief_states_scenario_date_and_revision(client, seeded_graph_read_only):
    html = client.get("/brief/?maturity=deployed").content.decode()
    scenario = re.search(r'id="brief-scenario">(.*?)</dd>', html).group(1)
    assert scenario.startswith("Today: only the measures already deployed count")
    assert "Graph revision" in html
    assert 'media="print"' in html


@pytest.fixture
def unreachable_neo4j(neo4j_server):
    """Point the driver at a port where nothing listens, then restore it."""
    driver.use_target(
        driver.ConnectionTarget("bolt://127.0.0.1:9", "neo4j", "x", "neo4j", None)
    )
    yield
    driver.use_target(neo4j_server)


def test_an_unreachable_neo4j_gives_a_friendly_503(client, unreachable_neo4j):
    response = client.get("/")
    assert response.status_code == 503
    assert b"not answering" in response.content
    assert b"Traceback" not in response.content


# --- Several taxonomies: ?taxonomy= and the downloads ------------------------------


@pytest.fixture
def two_taxonomies(seeded_graph):
    """The seed and a small imported taxonomy ``acme`` side by side."""
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    return seeded_graph


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="row-([^"]+)"', html)


def test_the_seed_stays_the_default_view_when_another_taxonomy_is_loaded(
    client, two_taxonomies
):
    html = client.get("/coverage/").content.decode()
    assert len(_rows(html)) == 12
    assert "Plug-in prompt injection" not in html
    assert 'id="taxonomy-banner"' not in html


def test_the_taxonomy_parameter_shows_only_that_taxonomys_threats(
    client, two_taxonomies
):
    html = client.get("/coverage/?taxonomy=acme").content.decode()
    assert sorted(_rows(html)) == ["acme:AML.T0001", "acme:AML.T0002"]
    assert ">Acme policy</a></th>" in html
    assert "Guardrail removal" not in html
    assert 'id="taxonomy-banner"' in html


@pytest.mark.parametrize(
    "path, text",
    [
        ("/?taxonomy=acme", 'id="headline-count" href="/coverage/?class='),
        ("/combinations/?taxonomy=acme", "Acme policy"),
        ("/graph/?taxonomy=acme", 'data-taxonomy="acme"'),
        ("/graph/?taxonomy=acme", "Poisoned crawl data"),
        ("/search/?q=injection&taxonomy=acme", "Plug-in prompt injection"),
        ("/brief/?taxonomy=acme", "Poisoned crawl data"),
        ("/layers/acme:policy/?taxonomy=acme", "Input filtering"),
    ],
)
def test_each_page_honours_the_taxonomy_parameter(client, two_taxonomies, path, text):
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert text in html
    assert "Guardrail removal" not in html


def test_links_and_the_scenario_form_keep_the_taxonomy(client, two_taxonomies):
    html = client.get("/coverage/?taxonomy=acme&disable_layer=acme:policy").content
    html = html.decode()
    assert (
        'href="/threats/acme:AML.T0001/?disable_layer=acme%3Apolicy&amp;taxonomy=acme"'
        in html
    )
    assert '<input type="hidden" name="taxonomy" value="acme">' in html
    assert 'href="/combinations/?taxonomy=acme"' in html  # the main navigation
    assert 'href="/coverage/?taxonomy=acme">Reset to baseline' in html


def test_an_unknown_taxonomy_gets_a_clear_message(client, two_taxonomies):
    response = client.get("/coverage/?taxonomy=nope")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No taxonomy “nope” in the graph" in html
    assert 'href="/?taxonomy=acme"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/threats/acme:AML.T0001/?taxonomy=acme",
        "/threats/acme:AML.T0001/",  # the id's prefix names its taxonomy
        "/mitigations/acme:AML.M0001/",
    ],
)
def test_a_detail_page_accepts_an_id_with_a_colon_and_dots(
    client, two_taxonomies, path
):
    response = client.get(path)
    assert response.status_code == 200
    assert "Input filtering" in response.content.decode()


def test_the_switcher_appears_only_when_the_graph_holds_several_taxonomies(
    client, seeded_graph
):
    assert 'class="taxonomy-switcher"' not in client.get("/").content.decode()
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    html = client.get("/coverage/").content.decode()
    assert '<form class="taxonomy-switcher" method="get" action="/coverage/"' in html
    assert '<option value="acme">acme (2 threats)</option>' in html
    assert '<option value="layerwise" selected>layerwise (12 threats)</option>' in html


@pytest.mark.parametrize("taxonomy", ["layerwise", "acme"])
@pytest.mark.parametrize(
    "format, content_type",
    [
        ("stix", "application/stix+json;version=2.1"),
        ("navigator", "application/json"),
        ("graphml", "application/graphml+xml"),
        ("csv", "text/csv"),
        ("json", "application/json"),
    ],
)
def test_each_download_answers_with_its_content_type(
    client, two_taxonomies, taxonomy, format, content_type
):
    response = client.get(f"/export/{format}/?taxonomy={taxonomy}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content


def test_the_matrix_download_links_carry_the_scenario_and_the_taxonomy(
    client, two_taxonomies
):
    html = client.get("/coverage/?taxonomy=acme&maturity=deployed").content.decode()
    links = re.findall(r'<a href="(/export/[^"]+)" download>', html)
    assert links == [
        "/export/csv/?maturity=deployed&amp;taxonomy=acme",
        "/export/coverage/?maturity=deployed&amp;taxonomy=acme",
        "/export/navigator/?maturity=deployed&amp;taxonomy=acme",
        "/export/stix/?taxonomy=acme",
        "/export/graphml/?taxonomy=acme",
    ]
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_a_download_of_an_unknown_taxonomy_is_a_404(client, two_taxonomies):
    assert client.get("/export/stix/?taxonomy=nope").status_code == 404
    assert client.get("/export/coverage/?taxonomy=nope").status_code == 404
    assert client.get("/export/pdf/").status_code == 404


def test_editors_get_no_edit_links_on_an_imported_taxonomy(
    client, seeded_graph, django_user_model
):
    from django.contrib.auth.models import Group

    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    user = django_user_model.objects.create_user("ed", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    client.force_login(user)
    seed = client.get("/threats/guardrail-removal/").content.decode()
    acme = client.get("/threats/acme:AML.T0001/?taxonomy=acme").content.decode()
    assert 'id="edit-this"' in seed
    assert 'id="edit-this"' not in acme


def test_the_matrix_offers_the_dependence_and_keeps_it_in_its_links(
    client, seeded_graph_read_only
):
    page = client.get("/coverage/?dependence=full").content.decode()
    assert '<option value="full" selected>' in page
    assert "every mitigation fails together" in page
    assert "dependence=full" in page
    bad = client.get("/coverage/?dependence=sometimes")
    assert bad.status_code == 400
    assert "dependence must be one of independent, within-layer, full" in (
        bad.content.decode()
    )


def test_the_robustness_page_shows_margins_chances_and_pivotal_judgements(
    client, seeded_graph_read_only
):
    page = client.get("/robustness/?samples=400&seed=2")
    assert page.status_code == 200
    html = page.content.decode()
    entry = page.context["entry"]
    assert entry["monte_carlo"]["samples"] == 400
    assert entry["monte_carlo"]["seed"] == 2
    assert "plausible readings of the strength judgements" in html
    assert "if every strength judgement were one step off" not in html
    assert html.count('<tr id="robust-') == 12
    assert 'class="table-scroll" role="region"' in html
    assert 'tabindex="0"' in html and "scroll the table sideways" in html
    assert "<svg" in html and "<desc" in html
    first = page.context["rows"][0]
    margins = [abs(r.margin_all) for r in page.context["rows"]]
    assert margins == sorted(margins)
    assert f'id="robust-{first.id}"' in html
    for pivot in entry["pivotal_links"]:
        assert pivot["class"] != pivot["lower"] or pivot["class"] != pivot["higher"]
    assert any(row.pivotal for row in page.context["rows"])
    for row in page.context["rows"]:
        share = (
            1
            - next(t for t in entry["threats"] if t["id"] == row.id)[
                "class_probability"
            ][row.coverage_class]
        )
        assert row.class_change == pytest.approx(share, abs=1e-6)
        for pivot in row.pivotal:
            assert pivot.changes
            assert all(c != row.coverage_class for _, c in pivot.changes)


def test_a_pivotal_judgement_names_only_moves_that_change_the_class(
    client, seeded_graph_read_only
):
    entry = client.get("/robustness/").context["entry"]
    one_sided = [
        p for p in entry["pivotal_links"] if p["class"] in (p["lower"], p["higher"])
    ]
    assert one_sided  # the seed has links that move a class one way only
    for p in one_sided:
        html = client.get(f"/threats/{p['threat']}/").content.decode()
        same = p["class"].replace("-", " ")
        assert f"makes it {same}<" not in html and f"makes it {same};" not in html


def test_the_robustness_page_explains_a_middle_reading_apart_from_the_headline(
    client, seeded_graph_read_only
):
    page = client.get("/robustness/")
    html = page.content.decode()
    entry = page.context["entry"]

    mc = entry["monte_carlo"]
    middle = middle_count(mc["headline"]["histogram"], mc["samples"])
    differs = middle != entry["headline"]["count"]
    assert ('id="robust-why"' in html) == differs
    if differs:
        assert f"the middle reading gives {middle}" in html


@pytest.mark.parametrize("query", ["samples=0", "samples=20001", "seed=abc"])
def test_bad_draws_on_the_robustness_page_are_explained(
    client, seeded_graph_read_only, query
):
    page = client.get(f"/robustness/?{query}")
    assert page.status_code == 400
    assert "scenario_error" in page.context


def test_the_overview_and_the_brief_give_the_headline_its_range(
    client, seeded_graph_read_only
):
    overview = client.get("/").content.decode()
    assert 'id="headline-range"' in overview
    assert "plausible readings of the strength judgements" in overview
    assert "if every strength judgement were one step off" not in overview
    brief = client.get("/brief/?dependence=within-layer").content.decode()
    assert 'id="brief-dependence">within-layer<' in brief
    assert 'id="brief-range"' in brief


def test_pivotal_cells_and_classes_are_marked_in_the_matrix(
    client, seeded_graph_read_only
):
    page = client.get("/coverage/")
    rows = {row.id: row for row in page.context["rows"]}
    # monoculture-failure sits at +0.4 points: removing its low link drops it.
    assert rows["monoculture-failure"].pivotal
    assert "cell--pivotal" in page.content.decode()
    threat = client.get("/threats/monoculture-failure/").content.decode()
    assert 'id="pivotal-judgements"' in threat
    assert "one step lower makes it insufficient" in threat


def test_a_stored_url_that_is_no_web_address_is_never_a_link(client, seeded_graph):
    from dataclasses import replace

    from taxonomy import selectors

    snapshot = selectors.taxonomy_snapshot()
    qi = next(s for s in snapshot.sources if s.id == "qi-2024")
    changed = replace(snapshot, sources=(replace(qi, url="javascript:alert(1)"),))
    services.taxonomy_apply(taxonomy=changed, scope="layerwise")
    page = client.get("/sources/qi-2024/").content.decode()
    assert "javascript:alert(1)" in page
    assert 'href="javascript:' not in page


def test_a_long_matrix_is_shown_a_page_at_a_time(
    client, seeded_graph_read_only, settings
):
    """12 threats at 5 a page: three pages, each linked to its neighbours with
    the view kept; a page past the last is the last."""
    settings.LAYERWISE_MATRIX_PAGE = 5
    seen = []
    for number, rows, prev, next_ in (
        (1, 5, False, True),
        (2, 5, True, True),
        (3, 2, True, False),
    ):
        html = client.get(f"/coverage/?sort=class&page={number}").content.decode()
        assert html.count('<tr id="row-') == rows
        assert f"Threats {5 * (number - 1) + 1}–{5 * (number - 1) + rows} of 12" in html
        assert ('rel="prev"' in html) == prev and ('rel="next"' in html) == next_
        if next_:
            assert f"sort=class&amp;page={number + 1}" in html
        seen += re.findall(r'<tr id="row-([^"]+)"', html)
    assert len(seen) == len(set(seen)) == 12
    last = client.get("/coverage/?sort=class&page=99").content.decode()
    assert "Threats 11–12 of 12" in last
    settings.LAYERWISE_MATRIX_PAGE = 500
    assert "matrix-pager" not in client.get("/coverage/").content.decode()


@pytest.mark.parametrize("url", ["/", "/robustness/"])
def test_a_histogram_bar_says_what_its_caption_says_of_it(
    client, seeded_graph_read_only, url
):
    """A bar's hover text rounded the share down (``10: 0% of draws``) while
    the caption said ``1% give 10``: both now say the caption's words."""
    html = client.get(url).content.decode()
    said = re.search(r"Of ([\d,]+) random readings: ([^.<]+)\.", html)
    assert said, url
    caption = {
        int(count): share
        for share, count in re.findall(r"((?:under |over )?\d+%) give (\d+)", said[2])
    }
    bars = re.findall(r"<title>(\d+): ([^<]+)</title></rect>", html)
    assert caption and bars
    assert {int(c) for c, _ in bars} >= set(caption)
    for count, words in bars:
        if int(count) in caption:
            assert words == f"{caption[int(count)]} of the readings", (count, words)
        else:
            assert words == "no reading", (count, words)


@pytest.mark.parametrize(
    "url, plain",
    [
        ("/incidents/", "No incident has been imported yet."),
        ("/crosswalks/", "no other catalogue has been mapped onto this taxonomy"),
        ("/revisions/", "Editors name a state of the taxonomy when it matters"),
    ],
)
def test_an_empty_page_speaks_plainly_and_gives_editors_the_command(
    client, editor_client, seeded_graph_read_only, url, plain
):
    """The seed holds no incident, mapping set or named revision: a reader is
    told so in words, and only an editor is shown the command that fills it."""
    reader = client.get(url).content.decode()
    assert plain in reader
    assert "manage.py" not in reader
    editor = editor_client.get(url).content.decode()
    assert "Editors: " in editor and "<code>" in editor and "manage.py" in editor


@pytest.mark.parametrize(
    "query, label", [("", "Every proposal adopted"), ("?maturity=deployed", "Today")]
)
def test_each_card_of_the_overview_names_the_scenario_it_describes(
    client, seeded_graph_read_only, query, label
):
    """The cards below the scenario's box read as today's figures when the
    first card on the page is today: each names its scenario."""
    html = client.get(f"/{query}").content.decode()
    for heading in ("classes-h", "critical-h", "chains-h"):
        before = html[: html.index(f'<h2 id="{heading}">')]
        kicker = before[before.rindex('<p class="card__scenario">') :]
        assert kicker == f'<p class="card__scenario">{label}</p>\n    ', heading


def test_the_overview_says_which_links_it_counts(client, seeded_graph_read_only):
    """The overview's link count is of MITIGATES links only, beside a graph
    explorer that counts every kind: the label says which."""
    html = client.get("/").content.decode()
    mitigates = len(load_fixtures(Path(settings.FIXTURES_DIR)).mitigates)
    assert mitigates
    assert re.search(
        rf">{mitigates}</a></strong> links of a mitigation to a threat<", html
    )
