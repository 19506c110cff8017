"""Coverage and incidents read through a mapping set (``through=``, issue 26),
on the real Neo4j test server: the API, the coverage document and the pages
answer what the crosswalk analysis of the seed says."""

from __future__ import annotations

from html import unescape
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from taxonomy import services
from taxonomy.analysis.crosswalk import RULE
from taxonomy.domain.coverage_query import CoverageQuery
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.domain.records import Incident, Taxonomy, Threat, Uses
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors import coverage_report
from taxonomy.selectors.incidents import incident_report

SET_ID = "https://example.org/layerwise/mappings/surfaces"
ATLAS = Taxonomy(
    threats=(
        Threat("AML.T0024", "Exfiltration via ML Inference API", taxonomy="atlas"),
        Threat("AML.T0054", "LLM Jailbreak", taxonomy="atlas"),
        Threat("AML.T0010", "ML Supply Chain Compromise", taxonomy="atlas"),
        Threat("AML.T0000", "Search Victim Research", taxonomy="atlas"),
    ),
    incidents=(
        Incident("AML.CS0001", "Extraction case", taxonomy="atlas"),
        Incident("AML.CS0002", "Reconnaissance only", taxonomy="atlas"),
    ),
    uses=(
        Uses("AML.CS0001", "AML.T0000", (1,)),
        Uses("AML.CS0001", "AML.T0024", (2,)),
        Uses("AML.CS0002", "AML.T0000", (1,)),
    ),
)
MAPPING = MappingSet(
    SET_ID,
    "atlas",
    "layerwise",
    license="https://creativecommons.org/licenses/by/4.0/",
    mapping_set_title="ATLAS onto the seed (test)",
    curie_map=(
        ("atlas", "https://atlas.mitre.org/techniques/"),
        ("layerwise", "https://example.org/layerwise/threat/"),
    ),
    rows=(
        MappingRow(
            "atlas:AML.T0024",
            "skos:exactMatch",
            "layerwise:model-extraction",
            confidence=1.0,
        ),
        MappingRow(
            "atlas:AML.T0054",
            "skos:closeMatch",
            "layerwise:guardrail-removal",
            confidence=0.5,
        ),
        MappingRow(
            "atlas:AML.T0010",
            "skos:relatedMatch",
            "layerwise:model-extraction",
            confidence=1.0,
        ),
    ),
)


@pytest.fixture
def crossed_graph(graph):
    services.taxonomy_load(path=settings.FIXTURES_DIR)
    services.taxonomy_apply(taxonomy=ATLAS, scope="atlas")
    services.mapping_set_save(mapping_set=MAPPING, channel=None)
    return graph


def _seed(threat: str) -> dict:
    document = coverage_report(CoverageQuery(scenario=Scenario()))
    return next(t for t in document["threats"] if t["id"] == threat)


def test_the_coverage_api_reads_atlas_through_the_mapping(crossed_graph, client):
    answer = client.get("/api/v1/coverage/", {"taxonomy": "atlas", "through": SET_ID})
    assert answer.status_code == 200, answer.content
    document = answer.json()
    assert document["rule"] == RULE
    items = {t["id"]: t for t in document["threats"]}
    extraction = _seed("model-extraction")
    assert items["AML.T0024"]["coverage"] == pytest.approx(
        extraction["coverage"]["all"]
    )
    assert items["AML.T0024"]["via"] == "model-extraction"
    removal = _seed("guardrail-removal")
    assert items["AML.T0054"]["coverage"] == pytest.approx(
        0.5 * removal["coverage"]["all"]
    )
    assert items["AML.T0010"]["class"] == "loosely-mapped"
    assert not items["AML.T0010"]["addressed"]
    assert items["AML.T0010"]["upper_bound"] == pytest.approx(
        extraction["coverage"]["all"]
    )
    assert items["AML.T0000"]["class"] == "outside-the-taxonomy"


