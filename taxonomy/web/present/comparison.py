"""A scenario compared with the baseline: every coverage move, in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from taxonomy.domain.kinds import BY_REL
from taxonomy.domain.scenario import Scenario
from taxonomy.domain.scenario_words import percent, scenario_summary
from taxonomy.web.present.common import ADDRESSED, class_info, share

# --- A scenario compared with the baseline -----------------------------------

# How many moved threats the matrix page lists before "show the rest".
MOVES_SHOWN = 8
MINUS = "\u2212"


def whole_points(value: float) -> int:
    """A coverage in whole percentage points, rounded down as ``percent`` shows it.

    >>> whole_points(0.657), whole_points(0.51), whole_points(1.0)
    (65, 51, 100)
    """
    return min(int(value * 100 + 1e-9), 100)


def change_text(before: float, after: float) -> str:
    """A move in points as a cell shows it, from the shown percentages; a move
    too small to change them is "<1" with its sign.

    >>> change_text(0.657, 0.51), change_text(0.3, 0.6), change_text(0.986, 0.98)
    ('−14', '+30', '−<1')
    """
    points = whole_points(after) - whole_points(before)
    sign = MINUS if after < before else "+"
    return f"{sign}{abs(points) or '<1'}"


def change_words(before: float, after: float) -> str:
    """A move in points in words: how many points higher or lower.

    >>> change_words(0.657, 0.51), change_words(0.3, 0.31), change_words(0.986, 0.98)
    ('14 points lower', '1 point higher', 'under 1 point lower')
    """
    points = abs(whole_points(after) - whole_points(before))
    way = "lower" if after < before else "higher"
    if not points:
        return f"under 1 point {way}"
    return f"{points} point{'s' * (points != 1)} {way}"


def points_text(before: float, after: float) -> str:
    """A move in signed points as a sentence shows it; "" when it did not move.

    >>> points_text(0.657, 0.51), points_text(0.3, 0.31), points_text(0.986, 0.98)
    ('−14 points', '+1 point', 'under 1 point down')
    >>> points_text(0.5, 0.5)
    ''
    """
    if after == before:
        return ""
    points = abs(whole_points(after) - whole_points(before))
    if not points:
        return f"under 1 point {'down' if after < before else 'up'}"
    sign = MINUS if after < before else "+"
    return f"{sign}{points} point{'s' * (points != 1)}"


@dataclass(frozen=True, slots=True)
class LayerMove:
    """One layer's coverage of a moved threat, in the baseline and the scenario."""

    layer: str
    name: str
    before: float
    after: float

    @property
    def points(self) -> str:
        """The move in signed points (``points_text``)."""
        return points_text(self.before, self.after)


