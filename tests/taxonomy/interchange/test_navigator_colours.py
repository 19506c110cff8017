"""Navigator layers in MITRE's own exporters (mitreattack-python's Excel and SVG),
and cell colours that tell the cell's class, as the legend says."""

from __future__ import annotations

import math
import re

import openpyxl
import pytest
import stix2
from hypothesis import given
from hypothesis import strategies as st
from mitreattack.navlayers import Layer, ToExcel, ToSvg
from mitreattack.navlayers.core import Gradient

from taxonomy import selectors, services
from taxonomy.analysis.model import (
    CLASSES,
    DEFENSE_IN_DEPTH,
    INSUFFICIENT,
    SINGLE_LAYER,
    UNMITIGATED,
)
from taxonomy.formats.navigator import navigator_layer
from taxonomy.selectors.coverage import coverage_scenario

# --- the colour of a cell is its class's legend colour --------------------------------


def _rgb(color: str) -> tuple[int, ...]:
    return tuple(int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))


def _navigator_color(gradient: dict, score: float) -> tuple[int, ...]:
    """The score's colour as ATT&CK Navigator draws it: linear between the
    gradient's evenly spaced colours from minValue to maxValue, clamped."""
    stops = [_rgb(c) for c in gradient["colors"]]
    low, high = gradient["minValue"], gradient["maxValue"]
    t = min(max((score - low) / (high - low), 0.0), 1.0) * (len(stops) - 1)
    i = min(int(t), len(stops) - 2)
    return tuple(
        round(a + (b - a) * (t - i))
        for a, b in zip(stops[i], stops[i + 1], strict=True)
    )


def _cell_color(technique: dict, gradient: dict) -> tuple[int, ...]:
    """A cell's colour as Navigator draws it: its own ``color``, else its score's."""
    if technique.get("color"):
        return _rgb(technique["color"])
    return _navigator_color(gradient, technique["score"])


def _class_of(coverage: float, threshold: float, alone: bool) -> str:
    """The class, as the model defines it, of a threat of this coverage."""
    if coverage == 0:
        return UNMITIGATED
    if coverage < threshold:
        return INSUFFICIENT
    return SINGLE_LAYER if alone else DEFENSE_IN_DEPTH


@st.composite
def coverage_documents(draw) -> dict:
    """A coverage document of random threats at a random whole-percent threshold."""
    threshold = draw(st.integers(1, 100)) / 100
    coverages = st.one_of(
        st.just(0.0),
        st.just(threshold),
        st.floats(0, 1),
        st.integers(0, 100).map(lambda p: p / 100),
    )
    threats = []
    for i, coverage in enumerate(draw(st.lists(coverages, min_size=1, max_size=12))):
        alone = draw(st.booleans())
        threats.append(
            {
                "id": f"t:T{i:04d}",
                "class": _class_of(coverage, threshold, alone),
                "coverage": {"all": coverage},
                "minimal_layer_sets": [["hw"]] if alone else [["hw", "sw"]],
            }
        )
    summary = {c: sum(t["class"] == c for t in threats) for c in CLASSES}
    return {
        "threshold": threshold,
        "layers": ["hw", "sw"],
        "summary": summary,
        "scenario": {"baseline": True},
        "threats": threats,
    }


@given(document=coverage_documents())
def test_every_cell_has_the_legend_colour_of_its_class(document):
    layer = navigator_layer(document, taxonomy="t")
    legend = {
        item["label"].split(" ")[0]: _rgb(item["color"])
        for item in layer["legendItems"]
    }
    classes = {t["id"].removeprefix("t:"): t["class"] for t in document["threats"]}
    assert len(layer["techniques"]) == len(document["threats"]) > 0
    for technique in layer["techniques"]:
        cls = classes[technique["techniqueID"]]
        assert _cell_color(technique, layer["gradient"]) == legend[cls]
        assert technique["comment"].startswith(cls + ",")


@given(document=coverage_documents())
def test_the_gradient_alone_tells_addressed_from_not_at_the_threshold(document):
    layer = navigator_layer(document, taxonomy="t")
    gradient = layer["gradient"]
    below, above = (_rgb(c) for c in (gradient["colors"][0], gradient["colors"][-1]))
    assert document["threats"]
    for technique, threat in zip(layer["techniques"], document["threats"], strict=True):
        addressed = threat["class"] in (SINGLE_LAYER, DEFENSE_IN_DEPTH)
        drawn = _navigator_color(gradient, technique["score"])
        assert drawn == (above if addressed else below)
        # mitreattack-python's exporters compute the same colour.
        computed = Gradient(**gradient).compute_color(technique["score"])
        assert _rgb(computed) == drawn


def test_the_four_classes_have_clearly_different_colours():
    document = {"threshold": 0.8, "layers": [], "summary": {}, "threats": []}
    colors = [
        _rgb(i["color"]) for i in navigator_layer(document, taxonomy="t")["legendItems"]
    ]
    assert len(colors) == 4
    for i, a in enumerate(colors):
        for b in colors[i + 1 :]:
            assert math.dist(a, b) > 60, (a, b)


def test_scores_either_side_of_the_threshold_draw_clearly_different_colours():
    threats = [
        {
            "id": f"t:T{score}",
            "class": _class_of(score / 100, 0.8, True),
            "coverage": {"all": score / 100},
            "minimal_layer_sets": [["hw"]],
        }
        for score in (79, 80)
    ]
    document = {"threshold": 0.8, "layers": ["hw"], "summary": {}, "threats": threats}
    layer = navigator_layer(document, taxonomy="t")
    low, high = (_cell_color(t, layer["gradient"]) for t in layer["techniques"])
    assert math.dist(low, high) > 60


# --- mitreattack-python's Excel and SVG exports of a layer ---------------------------

