"""Scenarios on the graph: which mitigations count, what they bring in, what changes."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from taxonomy.analysis.diff import coverage_moves
from taxonomy.analysis.model import CLASSES, Analysis, edges_of_kind, records_of_kind
from taxonomy.domain.scenario import Scenario


def requires_view(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The REQUIRES edges of a taxonomy graph (dependant → required), as a view.

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import Taxonomy
    >>> requires_view(taxonomy_graph(Taxonomy())).number_of_edges()
    0
    """
    return nx.subgraph_view(
        g, filter_edge=lambda u, v, k: g[u][v][k]["kind"] == "REQUIRES"
    )


def requires_closure(g: nx.MultiDiGraph, seeds: Iterable[str]) -> frozenset[str]:
    """The seed mitigations and every mitigation that REQUIRES one, transitively.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        A taxonomy graph (see ``taxonomy_graph``).
    seeds : iterable of str
        Mitigation ids.

    Returns
    -------
    frozenset of str

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
    >>> ms = tuple(Mitigation(i, i, "hw", "pilot") for i in "abc")
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=ms,
    ...     requires=(Link("b", "a"), Link("c", "b"))))
    >>> sorted(requires_closure(g, ["a"]))
    ['a', 'b', 'c']
    """
    view = requires_view(g)
    out = set()
    for seed in seeds:
        node = ("mitigation", seed)
        out.add(seed)
        out.update(m for _, m in nx.ancestors(view, node))
    return frozenset(out)


def adopted_mitigations(g: nx.MultiDiGraph, scenario: Scenario) -> frozenset[str]:
    """The mitigations a scenario adopts and every one they REQUIRE, transitively.

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
    >>> ms = tuple(Mitigation(i, i, "hw", "pilot") for i in "abc")
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"),), mitigations=ms,
    ...     requires=(Link("b", "a"), Link("c", "b"))))
    >>> sorted(adopted_mitigations(g, Scenario(adopt=["b"])))
    ['a', 'b']
    """
    view = requires_view(g)
    out = set(scenario.adopted_ids)
    for seed in scenario.adopted_ids & {m.id for m in records_of_kind(g, "mitigation")}:
        out.update(m for _, m in nx.descendants(view, ("mitigation", seed)))
    return frozenset(out)


def scenario_seeds(g: nx.MultiDiGraph, scenario: Scenario) -> frozenset[str]:
    """Mitigations a scenario switches off directly: named, by layer or maturity.

    An adopted mitigation (or one an adopted mitigation REQUIRES) passes the
    maturity filter; naming it or its layer still switches it off.

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import Layer, Mitigation, Taxonomy
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),)))
    >>> sorted(scenario_seeds(g, Scenario(maturities=["deployed"])))
    ['a']
    >>> sorted(scenario_seeds(g, Scenario(maturities=["deployed"], adopt=["a"])))
    []
    """
    adopted = adopted_mitigations(g, scenario)
    return frozenset(
        m.id
        for m in records_of_kind(g, "mitigation")
        if m.id in scenario.disabled_mitigations
        or m.layer in scenario.disabled_layers
        or (
            scenario.maturities is not None
            and m.maturity not in scenario.maturities
            and m.id not in adopted
        )
    )


def enabled_mitigations(g: nx.MultiDiGraph, scenario: Scenario) -> frozenset[str]:
    """The mitigations that count under a scenario.

    A mitigation is disabled when the scenario names it, disables its layer
    or filters out its maturity, and when it REQUIRES (transitively) a
    disabled mitigation, whatever the reason that one is disabled.

    Parameters
    ----------
    g : networkx.MultiDiGraph
    scenario : Scenario

    Returns
    -------
    frozenset of str

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"), Layer("sw", "SW")),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),
    ...                  Mitigation("b", "B", "sw", "deployed")),
    ...     requires=(Link("b", "a"),)))
    >>> sorted(enabled_mitigations(g, Scenario(disabled_layers=["hw"])))
    []
    """
    everything = {m.id for m in records_of_kind(g, "mitigation")}
    return frozenset(everything - requires_closure(g, scenario_seeds(g, scenario)))


