"""The overview and the brief: today beside the proposals, class bars, counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taxonomy.analysis.model import CLASSES
from taxonomy.domain.records import MATURITIES
from taxonomy.domain.scenario import Scenario
from taxonomy.web.present.common import ADDRESSED, joined, share
from taxonomy.web.present.matrix import addressed_count, unaddressed_count

# --- Overview ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassRow:
    """One bar of the class chart: a class, its count and its share in percent."""

    name: str
    count: int
    share: int


def class_rows(summary: Mapping[str, int]) -> list[ClassRow]:
    """The class chart's bars, worst class first, shares of all threats.

    >>> [(r.name, r.share) for r in class_rows({"unmitigated": 1, "insufficient": 3,
    ...   "defense-in-depth": 0, "single-layer": 0})]
    [('unmitigated', 25), ('insufficient', 75), ('defense-in-depth', 0), ('single-layer', 0)]
    """
    total = sum(summary.values())
    return [
        ClassRow(name, summary.get(name, 0), share(summary.get(name, 0), total))
        for name in CLASSES
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a scenario stands, as one headline panel says it.

    ``label`` names the scenario (Today, Every proposal adopted, This scenario),
    ``summary`` says it in a sentence; ``unaddressed`` threats no single layer
    addresses, ``gaps`` those not addressed even by every layer together.
    """

    label: str
    summary: str
    scenario: Scenario
    total: int
    unaddressed: int
    gaps: int
    addressed: int
    # Threats counted although the measures recorded as introducing them do
    # not count in the scenario (``introduced_elsewhere_lines``).
    introduced_elsewhere: dict[str, Any] | None = None


def introduced_elsewhere_lines(
    entries: tuple[tuple[str, tuple[str, ...]], ...],
    names: Mapping[str, Mapping[str, str]],
) -> dict[str, Any] | None:
    """What a panel says of the threats that measures not counted in its
    scenario are recorded as introducing (bringing them about or adding to
    them): a lead, the threats (linked) grouped by those measures, and the
    rule they are counted by. None when there are none.

    The taxonomy does not say whether a threat exists without such a measure
    (covert deployment does; repression through hardware controls would
    not), so the words hold for both.

    >>> names = {"threat": {"r": "Repression", "c": "Covert", "j": "Shopping"},
    ...          "mitigation": {"a": "Chip attestation", "b": "Caps",
    ...                         "o": "Restrictions"}}
    >>> line = introduced_elsewhere_lines(
    ...     (("c", ("o",)), ("j", ("o",)), ("r", ("a", "b"))), names)
    >>> line["lead"]
    'Measures not counted here would bring about or add to some of these threats:'
    >>> [([t["name"] for t in g["threats"]], g["measures"]) for g in line["groups"]]
    [(['Covert', 'Shopping'], 'Restrictions'), (['Repression'], 'Chip attestation and Caps')]
    >>> line["rule"]
    'Every threat counts whether or not such measures do, so a threat that only they would create is counted here too.'
    >>> introduced_elsewhere_lines((("r", ("a",)),), names)["lead"]
    'A measure not counted here would bring about or add to one of these threats:'
    >>> introduced_elsewhere_lines((), names) is None
    True
    """
    if not entries:
        return None
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for threat, by in entries:
        groups.setdefault(by, []).append(
            {"id": threat, "name": names["threat"].get(threat, threat)}
        )
    one_measure = len({m for _, by in entries for m in by}) == 1
    lead = (
        f"{'A measure' if one_measure else 'Measures'} not counted here would "
        f"bring about or add to {'one' if len(entries) == 1 else 'some'} of "
        "these threats:"
    )
    rule = (
        "Every threat counts whether or not such measures do, so a threat that "
        "only they would create is counted here too."
    )
    return {
        "lead": lead,
        "groups": [
            {
                "threats": threats,
                "measures": joined(names["mitigation"].get(m, m) for m in by),
            }
            for by, threats in groups.items()
        ],
        "rule": rule,
    }


def standing(
    label: str,
    summary: str,
    scenario: Scenario,
    document,
    introduced_elsewhere: dict[str, Any] | None = None,
) -> Standing:
    """A panel's numbers from the scenario's coverage document.

    >>> doc = {"summary": {"unmitigated": 1, "insufficient": 2,
    ...        "defense-in-depth": 3, "single-layer": 4}}
    >>> s = standing("Today", "Today: ...", Scenario(), doc)
    >>> (s.total, s.unaddressed, s.gaps, s.addressed)
    (10, 6, 3, 7)
    """
    summary_counts = document["summary"]
    return Standing(
        label=label,
        summary=summary,
        scenario=scenario,
        total=sum(summary_counts.values()),
        unaddressed=unaddressed_count(summary_counts),
        gaps=sum(summary_counts.get(c, 0) for c in CLASSES if c not in ADDRESSED),
        addressed=addressed_count(summary_counts),
        introduced_elsewhere=introduced_elsewhere,
    )