ICS_TACTICS = {
    "TA0108": ("Initial Access", "initial-access"),
    "TA0107": ("Inhibit Response Function", "inhibit-response-function"),
}
ICS_TECHNIQUES = {
    "T0817": ("Drive-by Compromise", "initial-access"),
    "T0865": ("Spearphishing Attachment", "initial-access"),
    "T0816": ("Device Restart/Shutdown", "inhibit-response-function"),
}


def _ics_objects() -> list:
    """An ATT&CK for ICS-shaped catalogue: a matrix of two tactics, three
    techniques, the first two mitigated (the first by two mitigations). Each
    tactic's shortname is its name in lowercase with hyphens, the phase name
    MITRE's matrix generator looks techniques up by."""

    def refs(external_id: str) -> list[dict[str, str]]:
        return [{"source_name": "mitre-attack", "external_id": external_id}]

    custom = {
        "allow_custom": True,
        "x_mitre_domains": ["ics-attack"],
        "x_mitre_platforms": ["Windows"],
    }
    tactics = [
        {
            "type": "x-mitre-tactic",
            "spec_version": "2.1",
            "id": f"x-mitre-tactic--{n:08d}-0000-4000-8000-000000000000",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "name": name,
            "x_mitre_shortname": shortname,
            "external_references": refs(tid),
        }
        for n, (tid, (name, shortname)) in enumerate(ICS_TACTICS.items(), start=1)
    ]
    matrix = {
        "type": "x-mitre-matrix",
        "spec_version": "2.1",
        "id": "x-mitre-matrix--00000009-0000-4000-8000-000000000000",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "ATT&CK for ICS",
        "tactic_refs": [t["id"] for t in tactics],
        "external_references": refs("ics-attack"),
    }
    patterns = [
        stix2.AttackPattern(
            name=name,
            external_references=refs(tid),
            kill_chain_phases=[
                {"kill_chain_name": "mitre-ics-attack", "phase_name": phase}
            ],
            **custom,
        )
        for tid, (name, phase) in ICS_TECHNIQUES.items()
    ]
    mitigations = [
        stix2.CourseOfAction(name=name, external_references=refs(mid), **custom)
        for mid, name in (("M0917", "User Training"), ("M0931", "Network Filtering"))
    ]
    links = [
        stix2.Relationship(mitigations[0], "mitigates", patterns[0]),
        stix2.Relationship(mitigations[1], "mitigates", patterns[0]),
        stix2.Relationship(mitigations[1], "mitigates", patterns[1]),
    ]
    return [*tactics, matrix, *patterns, *mitigations, *links]


@pytest.fixture
def ics_layer(graph) -> tuple[dict, stix2.MemoryStore]:
    """The Navigator layer of the ICS-shaped catalogue imported into the graph,
    and the catalogue as MITRE's exporters read their matrix."""
    objects = _ics_objects()
    bundle = stix2.Bundle(objects=objects, allow_custom=True)
    services.catalogue_import(
        format="stix", data=bundle.serialize(), taxonomy="attack-ics"
    )
    layer = selectors.taxonomy_export(
        format="navigator", taxonomy="attack-ics", scenario=coverage_scenario()
    )
    store = stix2.MemoryStore(stix_data=objects, allow_custom=True)
    return _loaded(layer), store


def _loaded(text: str) -> Layer:
    layer = Layer()
    layer.from_str(text)
    return layer


def _classes(layer: Layer) -> dict[str, str]:
    return {t.techniqueID: t.comment.split(",")[0] for t in layer.layer.techniques}


def test_mitres_excel_export_of_a_layer_colours_each_cell_by_class(ics_layer, tmp_path):
    layer, store = ics_layer
    legend = {i.label.split(" ")[0]: i.color for i in layer.layer.legendItems}
    path = tmp_path / "layer.xlsx"
    ToExcel(domain="ics-attack", source="memorystore", resource=store).to_xlsx(
        layer, filepath=str(path)
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == layer.layer.name == "attack-ics coverage"
    fills = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value:
                fills[str(cell.value).split(":")[0].strip()] = cell.fill.start_color.rgb
    classes = _classes(layer)
    assert set(classes) == set(ICS_TECHNIQUES)
    assert {classes[t] for t in ICS_TECHNIQUES} == {
        SINGLE_LAYER,
        INSUFFICIENT,
        UNMITIGATED,
    }
    for tid, cls in classes.items():
        assert fills[tid][-6:].lower() == legend[cls].lstrip("#").lower()


def test_mitres_svg_export_of_a_layer_colours_addressed_apart_from_not(
    ics_layer, tmp_path
):
    """mitreattack-python's SVG export draws a scored cell by its score (it
    reads ``color`` only for cells without one): the gradient's step at the
    threshold still tells an addressed threat from one that is not."""
    layer, store = ics_layer
    path = tmp_path / "layer.svg"
    ToSvg(domain="ics-attack", source="memorystore", resource=store).to_svg(
        layer, filepath=str(path)
    )
    cells = {
        m["id"]: tuple(int(m[c]) for c in "rgb")
        for m in re.finditer(
            r'<rect [^>]*style="fill: rgb\((?P<r>\d+), (?P<g>\d+), (?P<b>\d+)\)"'
            r'[^>]*class="(?P<id>T\d+)"',
            path.read_text(),
        )
    }
    legend = {i.label.split(" ")[0]: _rgb(i.color) for i in layer.layer.legendItems}
    classes = _classes(layer)
    assert set(cells) == set(classes) == set(ICS_TECHNIQUES)
    for tid, cls in classes.items():
        addressed = cls in (SINGLE_LAYER, DEFENSE_IN_DEPTH)
        assert cells[tid] == legend[SINGLE_LAYER if addressed else INSUFFICIENT]
