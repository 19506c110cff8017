"""The coverage command against the seed taxonomy on the real Neo4j test server."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from taxonomy import services
from taxonomy.analysis.model import CLASSES
from tests.samples import ACME
from tests.taxonomy.coverage_shape import THREAT_KEYS, TOP_KEYS

SEED_LAYERS = {"hardware", "software", "institutional", "liability"}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("coverage", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run("--format", "json", *args))


def test_the_json_document_has_the_documented_shape(seeded_graph_read_only):
    doc = run_json()
    assert list(doc) == TOP_KEYS
    assert doc["schema"] == "layerwise-coverage/1"
    assert isinstance(doc["revision"], int)
    assert doc["threshold"] == 0.8
    assert doc["effectiveness"] == {"low": 0.3, "medium": 0.6, "high": 0.9}
    assert doc["scenario"]["baseline"] is True
    assert set(doc["layers"]) == SEED_LAYERS
    assert doc["minimal_layer_sets"] == "exact"
    assert list(doc["summary"]) == list(CLASSES)
    ids = [t["id"] for t in doc["threats"]]
    assert ids == sorted(ids)
    assert len(ids) == sum(doc["summary"].values()) == 12
    for threat in doc["threats"]:
        assert list(threat) == THREAT_KEYS
        assert threat["class"] in CLASSES
        assert set(threat["coverage"]) == {"all", "by_layer"}
        assert list(threat["coverage"]["by_layer"]) == doc["layers"]
        assert 0.0 <= threat["coverage"]["all"] <= 1.0
        for link in threat["links"]:
            assert set(link) == {"mitigation", "layer", "strength", "effectiveness"}
        for layer_set in threat["minimal_layer_sets"]:
            assert set(layer_set) <= SEED_LAYERS
    assert set(doc["layer_totals"]) == SEED_LAYERS
    assert doc["layer_sets"]["scope"] == "all"
    assert len(doc["layer_sets"]["sets"]) == 15
    assert doc["chains"] is None and doc["diff"] is None


def test_the_seed_has_the_brief_s_answers(seeded_graph_read_only):
    doc = run_json()
    assert doc["summary"] == {
        "unmitigated": 0,
        "insufficient": 3,
        "defense-in-depth": 6,
        "single-layer": 3,
    }
    guardrail = next(t for t in doc["threats"] if t["id"] == "guardrail-removal")
    assert guardrail["coverage"]["all"] == 0.932772
    assert guardrail["class"] == "defense-in-depth"


def test_a_scenario_and_its_diff_reach_the_document(seeded_graph_read_only):
    doc = run_json(
        "--disable-layer",
        "liability",
        "--diff-baseline",
        "--maturity",
        "deployed,pilot",
    )
    assert doc["scenario"]["disabled_layers"] == ["liability"]
    assert doc["scenario"]["maturities"] == ["pilot", "deployed"]
    assert doc["query"]["diff_baseline"] is True
    assert {c["id"] for c in doc["diff"]["changed"]} >= {"unaccountable-harm"}


def test_one_threat_and_its_chains(seeded_graph_read_only):
    doc = run_json(
        "--threat", "scaled-misuse", "--chains", "scaled-misuse", "--threshold", "0.9"
    )
    assert [t["id"] for t in doc["threats"]] == ["scaled-misuse"]
    assert doc["threshold"] == 0.9
    assert doc["chains"]["target"] == "scaled-misuse"
    assert len(doc["chains"]["paths"]) == 3


def test_the_csv_is_the_threat_by_layer_matrix(seeded_graph_read_only):
    rows = list(csv.reader(io.StringIO(run("--format", "csv"))))
    assert rows[0][:3] == ["threat", "class", "all"]
    assert set(rows[0][3:-2]) == SEED_LAYERS
    assert rows[0][-2:] == ["threat name", "scenario in words"]
    assert len(rows) == 13
    assert all(row[1] in CLASSES for row in rows[1:])


def test_the_table_lists_every_threat(seeded_graph_read_only):
    text = run()
    for threat in run_json()["threats"]:
        assert threat["id"] in text
    assert "Summary: unmitigated 0, insufficient 3" in text


def test_fail_on_exits_1_after_printing_the_report(seeded_graph):
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "coverage",
            "--format",
            "json",
            "--fail-on",
            "insufficient,unmitigated",
            stdout=out,
        )
    assert caught.value.returncode == 1
    assert "shadow-ai" in str(caught.value)
    assert json.loads(out.getvalue())["summary"]["insufficient"] == 3


def test_fail_on_passes_when_no_threat_is_in_the_classes(seeded_graph_read_only):
    assert run_json("--fail-on", "unmitigated")["summary"]["unmitigated"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--disable-layer", "market"], "unknown layer: market"),
        (
            ["--disable-mitigation", "nope", "--threat", "gone"],
            "unknown mitigation: nope",
        ),
        (["--threat", "gone"], "unknown threat: gone"),
        (["--chains", "gone"], "unknown threat: gone"),
        (["--maturity", "someday"], "unknown maturity: someday"),
        (["--threshold", "1.5"], "threshold must be in (0, 1]"),
        (["--threshold", "0"], "threshold must be in (0, 1]"),
        (["--fail-on", "doomed"], "unknown class: doomed"),
    ],
)
def test_bad_arguments_are_clear_errors(seeded_graph_read_only, args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert message in str(caught.value)
    assert caught.value.returncode == 2


def test_it_analyses_the_seed_by_default_and_another_taxonomy_on_request(seeded_graph):
    services.taxonomy_apply(taxonomy=ACME, scope="acme")
    seed = json.loads(run("--format", "json"))
    assert len(seed["threats"]) == 12
    acme = json.loads(run("--format", "json", "--taxonomy", "acme"))
    classes = {t["id"]: t["class"] for t in acme["threats"]}
    assert classes == {
        "acme:AML.T0001": "single-layer",
        "acme:AML.T0002": "unmitigated",
    }
    with pytest.raises(CommandError, match="unknown taxonomy: nope"):
        run("--taxonomy", "nope")


def test_robustness_adds_its_section_reproducibly_and_says_it_in_words(
    seeded_graph_read_only,
):
    first = run_json("--robustness", "--samples", "300", "--seed", "3")
    again = run_json("--robustness", "--samples", "300", "--seed", "3")
    section = first["robustness"]
    assert section == again["robustness"]
    assert run_json()["robustness"] is None
    assert section["monte_carlo"]["samples"] == 300
    assert section["monte_carlo"]["seed"] == 3
    assert section["headline"]["count"] == sum(
        1 for t in first["threats"] if t["class"] != "single-layer"
    )
    assert [t["id"] for t in section["threats"]] == [t["id"] for t in first["threats"]]
    for entry, threat in zip(section["threats"], first["threats"], strict=True):
        assert entry["margin"]["all"] == pytest.approx(
            threat["coverage"]["all"] - 0.8, abs=1e-6
        )
    text = run("--robustness", "--samples", "100")
    assert "plausible readings of the strength judgements" in text
    assert "A single judgement one step off moves at most one threat" in text
    assert "Pivotal links" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--robustness", "--samples", "0"], "--samples must be between 1 and 20000"),
        (["--robustness", "--samples", "20001"], "--samples must be between 1"),
        (["--samples", "10"], "--samples and --seed go with --robustness"),
    ],
)
def test_bad_robustness_options_are_usage_errors(seeded_graph_read_only, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2


def test_the_dependence_reaches_every_number_of_the_document(seeded_graph_read_only):
    independent = run_json()
    full = run_json("--dependence", "full")
    assert (independent["dependence"], full["dependence"]) == ("independent", "full")
    assert full["summary"]["defense-in-depth"] == 0
    for threat in full["threats"]:
        best = max((link["effectiveness"] for link in threat["links"]), default=0)
        assert threat["coverage"]["all"] == pytest.approx(best, abs=1e-6)
    within = run_json("--dependence", "within-layer", "--robustness", "--samples", "50")
    assert within["robustness"]["dependence"] == "within-layer"
    with pytest.raises(CommandError):
        run("--dependence", "sometimes")
