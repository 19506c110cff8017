"""The layer-combinations ranking is capped, says so, and counts like brute force."""

from __future__ import annotations

import math
import re
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy import selectors, services
from taxonomy.analysis import coverage, fast
from taxonomy.analysis.model import LAYER_SETS_SHOWN, addressed
from taxonomy.domain.scenario import Scenario
from taxonomy.formats.synthetic import synthetic_taxonomy


def _addresses(misses: list[float], members: tuple[int, ...], tau: float) -> bool:
    return addressed(1.0 - math.prod(misses[i] for i in members), tau)


def _is_minimal(misses: list[float], members: tuple[int, ...], tau: float) -> bool:
    return _addresses(misses, members, tau) and not any(
        _addresses(misses, tuple(j for j in members if j != i), tau) for i in members
    )


def _brute_force(analysis, tau: float) -> dict[tuple[int, ...], tuple[int, int]]:
    """Every non-empty layer set -> (threats addressed, threats it is minimal for)."""
    misses = [[1.0 - c for c in t.by_layer] for t in analysis.threats]
    n = len(analysis.layers)
    return {
        combo: (
            sum(_addresses(q, combo, tau) for q in misses),
            sum(_is_minimal(q, combo, tau) for q in misses),
        )
        for size in range(1, n + 1)
        for combo in combinations(range(n), size)
    }


def _in_scope(counts: dict, n_layers: int) -> set[tuple[int, ...]]:
    if n_layers <= 8:
        return set(counts)
    return {
        c
        for c, (_, minimal) in counts.items()
        if len(c) == 1 or (len(c) <= 3 and minimal > 0)
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layers=st.integers(2, 11),
    threats=st.integers(1, 40),
    links=st.integers(0, 300),
    seed=st.integers(0, 10_000),
    threshold=st.sampled_from([0.6, 0.8, 0.9]),
    analyser=st.sampled_from([fast.analyse, coverage.analyse]),
)
def test_the_listed_layer_sets_are_the_largest_with_brute_force_counts(
    layers, threats, links, seed, threshold, analyser
):
    taxonomy = synthetic_taxonomy(
        threats=threats, mitigations=2 * layers, layers=layers, links=links, seed=seed
    )
    analysis = analyser(taxonomy, Scenario(threshold=threshold))
    index = {layer: i for i, layer in enumerate(analysis.layers)}
    truth = _brute_force(analysis, threshold)
    scope = _in_scope(truth, layers)
    listed = {tuple(index[layer] for layer in s.layers): s for s in analysis.layer_sets}
    for combo, score in listed.items():
        assert (score.addressed, score.minimal_for) == truth[combo], combo
    assert set(listed) <= scope
    assert analysis.layer_sets_total == len(scope)
    assert len(listed) == min(len(scope), LAYER_SETS_SHOWN)
    least = min((s.addressed for s in analysis.layer_sets), default=0)
    assert all(truth[c][0] <= least for c in scope - set(listed))


def test_eight_layers_list_200_of_their_255_sets():
    taxonomy = synthetic_taxonomy(
        threats=60, mitigations=40, layers=8, links=400, seed=2
    )
    analysis = fast.analyse(taxonomy)
    assert analysis.layer_sets_total == 255
    assert len(analysis.layer_sets) == LAYER_SETS_SHOWN


def test_89_layers_are_ranked_without_enumerating_their_117569_combinations():
    taxonomy = synthetic_taxonomy(
        threats=300, mitigations=300, layers=89, links=1500, seed=1
    )
    analysis = fast.analyse(taxonomy)
    assert len(analysis.layer_sets) == LAYER_SETS_SHOWN
    assert 89 < analysis.layer_sets_total < 117_569
    assert analysis.layer_sets == coverage.analyse(taxonomy).layer_sets


def test_the_combinations_page_of_89_layers_answers_and_states_the_cap(client, graph):
    taxonomy = synthetic_taxonomy(
        threats=300, mitigations=300, layers=89, links=1500, seed=1
    )
    services.taxonomy_apply(taxonomy=taxonomy)
    total = fast.analyse(selectors.taxonomy_snapshot()).layer_sets_total
    response = client.get("/combinations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Showing the 200 sets that address the most threats, of {total}" in html
    assert "minimal for at least one threat" in html
    assert len(re.findall(r'<td class="bar-cell">', html)) == LAYER_SETS_SHOWN


def test_the_coverage_document_states_how_many_sets_are_in_scope(client, graph):
    taxonomy = synthetic_taxonomy(
        threats=300, mitigations=300, layers=89, links=1500, seed=1
    )
    services.taxonomy_apply(taxonomy=taxonomy)
    body = client.get("/api/v1/coverage/").json()
    assert body["layer_sets"]["scope"] == "sizes 1-3"
    stored = fast.analyse(selectors.taxonomy_snapshot())
    assert body["layer_sets"]["total"] == stored.layer_sets_total
    assert len(body["layer_sets"]["sets"]) == LAYER_SETS_SHOWN