def test_the_scenario_applies_to_our_taxonomy_through_the_mapping(crossed_graph):
    scenario = Scenario(disabled_layers=["hardware"], through=SET_ID)
    document = coverage_report(CoverageQuery(taxonomy="atlas", scenario=scenario))
    ours = coverage_report(
        CoverageQuery(scenario=Scenario(disabled_layers=["hardware"]))
    )
    extraction = next(t for t in ours["threats"] if t["id"] == "model-extraction")
    item = next(t for t in document["threats"] if t["id"] == "AML.T0024")
    assert item["coverage"] == pytest.approx(extraction["coverage"]["all"])
    assert (
        "read through the mapping set ATLAS onto the seed (test)"
        in (document["scenario"]["summary"])
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"taxonomy": "atlas", "through": "https://example.org/none"}, "through"),
        (
            {"taxonomy": "atlas", "through": SET_ID, "disable_layer": "nope"},
            "disable_layer",
        ),
    ],
)
def test_an_unknown_mapping_set_or_id_is_a_clear_422(
    crossed_graph, client, query, field
):
    answer = client.get("/api/v1/coverage/", query)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["details"]


def test_a_set_that_does_not_map_the_taxonomy_asked_is_refused(crossed_graph, client):
    answer = client.get("/api/v1/coverage/", {"through": SET_ID, "taxonomy": "nist"})
    assert answer.status_code in (404, 422)
    answer = client.get("/api/v1/coverage/incidents/", {"through": "x:nope"})
    assert answer.status_code == 422, answer.content
    assert "through" in answer.json()["error"]["details"]


def test_incidents_replay_against_our_scenario_through_the_mapping(crossed_graph):
    report = incident_report(scenario=Scenario(through=SET_ID), taxonomy="atlas")
    extraction = _seed("model-extraction")
    verdicts = {i["id"]: i for i in report["incidents"]}
    addressed = extraction["class"] in ("single-layer", "defense-in-depth")
    assert addressed, "the seed addresses model extraction"
    assert verdicts["AML.CS0001"]["stopped"] is True
    assert verdicts["AML.CS0001"]["via"][0]["threat"] == "model-extraction"
    assert verdicts["AML.CS0002"]["stopped"] is False
    assert verdicts["AML.CS0002"]["outside"] == ["AML.T0000"]
    assert report["through"]["id"] == SET_ID
    assert RULE in report["assumption"]


def test_the_incidents_page_names_the_mapping_and_the_steps_outside(
    crossed_graph, client
):
    answer = client.get("/incidents/", {"taxonomy": "atlas", "through": SET_ID})
    html = unescape(answer.content.decode())
    assert answer.status_code == 200
    assert "ATLAS onto the seed (test)" in html
    assert RULE in html
    assert "outside the taxonomy" in html
    assert 'data-outside="1"' in html
    assert "Link strengths are the project's editorial judgement" not in html


def test_the_atlas_only_replay_says_its_strengths_were_assumed(crossed_graph, client):
    html = unescape(client.get("/incidents/", {"taxonomy": "atlas"}).content.decode())
    assert "imported at an assumed strength" in html
    assert "assumed at import, not judged by the project" in html
    assert "Link strengths are the project's editorial judgement" not in html
    assert "ATLAS onto the seed (test)" in html


def test_the_seed_s_footer_still_says_strengths_are_editorial(crossed_graph, client):
    html = unescape(client.get("/incidents/").content.decode())
    assert "Link strengths are the project's editorial judgement" in html


def test_the_coverage_page_through_a_set_states_the_rule(crossed_graph, client):
    answer = client.get("/coverage/", {"taxonomy": "atlas", "through": SET_ID})
    html = unescape(answer.content.decode())
    assert answer.status_code == 200
    assert RULE in html
    assert 'data-item="AML.T0000" data-addressed="false"' in html
    assert "Outside the taxonomy" in html


def test_the_coverage_page_refuses_an_unknown_set_clearly(crossed_graph, client):
    answer = client.get("/coverage/", {"taxonomy": "atlas", "through": "x:nope"})
    assert answer.status_code == 400
    assert "unknown mapping set: x:nope" in answer.content.decode()


def test_the_set_page_shows_rows_predicates_histogram_and_unmapped_items(
    crossed_graph, client
):
    answer = client.get("/crosswalks/set/", {"id": SET_ID})
    html = unescape(answer.content.decode())
    assert answer.status_code == 200
    assert 'data-subject="AML.T0024" data-object="model-extraction"' in html
    assert (
        '<tr data-predicate="skos:exactMatch"><th scope="row">is the same as</th>'
        in html
    )
    assert "<title>0.5–0.6: 1</title>" in html
    assert "Search Victim Research" in html  # an ATLAS item no row maps
    assert "Scaled misuse" in html or "scaled-misuse" in html  # ours unmapped
    assert client.get("/crosswalks/set/", {"id": "x:nope"}).status_code == 404