def disabled_by_requires(g: nx.MultiDiGraph, scenario: Scenario) -> tuple[str, ...]:
    """Mitigations off only because they REQUIRE a disabled one, sorted.

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import Layer, Link, Mitigation, Taxonomy
    >>> a, b = (Mitigation(m, m.upper(), "hw", "pilot") for m in "ab")
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(a, b), requires=(Link("b", "a"),)))
    >>> disabled_by_requires(g, Scenario(disabled_mitigations=["a"]))
    ('b',)
    """
    seeds = scenario_seeds(g, scenario)
    return tuple(sorted(requires_closure(g, seeds) - seeds))


def introduced_by(
    g: nx.MultiDiGraph, enabled: frozenset[str]
) -> dict[str, tuple[str, ...]]:
    """Each threat INTRODUCED by an enabled mitigation, with those mitigations.

    Parameters
    ----------
    g : networkx.MultiDiGraph
    enabled : frozenset of str
        The enabled mitigations.

    Returns
    -------
    dict
        Threat id → sorted mitigation ids, threats sorted by id.

    >>> from taxonomy.analysis.model import taxonomy_graph
    >>> from taxonomy.domain.records import (
    ...     Layer, Link, Mitigation, Taxonomy, Threat)
    >>> g = taxonomy_graph(Taxonomy(layers=(Layer("hw", "HW"),),
    ...     threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),),
    ...     introduces=(Link("a", "t"),)))
    >>> introduced_by(g, frozenset({"a"})), introduced_by(g, frozenset())
    ({'t': ('a',)}, {})
    """
    out: dict[str, set[str]] = {}
    for source, target in edges_of_kind(g, "INTRODUCES"):
        if source in enabled:
            out.setdefault(target, set()).add(source)
    return {t: tuple(sorted(ms)) for t, ms in sorted(out.items())}


def diff_analyses(baseline: Analysis, other: Analysis) -> dict:
    """Which threats changed class or moved between two analyses of one taxonomy.

    Parameters
    ----------
    baseline : Analysis
        Usually the analysis with nothing disabled.
    other : Analysis
        The scenario's analysis.

    Returns
    -------
    dict
        ``{"changed": [{id, from, to, coverage: {from, to}}...] sorted by id,
        "summary": {class: other count − baseline count}, "moved": [...],
        "unchanged": n}``: ``moved`` is ``diff.coverage_moves`` (every threat
        whose class or coverage by all or any one layer moved, class changes
        first, then the largest move), ``unchanged`` counts the other threats.

    >>> from taxonomy.analysis.coverage import analyse
    >>> from taxonomy.domain.records import (
    ...     Layer, Mitigates, Mitigation, Taxonomy, Threat)
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"),), threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("a", "A", "hw", "pilot"),),
    ...     mitigates=(Mitigates("a", "t", "high"),))
    >>> d = diff_analyses(analyse(tax), analyse(tax, Scenario(maturities=["deployed"])))
    >>> d["changed"][0]["from"], d["changed"][0]["to"], d["summary"]["single-layer"]
    ('single-layer', 'unmitigated', -1)
    """
    changed = [
        {
            "id": threat,
            "from": before,
            "to": other.classes[threat],
            "coverage": {
                "from": round(baseline.coverages[threat], 6),
                "to": round(other.coverages[threat], 6),
            },
        }
        for threat, before in sorted(baseline.classes.items())
        if other.classes[threat] != before
    ]
    summary = {c: other.summary[c] - baseline.summary[c] for c in CLASSES}
    moved = coverage_moves(baseline, other)
    return {
        "changed": changed,
        "summary": summary,
        "moved": moved,
        "unchanged": len(baseline.classes) - len(moved),
    }