@dataclass(frozen=True, slots=True)
class CoverageMove:
    """A threat whose class or coverage moved: both sides, all layers and by layer."""

    id: str
    name: str
    before_class: str
    after_class: str
    before: float
    after: float
    layers: tuple[LayerMove, ...]

    @property
    def class_changed(self) -> bool:
        """Whether the threat changed class."""
        return self.before_class != self.after_class

    @property
    def points(self) -> str:
        """The move by all layers in signed points (``points_text``); "" if none."""
        return points_text(self.before, self.after)

    @property
    def class_words(self) -> str:
        """The class in words: "still insufficient", or "now X, was Y"."""
        after = class_info(self.after_class).label.lower()
        if not self.class_changed:
            return f"still {after}"
        return f"now {after}, was {class_info(self.before_class).label.lower()}"

    @property
    def sentence(self) -> str:
        """The whole move as one line of plain words.

        >>> CoverageMove("j", "Jurisdiction shopping", "insufficient",
        ...     "insufficient", 0.657, 0.51, ()).sentence
        'Jurisdiction shopping: 65% → 51% (−14 points), still insufficient'
        """
        points = f" ({self.points})" if self.points else ""
        return (
            f"{self.name}: {percent(self.before)} → {percent(self.after)}"
            f"{points}, {self.class_words}"
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """A scenario compared with the baseline: every moved threat in order, the
    first ``MOVES_SHOWN`` apart from the rest, and how many did not move."""

    against: str
    moves: tuple[CoverageMove, ...]
    unchanged: int

    @property
    def class_changes(self) -> int:
        """How many moved threats changed class."""
        return sum(move.class_changed for move in self.moves)

    @property
    def first(self) -> tuple[CoverageMove, ...]:
        """The moves a page lists at once."""
        return self.moves[:MOVES_SHOWN]

    @property
    def rest(self) -> tuple[CoverageMove, ...]:
        """The moves a page lists on request."""
        return self.moves[MOVES_SHOWN:]


def comparison(
    document: Mapping, names: Mapping[str, Mapping[str, str]], scenario: Scenario
) -> Comparison | None:
    """The comparison of a coverage document diffed with the baseline of its
    ``scenario``, in display names (None without a diff); a layer is listed
    under a threat when its coverage moved.

    >>> move = {"id": "j", "from": "insufficient", "to": "insufficient",
    ...     "coverage": {"from": 0.657, "to": 0.51, "delta": -0.147},
    ...     "by_layer": {"hw": {"from": 0.0, "to": 0.0, "delta": 0.0},
    ...                  "in": {"from": 0.657, "to": 0.51, "delta": -0.147}}}
    >>> names = {"threat": {"j": "J"}, "layer": {"in": "Institutional"}}
    >>> doc = {"diff": {"moved": [move], "unchanged": 9}}
    >>> c = comparison(doc, names, Scenario(disabled_layers=["hw"]))
    >>> c.moves[0].sentence, [m.name for m in c.moves[0].layers], c.unchanged
    ('J: 65% → 51% (−14 points), still insufficient', ['Institutional'], 9)
    """
    diff = document.get("diff")
    if not diff:
        return None
    threats, layers = names.get("threat", {}), names.get("layer", {})
    moves = tuple(
        CoverageMove(
            id=move["id"],
            name=threats.get(move["id"], move["id"]),
            before_class=move["from"],
            after_class=move["to"],
            before=move["coverage"]["from"],
            after=move["coverage"]["to"],
            layers=tuple(
                LayerMove(layer, layers.get(layer, layer), m["from"], m["to"])
                for layer, m in move["by_layer"].items()
                if m["delta"]
            ),
        )
        for move in diff["moved"]
    )
    return Comparison(
        against=scenario_summary(scenario.baseline(), {}),
        moves=moves,
        unchanged=diff["unchanged"],
    )


def without_mitigation(scenario: Scenario, mitigation_id: str) -> Scenario:
    """The same scenario with one more mitigation switched off (and so what
    requires it).

    >>> sorted(without_mitigation(Scenario(), "tee").disabled_mitigations)
    ['tee']
    """
    return replace(
        scenario, disabled_mitigations=scenario.disabled_mitigations | {mitigation_id}
    )


@dataclass(frozen=True, slots=True)
class UpsetRow:
    """One layer set: which layers it holds, and the threats it addresses."""

    layers: tuple[str, ...]
    member: tuple[bool, ...]
    addressed: int
    minimal_for: int
    share: int


def upset_rows(document: Mapping) -> list[UpsetRow]:
    """Layer sets by size, then threats addressed, as the rows of an UpSet table.

    >>> doc = {"layers": ["hw", "sw"], "threats": [{}, {}],
    ...        "layer_sets": {"sets": [{"layers": ["hw"], "addressed": 1, "minimal_for": 1}]}}
    >>> upset_rows(doc)
    [UpsetRow(layers=('hw',), member=(True, False), addressed=1, minimal_for=1, share=50)]
    """
    total = len(document["threats"])
    rows = [
        UpsetRow(
            layers=tuple(s["layers"]),
            member=tuple(layer in s["layers"] for layer in document["layers"]),
            addressed=s["addressed"],
            minimal_for=s["minimal_for"],
            share=share(s["addressed"], total),
        )
        for s in document["layer_sets"]["sets"]
    ]
    return sorted(rows, key=lambda r: (len(r.layers), -r.addressed))


def upset_note(layer_sets: Mapping) -> str:
    """Which layer sets the table lists, and how many of how many, in words.

    >>> upset_note({"scope": "all", "total": 3, "sets": [{}, {}, {}]})
    ''
    >>> upset_note({"scope": "all", "total": 255, "sets": [{}] * 200})
    'Showing the 200 sets that address the most threats, of 255 combinations.'
    >>> upset_note({"scope": "sizes 1-3", "total": 90, "sets": [{}] * 90})[:45]
    'With this many layers the table lists every s'
    """
    shown, total = len(layer_sets["sets"]), layer_sets["total"]
    note = ""
    if layer_sets["scope"] != "all":
        note = (
            "With this many layers the table lists every single layer and the sets "
            "of two or three layers that are minimal for at least one threat. "
        )
    if shown < total:
        note += (
            f"Showing the {shown} sets that address the most threats, "
            f"of {total} combinations."
        )
    elif note:
        note += f"All {total} are shown."
    return note


def best_single_layer(layer_totals: Mapping[str, Mapping[str, int]]) -> int:
    """The most threats any one layer addresses alone (listed in the table or not).

    >>> best_single_layer({"hw": {"addressed_alone": 3}, "sw": {"addressed_alone": 1}})
    3
    """
    return max((t["addressed_alone"] for t in layer_totals.values()), default=0)


def focus_choices(snapshot) -> list[tuple[str, list[tuple[str, str]]]]:
    """The explorer's focus options: node ids by kind, sorted by name."""
    groups = (
        ("Layers", "layer", snapshot.layers),
        ("Threats", "threat", snapshot.threats),
        ("Mitigations", "mitigation", snapshot.mitigations),
    )
    return [
        (
            label,
            [(f"{kind}:{r.id}", r.name) for r in sorted(records, key=lambda r: r.name)],
        )
        for label, kind, records in groups
    ]


def graph_listing(elements: Mapping) -> dict[str, list[dict]]:
    """The explorer's elements as lists for the HTML: nodes by kind, edges by type.

    An edge is listed in words (``e["words"]``) and only between listed nodes.

    >>> listing = graph_listing({
    ...     "nodes": [{"id": "threat:t", "kind": "threat", "name": "T"}],
    ...     "edges": [{"source": "threat:t", "target": "tactic:x", "type": "IN_TACTIC"}],
    ... })
    >>> listing["threat"][0]["name"], listing["edges"]
    ('T', [])
    """
    listing: dict[str, list[dict]] = {"layer": [], "threat": [], "mitigation": []}
    for node in sorted(elements["nodes"], key=lambda n: n["name"]):
        listing.setdefault(node["kind"], []).append(node)
    names = {n["id"]: n["name"] for n in elements["nodes"]}
    listing["edges"] = [
        {
            **e,
            "source_name": names[e["source"]],
            "target_name": names[e["target"]],
            "words": BY_REL[e["type"]].words,
        }
        for e in elements["edges"]
        if e["type"] in BY_REL and e["source"] in names and e["target"] in names
    ]
    return listing


def gaps(document: Mapping) -> list[Mapping]:
    """Threats not addressed at all (unmitigated or insufficient), lowest coverage first."""
    open_ = [t for t in document["threats"] if t["class"] not in ADDRESSED]
    return sorted(open_, key=lambda t: (t["coverage"]["all"], t["name"]))


def node_name(elements: Mapping, node_id: str | None) -> str:
    """The name of a node among graph elements, or the id itself.

    >>> node_name({"nodes": [{"id": "layer:hw", "name": "Hardware"}]}, "layer:hw")
    'Hardware'
    """
    return next(
        (n["name"] for n in elements["nodes"] if n["id"] == node_id), node_id or ""
    )
