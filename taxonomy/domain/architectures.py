"""Governance architectures (issue 25) as scenarios: an architecture's stored
query string and its ADOPTS links made one ``Scenario`` through the scenario
codec (``taxonomy.domain.scenario``), and the ids that scenario names, for
the rules to check against a taxonomy.

>>> from taxonomy.domain.records import Adopts, Architecture
>>> a = Architecture("layered", "Layered", scenario="maturity=deployed")
>>> s = architecture_scenario(a, [Adopts("layered", "tee"),
...     Adopts("layered", "multilateral-agency", jurisdictions=("eu", "us"))])
>>> sorted(s.maturities), sorted(s.adopt)
(['deployed'], ['multilateral-agency@eu', 'multilateral-agency@us', 'tee'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

from taxonomy.domain.errors import ScenarioError
from taxonomy.domain.records import Adopts, Architecture
from taxonomy.domain.scenario import ADOPT_IN, BASELINE, Scenario, adopt_entry
from taxonomy.domain.scenario_params import (
    PARAM_NAMES,
    SCENARIO_PARAMS,
    scenario_values,
    split_ids,
)

# What separates a measure from the jurisdiction it is adopted in, in the
# scenario's ``adopt`` entries (``chip-attestation@eu``): the codec's.
AT = ADOPT_IN


class _Query:
    """Parsed query-string pairs with the ``getlist`` the codec reads."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = pairs

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]


def scenario_of_query(text: str, *, base: Scenario = BASELINE) -> Scenario:
    """The scenario a stored query string names, on ``base``'s settings (its
    threshold and effectiveness where the text gives none).

    Parameters
    ----------
    text : str
        Scenario parameters as a query string, with or without its ``?``
        (``maturity=deployed&jurisdiction=eu``); empty for ``base`` itself.
    base : Scenario
        The settings the text changes (a site passes its configured threshold).

    Returns
    -------
    Scenario
        Raises ``ScenarioError`` for a parameter the codec does not know,
        ``ValueError`` for a value it refuses (a threshold that is not a
        number, a date that is not a date).

    >>> sorted(scenario_of_query("?maturity=deployed&adopt=tee").adopt)
    ['tee']
    >>> scenario_of_query("colour=red")
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.ScenarioError: unknown parameter: colour
    """
    pairs = parse_qsl(text.strip().removeprefix("?"), keep_blank_values=True)
    unknown = {key for key, _ in pairs if key not in PARAM_NAMES}
    if unknown:
        raise ScenarioError({"parameter": unknown})
    values = scenario_values(_Query(pairs))
    given = {
        param.attr: values[param.attr]
        for param in SCENARIO_PARAMS
        if any(key == param.name for key, _ in pairs) and values[param.attr] is not None
    }
    return replace(base, **given)


# Ids no architecture may take: words the site gives another meaning, so an
# architecture of that id could not be reached or chosen. The reason each one
# is taken is said in the refusal.
RESERVED_IDS = {
    # ?a=today in a comparison: the measures deployed today, not a stored one.
    "today": "the comparison page uses it for the measures deployed today",
    # /architectures/compare/ is the comparison page, served before an
    # architecture's own page at /architectures/<id>/.
    "compare": "it is the address of the comparison page, /architectures/compare/",
}


def reserved_id_problem(kind: str, key: str) -> str | None:
    """Why an item of ``kind`` may not have the id ``key``, or None.

    >>> reserved_id_problem("architecture", "today")
    "the id 'today' is reserved (the comparison page uses it for the measures deployed today): choose another id"
    >>> reserved_id_problem("threat", "today") is None
    True
    """
    if kind != "architecture" or key not in RESERVED_IDS:
        return None
    return f"the id {key!r} is reserved ({RESERVED_IDS[key]}): choose another id"


def adopt_entries(adopts: Iterable[Adopts]) -> frozenset[str]:
    """The scenario's ``adopt`` entries for ADOPTS links: ``M`` for a measure
    adopted everywhere, ``M@J`` for each jurisdiction it is adopted in.

    >>> sorted(adopt_entries([Adopts("a", "m", ("eu",)), Adopts("a", "n")]))
    ['m@eu', 'n']
    """
    return frozenset(
        adopt_entry(link.mitigation, jurisdiction)
        for link in adopts
        for jurisdiction in link.jurisdictions or (None,)
    )


def architecture_scenario(
    architecture: Architecture,
    adopts: Iterable[Adopts],
    *,
    base: Scenario = BASELINE,
) -> Scenario:
    """The scenario of a governance architecture: its stored parameters plus
    the measures it adopts, where (the ADOPTS links of ``architecture`` in
    ``adopts``; others are ignored).

    Parameters
    ----------
    architecture : Architecture
    adopts : iterable of Adopts
        ADOPTS links; only those from ``architecture`` count.
    base : Scenario
        The model's settings (threshold, effectiveness) the scenario keeps
        where its parameters name none.

    Returns
    -------
    Scenario
        Its ``adopt`` is the stored parameters' entries plus ``adopt_entries``.

    >>> from taxonomy.domain.records import Architecture
    >>> architecture_scenario(Architecture("open", "Open"), []) == BASELINE
    True
    """
    scenario = scenario_of_query(architecture.scenario, base=base)
    own = [link for link in adopts if link.architecture == architecture.id]
    return replace(scenario, adopt=scenario.adopt | adopt_entries(own))


# The parameters whose values are ids (an ``adopt`` entry ``M@J`` holds two).
_ID_PARAMS = frozenset(p.name for p in SCENARIO_PARAMS if p.kind in ("ids", "id"))


def renamed_scenario(text: str, rename: Callable[[str], str]) -> str:
    """A stored scenario with every id it names passed through ``rename``
    (an import into another taxonomy prefixes them; an export strips the
    prefix); the text itself when no id changes.

    >>> renamed_scenario("maturity=deployed&adopt=m@eu", lambda i: "x:" + i)
    'maturity=deployed&adopt=x%3Am%40x%3Aeu'
    >>> renamed_scenario("maturity=deployed", lambda i: "x:" + i)
    'maturity=deployed'
    """

    def one(name: str, value: str) -> str:
        if name not in _ID_PARAMS:
            return value
        parts = []
        for part in split_ids([value]):
            mitigation, at, jurisdiction = part.partition(AT)
            parts.append(rename(mitigation) + (at + rename(jurisdiction) if at else ""))
        return ",".join(parts)

    pairs = parse_qsl(text.strip().removeprefix("?"), keep_blank_values=True)
    renamed = [(name, one(name, value)) for name, value in pairs]
    return text if renamed == pairs else urlencode(renamed)


def scenario_ids(scenario: Scenario) -> dict[str, set[str]]:
    """The ids a scenario names, by the kind of node each must be: layers,
    mitigations (disabled or adopted, without their ``@J``) and jurisdictions
    (the scenario's own and those of ``M@J`` entries).

    >>> ids = scenario_ids(Scenario(adopt=["m@eu", "n"], jurisdiction="us"))
    >>> sorted(ids["mitigation"]), sorted(ids["jurisdiction"])
    (['m', 'n'], ['eu', 'us'])
    """
    adopted = [entry.partition(AT) for entry in scenario.adopt]
    jurisdictions = {j for _, at, j in adopted if at}
    if scenario.jurisdiction:
        jurisdictions.add(scenario.jurisdiction)
    return {
        "layer": set(scenario.disabled_layers),
        "mitigation": set(scenario.disabled_mitigations) | {m for m, _, _ in adopted},
        "jurisdiction": jurisdictions,
    }
