"""The browser pages, rendered from the real Neo4j test server."""

from __future__ import annotations

import doctest
import re

import pytest

from taxonomy import presentation
from taxonomy.graph import driver


def test_the_presentation_helpers_do_what_their_examples_say():
    assert doctest.testmod(presentation).failed == 0


def test_the_overview_states_how_many_threats_no_single_layer_addresses(
    client, seeded_graph
):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    headline = re.search(r'id="headline-count"[^>]*>(\d+) of (\d+)<', html)
    assert headline and headline.group(2) == "12"
    assert int(headline.group(1)) >= 1
    assert "threats cannot be addressed by any single governance layer" in html
    assert "Most critical mitigations".lower() in html.lower()


def test_every_number_on_the_overview_links_to_the_list_behind_it(client, seeded_graph):
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
def test_each_page_renders_from_the_seed_taxonomy(client, seeded_graph, path, text):
    response = client.get(path)
    assert response.status_code == 200, path
    assert text in response.content.decode()


def test_the_matrix_has_a_header_for_every_layer_and_a_row_per_threat(
    client, seeded_graph
):
    html = client.get("/coverage/").content.decode()
    for layer in ("Hardware", "Software", "Institutional", "Liability", "All layers"):
        assert f">{layer}</a></th>" in html
    assert html.count('<tr id="row-') == 12
    assert 'scope="row"' in html


def test_switching_a_layer_off_changes_a_threats_class(client, seeded_graph):
    def klass(html, threat):
        return re.search(rf'id="row-{threat}"[^>]*data-class="([^"]+)"', html).group(1)

    base = client.get("/coverage/").content.decode()
    off = client.get("/coverage/?disable_layer=hardware&compare=baseline").content
    off = off.decode()
    assert klass(base, "model-extraction") == "single-layer"
    assert klass(off, "model-extraction") != "single-layer"
    assert "was Single layer" in off


def test_htmx_gets_only_the_matrix_region(client, seeded_graph):
    response = client.get("/coverage/?disable_layer=hardware", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="matrix-region"')
    assert "<html" not in html


def test_an_unknown_layer_in_the_url_gives_a_clear_message_not_a_500(
    client, seeded_graph
):
    response = client.get("/coverage/?disable_layer=market")
    assert response.status_code == 400
    assert "unknown layer: market" in response.content.decode()


def test_a_bad_threshold_gives_a_clear_message(client, seeded_graph):
    response = client.get("/?threshold=2")
    assert response.status_code == 400
    assert "threshold" in response.content.decode()


def test_the_matrix_links_its_csv_and_json_downloads_with_the_scenario(
    client, seeded_graph
):
    html = client.get("/coverage/?disable_layer=liability&compare=baseline").content
    html = html.decode()
    assert 'href="/api/v1/coverage/matrix.csv?disable_layer=liability"' in html
    assert 'href="/api/v1/coverage/diff/?disable_layer=liability"' in html
    csv = client.get("/api/v1/coverage/matrix.csv?disable_layer=liability")
    assert csv.content.decode().splitlines()[0].startswith("threat,class,all,hardware")


def test_the_threat_page_groups_mitigations_by_layer_with_rationale_and_sources(
    client, seeded_graph
):
    html = client.get("/threats/guardrail-removal/").content.decode()
    assert 'id="layer-liability"' in html
    assert "Deployer liability" in html
    assert 'href="/sources/qi-2024/"' in html
    assert "Scaled misuse" in html  # a chain out of it


def test_an_unknown_threat_is_a_404(client, seeded_graph):
    assert client.get("/threats/no-such-threat/").status_code == 404


def test_the_explorer_reads_graph_elements_with_classes_from_the_api(
    client, seeded_graph
):
    html = client.get("/graph/").content.decode()
    assert 'data-elements-url="/api/v1/graph/"' in html
    data = client.get("/api/v1/graph/?around=threat:guardrail-removal").json()
    threat = next(n for n in data["nodes"] if n["id"] == "threat:guardrail-removal")
    assert threat["class"] in presentation.CLASS_INFO
    assert any(e["type"] == "ENABLES" for e in data["edges"])


def test_search_groups_results_by_kind(client, seeded_graph):
    html = client.get("/search/?q=liability").content.decode()
    assert "Governance layers" in html and "Mitigations" in html


def test_the_brief_states_scenario_date_and_revision(client, seeded_graph):
    html = client.get("/brief/?maturity=deployed").content.decode()
    assert "only deployed mitigations" in html
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
