"""Resilience where it shows: the coverage document, the command, the API and
the pages say what ``resilience.layer_depth`` / ``mitigation_depth`` compute."""

from __future__ import annotations

import html as html_lib
import io
import json
import random
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from taxonomy import selectors, services
from taxonomy.analysis.compiled import coverage_model
from taxonomy.analysis.fast import run_scenario
from taxonomy.analysis.recommend import TODAY, greedy_order
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.report_render import render_table
from taxonomy.analysis.resilience import (
    layer_depth,
    mitigation_depth,
    resilience_summary,
)
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    Layer,
    Link,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import DEPENDENCES, Scenario
from taxonomy.selectors import taxonomy_snapshot
from taxonomy.selectors.coverage import coverage_scenario
from tests.taxonomy.analysis.conftest import seed
from tests.taxonomy.analysis.test_resilience import _brute_depth

SMALL = "small"


def small_taxonomy() -> Taxonomy:
    """A small drawn taxonomy with a REQUIRES tie across layers."""
    rng = random.Random(13)
    layers = tuple(Layer(f"small:l{i}", f"Layer {i}", taxonomy=SMALL) for i in range(3))
    threats = tuple(
        Threat(f"small:t{i}", f"Threat {i}", taxonomy=SMALL) for i in range(7)
    )
    maturities = ("deployed", "deployed", "pilot", "proposed")
    mitigations = tuple(
        Mitigation(
            f"small:m{i}",
            f"Mitigation {i}",
            layers[i % 3].id,
            maturities[i % 4],
            taxonomy=SMALL,
        )
        for i in range(7)
    )
    mitigates = tuple(
        Mitigates(m.id, t.id, rng.choice(("low", "medium", "high")))
        for t in threats
        for m in rng.sample(mitigations, rng.randint(1, 4))
    )
    requires = (Link("small:m4", "small:m0"), Link("small:m5", "small:m1"))
    return Taxonomy(
        layers=layers,
        threats=threats,
        mitigations=mitigations,
        mitigates=mitigates,
        requires=requires,
    )


@pytest.fixture
def small_graph(seeded_graph):
    services.taxonomy_apply(taxonomy=small_taxonomy(), scope=SMALL)
    return seeded_graph


def _depths(taxonomy: Taxonomy, scenario: Scenario) -> dict[str, tuple[int, int]]:
    """Threat id -> (layer depth, mitigation depth), from the analysis directly."""
    layers, mitigations = (
        layer_depth(taxonomy, scenario),
        mitigation_depth(taxonomy, scenario),
    )
    return {t: (layers[t], mitigations[t]) for t in layers.threats}


def _document_depths(document: dict) -> dict[str, tuple[int, int]]:
    return {
        t["id"]: (t["depth"]["layers"], t["depth"]["mitigations"])
        for t in document["threats"]
    }


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


# --- The document ------------------------------------------------------------------


@pytest.mark.parametrize("dependence", DEPENDENCES)
@pytest.mark.parametrize("taxonomy", [seed(), small_taxonomy()], ids=["seed", "small"])
def test_the_documents_depth_is_what_the_analysis_computes(taxonomy, dependence):
    for scenario in (
        Scenario(dependence=dependence),
        replace(TODAY, dependence=dependence),
    ):
        document = coverage_document(taxonomy, scenario=scenario)
        assert _document_depths(document) == _depths(taxonomy, scenario)
        assert all(t["depth"]["exact"] for t in document["threats"])
        summary = resilience_summary(taxonomy, scenario)
        assert document["resilience"] == {
            "survive_any_one_layer": summary.survive_one_layer,
            "threats": summary.threats,
            "line": summary.line,
        }


def test_the_documents_layer_depth_equals_brute_force_on_a_small_taxonomy():
    taxonomy = small_taxonomy()
    layers = [layer.id for layer in taxonomy.layers]
    for scenario in (Scenario(), TODAY):
        document = coverage_document(taxonomy, scenario=scenario)
        for threat in document["threats"]:
            expected = _brute_depth(
                taxonomy,
                scenario,
                threat["id"],
                layers,
                lambda off, s=scenario: replace(
                    s, disabled_layers=s.disabled_layers | set(off)
                ),
            )
            assert threat["depth"]["layers"] == expected, threat["id"]


def test_a_single_threats_document_keeps_the_whole_taxonomys_resilience_line():
    taxonomy = seed()
    whole = coverage_document(taxonomy, scenario=Scenario())
    one = coverage_document(taxonomy, scenario=Scenario(), threat="shadow-ai")
    assert one["resilience"] == whole["resilience"]
    assert [t["depth"] for t in one["threats"]] == [
        t["depth"] for t in whole["threats"] if t["id"] == "shadow-ai"
    ]


