"""Detail pages of threats, mitigations and layers: links by layer, what is critical."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from taxonomy.domain.scenario import Scenario
from taxonomy.web.present.common import ADDRESSED, CLASS_ORDER, coverage_step

# --- Detail pages -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkView:
    """A MITIGATES link as a detail page lists it, with its records resolved."""

    mitigation: object
    threat: object
    strength: str
    rationale: str
    sources: tuple
    counted: bool


@dataclass(frozen=True, slots=True)
class CitedLink:
    """A link of a jurisdiction's page (in force there, a membership): the
    record, the name of its other end, its rationale and its sources resolved
    (what ``includes/link_reasons.html`` shows)."""

    link: object
    name: str
    rationale: str
    sources: tuple


def cited_sources(snapshot, ids: Iterable[str]) -> list:
    """The records of the sources ``ids`` names, in its order, a source the
    snapshot lacks left out (what a page's Sources section lists)."""
    sources = {s.id: s for s in snapshot.sources}
    return [sources[s] for s in ids if s in sources]


def cited_links(snapshot, links, names: Mapping[str, str], end: str) -> list[CitedLink]:
    """``links`` with the name of their ``end`` (a field) and their sources'
    records, a source the snapshot lacks left out."""
    sources = {s.id: s for s in snapshot.sources}
    return [
        CitedLink(
            link=link,
            name=names.get(getattr(link, end), getattr(link, end)),
            rationale=link.rationale,
            sources=tuple(sources[s] for s in link.sources if s in sources),
        )
        for link in links
    ]


@dataclass(frozen=True, slots=True)
class LayerGroup:
    """The links of one layer into a threat, with that layer's coverage."""

    layer: object
    coverage: float
    step: int
    links: tuple[LinkView, ...]
    critical: bool
    off: bool


def link_views(snapshot, links, counted: Iterable[tuple[str, str]]) -> list[LinkView]:
    """MITIGATES links with their mitigation, threat and source records.

    ``counted`` holds the ``(mitigation, threat)`` pairs the scenario counts;
    the others are shown as switched off.
    """
    mitigations = {m.id: m for m in snapshot.mitigations}
    threats = {t.id: t for t in snapshot.threats}
    sources = {s.id: s for s in snapshot.sources}
    counted = set(counted)
    return [
        LinkView(
            mitigation=mitigations[link.mitigation],
            threat=threats[link.threat],
            strength=link.strength,
            rationale=link.rationale,
            sources=tuple(sources[s] for s in link.sources if s in sources),
            counted=(link.mitigation, link.threat) in counted,
        )
        for link in links
    ]


def layer_groups(snapshot, entry: Mapping, document: Mapping) -> list[LayerGroup]:
    """A threat's links grouped by layer, in layer order, strongest first.

    ``entry`` is the threat's item in the coverage ``document``.
    """
    counted = {(link["mitigation"], entry["id"]) for link in entry["links"]}
    links = [m for m in snapshot.mitigates if m.threat == entry["id"]]
    views = link_views(snapshot, links, counted)
    rank = {s: i for i, s in enumerate(("high", "medium", "low"))}
    off = set(document["scenario"]["disabled_layers"])
    groups = []
    for layer in snapshot.layers:
        mine = [v for v in views if v.mitigation.layer == layer.id]
        mine.sort(key=lambda v: (rank.get(v.strength, 9), v.mitigation.name))
        value = entry["coverage"]["by_layer"].get(layer.id, 0.0)
        critical = layer.id in entry["critical_layers"]
        groups.append(
            LayerGroup(
                layer,
                value,
                coverage_step(value),
                tuple(mine),
                critical,
                layer.id in off,
            )
        )
    return groups


def threat_entry(document: Mapping, threat_id: str) -> Mapping:
    """The item of one threat in a coverage document; ``KeyError`` if absent."""
    for entry in document["threats"]:
        if entry["id"] == threat_id:
            return entry
    raise KeyError(threat_id)


def class_by_threat(document: Mapping) -> dict[str, str]:
    """Threat id → coverage class, from a coverage document."""
    return {t["id"]: t["class"] for t in document["threats"]}


def addressed_ids(document: Mapping) -> set[str]:
    """Ids of the threats in an addressed class."""
    return {t["id"] for t in document["threats"] if t["class"] in ADDRESSED}


def scale_steps() -> list[tuple[int, str]]:
    """The legend of the colour scale: each step and the range it stands for.

    >>> scale_steps()[:2], scale_steps()[-1]
    ([(0, '0'), (1, '<10')], (10, '≥90'))
    """
    steps = [(0, "0"), (1, "<10")]
    steps += [(k, f"{(k - 1) * 10}–{k * 10}") for k in range(2, 10)]
    return steps + [(10, "≥90")]


def mitigation_links(snapshot, mitigation_id: str, document: Mapping) -> list[LinkView]:
    """The links out of a mitigation, strongest first, counted as the scenario says."""
    counted = {
        (link["mitigation"], t["id"])
        for t in document["threats"]
        for link in t["links"]
    }
    links = [m for m in snapshot.mitigates if m.mitigation == mitigation_id]
    rank = {"high": 0, "medium": 1, "low": 2}
    views = link_views(snapshot, links, counted)
    return sorted(views, key=lambda v: (rank.get(v.strength, 9), v.threat.name))


def critical_for(document: Mapping, mitigation_id: str) -> list[str]:
    """Threats that lose their addressed status without a mitigation.

    >>> critical_for({"threats": [{"id": "t", "critical_mitigations": ["m"]}]}, "m")
    ['t']
    """
    return [
        t["id"]
        for t in document["threats"]
        if mitigation_id in t["critical_mitigations"]
    ]


def mitigation_relations(snapshot, mitigation_id: str) -> dict[str, list[str]]:
    """What a mitigation requires, what requires it and which threats it introduces."""
    return {
        "requires": [
            link.target for link in snapshot.requires if link.source == mitigation_id
        ],
        "required_by": [
            link.source for link in snapshot.requires if link.target == mitigation_id
        ],
        "introduces": [
            link.target for link in snapshot.introduces if link.source == mitigation_id
        ],
    }


def without_layer(scenario: Scenario, layer_id: str) -> Scenario:
    """The same scenario with one more layer switched off."""
    return replace(scenario, disabled_layers=scenario.disabled_layers | {layer_id})


@dataclass(frozen=True, slots=True)
class LayerShare:
    """A threat a layer acts on: the layer's coverage and whether it suffices alone."""

    id: str
    name: str
    coverage_class: str
    coverage: float
    step: int
    alone: bool
    critical: bool


def layer_coverage(document: Mapping, layer_id: str) -> list[LayerShare]:
    """The threats a layer covers at all, most covered first.

    >>> doc = {"threats": [{"id": "t", "name": "T", "class": "single-layer",
    ...   "coverage": {"by_layer": {"hw": 0.9}}, "minimal_layer_sets": [["hw"]],
    ...   "critical_layers": ["hw"]}]}
    >>> [(s.id, s.alone, s.critical) for s in layer_coverage(doc, "hw")]
    [('t', True, True)]
    """
    shares = [
        LayerShare(
            id=t["id"],
            name=t["name"],
            coverage_class=t["class"],
            coverage=t["coverage"]["by_layer"].get(layer_id, 0.0),
            step=coverage_step(t["coverage"]["by_layer"].get(layer_id, 0.0)),
            alone=[layer_id] in t["minimal_layer_sets"],
            critical=layer_id in t["critical_layers"],
        )
        for t in document["threats"]
    ]
    return sorted(
        (s for s in shares if s.coverage > 0), key=lambda s: (-s.coverage, s.name)
    )


@dataclass(frozen=True, slots=True)
class ClassChange:
    """A threat whose class differs between two documents."""

    id: str
    name: str
    before: str
    after: str
    coverage_before: float
    coverage_after: float


def changed_classes(before: Mapping, after: Mapping) -> list[ClassChange]:
    """Threats whose class differs between two coverage documents, worst after first.

    >>> a = {"threats": [{"id": "t", "name": "T", "class": "single-layer",
    ...                   "coverage": {"all": 0.9}}]}
    >>> b = {"threats": [{"id": "t", "name": "T", "class": "unmitigated",
    ...                   "coverage": {"all": 0.0}}]}
    >>> [(c.before, c.after) for c in changed_classes(a, b)]
    [('single-layer', 'unmitigated')]
    """
    then = {t["id"]: t for t in before["threats"]}
    changes = [
        ClassChange(
            t["id"],
            t["name"],
            then[t["id"]]["class"],
            t["class"],
            then[t["id"]]["coverage"]["all"],
            t["coverage"]["all"],
        )
        for t in after["threats"]
        if t["id"] in then and then[t["id"]]["class"] != t["class"]
    ]
    return sorted(changes, key=lambda c: (CLASS_ORDER[c.after], c.name))
