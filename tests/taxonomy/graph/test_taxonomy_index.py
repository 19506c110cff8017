"""Reads scoped to taxonomies go through the taxonomy index, and every node holds
a taxonomy (old graphs are given the seed's)."""

from __future__ import annotations

import pytest

from taxonomy.domain.kinds import NODE_KINDS
from taxonomy.graph import driver, repository
from taxonomy.graph.repository import read


def _run(query: str, **params):
    with driver.get_driver().session(database=driver.database()) as session:
        return session.run(query, params).consume()


def _operators(plan) -> set[str]:
    found = {plan.get("operatorType", "").split("@")[0]}
    for child in plan.get("children", []):
        found |= _operators(child)
    return found


@pytest.mark.parametrize("loading", [False, True])
@pytest.mark.parametrize("kind", list(NODE_KINDS))
def test_a_scoped_read_of_every_kind_seeks_the_taxonomy_index(graph, kind, loading):
    """Outside a staged load and during one (when it tests what is visible)."""
    repository.schema_apply()
    query = read._NODE_READS[kind, True, loading, False]
    summary = _run(f"EXPLAIN {query}", taxonomy=["layerwise"], pending=-1, dropped=-1)
    assert "NodeIndexSeek" in _operators(summary.plan), summary.plan


def test_nodes_of_an_old_graph_without_a_taxonomy_are_given_the_seeds(graph):
    _run("CREATE (:MisuseVector {id: 'old', name: 'Old', version: 1})")
    _run("CREATE (:MisuseVector {id: 'other', name: 'O', taxonomy: 'acme'})")
    assert repository.taxonomy_read(taxonomy="layerwise").threats == ()
    repository.schema_apply()
    assert [t.id for t in repository.taxonomy_read(taxonomy="layerwise").threats] == [
        "old"
    ]
    assert [t.id for t in repository.taxonomy_read(taxonomy="acme").threats] == [
        "other"
    ]
