"""GraphML and CSV exports read back by the tools people use."""

from __future__ import annotations

import csv
import io
from io import StringIO

import networkx as nx
from django.core.management import call_command

from taxonomy import services


def _export(*args) -> str:
    out = StringIO()
    call_command("export", *args, stdout=out)
    return out.getvalue()


def test_graphml_holds_every_node_and_edge_with_its_properties(seeded_graph):
    g = nx.read_graphml(
        io.StringIO(_export("--format", "graphml")), force_multigraph=True
    )
    kinds = [kind for _, kind in g.nodes(data="kind")]
    assert (kinds.count("layer"), kinds.count("threat"), kinds.count("mitigation")) == (
        4,
        12,
        23,
    )
    assert kinds.count("source") == 10
    types = [t for *_, t in g.edges(data="type")]
    assert (
        types.count("MITIGATES"),
        types.count("IN_LAYER"),
        types.count("ENABLES"),
    ) == (51, 23, 7)
    tee = g.nodes["mitigation:tee"]
    assert (tee["layer"], tee["maturity"], tee["taxonomy"]) == (
        "hardware",
        "deployed",
        "layerwise",
    )
    (edge,) = g.get_edge_data("mitigation:tee", "threat:model-extraction").values()
    assert edge["strength"] == "high" and edge["rationale"]


def test_graphml_of_atlas_keeps_maturity_and_references(graph, atlas_text):
    services.catalogue_import(format="atlas", data=atlas_text)
    g = nx.read_graphml(
        io.StringIO(_export("--format", "graphml", "--taxonomy", "atlas")),
        force_multigraph=True,
    )
    node = g.nodes["threat:atlas:AML.T0000"]
    assert (
        node["maturity"] == "demonstrated"
        and "atlas:attack-T1596" in node["sources"].split()
    )
    assert g.has_edge("threat:atlas:AML.T0000", "source:atlas:attack-T1596")


def test_the_coverage_matrix_is_csv_with_a_column_per_layer(seeded_graph, tmp_path):
    path = tmp_path / "coverage.csv"
    _export("--format", "csv", "--out", str(path))
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 12
    assert list(rows[0])[:3] == ["threat", "class", "all"]
    assert set(list(rows[0])[3:]) == {
        "hardware",
        "software",
        "institutional",
        "liability",
        "threat name",
        "scenario in words",
    }
    assert {row["scenario in words"] for row in rows} == {
        "Every proposal adopted: every measure counts, proposed and pilot ones "
        "included, as if all were in force; threshold 80%."
    }
