"""ENABLES chains: the paths into a threat, which are open, and what would block them.

Definitions, as implemented:

- The **chain graph** is the directed graph of ENABLES links between threats
  (A → B: A makes B possible or cheaper); two links between the same pair are
  one step of a path.
- The **roots** are the threats nothing outside their own strongly connected
  component ENABLES: in a graph without cycles, the threats with no incoming
  ENABLES link.
- The **chains into** a target t are the simple paths of one link or more from
  a root ancestor of t to t. A chain is **blocked** when some threat on it, t
  included, is addressed; otherwise it is **unblocked**.
- A **minimum blocking set** for t is a smallest set of threats, t excluded,
  none of them addressed, that meets every unblocked chain into t: addressing
  them would block every chain. It is a minimum node cut from the unaddressed
  roots to t in the chain graph restricted to unaddressed threats (node
  splitting plus a networkx minimum cut); when several sets are minimum, one
  is reported.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

import networkx as nx

from taxonomy.domain.records import Taxonomy

CHAIN_PATH_LIMIT = 1000
ONWARD_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ChainPath:
    """One chain: its threats from root to target and the addressed ones on it."""

    threats: tuple[str, ...]
    blocked_by: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_by)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The chains into one target under one scenario."""

    target: str
    target_addressed: bool
    paths: tuple[ChainPath, ...]
    truncated: bool
    minimum_blocking_set: tuple[str, ...]

    @property
    def unblocked(self) -> tuple[ChainPath, ...]:
        return tuple(p for p in self.paths if not p.blocked)


def enables_graph(taxonomy: Taxonomy) -> nx.DiGraph:
    """The chain graph: every threat a node, every ENABLES link an edge.

    >>> from taxonomy.domain.records import Link, Threat
    >>> g = enables_graph(Taxonomy(threats=(Threat("a", "A"), Threat("b", "B")),
    ...                            enables=(Link("a", "b"), Link("a", "b"))))
    >>> sorted(g.edges)
    [('a', 'b')]
    """
    g = nx.DiGraph()
    g.add_nodes_from(sorted(t.id for t in taxonomy.threats))
    g.add_edges_from(sorted((link.source, link.target) for link in taxonomy.enables))
    return g


def chain_roots(enables: nx.DiGraph) -> frozenset[str]:
    """Threats in a strongly connected component that nothing else ENABLES.

    >>> chain_roots(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b")]))
    frozenset({'a'})
    """
    condensed = nx.condensation(enables)
    return frozenset(
        member
        for component, degree in condensed.in_degree()
        if degree == 0
        for member in condensed.nodes[component]["members"]
    )


def chain_starts(enables: nx.DiGraph, target: str) -> list[str]:
    """The roots that reach ``target`` through at least one link, sorted.

    >>> chain_starts(nx.DiGraph([("a", "b"), ("b", "c"), ("d", "c")]), "c")
    ['a', 'd']
    """
    return sorted(chain_roots(enables) & nx.ancestors(enables, target))


def chain_paths(
    enables: nx.DiGraph, target: str, *, limit: int = CHAIN_PATH_LIMIT
) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """The chains into ``target``: simple paths from each root ancestor to it.

    Parameters
    ----------
    enables : networkx.DiGraph
        The chain graph.
    target : str
    limit : int
        At most this many paths are enumerated.

    Returns
    -------
    (paths, truncated)
        Paths sorted lexicographically, each a tuple of threat ids from root
        to target; ``truncated`` is True when the limit cut enumeration short.

    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("d", "c")])
    >>> chain_paths(g, "c")
    ((('a', 'b', 'c'), ('d', 'c')), False)
    """
    sub = enables.subgraph(nx.ancestors(enables, target) | {target})
    found: list[tuple[str, ...]] = []
    for start in chain_starts(enables, target):
        room = limit + 1 - len(found)
        found.extend(
            tuple(p) for p in islice(nx.all_simple_paths(sub, start, target), room)
        )
        if len(found) > limit:
            return tuple(sorted(found[:limit])), True
    return tuple(sorted(found)), False


