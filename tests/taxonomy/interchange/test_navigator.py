"""ATT&CK Navigator layers of coverage scenarios, checked against the format."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from mitreattack.navlayers import Layer as NavigatorLayer

from taxonomy import services
from taxonomy.analysis.model import CLASSES, INSUFFICIENT, SINGLE_LAYER
from taxonomy.analysis.report import coverage_document
from taxonomy.domain.records import (
    InForceIn,
    Jurisdiction,
    Layer,
    Mitigates,
    Mitigation,
    Taxonomy,
    Threat,
)
from taxonomy.domain.scenario import Scenario
from taxonomy.formats.navigator import CLASS_COLORS, navigator_layer

# A JSON Schema written from the ATT&CK Navigator Layer File Format Definition,
# version 4.5 (source: mitre-attack/attack-navigator, layers/spec/v4.5/layerformat.md).
SCHEMA = json.loads(
    (Path(__file__).parent / "navigator-layer-4.5.schema.json").read_text()
)


def _navigator(*args) -> dict:
    out = StringIO()
    call_command("export", "--format", "navigator", *args, stdout=out)
    return json.loads(out.getvalue())


def _assert_gradient_max_is_greater(layer: dict) -> None:
    # The spec's one rule a schema cannot state: maxValue must be > minValue.
    assert layer["gradient"]["maxValue"] > layer["gradient"]["minValue"]


def test_the_seed_layer_validates_against_the_layer_format(seeded_graph_read_only):
    layer = _navigator()
    jsonschema.validate(layer, SCHEMA)
    _assert_gradient_max_is_greater(layer)
    assert layer["versions"]["layer"] == "4.5"
    assert len(layer["techniques"]) == 12
    # A step at the threshold, 80%: below it insufficient, at it addressed.
    assert layer["gradient"] == {
        "colors": [CLASS_COLORS[INSUFFICIENT], CLASS_COLORS[SINGLE_LAYER]],
        "minValue": 79,
        "maxValue": 80,
    }
    assert len(layer["legendItems"]) == len(CLASSES)


def test_scores_are_coverage_in_percent_and_comments_name_the_class(
    seeded_graph_read_only,
):
    techniques = {t["techniqueID"]: t for t in _navigator()["techniques"]}
    # model-extraction: 0.986 by all layers; tee (high) in hardware alone reaches 0.9.
    assert techniques["model-extraction"]["score"] == 98
    assert techniques["model-extraction"]["comment"] == (
        "single-layer, coverage 98%: addressed alone by hardware"
    )
    # shadow-ai: four low links, one per layer: 1 - 0.7 ** 4 = 0.76 < 0.8.
    assert techniques["shadow-ai"]["score"] == 75
    assert techniques["shadow-ai"]["comment"] == (
        "insufficient, coverage 75%: no set of layers reaches the threshold"
    )


def test_a_scenario_changes_scores_and_is_described(seeded_graph_read_only):
    layer = _navigator("--disable-layer", "hardware")
    techniques = {t["techniqueID"]: t for t in layer["techniques"]}
    assert techniques["model-extraction"]["score"] < 80
    assert techniques["model-extraction"]["comment"].startswith("insufficient")
    assert "without Hardware" in layer["description"]


def test_the_seed_layer_states_the_jurisdiction_and_date_of_its_scenario(
    seeded_graph_read_only,
):
    layer = _navigator("--jurisdiction", "eu", "--as-of", "2026-01-01")
    jsonschema.validate(layer, SCHEMA)
    metadata = {m["name"]: m["value"] for m in layer["metadata"]}
    assert (metadata["jurisdiction"], metadata["as of"]) == ("eu", "2026-01-01")
    assert "in the European Union, as of 2026-01-01" in layer["description"]
    names = {m["name"] for m in _navigator()["metadata"]}
    assert not names & {"jurisdiction", "as of"}


def _attack_shaped_with_a_jurisdiction() -> Taxonomy:
    """Two ATT&CK-shaped techniques (mitreattack-python refuses other ids) and
    a measure in force only in the EU."""
    return Taxonomy(
        layers=(Layer("hw", "Hardware"),),
        threats=(Threat("T1001", "One"), Threat("T1002", "Two")),
        mitigations=(Mitigation("m", "M", "hw", "deployed"),),
        mitigates=(Mitigates("m", "T1001", "high"), Mitigates("m", "T1002", "low")),
        jurisdictions=(
            Jurisdiction("eu", "European Union", "bloc"),
            Jurisdiction("us", "United States"),
        ),
        in_force=(InForceIn("m", "eu", "deployed", since="2025-08-02"),),
    )


@pytest.mark.parametrize(
    ("where", "stated"),
    [
        (
            {"jurisdiction": "eu", "as_of": "2026-01-01"},
            {"jurisdiction": "eu", "as of": "2026-01-01"},
        ),
        ({"jurisdiction": "us"}, {"jurisdiction": "us"}),
        ({"as_of": "2025-01-01"}, {"as of": "2025-01-01"}),
        ({}, {}),
    ],
)
def test_mitreattack_python_reads_the_jurisdiction_and_date_of_a_layer(
    where, stated, capsys
):
    taxonomy = _attack_shaped_with_a_jurisdiction()
    report = coverage_document(taxonomy, scenario=Scenario(**where))
    layer = navigator_layer(report, taxonomy="enterprise")
    capsys.readouterr()
    loaded = NavigatorLayer()
    loaded.from_dict(copy.deepcopy(layer))
    # mitreattack-python prints what it cannot read instead of raising.
    assert capsys.readouterr().out == ""
    read = loaded.to_dict()
    metadata = {m["name"]: m["value"] for m in read["metadata"]}
    assert {k: metadata[k] for k in ("jurisdiction", "as of") if k in metadata} == (
        stated
    )
    words = {"eu": "in the European Union", "us": "in the United States"}
    if "jurisdiction" in where:
        assert words[where["jurisdiction"]] in read["description"]
    if "as_of" in where:
        assert f"as of {where['as_of']}" in read["description"]


def test_an_atlas_layer_opens_on_atlas_technique_ids(graph, atlas_text):
    services.catalogue_import(format="atlas", data=atlas_text)
    layer = _navigator("--taxonomy", "atlas")
    jsonschema.validate(layer, SCHEMA)
    _assert_gradient_max_is_greater(layer)
    assert layer["domain"] == "atlas-atlas"
    ids = {t["techniqueID"] for t in layer["techniques"]}
    assert len(ids) == 170 and "AML.T0024" in ids and "AML.T0043.001" in ids
    assert {t["comment"].split(",")[0] for t in layer["techniques"]} <= {
        "unmitigated",
        "insufficient",
        "defense-in-depth",
        "single-layer",
    }


@pytest.mark.parametrize("layers", [[], ["hw"]])
def test_the_gradient_is_valid_for_zero_or_one_layer(layers):
    doc = {"threshold": 0.8, "layers": layers, "summary": {}, "threats": []}
    layer = navigator_layer(doc, taxonomy="t", domain="enterprise-attack")
    jsonschema.validate(layer, SCHEMA)
    _assert_gradient_max_is_greater(layer)
