"""Scenarios in words: a short label, the sentence saying what a scenario
counts, and the adoptions per place, in display names, for every surface."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from taxonomy.domain.jurisdictions import place_phrase
from taxonomy.domain.records import MATURITIES
from taxonomy.domain.scenario import (
    DEMAND,
    DEPENDENCE_WORDS,
    INDEPENDENT,
    TODAY,
    Scenario,
    is_today,
)


def percent(value: float | None) -> str:
    """A coverage or share as a whole percentage, rounded down; a dash for None.

    Rounded down, so that 79.9% never reads as reaching an 80% threshold.

    >>> percent(0.84), percent(0.0), percent(0.996), percent(None)
    ('84%', '0%', '99%', '—')
    """
    if value is None:
        return "—"
    return f"{min(int(value * 100 + 1e-9), 100)}%"


def scenario_label(scenario: Scenario) -> str:
    """A short name for a scenario: today, every proposal adopted, or another.

    >>> scenario_label(Scenario(maturities=["deployed"])), scenario_label(Scenario())
    ('Today', 'Every proposal adopted')
    >>> scenario_label(Scenario(disabled_layers=["hardware"]))
    'This scenario'

    Read at a date, the deployed measures are not "today":

    >>> scenario_label(Scenario(maturities=["deployed"], as_of="2020-01-01"))
    'This scenario'
    """
    if is_today(scenario) and scenario.as_of is None:
        return "Today"
    if scenario.is_baseline and not scenario.adopt:
        return "Every proposal adopted"
    return "This scenario"


_MATURITY_WORDS = {
    None: "every measure counts, proposed and pilot ones included, as if all were "
    "in force",
    TODAY: "only the measures already deployed count (today)",
    frozenset(): "no measure counts",
}


def _maturity_words(maturities: frozenset[str] | None) -> str:
    if maturities in _MATURITY_WORDS:
        return _MATURITY_WORDS[maturities]
    kept = [m for m in MATURITIES if m in maturities]
    return f"only {' and '.join(kept)} measures count"


def scenario_summary(scenario: Scenario, names: Mapping[str, str]) -> str:
    """One sentence saying, in display names, what a scenario counts.

    >>> scenario_summary(Scenario(), {})
    'Every proposal adopted: every measure counts, proposed and pilot ones included, as if all were in force; threshold 80%.'
    >>> scenario_summary(Scenario(maturities=["deployed"]), {})
    'Today: only the measures already deployed count; threshold 80%.'
    >>> scenario_summary(Scenario(disabled_layers=["hardware"], maturities=["deployed"],
    ...                  threshold=0.7), {"hardware": "Hardware"})
    'Only the measures already deployed count (today), without Hardware; threshold 70%.'
    >>> scenario_summary(Scenario(maturities=["deployed"], jurisdiction="eu",
    ...     as_of="2026-01-01"), {"eu": "European Union"})
    'Only the measures already deployed count, in the European Union, as of 2026-01-01; threshold 80%.'
    >>> scenario_summary(Scenario(maturities=["deployed"], adopt=["b", "a"]),
    ...                  {"a": "Chip attestation", "b": "Deployer liability"})
    'Only the measures already deployed count (today), plus Chip attestation and Deployer liability adopted; threshold 80%.'
    >>> scenario_summary(Scenario(maturities=["deployed"], adopt=["a@eu"],
    ...     jurisdiction="eu"), {"a": "Chip attestation", "eu": "European Union"})
    'Only the measures already deployed count (today), adopting Chip attestation, in the European Union; threshold 80%.'

    Adopted everywhere and in places too, each group of places is said once:

    >>> scenario_summary(Scenario(maturities=["deployed"], adopt=["a", "b",
    ...     "c@us", "c@cn", "d@cn", "d@us"]), {"a": "A", "b": "B", "c": "C",
    ...     "d": "D", "us": "United States", "cn": "China"})
    'Only the measures already deployed count (today), plus 2 adopted everywhere (A and B) and 2 adopted in China and the United States (C and D); threshold 80%.'
    """
    words = _maturity_words(scenario.maturities)
    if scenario.as_of is not None:  # a date's view, not today's
        words = words.removesuffix(" (today)")
    mixed = bool(scenario.adopted_everywhere and scenario.adopted_in)
    if mixed:
        words += f", plus {_adoption_groups(scenario, names)}"
    elif scenario.adopted_everywhere:
        adopted = sorted(names.get(i, i) for i in scenario.adopted_everywhere)
        words += f", plus {_and_list(adopted)} adopted"
    if mixed or not scenario.adopted_in:
        pass
    elif {j for _, j in scenario.adopted_in} == {scenario.jurisdiction}:
        # Adopted where the analysis is: the place follows once, below.
        adopted = sorted(names.get(m, m) for m, _ in scenario.adopted_in)
        words += f", adopting {_and_list(adopted)}"
    elif scenario.adopted_in:
        words += f", adopting {adoption_words(scenario.adopted_in, names)}"
    off = sorted(names.get(i, i) for i in scenario.disabled_layers)
    off += sorted(names.get(i, i) for i in scenario.disabled_mitigations)
    if off:
        words += f", without {_and_list(off)}"
    settings = f"threshold {percent(scenario.threshold)}"
    if scenario.dependence != INDEPENDENT:
        settings += f"; {DEPENDENCE_WORDS[scenario.dependence]}"
    if scenario.weight == DEMAND:
        settings += "; weighted by incident demand"
    where = []
    if scenario.jurisdiction:
        name = names.get(scenario.jurisdiction, scenario.jurisdiction)
        where.append(f"in {place_phrase(name)}")
    if scenario.as_of is not None:
        where.append(f"as of {scenario.as_of.isoformat()}")
    if scenario.through:
        where.append(f"read through {names.get(scenario.through, scenario.through)}")
    place = f", {', '.join(where)}" if where else ""
    label = scenario_label(scenario)
    if label != "This scenario":
        words = words.removesuffix(" (today)")
        return f"{label}: {words}{place}; {settings}."
    words += place
    return f"{words[0].upper()}{words[1:]}; {settings}."


def _adoption_groups(scenario: Scenario, names: Mapping[str, str]) -> str:
    """A scenario's adoptions grouped by where: everywhere first, then each set
    of places (in ``place_order``) with how many measures and which.

    >>> _adoption_groups(Scenario(adopt=["a", "b@eu", "c@eu"]), {"eu": "EU"})
    '1 adopted everywhere (a) and 2 adopted in the EU (b and c)'
    """
    groups = []
    if scenario.adopted_everywhere:
        groups.append(("everywhere", sorted(scenario.adopted_everywhere)))
    where: dict[str, list[str]] = {}
    for m, j in scenario.adopted_in:
        where.setdefault(m, []).append(j)
    by_places: dict[tuple[str, ...], list[str]] = {}
    for m, places in where.items():
        by_places.setdefault(tuple(place_order(places, names)), []).append(m)
    for places, measures in sorted(
        by_places.items(), key=lambda pm: (-len(pm[1]), pm[0])
    ):
        spoken = [place_phrase(names.get(j, j)) for j in places]
        groups.append((f"in {_and_list(spoken)}", sorted(measures)))
    return _and_list(
        [
            f"{len(ms)} adopted {where} ({_and_list(sorted(names.get(m, m) for m in ms))})"
            for where, ms in groups
        ]
    )


def place_order(places: Iterable[str], names: Mapping[str, str]) -> list[str]:
    """Jurisdiction ids in the order pages list them: by display name,
    ignoring case (the scenario's sentence and an architecture's "Where").

    >>> place_order(["us", "row", "cn"], {"us": "United States", "cn": "China",
    ...     "row": "Rest of the world"})
    ['cn', 'row', 'us']
    """
    return sorted(places, key=lambda j: (names.get(j, j).casefold(), j))


def adoption_words(pairs: Iterable[tuple[str, str]], names: Mapping[str, str]) -> str:
    """(mitigation, jurisdiction) pairs in words, jurisdictions by name
    (``place_phrase``), grouped by place or by measure, whichever is shorter.

    >>> names = {"a": "A", "b": "B", "eu": "European Union", "cn": "China"}
    >>> adoption_words([("b", "eu"), ("a", "eu"), ("a", "cn")], names)
    'A in China and A and B in the European Union'
    >>> adoption_words([("a", "eu"), ("a", "cn")], names)
    'A in China and the European Union'
    """
    by_place: dict[str, list[str]] = {}
    by_measure: dict[str, list[str]] = {}
    for m, j in pairs:
        measure = names.get(m, m)
        by_place.setdefault(j, []).append(measure)
        by_measure.setdefault(measure, []).append(j)
    if len(by_measure) < len(by_place):
        groups = [
            (m, [place_phrase(names.get(j, j)) for j in place_order(ps, names)])
            for m, ps in sorted(by_measure.items())
        ]
    else:
        groups = [
            (_and_list(sorted(by_place[j])), [place_phrase(names.get(j, j))])
            for j in place_order(by_place, names)
        ]
    return _and_list([f"{what} in {_and_list(where)}" for what, where in groups])


_HOW_MANY = ("", "one", "both", "three", "four", "five", "six", "seven", "eight")


def places_adoption_words(
    pairs: Iterable[tuple[str, str]],
    names: Mapping[str, str],
    every: Sequence[str],
) -> str:
    """(mitigation, place) pairs over the places ``every`` in words: the
    measures adopted in the same places named together, the places as "all
    five places" or "all but X" when that is shorter, the widest groups first.

    >>> names = {"a": "A", "b": "B", "c": "C", "eu": "EU", "cn": "China",
    ...     "us": "United States"}
    >>> every = ["cn", "eu", "us"]
    >>> pairs = [(m, p) for m in "ab" for p in every] + [("c", "cn"), ("c", "eu")]
    >>> places_adoption_words(pairs, names, every)
    'A and B in all three places, and C in all but the United States'
    >>> places_adoption_words([("a", "cn"), ("b", "us")], names, every)
    'A in China, and B in the United States'
    """
    wheres: dict[str, set[str]] = {}
    for m, p in pairs:
        wheres.setdefault(m, set()).add(p)
    groups: dict[frozenset[str], list[str]] = {}
    for m, ps in wheres.items():
        groups.setdefault(frozenset(ps), []).append(names.get(m, m))

    def spoken(ids) -> list[str]:
        return sorted(place_phrase(names.get(p, p)) for p in ids)

    words = []
    for ps, measures in sorted(
        groups.items(), key=lambda g: (-len(g[0]), spoken(g[0]))
    ):
        left = [p for p in every if p not in ps]
        if not left and len(every) > 1:
            count = len(every)
            how = _HOW_MANY[count] if count < len(_HOW_MANY) else str(count)
            where = "both places" if count == 2 else f"all {how} places"
        elif left and len(left) < len(ps) and len(every) > 2:
            where = f"all but {_and_list(spoken(left))}"
        else:
            where = _and_list(spoken(ps))
        words.append(f"{_and_list(sorted(measures))} in {where}")
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + ", and " + words[-1]


def _and_list(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
