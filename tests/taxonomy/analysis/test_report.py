"""The coverage document: its documented shape and its three renderings."""

from __future__ import annotations

import csv
import io
import json

import pytest

from taxonomy.analysis.model import CLASSES
from taxonomy.analysis.report import coverage_document
from taxonomy.analysis.report_render import render_csv, render_json, render_table
from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.scenario import Scenario
from taxonomy.formats.synthetic import document_chunks, synthetic_taxonomy
from tests.taxonomy.coverage_shape import (
    GEOGRAPHY_KEYS,
    THREAT_KEYS,
    TOP_KEYS_WITHOUT_GEOGRAPHY,
)


@pytest.fixture
def document(seed_taxonomy):
    return coverage_document(seed_taxonomy, scenario=Scenario())


def test_the_document_has_the_documented_shape(document):
    doc = json.loads(render_json(document))
    # This seed records no jurisdiction, so its document has no world view.
    assert GEOGRAPHY_KEYS == ["world"]
    assert list(doc) == TOP_KEYS_WITHOUT_GEOGRAPHY
    assert doc["schema"] == "layerwise-coverage/1"
    assert doc["revision"] == 7
    assert doc["threshold"] == 0.8
    assert doc["effectiveness"] == {"low": 0.3, "medium": 0.6, "high": 0.9}
    assert doc["scenario"] == {
        "baseline": True,
        "disabled_layers": [],
        "disabled_mitigations": [],
        "maturities": None,
        "adopted": [],
        "disabled_by_requires": [],
        "summary": (
            "Every proposal adopted: every measure counts, proposed and pilot ones "
            "included, as if all were in force; threshold 80%."
        ),
    }
    assert doc["query"] == {"threat": None, "chains": None, "diff_baseline": False}
    assert doc["layers"] == ["hardware", "software", "institutional", "liability"]
    assert doc["minimal_layer_sets"] == "exact"
    assert list(doc["summary"]) == list(CLASSES)
    ids = [t["id"] for t in doc["threats"]]
    assert ids == sorted(ids) and len(ids) == 12
    for threat in doc["threats"]:
        assert list(threat) == THREAT_KEYS
        assert threat["class"] in CLASSES
        assert list(threat["coverage"]["by_layer"]) == doc["layers"]
        assert all(isinstance(s, list) for s in threat["minimal_layer_sets"])
    assert set(doc["layer_totals"]) == set(doc["layers"])
    assert doc["layer_sets"]["scope"] == "all"
    assert doc["chains"] is None and doc["diff"] is None


def test_coverages_are_rounded_to_six_decimals(document):
    guardrail = next(t for t in document["threats"] if t["id"] == "guardrail-removal")
    assert guardrail["coverage"]["all"] == 0.932772
    assert guardrail["coverage"]["by_layer"]["software"] == 0.657


def test_the_json_rendering_is_stable_and_round_trips(seed_taxonomy, document):
    again = coverage_document(seed_taxonomy, scenario=Scenario())
    assert render_json(document) == render_json(again)
    assert json.loads(render_json(document)) == document


def test_one_threat_can_be_asked_for(seed_taxonomy):
    doc = coverage_document(seed_taxonomy, scenario=Scenario(), threat="shadow-ai")
    assert [t["id"] for t in doc["threats"]] == ["shadow-ai"]
    assert sum(doc["summary"].values()) == 12
    assert doc["query"]["threat"] == "shadow-ai"


def test_unknown_ids_are_an_error_not_an_empty_result(seed_taxonomy):
    with pytest.raises(ScenarioError, match="unknown threat: nope"):
        coverage_document(seed_taxonomy, scenario=Scenario(), threat="nope")
    with pytest.raises(ScenarioError, match="unknown threat: gone"):
        coverage_document(seed_taxonomy, scenario=Scenario(), chains="gone")
    with pytest.raises(ScenarioError, match="unknown layer: market"):
        coverage_document(seed_taxonomy, scenario=Scenario(disabled_layers=["market"]))


def test_the_diff_block_compares_with_the_baseline(seed_taxonomy):
    doc = coverage_document(
        seed_taxonomy,
        scenario=Scenario(disabled_layers=["liability"]),
        diff_baseline=True,
    )
    assert doc["diff"]["changed"] == [
        {
            "id": "unaccountable-harm",
            "from": "single-layer",
            "to": "insufficient",
            "coverage": {"from": 0.96864, "to": 0.72},
        }
    ]
    assert doc["query"]["diff_baseline"] is True


