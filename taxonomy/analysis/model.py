"""The coverage model's vocabulary: scenarios, results and the taxonomy as a graph."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.kinds import PLAIN_LINK_KINDS
from taxonomy.domain.records import Taxonomy
from taxonomy.domain.scenario import (
    Scenario,
)

TOLERANCE = 1e-9
EXACT_LAYER_LIMIT = 16
# An analysis lists at most this many layer sets, those addressing the most
# threats: 89 layers have 117,569 sets of one to three, which no reader can use.
LAYER_SETS_SHOWN = 200
# Beyond 8 layers, at most this many sets of two or three layers are scored,
# those minimal for the most threats, so time does not grow with the layers.
LAYER_SETS_SCORED = 2000

UNMITIGATED = "unmitigated"
INSUFFICIENT = "insufficient"
DEFENSE_IN_DEPTH = "defense-in-depth"
SINGLE_LAYER = "single-layer"
CLASSES = (UNMITIGATED, INSUFFICIENT, DEFENSE_IN_DEPTH, SINGLE_LAYER)
ADDRESSED_CLASSES = frozenset({DEFENSE_IN_DEPTH, SINGLE_LAYER})

# A miss probability of exactly 0 (effectiveness 1) has no logarithm; any weight
# above -log(smallest double) already makes 1 - exp(-w) round to 1.0.
CERTAIN_WEIGHT = 745.0


def validate_ids(
    taxonomy: Taxonomy, scenario: Scenario, *, threats: Iterable[str | None] = ()
) -> None:
    """Raise ``ScenarioError`` naming every id the taxonomy does not hold.

    Parameters
    ----------
    taxonomy : Taxonomy
    scenario : Scenario
        Its disabled layers and its disabled and adopted mitigations are checked.
    threats : iterable of str or None
        Threat ids a query names (None entries are skipped).

    Returns
    -------
    None

    >>> from taxonomy.domain.records import Layer
    >>> validate_ids(Taxonomy(layers=(Layer("hardware", "Hardware"),)),
    ...              Scenario(disabled_layers=["market"]), threats=["x"])
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.ScenarioError: unknown layer: market; unknown threat: x
    """
    unknown = {
        "layer": scenario.disabled_layers - {layer.id for layer in taxonomy.layers},
        "mitigation": scenario.disabled_mitigations
        - {m.id for m in taxonomy.mitigations},
        "adopted mitigation": scenario.adopted_ids
        - {m.id for m in taxonomy.mitigations},
        "jurisdiction to adopt in": {j for _, j in scenario.adopted_in}
        - {j.id for j in taxonomy.jurisdictions},
        "threat": {t for t in threats if t is not None}
        - {t.id for t in taxonomy.threats},
        "jurisdiction": {scenario.jurisdiction} - {j.id for j in taxonomy.jurisdictions}
        if scenario.jurisdiction
        else set(),
    }
    if any(unknown.values()):
        raise ScenarioError(unknown)


def addressed(coverage: float, threshold: float) -> bool:
    """Whether a coverage reaches the threshold, allowing for float error.

    >>> addressed(1 - 0.4 * 0.4, 0.84), addressed(0.72, 0.8)
    (True, False)
    """
    return coverage >= threshold - TOLERANCE


def addressing_weight(threshold: float) -> float:
    """The weight sum ``-log(1 - c)`` a layer set needs to address a threat.

    >>> round(addressing_weight(0.8), 6)
    1.609438
    """
    return -math.log1p(-(threshold - TOLERANCE))


def strength_weight(effectiveness: float) -> float:
    """A link's weight ``-log(1 - e)``: weights add where misses multiply.

    >>> round(strength_weight(0.9), 6), strength_weight(1.0)
    (2.302585, 745.0)
    """
    return CERTAIN_WEIGHT if effectiveness >= 1.0 else -math.log1p(-effectiveness)


def threat_class(
    n_links: int, coverage: float, best_layer: float, threshold: float
) -> str:
    """The class of a threat from its link count and coverages.

    Parameters
    ----------
    n_links : int
        Enabled MITIGATES links into the threat.
    coverage : float
        Coverage by all layers together.
    best_layer : float
        The highest coverage by one layer alone.
    threshold : float

    Returns
    -------
    str
        One of ``CLASSES``.

    >>> threat_class(2, 0.84, 0.6, 0.8), threat_class(1, 0.9, 0.9, 0.8)
    ('defense-in-depth', 'single-layer')
    """
    if n_links == 0:
        return UNMITIGATED
    if not addressed(coverage, threshold):
        return INSUFFICIENT
    return SINGLE_LAYER if addressed(best_layer, threshold) else DEFENSE_IN_DEPTH


@dataclass(frozen=True, slots=True)
class LinkContribution:
    """One enabled MITIGATES link into a threat, as the analysis counted it."""

    mitigation: str
    layer: str
    strength: str
    effectiveness: float


@dataclass(frozen=True, slots=True)
class ThreatCoverage:
    """Everything the analysis says about one threat under one scenario.

    ``by_layer`` follows the analysis's ``layers`` order. Minimal layer sets
    are sorted by size, then by layer order; each lists its layers in layer
    order. ``critical_layers`` and ``critical_mitigations`` are empty unless
    the threat is addressed.
    """

    id: str
    name: str
    coverage_class: str
    coverage: float
    by_layer: tuple[float, ...]
    links: tuple[LinkContribution, ...]
    minimal_layer_sets: tuple[tuple[str, ...], ...]
    minimal_layer_sets_exact: bool
    critical_layers: tuple[str, ...]
    critical_mitigations: tuple[str, ...]
    introduced_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LayerSetScore:
    """How many threats a layer set addresses, and for how many it is minimal."""

    layers: tuple[str, ...]
    addressed: int
    minimal_for: int


@dataclass(frozen=True)
class Analysis:
    """The result of one scenario over a whole taxonomy.

    ``threats`` is sorted by id and may be computed lazily, one threat at a
    time. ``classes`` maps every threat id to its class, ``coverages`` to its
    coverage by all layers, ``layer_coverages`` to its coverage by each layer
    (in ``layers`` order; read on demand where threats are). ``layer_totals``
    maps each layer to ``{mitigations, links, threats, addressed_alone,
    critical_for}``. ``mitigation_ranking`` lists ``(mitigation, n)``: n
    threats lose their addressed status without the mitigation (and what
    REQUIRES it), largest first, zeros left out. ``layer_sets_scope`` is
    ``"all"`` or ``"sizes 1-3"`` (see ``layer_set_candidates``);
    ``layer_sets`` holds at most ``LAYER_SETS_SHOWN`` of the
    ``layer_sets_total`` sets in scope. ``unblocked_into`` lists the threats an
    unblocked ENABLES chain reaches. ``introduced`` pairs each threat that an
    enabled mitigation INTRODUCES with those mitigations.
    """

    scenario: Scenario
    revision: int
    layers: tuple[str, ...]
    threats: Sequence[ThreatCoverage]
    classes: Mapping[str, str]
    coverages: Mapping[str, float]
    layer_coverages: Mapping[str, tuple[float, ...]]
    summary: Mapping[str, int]
    layer_totals: Mapping[str, Mapping[str, int]]
    mitigation_ranking: tuple[tuple[str, int], ...]
    mitigation_layers: Mapping[str, str]
    layer_sets: tuple[LayerSetScore, ...]
    layer_sets_scope: str
    layer_sets_total: int
    unblocked_into: tuple[str, ...]
    introduced: tuple[tuple[str, tuple[str, ...]], ...]
    disabled_by_requires: tuple[str, ...]
    minimal_layer_sets_exact: bool

    def threat(self, threat_id: str) -> ThreatCoverage:
        """The record of one threat; ``KeyError`` if there is none."""
        index = _bisect(self.threats, threat_id)
        if index is None:
            raise KeyError(threat_id)
        return self.threats[index]

    @property
    def addressed_threats(self) -> frozenset[str]:
        """Ids of the threats in an addressed class."""
        return frozenset(t for t, c in self.classes.items() if c in ADDRESSED_CLASSES)


def _bisect(threats: Sequence[ThreatCoverage], threat_id: str) -> int | None:
    ids = getattr(threats, "ids", None) or [t.id for t in threats]
    lo, hi = 0, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        if ids[mid] < threat_id:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(ids) and ids[lo] == threat_id else None


def class_summary(classes: Iterable[str]) -> dict[str, int]:
    """Count threats per class, every class present, in ``CLASSES`` order.

    >>> class_summary(["insufficient", "single-layer", "insufficient"])
    {'unmitigated': 0, 'insufficient': 2, 'defense-in-depth': 0, 'single-layer': 1}
    """
    counts = dict.fromkeys(CLASSES, 0)
    for name in classes:
        counts[name] += 1
    return counts


def class_counts(codes: np.ndarray) -> dict[str, int]:
    """``class_summary`` of class codes (indices into ``CLASSES``).

    >>> class_counts(np.array([1, 3, 1]))
    {'unmitigated': 0, 'insufficient': 2, 'defense-in-depth': 0, 'single-layer': 1}
    """
    counts = np.bincount(codes, minlength=len(CLASSES))
    return dict(zip(CLASSES, counts.tolist(), strict=True))


def layer_set_scope(n_layers: int) -> str:
    """Which layer sets the global ranking covers for a number of layers.

    >>> layer_set_scope(4), layer_set_scope(16)
    ('all', 'sizes 1-3')
    """
    return "all" if n_layers <= 8 else "sizes 1-3"


def layer_set_candidates(
    n_layers: int, minimal_counts: Mapping[tuple[int, ...], int]
) -> tuple[list[tuple[int, ...]], int]:
    """The layer sets the global ranking scores, and how many sets are in scope.

    Up to 8 layers every non-empty set is in scope. Beyond, every single
    layer and every set of two or three layers that is minimal for at least
    one threat: a set minimal for none adds nothing its subsets do not say,
    and the sets minimal for some threat are found per threat, never by
    enumerating the layers' combinations. Of those, the
    ``LAYER_SETS_SCORED`` minimal for the most threats are scored.

    Parameters
    ----------
    n_layers : int
    minimal_counts : mapping
        Minimal layer set (layer indices, ascending) → threats it is minimal for.

    Returns
    -------
    (candidates, total)
        Candidates by size, then layer order; ``total`` sets in scope.

    >>> layer_set_candidates(2, {})
    ([(0,), (1,), (0, 1)], 3)
    >>> layer_set_candidates(9, {(0, 4): 2, (1, 2, 3, 5): 1})[1]
    10
    """
    if layer_set_scope(n_layers) == "all":
        every = [
            c
            for size in range(1, n_layers + 1)
            for c in itertools.combinations(range(n_layers), size)
        ]
        return every, len(every)
    together = sorted(
        (s for s in minimal_counts if 2 <= len(s) <= 3),
        key=lambda s: (-minimal_counts[s], len(s), s),
    )
    singles = [(i,) for i in range(n_layers)]
    chosen = singles + sorted(together[:LAYER_SETS_SCORED], key=lambda s: (len(s), s))
    return chosen, n_layers + len(together)


def top_layer_sets(
    scores: Sequence[tuple[tuple[int, ...], int, int]], limit: int = LAYER_SETS_SHOWN
) -> list[tuple[tuple[int, ...], int, int]]:
    """The ``limit`` scored sets addressing the most threats, in their given order.

    Ties go to fewer layers, then to layer order.

    >>> top_layer_sets([((0,), 1, 1), ((1,), 3, 3), ((0, 1), 3, 0)], limit=2)
    [((1,), 3, 3), ((0, 1), 3, 0)]
    """
    kept = sorted(range(len(scores)), key=lambda i: (-scores[i][1], i))[:limit]
    return [scores[i] for i in sorted(kept)]


def check_references(taxonomy: Taxonomy) -> None:
    """Raise ``ValueError`` if a link names an item the taxonomy lacks.

    >>> from taxonomy.domain.records import Link
    >>> check_references(Taxonomy(enables=(Link("a", "b"),)))
    Traceback (most recent call last):
    ...
    ValueError: the taxonomy refers to missing items: threat a, threat b
    """
    layers = {layer.id for layer in taxonomy.layers}
    threats = {t.id for t in taxonomy.threats}
    mitigations = {m.id for m in taxonomy.mitigations}
    missing = {
        ("layer", m.layer) for m in taxonomy.mitigations if m.layer not in layers
    }
    used_mitigations = {link.mitigation for link in taxonomy.mitigates}
    used_threats = {link.threat for link in taxonomy.mitigates}
    missing |= {("mitigation", i) for i in used_mitigations - mitigations}
    missing |= {("threat", i) for i in used_threats - threats}
    kinds = (
        (taxonomy.enables, "threat", "threat"),
        (taxonomy.subtypes, "threat", "threat"),
        (taxonomy.requires, "mitigation", "mitigation"),
        (taxonomy.introduces, "mitigation", "threat"),
    )
    known = {"threat": threats, "mitigation": mitigations}
    for links, source_kind, target_kind in kinds:
        for link in links:
            if link.source not in known[source_kind]:
                missing.add((source_kind, link.source))
            if link.target not in known[target_kind]:
                missing.add((target_kind, link.target))
    if missing:
        names = ", ".join(f"{kind} {item}" for kind, item in sorted(missing))
        raise ValueError(f"the taxonomy refers to missing items: {names}")


def taxonomy_graph(taxonomy: Taxonomy) -> nx.MultiDiGraph:
    """The taxonomy as a networkx MultiDiGraph, every link its own edge.

    Nodes are ``(kind, id)`` pairs (kinds ``layer``, ``threat``,
    ``mitigation``) carrying their record as ``record``. Edges carry ``kind``:
    ``IN_LAYER`` (mitigation → layer), ``MITIGATES`` (mitigation → threat,
    with ``strength`` and ``record``), ``ENABLES``, ``SUBTYPE_OF`` (threat →
    threat), ``REQUIRES`` (mitigation → mitigation it requires) and
    ``INTRODUCES`` (mitigation → threat). Two links between the same pair stay
    two edges. The graph attribute ``layers`` keeps the taxonomy's layer order.

    Parameters
    ----------
    taxonomy : Taxonomy

    Returns
    -------
    networkx.MultiDiGraph

    >>> from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
    >>> g = taxonomy_graph(Taxonomy(
    ...     layers=(Layer("hw", "Hardware"),), threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "deployed"),),
    ...     mitigates=(Mitigates("m", "t", "low"), Mitigates("m", "t", "high"))))
    >>> g.number_of_edges(("mitigation", "m"), ("threat", "t"))
    2
    """
    check_references(taxonomy)
    g = nx.MultiDiGraph(
        layers=tuple(layer.id for layer in taxonomy.layers), revision=taxonomy.revision
    )
    for kind, records in (
        ("layer", taxonomy.layers),
        ("threat", taxonomy.threats),
        ("mitigation", taxonomy.mitigations),
    ):
        g.add_nodes_from(((kind, r.id), {"record": r}) for r in records)
    g.add_edges_from(
        (("mitigation", m.id), ("layer", m.layer), {"kind": "IN_LAYER"})
        for m in taxonomy.mitigations
    )
    g.add_edges_from(
        (
            ("mitigation", link.mitigation),
            ("threat", link.threat),
            {"kind": "MITIGATES", "strength": link.strength, "record": link},
        )
        for link in taxonomy.mitigates
    )
    for spec in PLAIN_LINK_KINDS.values():
        g.add_edges_from(
            ((spec.source, link.source), (spec.target, link.target), {"kind": spec.rel})
            for link in getattr(taxonomy, spec.field)
        )
    return g


def edges_of_kind(g: nx.MultiDiGraph, kind: str) -> list[tuple[str, str]]:
    """``(source id, target id)`` of every edge of one kind, in insertion order.

    >>> g = taxonomy_graph(Taxonomy())
    >>> edges_of_kind(g, "ENABLES")
    []
    """
    return [(u[1], v[1]) for u, v, k in g.edges(data="kind") if k == kind]


def records_of_kind(g: nx.MultiDiGraph, kind: str) -> list:
    """The records of every node of one kind, sorted by id.

    >>> records_of_kind(taxonomy_graph(Taxonomy()), "threat")
    []
    """
    return [data["record"] for (k, _), data in sorted(g.nodes(data=True)) if k == kind]