def test_the_matrix_and_the_threat_page_show_what_maps_onto_a_threat(
    crossed_graph, client
):
    html = unescape(client.get("/crosswalks/matrix/", {"id": SET_ID}).content.decode())
    assert 'data-threat="model-extraction"' in html
    assert '<span title="skos:exactMatch">=</span> 1.0' in html
    html = unescape(client.get("/threats/model-extraction/").content.decode())
    assert 'id="mapped-onto"' in html
    assert 'data-item="AML.T0024"' in html and 'data-item="AML.T0010"' in html
    listing = client.get("/crosswalks/").content.decode()
    assert "ATLAS onto the seed (test)" in listing


def test_the_incidents_command_replays_through_a_set(crossed_graph):
    out = StringIO()
    call_command("incidents", "--taxonomy", "atlas", "--through", SET_ID, stdout=out)
    text = out.getvalue()
    assert text.startswith("1 of 2 documented incidents would be stopped")
    assert "Read through the mapping set ATLAS onto the seed (test)" in text
    assert "AML.CS0002  not stopped (1 step(s) outside the taxonomy)" in text
    with pytest.raises(CommandError, match="unknown mapping set: x:nope"):
        call_command("incidents", "--taxonomy", "atlas", "--through", "x:nope")


def test_the_seed_s_brief_replays_atlas_through_the_set(crossed_graph, client):
    html = unescape(client.get("/brief/").content.decode())
    line = html.split('class="crossed-incidents-line"')[1].split("</p>")[0]
    assert "1 of 2</strong> documented incidents of atlas" in line
    assert "ATLAS onto the seed (test)" in line


