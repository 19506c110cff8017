"""The coverage model computed directly on the networkx graph: the plain reference path.

Readable and slow on purpose: one threat at a time, products of miss
probabilities, subsets enumerated with itertools. ``taxonomy.analysis.fast``
computes the same ``Analysis`` with sparse matrices; the tests hold the two
equal.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

import networkx as nx

from taxonomy.analysis import chains, scenarios
from taxonomy.analysis.model import (
    ADDRESSED_CLASSES,
    EXACT_LAYER_LIMIT,
    Analysis,
    LayerSetScore,
    LinkContribution,
    ThreatCoverage,
    addressed,
    class_summary,
    edges_of_kind,
    layer_set_candidates,
    layer_set_scope,
    records_of_kind,
    taxonomy_graph,
    threat_class,
    top_layer_sets,
)
from taxonomy.domain.records import STRENGTHS, Taxonomy
from taxonomy.domain.scenario import BASELINE, FULL, INDEPENDENT, Scenario


def threat_links(
    g: nx.MultiDiGraph, threat: str, enabled: frozenset[str], effectiveness: Mapping
) -> tuple[LinkContribution, ...]:
    """The enabled MITIGATES links into a threat, sorted by layer order then id.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        A taxonomy graph.
    threat : str
    enabled : frozenset of str
        Enabled mitigation ids.
    effectiveness : mapping
        Strength → effectiveness.

    Returns
    -------
    tuple of LinkContribution

    >>> from taxonomy.analysis.examples import one_link
    >>> g = taxonomy_graph(one_link())
    >>> threat_links(g, "t", frozenset({"m"}), {"high": 0.9})
    (LinkContribution(mitigation='m', layer='hw', strength='high', effectiveness=0.9),)
    """
    order = {layer: i for i, layer in enumerate(g.graph["layers"])}
    links = [
        LinkContribution(
            mitigation=u[1],
            layer=g.nodes[u]["record"].layer,
            strength=data["strength"],
            effectiveness=effectiveness[data["strength"]],
        )
        for u, _, data in g.in_edges(("threat", threat), data=True)
        if data["kind"] == "MITIGATES" and u[1] in enabled
    ]
    return tuple(sorted(links, key=lambda c: (order[c.layer], c.mitigation, _rank(c))))


def _rank(link: LinkContribution) -> int:
    return STRENGTHS.index(link.strength)


def layer_misses(
    links: Iterable[LinkContribution],
    layers: Sequence[str],
    dependence: str = INDEPENDENT,
) -> tuple[float, ...]:
    """Per layer, the probability that every link of that layer misses.

    Independent links: q_l = Π(1 − e). Links of a layer that fail together
    (``within-layer`` and ``full`` dependence): q_l = 1 − max e.

    >>> links = [LinkContribution("a", "sw", "medium", 0.6),
    ...          LinkContribution("b", "sw", "low", 0.3)]
    >>> [round(q, 12) for q in layer_misses(links, ["hw", "sw"])]
    [1.0, 0.28]
    >>> [round(q, 12) for q in layer_misses(links, ["hw", "sw"], "within-layer")]
    [1.0, 0.4]
    """
    miss = dict.fromkeys(layers, 1.0)
    for link in links:
        q = 1.0 - link.effectiveness
        if dependence == INDEPENDENT:
            miss[link.layer] *= q
        else:
            miss[link.layer] = min(miss[link.layer], q)
    return tuple(miss[layer] for layer in layers)


def set_coverage(misses: Sequence[float], members: Iterable[int]) -> float:
    """Coverage by a set of independent layers: c_S = 1 − Π_{l∈S} q_l.

    >>> round(set_coverage([0.4, 0.4, 1.0], [0, 1]), 12)
    0.84
    """
    return 1.0 - math.prod(misses[i] for i in members)


def total_coverage(misses: Sequence[float], dependence: str = INDEPENDENT) -> float:
    """Coverage by every layer together: 1 − Π q_l, or under ``full`` dependence
    (everything fails together) the best single layer's, 1 − min q_l.

    >>> round(total_coverage([0.4, 0.4]), 12), round(total_coverage([0.4, 0.4], "full"), 12)
    (0.84, 0.6)
    """
    if dependence == FULL:
        return 1.0 - min(misses, default=1.0)
    return set_coverage(misses, range(len(misses)))


def set_misses(
    misses: Sequence[float], dependence: str, threshold: float
) -> tuple[float, ...]:
    """The per-layer misses the layer-set logic (minimal sets, critical layers,
    layer-set scores) works on.

    Under ``full`` dependence a set of layers covers a threat as well as its
    best layer, so a set addresses it iff one of its layers does alone: a
    layer that does not counts as absent (q = 1), and the product rule then
    gives exactly those sets.

    >>> set_misses([0.05, 0.4], "full", 0.8), set_misses([0.05, 0.4], "independent", 0.8)
    ((0.05, 1.0), (0.05, 0.4))
    """
    if dependence != FULL:
        return tuple(misses)
    return tuple(q if addressed(1.0 - q, threshold) else 1.0 for q in misses)


def _addresses(
    misses: Sequence[float], members: Iterable[int], threshold: float
) -> bool:
    return addressed(set_coverage(misses, members), threshold)


def _is_minimal(
    misses: Sequence[float], members: tuple[int, ...], threshold: float
) -> bool:
    return _addresses(misses, members, threshold) and not any(
        _addresses(misses, [j for j in members if j != i], threshold) for i in members
    )


def minimal_layer_sets(
    misses: Sequence[float], threshold: float, *, limit: int = EXACT_LAYER_LIMIT
) -> tuple[tuple[tuple[int, ...], ...], bool]:
    """Every inclusion-minimal set of layers that addresses a threat.

    A layer that addresses the threat alone is a minimal set of its own and
    in no other; the rest are searched among the *candidate* layers: those
    with some coverage that do not address the threat alone. With at most
    ``limit`` candidates the search is exhaustive; beyond, it is
    ``approximate_minimal_sets`` and the flag says so.

    Parameters
    ----------
    misses : sequence of float
        Per layer (in layer order) the miss probability q_l.
    threshold : float
    limit : int

    Returns
    -------
    (sets, exact)
        Sets of layer indices, sorted by size then lexicographically.

    >>> minimal_layer_sets([0.7, 0.343, 0.7, 0.4], 0.8)
    (((1, 3), (0, 1, 2), (0, 2, 3)), True)
    """
    strong = [(i,) for i, q in enumerate(misses) if addressed(1.0 - q, threshold)]
    weak = [i for i, q in enumerate(misses) if q < 1.0 and (i,) not in strong]
    if not _addresses(misses, weak, threshold):
        return tuple(strong), True
    if len(weak) > limit:
        return tuple(strong) + approximate_minimal_sets(misses, weak, threshold), False
    found: list[tuple[int, ...]] = []
    for size in range(2, len(weak) + 1):
        for combo in combinations(weak, size):
            if _addresses(misses, combo, threshold) and not any(
                set(f) <= set(combo) for f in found
            ):
                found.append(combo)
    return tuple(strong) + tuple(found), True


def approximate_minimal_sets(
    misses: Sequence[float], candidates: Sequence[int], threshold: float
) -> tuple[tuple[int, ...], ...]:
    """Some minimal layer sets when there are too many candidates to search.

    Each set returned is truly minimal; the list may miss some. It holds every
    minimal set of two or three candidates, plus, from each candidate as a
    seed, the set grown greedily with the strongest remaining candidates
    until it addresses the threat and then pruned, weakest first.

    Parameters
    ----------
    misses : sequence of float
        Per layer the miss probability q_l.
    candidates : sequence of int
        Layer indices to combine (none addresses the threat alone).
    threshold : float

    Returns
    -------
    tuple of tuple of int
        Sorted by size, then lexicographically.

    >>> approximate_minimal_sets([0.5] * 20, range(20), 0.8)[:2]
    ((0, 1, 2), (0, 1, 3))
    """
    found = {
        combo
        for size in (2, 3)
        for combo in combinations(sorted(candidates), size)
        if _is_minimal(misses, combo, threshold)
    }
    strongest = sorted(candidates, key=lambda i: (misses[i], i))
    for seed in strongest:
        chosen = [seed]
        for i in strongest:
            if _addresses(misses, chosen, threshold):
                break
            if i != seed:
                chosen.append(i)
        if not _addresses(misses, chosen, threshold):
            continue
        for i in sorted(chosen, key=lambda i: (-misses[i], -i)):
            rest = [j for j in chosen if j != i]
            if _addresses(misses, rest, threshold):
                chosen = rest
        found.add(tuple(sorted(chosen)))
    return tuple(sorted(found, key=lambda s: (len(s), s)))


def critical_layers(misses: Sequence[float], threshold: float) -> tuple[int, ...]:
    """Layers without which an addressed threat is no longer addressed.

    Empty when the threat is not addressed by all layers together.

    >>> critical_layers([0.28, 0.343, 1.0, 1.0], 0.8)
    (0, 1)
    """
    everything = range(len(misses))
    if not _addresses(misses, everything, threshold):
        return ()
    return tuple(
        i
        for i in everything
        if not _addresses(misses, [j for j in everything if j != i], threshold)
    )


def critical_mitigations(
    g: nx.MultiDiGraph, threat: str, enabled: frozenset[str], scenario: Scenario
) -> tuple[str, ...]:
    """Mitigations without which an addressed threat is no longer addressed.

    Removing a mitigation also removes what REQUIRES it, transitively.

    Parameters
    ----------
    g : networkx.MultiDiGraph
    threat : str
    enabled : frozenset of str
    scenario : Scenario

    Returns
    -------
    tuple of str
        Sorted; empty when the threat is not addressed.

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "deployed"),
    ...                  Mitigation("n", "N", "hw", "deployed")),
    ...     mitigates=(Mitigates("m", "t", "high"), Mitigates("n", "t", "low"))))
    >>> critical_mitigations(g, "t", frozenset({"m", "n"}), Scenario())
    ('m',)
    """
    effect, layers = scenario.effectiveness_map, g.graph["layers"]
    dependence = scenario.dependence

    def covered(active: frozenset[str]) -> bool:
        links = threat_links(g, threat, active, effect)
        misses = layer_misses(links, layers, dependence)
        return addressed(total_coverage(misses, dependence), scenario.threshold)

    if not covered(enabled):
        return ()
    contributors = {
        link.mitigation for link in threat_links(g, threat, enabled, effect)
    }
    required = scenarios.requires_view(g)
    candidates = set(contributors)
    for m in contributors:
        candidates.update(n for _, n in nx.descendants(required, ("mitigation", m)))
    return tuple(
        sorted(
            m
            for m in candidates & enabled
            if not covered(enabled - scenarios.requires_closure(g, [m]))
        )
    )


def threat_coverage(
    g: nx.MultiDiGraph,
    threat: str,
    *,
    enabled: frozenset[str],
    introducers: Mapping[str, tuple[str, ...]],
    scenario: Scenario,
) -> ThreatCoverage:
    """Everything the model says about one threat, computed from the graph.

    Parameters
    ----------
    g : networkx.MultiDiGraph
    threat : str
    enabled : frozenset of str
        Enabled mitigations (``scenarios.enabled_mitigations``).
    introducers : mapping
        Threat → enabled mitigations that INTRODUCE it.
    scenario : Scenario

    Returns
    -------
    ThreatCoverage

    >>> from taxonomy.analysis.examples import two_layers
    >>> g = taxonomy_graph(two_layers())
    >>> r = threat_coverage(g, "t", enabled=frozenset({"m", "n"}), introducers={},
    ...                     scenario=Scenario())
    >>> r.coverage_class, round(r.coverage, 6), r.minimal_layer_sets
    ('defense-in-depth', 0.84, (('hw', 'sw'),))
    """
    layers, tau, dependence = g.graph["layers"], scenario.threshold, scenario.dependence
    links = threat_links(g, threat, enabled, scenario.effectiveness_map)
    misses = layer_misses(links, layers, dependence)
    cover = total_coverage(misses, dependence)
    best = max((1.0 - q for q in misses), default=0.0)
    effective = set_misses(misses, dependence, tau)
    sets, exact = minimal_layer_sets(effective, tau)
    return ThreatCoverage(
        id=threat,
        name=g.nodes[("threat", threat)]["record"].name,
        coverage_class=threat_class(len(links), cover, best, tau),
        coverage=cover,
        by_layer=tuple(1.0 - q for q in misses),
        links=links,
        minimal_layer_sets=tuple(tuple(layers[i] for i in s) for s in sets),
        minimal_layer_sets_exact=exact,
        critical_layers=tuple(layers[i] for i in critical_layers(effective, tau)),
        critical_mitigations=critical_mitigations(g, threat, enabled, scenario),
        introduced_by=introducers.get(threat, ()),
    )


def layer_set_scores(
    misses: Mapping[str, Sequence[float]],
    layers: Sequence[str],
    threshold: float,
    minimal: Iterable[tuple[str, ...]] = (),
) -> tuple[tuple[LayerSetScore, ...], int]:
    """The layer sets in scope that address the most threats, and how many are in scope.

    The sets are ``layer_set_candidates``'s, at most ``LAYER_SETS_SHOWN`` of
    them; sorted by size, then most threats addressed, then layer order.

    Parameters
    ----------
    misses : mapping
        Threat → per-layer miss probabilities.
    layers : sequence of str
    threshold : float
    minimal : iterable of tuples of layer ids
        Every threat's minimal layer sets, one entry per threat and set.

    Returns
    -------
    (tuple of LayerSetScore, int)

    >>> scores, total = layer_set_scores({"t": [0.4, 0.4]}, ["hw", "sw"], 0.8)
    >>> [(s.layers, s.addressed) for s in scores], total
    ([(('hw',), 0), (('sw',), 0), (('hw', 'sw'), 1)], 3)
    """
    index = {layer: i for i, layer in enumerate(layers)}
    counts = Counter(tuple(index[layer] for layer in s) for s in minimal)
    candidates, total = layer_set_candidates(len(layers), counts)
    scored = [
        (
            combo,
            sum(_addresses(q, combo, threshold) for q in misses.values()),
            sum(_is_minimal(q, combo, threshold) for q in misses.values()),
        )
        for combo in candidates
    ]
    scores = [
        LayerSetScore(tuple(layers[i] for i in combo), hit, minimal_for)
        for combo, hit, minimal_for in top_layer_sets(scored)
    ]
    return tuple(sorted(scores, key=lambda s: (len(s.layers), -s.addressed))), total


def layer_totals(
    g: nx.MultiDiGraph, results: Sequence[ThreatCoverage], enabled: frozenset[str]
) -> dict[str, dict[str, int]]:
    """Per layer: enabled mitigations and links, threats touched, alone, critical.

    >>> layer_totals(taxonomy_graph(Taxonomy()), [], frozenset())
    {}
    """
    totals = {
        layer: dict.fromkeys(
            ("mitigations", "links", "threats", "addressed_alone", "critical_for"), 0
        )
        for layer in g.graph["layers"]
    }
    for m in records_of_kind(g, "mitigation"):
        totals[m.layer]["mitigations"] += m.id in enabled
    for r in results:
        for link in r.links:
            totals[link.layer]["links"] += 1
        for layer in {link.layer for link in r.links}:
            totals[layer]["threats"] += 1
        for layer in _alone(r.minimal_layer_sets):
            totals[layer]["addressed_alone"] += 1
        for layer in r.critical_layers:
            totals[layer]["critical_for"] += 1
    return totals


def _alone(sets: Iterable[tuple[str, ...]]) -> list[str]:
    return [s[0] for s in sets if len(s) == 1]


def analyse_graph(g: nx.MultiDiGraph, scenario: Scenario = BASELINE) -> Analysis:
    """The whole analysis of one scenario on a taxonomy graph, threat by threat.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        From ``taxonomy_graph``.
    scenario : Scenario

    Returns
    -------
    Analysis

    >>> from taxonomy.analysis.examples import one_link
    >>> analyse_graph(taxonomy_graph(one_link())).summary["single-layer"]
    1
    """
    layers, tau = g.graph["layers"], scenario.threshold
    enabled = scenarios.enabled_mitigations(g, scenario)
    introducers = scenarios.introduced_by(g, enabled)
    results = tuple(
        threat_coverage(
            g, t.id, enabled=enabled, introducers=introducers, scenario=scenario
        )
        for t in records_of_kind(g, "threat")
    )
    classes = {r.id: r.coverage_class for r in results}
    misses = {
        r.id: set_misses(
            layer_misses(r.links, layers, scenario.dependence), scenario.dependence, tau
        )
        for r in results
    }
    ranking = Counter(m for r in results for m in r.critical_mitigations)
    layer_sets, layer_sets_total = layer_set_scores(
        misses, layers, tau, (s for r in results for s in r.minimal_layer_sets)
    )
    enables = nx.DiGraph(edges_of_kind(g, "ENABLES"))
    enables.add_nodes_from(classes)
    return Analysis(
        scenario=scenario,
        revision=g.graph.get("revision", 0),
        layers=tuple(layers),
        threats=results,
        classes=classes,
        coverages={r.id: r.coverage for r in results},
        layer_coverages={r.id: r.by_layer for r in results},
        summary=class_summary(classes.values()),
        layer_totals=layer_totals(g, results, enabled),
        mitigation_ranking=tuple(
            sorted(ranking.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        mitigation_layers={m.id: m.layer for m in records_of_kind(g, "mitigation")},
        layer_sets=layer_sets,
        layer_sets_scope=layer_set_scope(len(layers)),
        layer_sets_total=layer_sets_total,
        unblocked_into=chains.unblocked_into(
            enables, {t for t, c in classes.items() if c in ADDRESSED_CLASSES}
        ),
        introduced=tuple(introducers.items()),
        disabled_by_requires=scenarios.disabled_by_requires(g, scenario),
        minimal_layer_sets_exact=all(r.minimal_layer_sets_exact for r in results),
    )


def analyse(taxonomy: Taxonomy, scenario: Scenario = BASELINE) -> Analysis:
    """``analyse_graph`` on the graph of a taxonomy.

    >>> analyse(Taxonomy()).summary["insufficient"]
    0
    """
    return analyse_graph(taxonomy_graph(taxonomy), scenario)