# Where a panel's sentence puts its linked count and the glossary's "addressed".
COUNT, ADDRESSED_TERM = "[count]", "[addressed]"


def standing_words(panel: Standing, maturities: Mapping[str, int]) -> list[str]:
    """A headline panel's sentence as text parts around ``COUNT`` (the linked
    "U of N") and ``ADDRESSED_TERM`` (the glossary's word).

    >>> doc = {"summary": {"unmitigated": 0, "insufficient": 8,
    ...        "defense-in-depth": 2, "single-layer": 2}}
    >>> today = standing("Today", "", Scenario(maturities=["deployed"]), doc)
    >>> "".join(standing_words(today, {}))
    'Today, with only the measures already deployed, [count] threats are not [addressed] by any single governance layer; 8 of them are not addressed even by all layers together.'
    >>> future = standing("Every proposal adopted", "", Scenario(), doc)
    >>> "".join(standing_words(future, {"proposed": 3, "pilot": 1}))[:62]
    'If every proposal were adopted (3 proposed and 1 pilot measure'
    """
    gaps = (
        f"; {panel.gaps} of them {{}} even by all layers together."
        if panel.gaps
        else "; every one of them {} by several layers together."
    )
    if panel.label == "Today":
        opening, verb = "Today, with only the measures already deployed, ", "are"
    elif panel.label == "Every proposal adopted":
        waiting = maturities.get("proposed", 0) + maturities.get("pilot", 0)
        opening = (
            f"If every proposal were adopted ({maturities.get('proposed', 0)} "
            f"proposed and {maturities.get('pilot', 0)} pilot "
            f"measure{'s' if waiting != 1 else ''} counted as if in force), "
        )
        verb = "would be"
    else:
        opening, verb = "In this scenario, ", "are"
    negated = "would not be" if verb == "would be" else "are not"
    if not panel.unaddressed:
        gaps = "."
    elif not panel.gaps:
        gaps = gaps.format(verb + " addressed")
    else:
        gaps = gaps.format(negated + " addressed")
    return [
        opening,
        COUNT,
        f" threats {negated} ",
        ADDRESSED_TERM,
        " by any single governance layer" + gaps,
    ]


# The threshold box's query parameter: a percentage, as every page shows
# coverage; the codec (and the API) keep ``threshold`` in (0, 1].
THRESHOLD_PERCENT = "threshold_percent"


def threshold_of_percent(raw: str) -> float:
    """The threshold a person typed as a percentage, in (0, 1].

    >>> threshold_of_percent("70"), threshold_of_percent(" 85.5 % ")
    (0.7, 0.855)
    >>> threshold_of_percent("0.7")
    Traceback (most recent call last):
    ...
    ValueError: Type the threshold as a percentage from 1 to 100: 0.7 would mean 0.7%; for 70% type 70
    """
    text = raw.strip().removesuffix("%").strip()
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"Type the threshold as a percentage from 1 to 100, e.g. 80 (not {raw!r})"
        ) from None
    if 0 < value < 1:
        raise ValueError(
            "Type the threshold as a percentage from 1 to 100: "
            f"{text} would mean {text}%; for {value * 100:g}% type {value * 100:g}"
        )
    if not 1 <= value <= 100:
        raise ValueError(
            f"Type the threshold as a percentage from 1 to 100, e.g. 80 (not {text})"
        )
    return round(value / 100, 6)


def maturity_counts(snapshot) -> dict[str, int]:
    """How many mitigations a snapshot holds at each maturity.

    >>> from taxonomy.domain.records import Mitigation, Taxonomy
    >>> maturity_counts(Taxonomy(mitigations=(Mitigation("a", "A", "hw", "pilot"),)))
    {'proposed': 0, 'pilot': 1, 'deployed': 0}
    """
    counts = dict.fromkeys(MATURITIES, 0)
    for mitigation in snapshot.mitigations:
        counts[mitigation.maturity] += 1
    return counts


def taxonomy_counts(snapshot) -> dict[str, int]:
    """How many layers, threats, mitigations, links and sources a snapshot holds."""
    return {
        "layers": len(snapshot.layers),
        "threats": len(snapshot.threats),
        "mitigations": len(snapshot.mitigations),
        "links": len(snapshot.mitigates),
        "sources": len(snapshot.sources),
    }
