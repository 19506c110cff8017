"""A mitigation's cost: fixtures, the canonical document, STIX, GraphML and
the editor's form keep it, and refuse a cost that is not a positive
finite number with nothing written."""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace
from io import StringIO

import networkx as nx
import pytest
from django.core.management import CommandError, call_command

from taxonomy import selectors, services
from taxonomy.domain.errors import FixtureError, InterchangeError
from taxonomy.domain.records import Layer, Mitigation, Taxonomy
from taxonomy.domain.rules import taxonomy_problems
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.graphml import graphml_document
from taxonomy.formats.stix import EXTENSION_ID, stix_bundle, stix_parse
from taxonomy.graph import repository

BAD_YAML = ["0", "-2", ".nan", ".inf", "abc", "'3'"]
BAD_API = [0, -2, "nan", "inf", "abc", True]
SMALL = Taxonomy(
    layers=(Layer("hw", "Hardware"),),
    mitigations=(
        Mitigation("cheap", "Cheap", "hw", "pilot"),
        Mitigation("dear", "Dear", "hw", "proposed", cost=2.5),
    ),
)


def _cost(mitigation_id: str) -> float:
    snapshot = selectors.taxonomy_snapshot()
    return next(m.cost for m in snapshot.mitigations if m.id == mitigation_id)


def test_a_mitigation_costs_one_unless_it_says_otherwise(seeded_graph_read_only):
    assert {m.cost for m in selectors.taxonomy_snapshot().mitigations} == {1.0}


@pytest.mark.parametrize(
    "cost", [0.0, -1.0, math.nan, math.inf, "2", None, False], ids=repr
)
def test_the_rules_refuse_a_cost_that_is_not_a_positive_finite_number(cost):
    broken = replace(
        SMALL, mitigations=(Mitigation("m", "M", "hw", "pilot", cost=cost),)
    )
    (problem,) = taxonomy_problems(broken)
    assert (problem.kind, problem.field) == ("mitigation", "cost")
    assert "is not a positive finite number" in problem.message


# --- Fixture files ------------------------------------------------------------


def _with_cost(fixture_tree, value: str, mitigation: str = "chip-attestation") -> int:
    """Give ``mitigation`` the cost ``value`` in the tree; return the cost's line."""
    path = fixture_tree / "mitigations.yaml"
    text = path.read_text()
    start = text.index(f"- id: {mitigation}\n")
    at = text.index("    maturity: ", start)
    end = text.index("\n", at) + 1
    path.write_text(text[:end] + f"    cost: {value}\n" + text[end:])
    return text[:end].count("\n") + 1


def test_a_fixture_cost_loads_and_exports_as_written(graph, fixture_tree):
    _with_cost(fixture_tree, "3")
    _with_cost(fixture_tree, "0.25", "tee")
    before = (fixture_tree / "mitigations.yaml").read_text()
    services.taxonomy_load(path=fixture_tree)
    assert (
        _cost("chip-attestation"),
        _cost("tee"),
        _cost("confidential-computing"),
    ) == (
        3,
        0.25,
        1,
    )
    changed = fixtures_yaml.export_yaml(
        selectors.taxonomy_snapshot(), dest=fixture_tree
    )
    assert changed == []
    assert (fixture_tree / "mitigations.yaml").read_text() == before


def test_setting_a_cost_back_to_one_removes_it_from_the_file(graph, fixture_tree):
    original = (fixture_tree / "mitigations.yaml").read_text()
    _with_cost(fixture_tree, "3")
    services.taxonomy_load(path=fixture_tree)
    snapshot = selectors.taxonomy_snapshot()
    mitigations = tuple(replace(m, cost=1.0) for m in snapshot.mitigations)
    fixtures_yaml.export_yaml(
        replace(snapshot, mitigations=mitigations), dest=fixture_tree
    )
    assert (fixture_tree / "mitigations.yaml").read_text() == original


@pytest.mark.parametrize("value", BAD_YAML)
def test_a_bad_fixture_cost_names_file_line_and_field_and_writes_nothing(
    graph, fixture_tree, value
):
    line = _with_cost(fixture_tree, value)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("taxonomy", "load", str(fixture_tree), stderr=err)
    assert f"mitigations.yaml:{line}: " in err.getvalue()
    assert "cost" in err.getvalue()
    assert repository.graph_is_empty()