def test_the_incidents_api_replays_through_a_set(crossed_graph, client):
    answer = client.get(
        "/api/v1/coverage/incidents/", {"taxonomy": "atlas", "through": SET_ID}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["through"]["id"] == SET_ID
    assert body["outside_total"] == 1
    verdicts = {i["id"]: i["stopped"] for i in body["results"]}
    assert verdicts == {"AML.CS0001": True, "AML.CS0002": False}


def test_the_coverage_command_reads_through_a_set_as_csv(crossed_graph):
    out = StringIO()
    call_command(
        "coverage",
        "--taxonomy",
        "atlas",
        "--through",
        SET_ID,
        "--format",
        "csv",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == f"# {RULE}"
    assert lines[1].startswith("id,name,class,addressed,coverage,via")
    assert any(
        line.startswith("AML.T0024,") and ",model-extraction," in line for line in lines
    )


# --- The ceiling a mapping puts on every verdict (policymaker review) ---------

CAPPED_ID = "https://example.org/layerwise/mappings/capped"
CAPPED = MappingSet(
    CAPPED_ID,
    "atlas",
    "layerwise",
    license="https://creativecommons.org/licenses/by/4.0/",
    mapping_set_title="ATLAS onto the seed, at most 80% sure (test)",
    curie_map=MAPPING.curie_map,
    rows=(
        MappingRow(
            "atlas:AML.T0024",
            "skos:closeMatch",
            "layerwise:model-extraction",
            confidence=0.8,
        ),
        MappingRow(
            "atlas:AML.T0000",
            "skos:relatedMatch",
            "layerwise:model-extraction",
            confidence=1.0,
        ),
    ),
)


@pytest.fixture
def capped_graph(crossed_graph):
    services.mapping_set_save(mapping_set=CAPPED, channel=None)
    return crossed_graph


def test_a_mapping_whose_best_row_is_80_percent_sure_says_nothing_can_be_stopped(
    capped_graph, client
):
    # Every measure adopted, model extraction is covered below 100%, so 0.8 ×
    # its coverage stays below 0.8: the mapping, not the measures, decides.
    scenario = Scenario(through=CAPPED_ID)
    report = incident_report(scenario=scenario, taxonomy="atlas")
    assert report["totals"]["stopped"] == 0
    ceiling = report["ceiling"]
    assert ceiling["confidence"] == 0.8 and ceiling["reachable"] is False
    assert ceiling["words"].startswith(
        "No incident can count as stopped through this mapping at an 80% threshold"
    )
    html = unescape(
        client.get(
            "/incidents/", {"taxonomy": "atlas", "through": CAPPED_ID}
        ).content.decode()
    )
    assert ceiling["words"] in html
    body = client.get(
        "/api/v1/coverage/incidents/", {"taxonomy": "atlas", "through": CAPPED_ID}
    ).json()
    assert body["ceiling"]["reachable"] is False
    assert body["ceiling"]["words"] == ceiling["words"]
    out = StringIO()
    call_command("incidents", "--taxonomy", "atlas", "--through", CAPPED_ID, stdout=out)
    assert ceiling["words"] in out.getvalue()
    # The coverage page, API and command with the same set say it of techniques.
    document = client.get(
        "/api/v1/coverage/", {"taxonomy": "atlas", "through": CAPPED_ID}
    ).json()
    assert document["ceiling"]["words"].startswith(
        "No technique can count as addressed through this mapping"
    )
    html = unescape(
        client.get(
            "/coverage/", {"taxonomy": "atlas", "through": CAPPED_ID}
        ).content.decode()
    )
    assert document["ceiling"]["words"] in html
    out = StringIO()
    call_command(
        "coverage",
        "--taxonomy",
        "atlas",
        "--through",
        CAPPED_ID,
        "--format",
        "csv",
        stdout=out,
    )
    assert out.getvalue().splitlines()[1] == f"# {document['ceiling']['words']}"


def test_a_mapping_that_can_reach_the_threshold_says_nothing_of_a_ceiling(
    crossed_graph, client
):
    report = incident_report(scenario=Scenario(through=SET_ID), taxonomy="atlas")
    assert report["ceiling"]["reachable"] is True
    assert report["ceiling"]["words"] is None
    html = client.get("/incidents/", {"taxonomy": "atlas", "through": SET_ID})
    assert 'id="incidents-ceiling"' not in html.content.decode()


def test_what_would_stop_the_rest_lists_only_techniques_mapped_to_our_threats(
    capped_graph, client
):
    report = incident_report(scenario=Scenario(through=CAPPED_ID), taxonomy="atlas")
    # Both incidents use AML.T0000 (only related to one of ours): it would
    # stop two, but no measure of ours addresses it, so it is not listed.
    assert [s["threat"] for s in report["stoppers"]] == ["AML.T0024"]
    assert report["stoppers"][0]["via"] == "model-extraction"
    assert report["stoppers_unmapped"] == 1
    html = unescape(
        client.get(
            "/incidents/", {"taxonomy": "atlas", "through": CAPPED_ID}
        ).content.decode()
    )
    assert 'data-via="model-extraction"' in html
    assert "1 more technique used by these incidents is outside our taxonomy" in html
    assert "Stopped if the threshold were at most" in html
    assert "Stopped up to threshold" not in html


def test_through_on_a_named_revision_is_refused_naming_through(crossed_graph, client):
    query = {"through": SET_ID, "revision": "some-name"}
    answer = client.get("/api/v1/coverage/", query)
    assert answer.status_code == 422, answer.content
    assert "through" in answer.json()["error"]["details"]
    answer = client.get("/coverage/", {"taxonomy": "atlas", **query})
    assert answer.status_code == 400
    assert "through=" in unescape(answer.content.decode())


def test_the_set_pages_name_catalogues_and_rows_in_words_and_link_the_items(
    crossed_graph, client
):
    listing = unescape(client.get("/crosswalks/").content.decode())
    assert "MITRE ATLAS onto our threats" in listing
    assert "atlas onto layerwise" not in listing
    html = unescape(client.get("/crosswalks/set/", {"id": SET_ID}).content.decode())
    assert "broad, narrow" not in html and "“is narrower than”" in html
    assert '<a href="/threats/model-extraction/">Model extraction</a>' in html
    assert '<a href="/threats/AML.T0024/?taxonomy=atlas">' in html
    assert 'id="mapping-rows" class="stack-table"' in html
    assert 'data-label="Rationale"' in html and 'data-label="Confidence"' in html
