"""ENABLES chains: paths into a target, blocked or not, and a minimum blocking set."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from taxonomy.analysis import chains
from taxonomy.analysis.compiled import (
    chain_roots_mask,
    coverage_model,
    unblocked_into_mask,
)
from taxonomy.analysis.coverage import analyse
from taxonomy.analysis.report import coverage_document
from taxonomy.domain.scenario import Scenario

PATHS_INTO_SCALED_MISUSE = (
    ("model-extraction", "guardrail-removal", "scaled-misuse"),
    ("sanctions-evasion", "covert-deployment", "scaled-misuse"),
    ("threshold-gaming", "covert-deployment", "scaled-misuse"),
)


@pytest.fixture
def seed_chains(seed_taxonomy) -> nx.DiGraph:
    return chains.enables_graph(seed_taxonomy)


def test_it_finds_every_chain_into_scaled_misuse(seed_chains):
    paths, truncated = chains.chain_paths(seed_chains, "scaled-misuse")
    assert paths == PATHS_INTO_SCALED_MISUSE
    assert not truncated


def test_an_addressed_target_blocks_every_chain(seed_taxonomy, seed_chains):
    report = chains.chain_report(
        seed_chains, "scaled-misuse", analyse(seed_taxonomy).addressed_threats
    )
    assert report.target_addressed
    assert report.unblocked == ()
    assert report.minimum_blocking_set == ()


def test_today_without_software_two_chains_are_open(seed_taxonomy, seed_chains):
    scenario = Scenario(maturities=["deployed"], disabled_layers=["software"])
    addressed = analyse(seed_taxonomy, scenario).addressed_threats
    assert addressed == {"model-extraction"}
    report = chains.chain_report(seed_chains, "scaled-misuse", addressed)
    assert [p.blocked_by for p in report.paths] == [("model-extraction",), (), ()]
    assert [p.threats for p in report.unblocked] == list(PATHS_INTO_SCALED_MISUSE[1:])
    assert report.minimum_blocking_set == ("covert-deployment",)


def test_with_nothing_addressed_two_threats_block_everything(seed_chains):
    blocking = chains.minimum_blocking_set(seed_chains, "scaled-misuse", set())
    assert len(blocking) == 2
    assert "covert-deployment" in blocking
    assert "scaled-misuse" not in blocking
    for path in PATHS_INTO_SCALED_MISUSE:
        assert set(path) & set(blocking)


def test_it_lists_threats_an_open_chain_reaches(seed_taxonomy, seed_chains):
    today = analyse(seed_taxonomy, Scenario(maturities=["deployed"]))
    assert today.unblocked_into == ("covert-deployment", "unaccountable-harm")
    assert analyse(seed_taxonomy).unblocked_into == ()


def test_a_root_has_no_chains(seed_chains):
    report = chains.chain_report(seed_chains, "model-extraction", set())
    assert report.paths == ()
    assert report.minimum_blocking_set == ()


def test_chains_start_inside_a_cycle_that_nothing_enables():
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "t")])
    assert chains.chain_roots(g) == {"a", "b"}
    assert chains.chain_paths(g, "t")[0] == (("a", "b", "t"), ("b", "t"))
    assert chains.minimum_blocking_set(g, "t", set()) == ("b",)
    assert chains.unblocked_into(g, set()) == ("a", "b", "t")


def test_the_enumeration_stops_at_the_limit_and_says_so():
    g = nx.DiGraph()
    for layer in range(4):
        for i in range(3):
            for j in range(3):
                g.add_edge((layer, i), (layer + 1, j))
    g.add_edges_from(((4, j), "t") for j in range(3))
    paths, truncated = chains.chain_paths(g, "t", limit=5)
    assert len(paths) == 5
    assert truncated
    report = chains.chain_report(g, "t", set(), limit=5)
    assert report.truncated
    assert len(report.minimum_blocking_set) == 3


def test_the_blocking_set_is_minimum_on_a_diamond():
    g = nx.DiGraph(
        [("r", "a"), ("r", "b"), ("a", "c"), ("b", "c"), ("c", "t"), ("s", "t")]
    )
    assert chains.minimum_blocking_set(g, "t", set()) in {("c", "s"), ("r", "s")}
    assert chains.minimum_blocking_set(g, "t", {"s"}) in {("c",), ("r",)}


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        Scenario(maturities=["deployed"]),
        Scenario(disabled_layers=["software"]),
    ],
)
def test_the_fast_path_finds_the_same_open_chains(seed_taxonomy, scenario):
    model = coverage_model(seed_taxonomy)
    plain = analyse(seed_taxonomy, scenario)
    addressed = np.array(
        [
            plain.classes[t] in ("defense-in-depth", "single-layer")
            for t in model.threats
        ]
    )
    fast = unblocked_into_mask(model, addressed)
    assert tuple(np.array(model.threats)[fast]) == plain.unblocked_into


def test_the_fast_roots_match_networkx():
    edges = [(0, 1), (1, 2), (2, 1), (3, 4), (4, 3), (5, 3)]
    mask = chain_roots_mask(*np.array(edges).T, 7)
    g = nx.DiGraph(edges)
    g.add_nodes_from(range(7))
    assert set(np.flatnonzero(mask)) == chains.chain_roots(g)


def test_the_document_reports_the_chains_of_a_target(seed_taxonomy):
    doc = coverage_document(
        seed_taxonomy,
        scenario=Scenario(maturities=["deployed"], disabled_layers=["software"]),
        chains="scaled-misuse",
    )
    assert doc["chains"] == {
        "target": "scaled-misuse",
        "target_addressed": False,
        "paths": [
            {
                "threats": list(PATHS_INTO_SCALED_MISUSE[0]),
                "blocked_by": ["model-extraction"],
            },
            {"threats": list(PATHS_INTO_SCALED_MISUSE[1]), "blocked_by": []},
            {"threats": list(PATHS_INTO_SCALED_MISUSE[2]), "blocked_by": []},
        ],
        "unblocked": 2,
        "truncated": False,
        "minimum_blocking_set": ["covert-deployment"],
    }