# --- The canonical document, STIX, GraphML -----------------------------------------


def test_the_canonical_document_keeps_the_cost():
    doc = document_json.taxonomy_to_document(SMALL)
    assert [m["cost"] for m in doc["mitigations"]] == [1.0, 2.5]
    assert document_json.taxonomy_from_document(json.loads(json.dumps(doc))) == SMALL
    del doc["mitigations"][1]["cost"]
    reread = document_json.taxonomy_from_document(doc)
    assert [m.cost for m in reread.mitigations] == [1.0, 1.0]


@pytest.mark.parametrize("cost", [0, -2, "abc", math.nan, math.inf], ids=repr)
def test_the_canonical_document_refuses_a_bad_cost(cost):
    doc = document_json.taxonomy_to_document(SMALL)
    doc["mitigations"][1]["cost"] = cost
    with pytest.raises(FixtureError, match=r"mitigations\[1\]\.cost: "):
        document_json.taxonomy_from_document(doc)


def _ext(bundle: dict, name: str) -> dict:
    coa = next(o for o in bundle["objects"] if o.get("name") == name)
    return coa["extensions"][EXTENSION_ID]


def test_stix_carries_a_cost_other_than_one_and_reads_it_back():
    text = stix_bundle(SMALL, name="small")
    bundle = json.loads(text)
    assert "cost" not in _ext(bundle, "Cheap")
    assert _ext(bundle, "Dear")["cost"] == 2.5
    taxonomy, _ = stix_parse(text)
    assert {m.id: m.cost for m in taxonomy.mitigations} == {
        "small:cheap": 1.0,
        "small:dear": 2.5,
    }


@pytest.mark.parametrize("cost", [0, -2, "abc", None], ids=repr)
def test_stix_refuses_a_bad_cost_naming_the_object(cost):
    bundle = json.loads(stix_bundle(SMALL, name="small"))
    _ext(bundle, "Dear")["cost"] = cost
    with pytest.raises(InterchangeError, match="is not a positive finite number"):
        stix_parse(json.dumps(bundle))


def test_a_stix_import_with_a_bad_cost_writes_nothing(seeded_graph):
    revision = selectors.taxonomy_snapshot().revision
    bundle = json.loads(stix_bundle(SMALL, name="small"))
    _ext(bundle, "Dear")["cost"] = -1
    with pytest.raises(InterchangeError):
        services.catalogue_import(format="stix", data=json.dumps(bundle))
    assert "small" not in selectors.taxonomy_names()
    assert selectors.taxonomy_snapshot().revision == revision


def test_graphml_carries_the_cost_as_a_number():
    g = nx.read_graphml(io.StringIO(graphml_document(SMALL)), force_multigraph=True)
    assert g.nodes["mitigation:dear"]["cost"] == 2.5
    assert g.nodes["mitigation:cheap"]["cost"] == 1.0


# --- The editor's form ------------------------------------------------------------


def _new_mitigation(client, **values):
    data = {"id": "m", "name": "M", "layer": "hardware", "maturity": "pilot"}
    return client.post("/edit/new/mitigation/", {**data, **values, "save": "1"})


def test_the_form_saves_a_cost_and_an_empty_one_is_one(editor_client, seeded_graph):
    assert _new_mitigation(editor_client, cost="2.5").status_code == 302
    assert _cost("m") == 2.5
    form = editor_client.get("/edit/mitigation/m/").context["form"]
    assert float(form["cost"].value()) == 2.5
    response = editor_client.post(
        "/edit/new/mitigation/",
        {"id": "n", "name": "N", "layer": "hardware", "maturity": "pilot", "save": "1"},
    )
    assert response.status_code == 302
    assert _cost("n") == 1.0


@pytest.mark.parametrize("cost", ["0", "-2", "nan", "inf", "abc"])
def test_the_form_refuses_a_bad_cost_on_its_field(
    editor_client, seeded_graph_read_only, cost
):
    revision = selectors.taxonomy_snapshot().revision
    response = _new_mitigation(editor_client, cost=cost)
    assert response.status_code == 200
    assert response.context["form"].errors["cost"]
    assert selectors.taxonomy_snapshot().revision == revision