def minimum_blocking_set(
    enables: nx.DiGraph, target: str, addressed: Iterable[str]
) -> tuple[str, ...]:
    """A smallest set of unaddressed threats meeting every unblocked chain.

    Parameters
    ----------
    enables : networkx.DiGraph
    target : str
    addressed : iterable of str
        The threats addressed under the scenario.

    Returns
    -------
    tuple of str
        Sorted; empty when no chain into ``target`` is unblocked.

    >>> g = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "t"), ("d", "t")])
    >>> minimum_blocking_set(g, "t", set()), minimum_blocking_set(g, "t", {"d"})
    (('c', 'd'), ('c',))
    """
    addressed = set(addressed)
    if target in addressed:
        return ()
    open_nodes = (nx.ancestors(enables, target) - addressed) | {target}
    sub = enables.subgraph(open_nodes)
    starts = [s for s in chain_starts(enables, target) if s not in addressed]
    source, sink = ("source",), (target, 0)
    flow = nx.DiGraph()
    flow.add_node(sink)
    for node in sorted(open_nodes - {target}):
        flow.add_edge((node, 0), (node, 1), capacity=1)
    for u, v in sorted(sub.edges):
        if u != target:
            flow.add_edge((u, 1), (v, 0))
    flow.add_edges_from((source, (s, 0)) for s in starts)
    if not starts or not nx.has_path(flow, source, sink):
        return ()
    _, (reach, _) = nx.minimum_cut(flow, source, sink)
    return tuple(
        sorted(
            n for n in open_nodes - {target} if (n, 0) in reach and (n, 1) not in reach
        )
    )


def chain_report(
    enables: nx.DiGraph,
    target: str,
    addressed: Iterable[str],
    *,
    limit: int = CHAIN_PATH_LIMIT,
) -> ChainReport:
    """The chains into ``target``, which are blocked and what would block the rest.

    Parameters
    ----------
    enables : networkx.DiGraph
    target : str
    addressed : iterable of str
    limit : int
        Cap on the enumerated paths; the blocking set always covers them all.

    Returns
    -------
    ChainReport

    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("d", "c")])
    >>> r = chain_report(g, "c", {"a"})
    >>> [p.threats for p in r.unblocked], r.minimum_blocking_set
    ([('d', 'c')], ('d',))
    """
    addressed = frozenset(addressed)
    paths, truncated = chain_paths(enables, target, limit=limit)
    return ChainReport(
        target=target,
        target_addressed=target in addressed,
        paths=tuple(
            ChainPath(path, tuple(t for t in path if t in addressed)) for path in paths
        ),
        truncated=truncated,
        minimum_blocking_set=minimum_blocking_set(enables, target, addressed),
    )


def unblocked_into(enables: nx.DiGraph, addressed: Iterable[str]) -> tuple[str, ...]:
    """Every threat that at least one unblocked chain reaches, sorted.

    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("d", "e")])
    >>> unblocked_into(g, set()), unblocked_into(g, {"b", "d"})
    (('b', 'c', 'e'), ())
    """
    addressed = set(addressed)
    open_graph = enables.subgraph(n for n in enables if n not in addressed)
    reached = _reachable(open_graph, chain_roots(enables) - addressed)
    return tuple(
        sorted(v for v in open_graph if any(u in reached for u in open_graph.pred[v]))
    )


def onward_chains(
    enables: Iterable[tuple[str, str]], start: str, addressed: Iterable[str]
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The ENABLES paths from a threat to the ends of its chains, and their blockers.

    Each path runs from ``start`` until a threat that enables nothing more
    (or would repeat one); its blockers are the addressed threats on it after
    ``start``.

    Parameters
    ----------
    enables : iterable of (str, str)
        The ENABLES links as ``(source, target)`` pairs.
    start : str
    addressed : iterable of str

    Returns
    -------
    list of (path, blockers)
        At most ``ONWARD_LIMIT`` paths, shortest first.

    >>> onward_chains([("a", "b"), ("b", "c"), ("a", "d")], "a", {"d"})
    [(('a', 'd'), ('d',)), (('a', 'b', 'c'), ())]
    """
    following: dict[str, list[str]] = {}
    for source, target in enables:
        following.setdefault(source, []).append(target)
    done = set(addressed)
    paths: list[tuple[str, ...]] = []
    stack = [(start,)]
    while stack and len(paths) < ONWARD_LIMIT:
        path = stack.pop()
        nexts = [t for t in following.get(path[-1], []) if t not in path]
        if not nexts and len(path) > 1:
            paths.append(path)
        stack.extend(path + (t,) for t in sorted(nexts, reverse=True))
    paths.sort(key=lambda p: (len(p), p))
    return [(p, tuple(t for t in p[1:] if t in done)) for p in paths]


def _reachable(g: nx.DiGraph, sources: Iterable[str]) -> set[str]:
    seen = set(sources)
    queue = deque(seen)
    while queue:
        for nxt in g.succ[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