def test_the_csv_is_the_threat_by_layer_matrix(document):
    rows = list(csv.reader(io.StringIO(render_csv(document))))
    assert rows[0] == [
        "threat",
        "class",
        "all",
        "hardware",
        "software",
        "institutional",
        "liability",
        "threat name",
        "scenario in words",
    ]
    assert len(rows) == 13
    shadow = next(r for r in rows if r[0] == "shadow-ai")
    assert shadow == [
        "shadow-ai",
        "insufficient",
        "0.759900",
        "0.000000",
        "0.300000",
        "0.300000",
        "0.510000",
        next(t["name"] for t in document["threats"] if t["id"] == "shadow-ai"),
        document["scenario"]["summary"],
    ]
    assert document["scenario"]["summary"].startswith("Every proposal adopted")


def test_the_table_lists_every_threat_with_its_class(document):
    text = render_table(document)
    lines = text.splitlines()
    for threat in document["threats"]:
        line = next(row for row in lines if f" {threat['id']} " in f" {row} ")
        assert threat["class"] in line
    assert (
        "Summary: unmitigated 0, insufficient 3, defense-in-depth 6, single-layer 3"
        in text
    )
    model_extraction = next(row for row in lines if "model-extraction" in row)
    assert "0.972*" in model_extraction


def test_the_table_shows_chains_and_diff_when_asked(seed_taxonomy):
    doc = coverage_document(
        seed_taxonomy,
        scenario=Scenario(maturities=["deployed"], disabled_layers=["software"]),
        chains="scaled-misuse",
        diff_baseline=True,
    )
    text = render_table(doc)
    assert "sanctions-evasion -> covert-deployment -> scaled-misuse  [OPEN]" in text
    assert "Minimum blocking set: covert-deployment" in text
    assert "scaled-misuse: defense-in-depth -> insufficient" in text
    assert "maturities counted: deployed" in text


def test_the_synthetic_document_is_canonical_json():
    taxonomy = synthetic_taxonomy(
        threats=30, mitigations=12, layers=3, links=80, seed=2
    )
    doc = json.loads("".join(document_chunks(taxonomy)))
    assert list(doc) == [
        "layers", "threats", "mitigations", "mitigates", "enables", "requires",
        "introduces", "subtypes", "sources",
    ]  # fmt: skip
    assert len(doc["mitigates"]) == 80
    assert set(doc["mitigates"][0]) == {
        "mitigation", "threat", "strength", "rationale", "sources", "version",
    }  # fmt: skip
    assert doc["threats"] == sorted(doc["threats"], key=lambda t: t["id"])
    assert set(doc["enables"][0]) == {"source", "target", "version"}


def test_the_generator_is_seeded():
    one = synthetic_taxonomy(threats=20, mitigations=5, layers=2, links=40, seed=9)
    two = synthetic_taxonomy(threats=20, mitigations=5, layers=2, links=40, seed=9)
    other = synthetic_taxonomy(threats=20, mitigations=5, layers=2, links=40, seed=10)
    assert one == two
    assert one != other


def test_the_table_names_the_jurisdiction_and_date_it_counts():
    """A baseline counted in one jurisdiction on one day says so: the table's
    scenario line is every number's assumption."""
    from taxonomy.analysis.report_render import _scenario_line

    base = {
        "baseline": True, "disabled_layers": [], "disabled_mitigations": [],
        "maturities": None, "adopted": [], "disabled_by_requires": [],
    }  # fmt: skip
    assert _scenario_line({"scenario": base}) == (
        "Scenario: baseline (every layer, mitigation and maturity counts)"
    )
    placed = {**base, "jurisdiction": "eu", "as_of": "2026-01-01"}
    assert _scenario_line({"scenario": placed}) == (
        "Scenario: baseline (every layer, mitigation and maturity counts); "
        "in force in: eu; as of: 2026-01-01"
    )
    off = {**placed, "baseline": False, "disabled_layers": ["hardware"]}
    assert _scenario_line({"scenario": off}) == (
        "Scenario: layers off: hardware; in force in: eu; as of: 2026-01-01"
    )
