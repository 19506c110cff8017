"""The coverage document's ``world`` section: the world view
(``analysis.world.world_view``) as plain data and a sentence a policymaker
can read."""

from __future__ import annotations

from collections.abc import Mapping

from taxonomy.analysis.model import ADDRESSED_CLASSES
from taxonomy.analysis.world import WorldView
from taxonomy.domain.jurisdictions import place_phrase
from taxonomy.domain.records import Taxonomy


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def world_entry(view: WorldView, taxonomy: Taxonomy) -> dict:
    """The ``world`` section: every threat seen from no jurisdiction in
    particular (``analysis.world.world_view``), with a sentence.

    >>> from taxonomy.analysis.compiled import coverage_model
    >>> from taxonomy.analysis.world import world_view
    >>> from taxonomy.domain.jurisdictions import Geography
    >>> from taxonomy.domain.scenario import Scenario
    >>> from taxonomy.domain.records import (InForceIn, Jurisdiction, Layer,
    ...     Mitigates, Mitigation, Threat)
    >>> t = Taxonomy(layers=(Layer("hw", "HW"),), threats=(Threat("t", "T",
    ...     mobile="smugglers move"), Threat("u", "U")), mitigations=(Mitigation("m",
    ...     "M", "hw", "deployed"),), mitigates=(Mitigates("m", "t", "high"),
    ...     Mitigates("m", "u", "high")), jurisdictions=(Jurisdiction("us", "US"),
    ...     Jurisdiction("cn", "China")), in_force=(InForceIn("m", "us", "deployed"),))
    >>> view = world_view(coverage_model(t), Geography.of(t), Scenario())
    >>> print(world_entry(view, t)["line"])
    1 threat is mobile: its actors can choose the jurisdiction they act in. It is not addressed where it is weakest, in China. Of the 1 other threat, 0 are addressed in all 2 jurisdictions, 0 in none and 1 in some.
    """
    names = {j.id: j.name for j in taxonomy.jurisdictions}
    threats = [view.threat(t) for t in view.threats]
    mobile = [t for t in threats if t.mobile]
    others = [t for t in threats if not t.mobile]
    return {
        "as_of": view.as_of.isoformat() if view.as_of is not None else None,
        "places": [
            {"id": p, "name": names.get(p, p), "weight": w}
            for p, w in zip(
                view.places,
                view.weights.tolist()
                if view.weights is not None
                else [None] * len(view.places),
                strict=True,
            )
        ],
        "mobile_summary": view.mobile_summary,
        "line": _world_line(
            mobile, others, len(view.places), names, _weakest_places(view)
        ),
        "threats": [
            {
                "id": t.id,
                "mobile": t.mobile,
                "weakest": t.weakest,
                "coverage": _round(t.coverage),
                "class": t.coverage_class,
                "addressed_in": t.addressed_in,
                "places": t.places,
                "share": _round(t.share),
                "weighted_share": _round(t.weighted_share),
            }
            for t in threats
        ],
    }