def test_the_table_shows_each_threats_depth_and_the_resilience_line():
    document = coverage_document(seed(), scenario=TODAY)
    text = render_table(document)
    header = next(line for line in text.splitlines() if "THREAT" in line)
    assert "DEPTH" in header
    for threat in document["threats"]:
        row = next(line for line in text.splitlines() if f" {threat['id']} " in line)
        depth = threat["depth"]
        assert f" {depth['layers']}/{depth['mitigations']} " in f" {row} "
    assert f"Resilience: {document['resilience']['line']}." in text


# --- The command and the API ---------------------------------------------------------


def test_the_coverage_command_prints_the_depths_the_analysis_computes(small_graph):
    for taxonomy in (DEFAULT_TAXONOMY, SMALL):
        out = io.StringIO()
        call_command("coverage", "--format", "json", "--taxonomy", taxonomy, stdout=out)
        document = json.loads(out.getvalue())
        snapshot = taxonomy_snapshot(taxonomy=taxonomy)
        assert _document_depths(document) == _depths(snapshot, coverage_scenario())
        line = resilience_summary(snapshot, coverage_scenario()).line
        assert document["resilience"]["line"] == line
        table = io.StringIO()
        call_command("coverage", "--taxonomy", taxonomy, stdout=table)
        assert f"Resilience: {line}." in table.getvalue()


def test_the_api_coverage_document_has_the_depths(client, small_graph):
    body = client.get("/api/v1/coverage/", {"taxonomy": SMALL, "maturity": "deployed"})
    assert body.status_code == 200
    document = body.json()
    snapshot = taxonomy_snapshot(taxonomy=SMALL)
    scenario = coverage_scenario(maturities=["deployed"])
    assert _document_depths(document) == _depths(snapshot, scenario)
    assert document["resilience"]["line"] == resilience_summary(snapshot, scenario).line


def test_the_openapi_schema_documents_depth_and_resilience():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert "resilience" in components["CoverageDocument"]["properties"]
    depth = components["ThreatCoverage"]["properties"]["depth"]
    assert depth["allOf"][0]["$ref"].endswith("/Depth") or "$ref" in depth
    assert set(components["Depth"]["properties"]) == {"layers", "mitigations", "exact"}


# --- The pages -------------------------------------------------------------------------


@pytest.mark.parametrize("taxonomy", [DEFAULT_TAXONOMY, SMALL])
def test_each_threat_page_shows_its_depth(client, small_graph, taxonomy):
    snapshot = taxonomy_snapshot(taxonomy=taxonomy)
    depths = _depths(snapshot, TODAY)
    names = {layer.name: layer.id for layer in snapshot.layers}
    model = coverage_model(snapshot)
    assert depths
    for threat, (layers, mitigations) in depths.items():
        page = client.get(
            f"/threats/{threat}/", {"taxonomy": taxonomy, "maturity": "deployed"}
        )
        html = page.content.decode()
        assert f'id="depth-layers">{layers}<' in html, threat
        assert f'id="depth-mitigations">{mitigations}<' in html, threat
        said = _text(re.search(r'<dd id="depth">(.*?)</dd>', html, re.S).group(1))
        if layers == 0:
            assert "Not addressed in this scenario" in said
            continue
        named = re.search(r"the loss of (.+?)(?: alone)? leaves it unaddressed", said)
        lost = {names[n] for n in re.split(r", | and ", named.group(1)) if n in names}
        if lost:
            # The layers named do break it, and there are as many as its depth.
            assert len(lost) == layers
            off = replace(TODAY, disabled_layers=frozenset(lost))
            assert threat not in run_scenario(model, off).addressed_threats
        if layers > 1:
            assert (
                f"any {'one layer' if layers == 2 else f'{layers - 1} layers'}" in said
            )


@pytest.mark.parametrize("taxonomy", [DEFAULT_TAXONOMY, SMALL])
def test_each_layer_page_counts_the_threats_that_depend_on_it(
    client, small_graph, taxonomy
):
    snapshot = taxonomy_snapshot(taxonomy=taxonomy)
    model = coverage_model(snapshot)
    depth = layer_depth(model, TODAY)
    assert snapshot.layers
    for layer in snapshot.layers:
        without = run_scenario(
            model, replace(TODAY, disabled_layers=frozenset({layer.id}))
        ).addressed_threats
        expected = [t for t in depth.threats if depth[t] == 1 and t not in without]
        page = client.get(
            f"/layers/{layer.id}/", {"taxonomy": taxonomy, "maturity": "deployed"}
        )
        shown = re.search(r'id="dependants">(\d+)<', page.content.decode())
        assert int(shown.group(1)) == len(expected), layer.id


