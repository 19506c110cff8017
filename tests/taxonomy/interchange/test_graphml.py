"""GraphML and CSV exports read back by the tools people use."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from io import StringIO

import igraph
import networkx as nx
from django.core.management import call_command
from hypothesis import given

from taxonomy import services
from taxonomy.formats.graphml import graphml_document
from tests.taxonomy.interchange.test_incident_formats import EXAMPLES, catalogues

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def _export(*args) -> str:
    out = StringIO()
    call_command("export", *args, stdout=out)
    return out.getvalue()


def test_graphml_holds_every_node_and_edge_with_its_properties(seeded_graph_read_only):
    g = nx.read_graphml(
        io.StringIO(_export("--format", "graphml")), force_multigraph=True
    )
    kinds = [kind for _, kind in g.nodes(data="kind")]
    assert (kinds.count("layer"), kinds.count("threat"), kinds.count("mitigation")) == (
        4,
        12,
        24,
    )
    assert kinds.count("source") == 10
    types = [t for *_, t in g.edges(data="type")]
    assert (
        types.count("MITIGATES"),
        types.count("IN_LAYER"),
        types.count("ENABLES"),
    ) == (51, 24, 7)
    tee = g.nodes["mitigation:tee"]
    assert (tee["layer"], tee["maturity"], tee["taxonomy"]) == (
        "hardware",
        "deployed",
        "layerwise",
    )
    (edge,) = g.get_edge_data("mitigation:tee", "threat:model-extraction").values()
    assert edge["strength"] == "high" and edge["rationale"]
    # Jurisdictions (issue 25): their nodes, links and the threats' and
    # mitigations' flags, with their properties.
    assert kinds.count("jurisdiction") == 6
    assert g.nodes["jurisdiction:eu"]["jurisdiction_kind"] == "bloc"
    assert "eu-ai-act-2024" in g.nodes["jurisdiction:eu"]["sources"].split()
    (edge,) = g.get_edge_data(
        "mitigation:compute-thresholds", "jurisdiction:eu"
    ).values()
    assert (edge["type"], edge["maturity"], edge["since"]) == (
        "IN_FORCE_IN",
        "deployed",
        "2025-08-02",
    )
    assert edge["rationale"] and edge["sources"] == "eu-ai-act-2024"
    assert sum(1 for _, reason in g.nodes(data="mobile") if reason) == 5
    assert sum(1 for _, reason in g.nodes(data="everywhere") if reason) == 2
    # Governance architectures and what they adopt where.
    assert kinds.count("architecture") == 3
    (edge,) = g.get_edge_data(
        "architecture:restriction-without-alternatives",
        "mitigation:open-weight-restrictions",
    ).values()
    assert edge["type"] == "ADOPTS" and edge["rationale"]
    assert edge["jurisdictions"].split() == ["us", "eu"]


def test_the_seed_graphml_loads_in_networkx_and_igraph(
    seeded_graph_read_only, tmp_path
):
    text = _export("--format", "graphml")
    _assert_both_loaders_read_every_node_and_edge(text, tmp_path / "seed.graphml")
    types = [
        t
        for *_, t in nx.read_graphml(io.StringIO(text), force_multigraph=True).edges(
            data="type"
        )
    ]
    assert types.count("IN_FORCE_IN") == 7


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


def _graphml_ids(text: str) -> tuple[list[str], list[str]]:
    """The ids of the document's nodes and edges, read as plain XML."""
    root = ET.fromstring(text)
    return (
        [n.get("id") for n in root.iter(f"{GRAPHML}node")],
        [e.get("id") for e in root.iter(f"{GRAPHML}edge")],
    )


def _assert_both_loaders_read_every_node_and_edge(text: str, path) -> None:
    nodes, edges = _graphml_ids(text)
    assert len(set(nodes)) == len(nodes)
    assert None not in edges and len(set(edges)) == len(edges)
    g = nx.read_graphml(io.StringIO(text), force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(nodes), len(edges))
    assert sorted(key for *_, key in g.edges(keys=True)) == sorted(edges)
    path.write_text(text, encoding="utf-8")
    ig = igraph.Graph.Read_GraphML(str(path))
    assert (ig.vcount(), ig.ecount()) == (len(nodes), len(edges))
    assert sorted(ig.vs["id"]) == sorted(nodes)
    # (igraph 1.0 reads an edge's "id" wrong, as a node's id: not compared.)
    types = [t for *_, t in g.edges(data="type")]
    assert sorted(ig.es["type"]) == sorted(types)


def test_graphml_edge_ids_are_unique_and_networkx_and_igraph_load_it(
    graph, atlas_text, tmp_path
):
    services.catalogue_import(format="atlas", data=atlas_text)
    text = _export("--format", "graphml", "--taxonomy", "atlas")
    _assert_both_loaders_read_every_node_and_edge(text, tmp_path / "atlas.graphml")
    g = nx.read_graphml(io.StringIO(text), force_multigraph=True)
    # Many links share a type: the ids tell them apart.
    assert [t for *_, t in g.edges(data="type")].count("USES") > 1


@EXAMPLES
@given(taxonomy=catalogues())
def test_graphml_of_any_catalogue_has_unique_edge_ids_both_loaders_read(
    taxonomy, tmp_path_factory
):
    path = tmp_path_factory.mktemp("graphml") / "taxonomy.graphml"
    _assert_both_loaders_read_every_node_and_edge(graphml_document(taxonomy), path)
    _, edges = _graphml_ids(graphml_document(taxonomy))
    links = sum(len(getattr(taxonomy, f)) for f in ("mitigates", "enables", "uses"))
    assert len(edges) >= links


def test_the_coverage_matrix_is_csv_with_a_column_per_layer(
    seeded_graph_read_only, tmp_path
):
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


def test_a_scenario_csv_read_with_pandas_states_its_scenario_and_threat_names(
    seeded_graph_read_only, tmp_path
):
    import pandas as pd
    from rest_framework.test import APIClient

    from taxonomy import selectors

    path = tmp_path / "coverage.csv"
    options = ["--disable-layer", "hardware", "--threshold", "0.7"]
    _export(
        "--format", "csv", *options, "--dependence", "within-layer", "--out", str(path)
    )
    table = pd.read_csv(path)
    names = {t.id: t.name for t in selectors.taxonomy_snapshot().threats}
    assert len(table) == len(names)
    assert dict(zip(table["threat"], table["threat name"], strict=True)) == names
    (words,) = set(table["scenario in words"])
    assert "without Hardware" in words and "threshold 70%" in words
    assert "the mitigations of a layer fail together" in words
    assert (table["hardware"] == 0).all()
    query = "disable_layer=hardware&threshold=0.7&dependence=within-layer"
    served = APIClient().get(f"/api/v1/coverage/matrix.csv?{query}")
    assert served.status_code == 200
    api_table = pd.read_csv(io.BytesIO(served.content))
    pd.testing.assert_frame_equal(api_table, table)