def _names_list(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _weakest_places(view: WorldView) -> dict[str, list[str]]:
    """Each threat → every place where it is as weak as in its weakest one
    (the same coverage and class): the ties the ``weakest`` id settles."""
    if view.per_place is None:
        return {}
    coverage, classes = view.per_place.coverage, view.per_place.classes
    out = {}
    for t, threat in enumerate(view.threats):
        w = int(view.weakest[t])
        tied = (coverage[:, t] == coverage[w, t]) & (classes[:, t] == classes[w, t])
        out[threat] = [view.places[r] for r in tied.nonzero()[0].tolist()]
    return out


def weakest_words(mobile: int, weakest: Mapping[str, int], names: Mapping) -> str:
    """Where ``mobile`` threats are at their weakest: ``weakest`` gives per
    place how many are weakest there, a threat as weak in several places
    counting in each; places with the same count are named together.

    >>> weakest_words(1, {"eu": 1, "cn": 1}, {"eu": "European Union", "cn": "China"})
    'It is weakest in China and the European Union.'

    >>> weakest_words(5, {"us": 2, "cn": 5, "row": 5, "eu": 4}, {"cn": "China",
    ...     "row": "Rest of the world", "eu": "European Union", "us": "United States"})
    'Where they are weakest (one can be as weak in several places): all 5 in China and the rest of the world, 4 in the European Union, 2 in the United States.'
    >>> weakest_words(2, {"cn": 2, "us": 1}, {"cn": "China", "us": "US"})
    'Where they are weakest (one can be as weak in several places): both in China, 1 in the US.'
    """
    groups: dict[int, list[str]] = {}
    for place, n in sorted(weakest.items(), key=lambda pn: (-pn[1], pn[0])):
        groups.setdefault(n, []).append(place_phrase(names.get(place, place)))
    if mobile == 1:
        return f"It is weakest in {_names_list(groups.get(1, []))}."

    def how_many(n: int) -> str:
        if n < mobile:
            return str(n)
        return "both" if n == 2 else f"all {n}"

    where = ", ".join(f"{how_many(n)} in {_names_list(ps)}" for n, ps in groups.items())
    return f"Where they are weakest (one can be as weak in several places): {where}."


def _mobile_line(mobile: int, addressed: int, weakest: dict, names: dict) -> str:
    """The mobile threats' part of the world view's sentence.

    >>> print(_mobile_line(2, 0, {"cn": 2, "us": 1}, {"cn": "China", "us": "US"}))
    2 threats are mobile: their actors can choose the jurisdiction they act in. None of them is addressed where it is weakest. Where they are weakest (one can be as weak in several places): both in China, 1 in the US.
    >>> print(_mobile_line(1, 1, {"cn": 1}, {"cn": "China"}))
    1 threat is mobile: its actors can choose the jurisdiction they act in. It is addressed even where it is weakest, in China.
    >>> print(_mobile_line(1, 0, {"eu": 1, "row": 1}, {"eu": "European Union",
    ...     "row": "Rest of the world"}))
    1 threat is mobile: its actors can choose the jurisdiction they act in. It is not addressed where it is weakest, in the European Union and the rest of the world.
    """
    ranked = sorted(weakest.items(), key=lambda pn: (-pn[1], pn[0]))
    if mobile == 1:
        places = _names_list([place_phrase(names.get(p, p)) for p, _ in ranked])
        return (
            "1 threat is mobile: its actors can choose the jurisdiction they act "
            f"in. It is{'' if addressed else ' not'} addressed"
            f"{' even' if addressed else ''} where it is weakest, in {places}."
        )
    if addressed == 0:
        told = "None of them is addressed where it is weakest."
    else:
        verb = "is" if addressed == 1 else "are"
        told = f"{addressed} of them {verb} addressed even where they are weakest."
    return (
        f"{mobile} threats are mobile: their actors can choose the jurisdiction "
        f"they act in. {told} {weakest_words(mobile, weakest, names)}"
    )


def _world_line(
    mobile: list, others: list, places: int, names: dict, weakest_at: dict
) -> str:
    """The world view in a sentence a policymaker can read: each place named
    with the number of mobile threats that are weakest there (ties counted in
    every tied place)."""
    if not places:
        return "No jurisdiction is in force on this date: the analysis is the world's."
    parts = []
    if mobile:
        addressed = sum(t.coverage_class in ADDRESSED_CLASSES for t in mobile)
        weakest: dict[str, int] = {}
        for t in mobile:
            for place in weakest_at.get(t.id, [t.weakest]):
                weakest[place] = weakest.get(place, 0) + 1
        parts.append(_mobile_line(len(mobile), addressed, weakest, names))
    if others:
        everywhere = sum(t.addressed_in == places for t in others)
        nowhere = sum(t.addressed_in == 0 for t in others)
        some = len(others) - everywhere - nowhere
        verb = "is" if everywhere == 1 else "are"
        parts.append(
            f"Of the {_plural(len(others), 'other threat')}, {everywhere} {verb} "
            f"addressed in all {places} jurisdictions, {nowhere} in none"
            + (f" and {some} in some." if some else ".")
        )
    return " ".join(parts)