@pytest.mark.parametrize("path", ["/", "/brief/"])
@pytest.mark.parametrize("taxonomy", [DEFAULT_TAXONOMY, SMALL])
def test_the_overview_and_brief_show_the_resilience_line_and_the_best_next_step(
    client, small_graph, taxonomy, path
):
    snapshot = taxonomy_snapshot(taxonomy=taxonomy)
    scenario = coverage_scenario(maturities=["deployed"])
    html = client.get(path, {"taxonomy": taxonomy, "maturity": "deployed"}).content
    html = html.decode()
    summary = resilience_summary(snapshot, scenario)
    line = re.search(r'id="resilience-line"><strong>(\d+) of (\d+)</strong>', html)
    assert (int(line.group(1)), int(line.group(2))) == (
        summary.survive_one_layer,
        summary.threats,
    )
    first = greedy_order(snapshot, scenario)[0]
    name = next(m.name for m in snapshot.mitigations if m.id == first.mitigation)
    step = re.search(r'<p id="next-step">(.*?)</p>', html, re.S).group(1)
    assert f"adopt <strong>{name}</strong>" in step
    assert f'id="next-step-gain">{first.gain}<' in step
    links = [html_lib.unescape(h) for h in re.findall(r'href="([^"]+)"', step)]
    nxt = next(urlsplit(h) for h in links if h.startswith("/next/"))
    assert parse_qs(nxt.query)["maturity"] == ["deployed"]
    matrix = next(urlsplit(h) for h in links if h.startswith("/coverage/"))
    assert parse_qs(matrix.query)["adopt"] == [first.mitigation]
    assert parse_qs(matrix.query)["maturity"] == ["deployed"]


def test_the_best_next_step_is_the_one_adoption_that_addresses_the_most(small_graph):
    snapshot = taxonomy_snapshot(taxonomy=SMALL)
    model = coverage_model(snapshot)
    start = len(run_scenario(model, TODAY).addressed_threats)
    first = greedy_order(model, TODAY)[0]
    gains = {
        m.id: len(
            run_scenario(
                model, replace(TODAY, adopt=frozenset({m.id}))
            ).addressed_threats
        )
        - start
        for m in snapshot.mitigations
        if m.maturity != "deployed"
    }
    assert first.gain == max(gains.values())


def test_with_every_proposal_counted_the_overview_s_next_step_starts_from_today(
    client, seeded_graph_read_only
):
    snapshot = taxonomy_snapshot()
    first = greedy_order(snapshot, coverage_scenario(maturities=["deployed"]))[0]
    name = next(m.name for m in snapshot.mitigations if m.id == first.mitigation)
    html = client.get("/").content.decode()
    step = re.search(r'<p id="next-step">(.*?)</p>', html, re.S).group(1)
    assert "nothing is left to adopt" not in step
    assert f"adopt <strong>{name}</strong>" in step
    assert f'id="next-step-gain">{first.gain}<' in step
    links = [html_lib.unescape(h) for h in re.findall(r'href="([^"]+)"', step)]
    matrix = next(urlsplit(h) for h in links if h.startswith("/coverage/"))
    assert parse_qs(matrix.query)["maturity"] == ["deployed"]


def test_the_brief_of_every_proposal_adopted_says_nothing_is_left_to_adopt(
    client, seeded_graph_read_only
):
    html = client.get("/brief/").content.decode()
    step = re.search(r'<p id="next-step">(.*?)</p>', html, re.S).group(1)
    assert "nothing is left to adopt" in step
    assert 'href="/next/"' in step


def test_the_next_step_is_ranked_at_the_mitigations_costs(graph):
    cheap_and_narrow = Mitigation("narrow", "Narrow", "hw", "proposed", cost=1.0)
    dear_and_wide = Mitigation("wide", "Wide", "hw", "proposed", cost=10.0)
    taxonomy = Taxonomy(
        layers=(Layer("hw", "HW"),),
        threats=(Threat("t1", "T1"), Threat("t2", "T2"), Threat("t3", "T3")),
        mitigations=(cheap_and_narrow, dear_and_wide),
        mitigates=(
            Mitigates("narrow", "t1", "high"),
            Mitigates("wide", "t2", "high"),
            Mitigates("wide", "t3", "high"),
        ),
    )
    services.taxonomy_apply(taxonomy=taxonomy)
    step = selectors.resilience_next_step(
        token=selectors.revision_token(fresh=True), scenario=TODAY
    )
    # At unit costs "wide" (two threats) would come first; per unit of cost
    # "narrow" (one threat for 1) beats it (two for 10).
    assert greedy_order(taxonomy, TODAY)[0].mitigation == "wide"
    assert step.mitigation == "narrow"
