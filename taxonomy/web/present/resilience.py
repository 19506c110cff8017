"""Resilience: depth sentences and the best single next step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from taxonomy.domain.scenario import Scenario
from taxonomy.web.present.common import ADDRESSED
from taxonomy.web.present.detail import ClassChange

# --- Resilience -------------------------------------------------------------------


def _layers_word(n: int) -> str:
    """``one layer``, ``2 layers``.

    >>> _layers_word(1), _layers_word(3)
    ('one layer', '3 layers')
    """
    return "one layer" if n == 1 else f"{n} layers"


def _and_names(ids: Iterable[str], names: Mapping[str, str]) -> str:
    """Display names joined as a sentence says them.

    >>> _and_names(["a", "b", "c"], {"a": "A", "b": "B"})
    'A, B and c'
    """
    words = [names.get(i, i) for i in ids]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def layer_depth_sentence(
    depth: Mapping, lost: Iterable[str] | None, names: Mapping[str, str]
) -> str:
    """What a threat's layer depth means, with the layers whose loss breaks it
    when they are known (``lost``).

    >>> d = {"layers": 2, "mitigations": 3, "exact": True}
    >>> layer_depth_sentence(d, ["hw", "sw"], {"hw": "Hardware", "sw": "Software"})
    'Survives the loss of any one layer; the loss of Hardware and Software leaves it unaddressed.'
    >>> layer_depth_sentence(d, None, {})
    'Survives the loss of any one layer; the loss of some 2 layers leaves it unaddressed.'
    >>> layer_depth_sentence({"layers": 1, "exact": True}, ["hw"], {"hw": "Hardware"})
    'Depends on a single layer: the loss of Hardware alone leaves it unaddressed.'
    >>> layer_depth_sentence({"layers": 0, "exact": True}, None, {})
    'Not addressed in this scenario (depth 0).'
    """
    k = depth["layers"]
    if k == 0:
        return "Not addressed in this scenario (depth 0)."
    if k == 1:
        which = _and_names(lost, names) if lost else "some one layer"
        return f"Depends on a single layer: the loss of {which} alone leaves it unaddressed."
    which = _and_names(lost, names) if lost else f"some {_layers_word(k)}"
    return (
        f"Survives the loss of any {_layers_word(k - 1)}; "
        f"the loss of {which} leaves it unaddressed."
    )


def mitigation_depth_sentence(depth: Mapping) -> str:
    """What a threat's mitigation depth means.

    >>> mitigation_depth_sentence({"layers": 2, "mitigations": 3, "exact": True})
    'The loss of 3 mitigations (and the measures that require them) leaves it unaddressed; no fewer do.'
    >>> mitigation_depth_sentence({"layers": 1, "mitigations": 4, "exact": False})
    'The loss of 4 mitigations (and the measures that require them) leaves it unaddressed, perhaps fewer: the search gave up for a greedy bound.'
    >>> mitigation_depth_sentence({"layers": 0, "mitigations": 0, "exact": True})
    'Not addressed in this scenario (depth 0).'
    """
    k = depth["mitigations"]
    if k == 0:
        return "Not addressed in this scenario (depth 0)."
    what = "one mitigation" if k == 1 else f"{k} mitigations"
    tail = (
        "; no fewer do."
        if depth["exact"]
        else ", perhaps fewer: the search gave up for a greedy bound."
    )
    return f"The loss of {what} (and the measures that require them) leaves it unaddressed{tail}"


def dependants(changes: Iterable[ClassChange]) -> list[ClassChange]:
    """The threats that depend on a layer: addressed with it, unaddressed without
    it (``changed_classes`` of the layer switched off); their layer depth is 1.

    >>> c = [ClassChange("t", "T", "single-layer", "insufficient", 0.9, 0.3),
    ...      ClassChange("u", "U", "single-layer", "defense-in-depth", 0.9, 0.85)]
    >>> [d.id for d in dependants(c)]
    ['t']
    """
    return [c for c in changes if c.before in ADDRESSED and c.after not in ADDRESSED]


@dataclass(frozen=True, slots=True)
class NextStep:
    """The best single next step: a mitigation to adopt and what it adds."""

    mitigation: str
    name: str
    also: str
    gain: int
    addressed: int


def next_step(step, names: Mapping[str, str]) -> NextStep | None:
    """A ``GreedyStep`` as the overview and the brief show it (None stays None);
    ``also`` names what it requires that comes with it.

    >>> from taxonomy.analysis.recommend import GreedyStep
    >>> s = GreedyStep("b", ("a", "b"), 2.0, 2.0, 3, 7, 7, ())
    >>> next_step(s, {"a": "Chip attestation", "b": "Deployer liability"})
    NextStep(mitigation='b', name='Deployer liability', also='Chip attestation', gain=3, addressed=7)
    """
    if step is None:
        return None
    also = [m for m in step.adopted if m != step.mitigation]
    return NextStep(
        step.mitigation,
        names.get(step.mitigation, step.mitigation),
        _and_names(also, names) if also else "",
        step.gain,
        step.addressed,
    )


def with_adopted(scenario: Scenario, mitigation: str) -> Scenario:
    """The scenario with one more mitigation adopted.

    >>> sorted(with_adopted(Scenario(adopt=["a"]), "b").adopt)
    ['a', 'b']
    """
    return replace(scenario, adopt=scenario.adopt | {mitigation})
