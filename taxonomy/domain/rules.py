"""The taxonomy's rules, checked ONCE over records: ``taxonomy_problems``.

Fixture files, the canonical JSON document, catalogue imports and the
import of a document into the graph all call it; each front end maps a
problem's ``(kind, index, field, position)`` back to its own location (a
file and line, ``mitigates[3].threat``, a form field). Single-item writes
check the same rules against the graph inside their transaction
(``taxonomy.graph``), with the same messages.
"""

from __future__ import annotations

import datetime
import math
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from taxonomy.domain.architectures import (
    reserved_id_problem,
    scenario_ids,
    scenario_of_query,
)
from taxonomy.domain.kinds import KINDS, LINK_KINDS, NODE_KINDS
from taxonomy.domain.limits import limit_problems
from taxonomy.domain.records import (
    INCIDENT_KINDS,
    JURISDICTION_KINDS,
    MATURITIES,
    STRENGTHS,
    Link,
    Taxonomy,
    Uses,
    is_web_url,
)

# The most characters of a value a message quotes: a file can hold a value of
# megabytes, and a message that echoes it whole is useless and costly.
MAX_SHOWN = 60
# Lists and mappings are quoted a few items and levels deep (a value nested
# thousands deep cannot even be repr'd).
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = MAX_SHOWN


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` for a message: a long text cut, with its length.

    >>> shown("ok")
    "'ok'"
    >>> shown("a" * 52_428_800, 8)
    "'aaaaaaaa…' (52,428,800 characters)"
    >>> shown([[[[[1]]]]])
    '[[[[...]]]]'
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        cut = repr(value[:limit])
        return f"{cut[:-1]}…{cut[-1]} ({len(value):,} characters)"
    return _REPR.repr(value)


def is_cost(value: object) -> bool:
    """True for a positive finite number (not a bool, not a text).

    >>> is_cost(1.0), is_cost(2), is_cost(0), is_cost(-1), is_cost(math.nan), is_cost("1")
    (True, True, False, False, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value > 0


def cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was.

    >>> cut("abcdef", 3), cut("abc", 3)
    ('abc… (6 characters)', 'abc')
    """
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


@dataclass(frozen=True)
class RuleProblem:
    """One broken rule: the item at fault and what is wrong with it.

    ``kind`` and ``index`` name the item (its position in its ``Taxonomy``
    field); ``field`` the field at fault, ``position`` the entry of a list
    field (``sources[2]``), both None when the item as a whole is (a
    duplicate or self link). ``rule`` is one of ``duplicate``, ``unknown``,
    ``self``, ``cycle``, ``vocabulary``, ``limit`` (a text longer or a
    number larger than its field allows: ``taxonomy.domain.limits``); a cycle is reported on the node it
    starts at, with the link kind's name as ``field``. ``first`` is the index
    of the first item a duplicate repeats.
    """

    kind: str
    index: int
    field: str | None
    position: int | None
    rule: str
    message: str
    first: int | None = None


def taxonomy_problems(taxonomy: Taxonomy) -> list[RuleProblem]:
    """Every rule ``taxonomy`` breaks, in the order of its kinds and items.

    Unknown ids (a mitigation's layer, a link's ends, cited sources, the
    tactics of an incident's steps), duplicate ids and links, self links
    where they are refused, REQUIRES and SUBTYPE_OF cycles, the strength,
    maturity and incident-kind vocabularies, mitigation costs (a positive
    finite number), tactic orders (a whole number), the steps of USES links
    (see ``uses_problems``) and every field's limit (``limit_problems``: its
    length, or its range, from 0 for an order).

    >>> from taxonomy.domain.records import Layer, Mitigation, Threat, Mitigates
    >>> t = Taxonomy(layers=(Layer("hw", "HW"),), threats=(Threat("t", "T"),),
    ...     mitigations=(Mitigation("m", "M", "sw", "pilot"),),
    ...     mitigates=(Mitigates("m", "t", "low", sources=("nobody",)),),
    ...     enables=(Link("t", "t"),))
    >>> [p.message for p in taxonomy_problems(t)]
    ["unknown layer 'sw'", "unknown source 'nobody'", "threat 't' cannot enable itself"]
    """
    ids = {kind: set() for kind in NODE_KINDS}
    problems = field_limit_problems(taxonomy)
    problems += _duplicate_ids(taxonomy, ids)
    for index, mitigation in enumerate(taxonomy.mitigations):
        if mitigation.layer not in ids["layer"]:
            problems.append(
                _unknown("mitigation", index, "layer", None, "layer", mitigation.layer)
            )
        if mitigation.maturity not in MATURITIES:
            message = f"unknown maturity {shown(mitigation.maturity)}"
            problems.append(_at("mitigation", index, "maturity", "vocabulary", message))
        if not is_cost(mitigation.cost):
            message = f"cost {shown(mitigation.cost)} is not a positive finite number"
            problems.append(_at("mitigation", index, "cost", "vocabulary", message))
    for index, source in enumerate(taxonomy.sources):
        if source.url and not is_web_url(source.url):
            message = f"url {shown(source.url)} is not an http(s) address"
            problems.append(_at("source", index, "url", "vocabulary", message))
    for index, tactic in enumerate(taxonomy.tactics):
        if isinstance(tactic.order, bool) or not isinstance(tactic.order, int):
            message = f"order {shown(tactic.order)} is not a whole number"
            problems.append(_at("tactic", index, "order", "vocabulary", message))
    for index, incident in enumerate(taxonomy.incidents):
        problems += _unknown_kind("incident", index, incident.kind, INCIDENT_KINDS)
    problems += _geography_problems(taxonomy)
    problems += _architecture_problems(taxonomy, ids)
    for kind in (
        "threat",
        "mitigation",
        "tactic",
        "incident",
        "jurisdiction",
        "architecture",
    ):
        problems += _cited(kind, getattr(taxonomy, NODE_KINDS[kind].field), ids)
    for kind in LINK_KINDS.values():
        problems += _link_problems(kind.name, getattr(taxonomy, kind.field), ids)
    problems += _steps_across(taxonomy.uses)
    problems += _cycles(taxonomy)
    return problems


def field_limit_problems(taxonomy: Taxonomy) -> list[RuleProblem]:
    """Every field of every item past its limit (``taxonomy.domain.limits``),
    the one check of lengths and ranges every import applies.

    >>> from taxonomy.domain.records import Threat
    >>> [p.message for p in field_limit_problems(Taxonomy(threats=(Threat("t", "T" * 301),)))]
    ['name is 301 characters long, more than the 300 allowed']
    """
    return [
        RuleProblem(kind.name, index, field, position, "limit", message)
        for kind in KINDS.values()
        for index, record in enumerate(getattr(taxonomy, kind.field))
        for field, position, message in limit_problems(record)
    ]


def uses_problems(link: Uses, tactics: set[str] | None = None) -> list[tuple[str, str]]:
    """What is wrong with one USES link on its own, as ``(field, message)``.

    Steps are whole numbers from 1, ascending, none twice; ``tactics`` and
    ``descriptions`` have one entry per step (at most one when there are no
    steps); a step's tactic, when given and ``tactics`` is known, is one of
    them.

    >>> uses_problems(Uses("i", "t", (2, 1), ("a",)), {"a"})
    [('steps', 'steps (2, 1) are not ascending whole numbers from 1'), ('tactics', '1 tactics for 2 steps')]
    >>> uses_problems(Uses("i", "t", (), ("x",), ("how",)), {"a"})
    [('tactics', "unknown tactic 'x'")]
    """
    problems = []
    steps = link.steps
    whole = all(isinstance(s, int) and not isinstance(s, bool) for s in steps)
    if not whole or any(s < 1 for s in steps) or list(steps) != sorted(set(steps)):
        problems.append(
            ("steps", f"steps {shown(steps)} are not ascending whole numbers from 1")
        )
    room = max(len(steps), 1)
    for field in ("tactics", "descriptions"):
        values = getattr(link, field)
        if len(values) > room or (steps and values and len(values) != len(steps)):
            problems.append((field, f"{len(values)} {field} for {len(steps)} steps"))
    if tactics is not None:
        problems += [
            ("tactics", f"unknown tactic {shown(tactic)}")
            for tactic in link.tactics
            if tactic and tactic not in tactics
        ]
    return problems


def _steps_across(links: Iterable[Uses]) -> list[RuleProblem]:
    """A step number given twice in one incident (on two of its USES links)."""
    problems = []
    seen: dict[tuple[str, int], str] = {}
    for index, link in enumerate(links):
        for step in link.steps:
            other = seen.setdefault((link.incident, step), link.threat)
            if other != link.threat:
                message = (
                    f"step {shown(step)} of incident {shown(link.incident)} is "
                    f"already {shown(other)}'s"
                )
                problems.append(_at("uses", index, "steps", "duplicate", message))
    return problems


def _unknown_kind(
    kind: str, index: int, value: str, allowed: tuple[str, ...]
) -> list[RuleProblem]:
    """The problem of an item whose ``kind`` field is outside its vocabulary
    ``allowed`` (none when it is inside)."""
    if value in allowed:
        return []
    message = f"unknown {kind} kind {shown(value)} (one of {', '.join(allowed)})"
    return [_at(kind, index, "kind", "vocabulary", message)]


def _at(
    kind: str,
    index: int,
    field: str | None,
    rule: str,
    message: str,
    first: int | None = None,
) -> RuleProblem:
    """A problem with a whole field (no list position)."""
    return RuleProblem(kind, index, field, None, rule, message, first)


def _duplicate_ids(taxonomy: Taxonomy, ids: dict[str, set[str]]) -> list[RuleProblem]:
    problems = []
    for kind in NODE_KINDS.values():
        first: dict[str, int] = {}
        for index, record in enumerate(getattr(taxonomy, kind.field)):
            if record.id in first:
                message = f"duplicate {kind.name} id {shown(record.id)}"
                problems.append(
                    _at(kind.name, index, "id", "duplicate", message, first[record.id])
                )
            else:
                first[record.id] = index
        ids[kind.name] = set(first)
    return problems


def _unknown(
    kind: str, index: int, field: str, position: int | None, wanted: str, value: str
) -> RuleProblem:
    return RuleProblem(
        kind, index, field, position, "unknown", f"unknown {wanted} {shown(value)}"
    )


def _cited(kind: str, records: Iterable, ids: dict[str, set[str]]) -> list[RuleProblem]:
    return [
        _unknown(kind, index, "sources", j, "source", source)
        for index, record in enumerate(records)
        for j, source in enumerate(record.sources)
        if source not in ids["source"]
    ]


def _link_problems(
    kind: str, links: tuple, ids: dict[str, set[str]]
) -> list[RuleProblem]:
    spec = LINK_KINDS[kind]
    problems = []
    first: dict[tuple[str, str], int] = {}
    for index, link in enumerate(links):
        ends = spec.end_ids(link)
        for field, end_kind, value in zip(
            spec.ends, (spec.source, spec.target), ends, strict=True
        ):
            if value not in ids[end_kind]:
                problems.append(_unknown(kind, index, field, None, end_kind, value))
        if ends in first:
            message = f"duplicate link {shown(ends[0])} -> {shown(ends[1])}"
            problems.append(_at(kind, index, None, "duplicate", message, first[ends]))
        else:
            first[ends] = index
        if spec.irreflexive and ends[0] == ends[1]:
            message = self_link_message(kind, ends[0])
            problems.append(_at(kind, index, None, "self", message))
        if kind == "mitigates" and link.strength not in STRENGTHS:
            message = f"unknown strength {shown(link.strength)}"
            problems.append(_at(kind, index, "strength", "vocabulary", message))
        if kind in ("mitigates", "member_of", "in_force_in", "adopts"):
            problems += [
                _unknown(kind, index, "sources", j, "source", source)
                for j, source in enumerate(link.sources)
                if source not in ids["source"]
            ]
        if kind == "uses":
            problems += [
                _at(kind, index, field, "vocabulary", message)
                for field, message in uses_problems(link, ids["tactic"])
            ]
    return problems


def is_day(text: str) -> bool:
    """Whether ``text`` is an ISO date ``YYYY-MM-DD`` (a link's ``since``/``until``).

    >>> is_day("2024-08-01"), is_day("2024-13-01"), is_day("2024")
    (True, False, False)
    """
    try:
        return len(text) == 10 and bool(datetime.date.fromisoformat(text))
    except (TypeError, ValueError):
        return False


def _period(kind: str, index: int, link: Any) -> list[RuleProblem]:
    problems = [
        _at(
            kind,
            index,
            name,
            "vocabulary",
            f"{name} {shown(value)} is not a date YYYY-MM-DD",
        )
        for name, value in (("since", link.since), ("until", link.until))
        if value and not is_day(value)
    ]
    if not problems and link.since and link.until and link.until <= link.since:
        message = f"until ({link.until}) must come after since ({link.since})"
        problems.append(_at(kind, index, "until", "vocabulary", message))
    return problems


def geography_link_problems(kind: str, link: Any) -> list[tuple[str, str]]:
    """(field, message) for what is wrong with one MEMBER_OF or IN_FORCE_IN
    link on its own (its dates, its maturity), as single writes check it.

    >>> from taxonomy.domain.records import InForceIn
    >>> geography_link_problems("in_force_in", InForceIn("m", "eu", "soon",
    ...     since="2026-01-01", until="2025-01-01"))
    [('until', 'until (2025-01-01) must come after since (2026-01-01)'), ('maturity', "unknown maturity 'soon'")]
    """
    problems = _period(kind, 0, link)
    if kind == "in_force_in" and link.maturity not in MATURITIES:
        message = f"unknown maturity {shown(link.maturity)}"
        problems.append(_at(kind, 0, "maturity", "vocabulary", message))
    return [(p.field, p.message) for p in problems]


def _geography_problems(taxonomy: Taxonomy) -> list[RuleProblem]:
    """The rules of jurisdictions (issue 25): their kind and weight, the dates of
    MEMBER_OF and IN_FORCE_IN links, the maturity in force, and members only of
    a bloc or a multilateral body (cycles are checked with the other kinds)."""
    problems = []
    kinds = {j.id: j.kind for j in taxonomy.jurisdictions}
    for index, j in enumerate(taxonomy.jurisdictions):
        problems += _unknown_kind("jurisdiction", index, j.kind, JURISDICTION_KINDS)
        if j.weight is not None and not (
            isinstance(j.weight, int | float)
            and not isinstance(j.weight, bool)
            and math.isfinite(j.weight)
            and j.weight >= 0
        ):
            message = f"weight {shown(j.weight)} is not a finite number ≥ 0"
            problems.append(_at("jurisdiction", index, "weight", "vocabulary", message))
    for index, m in enumerate(taxonomy.memberships):
        problems += _period("member_of", index, m)
        if kinds.get(m.body, "bloc") == "state" and m.member != m.body:
            message = (
                f"{shown(m.body)} is a state; only a bloc or a multilateral body "
                "has members"
            )
            problems.append(_at("member_of", index, "body", "vocabulary", message))
    for index, link in enumerate(taxonomy.in_force):
        problems += _period("in_force_in", index, link)
        if link.maturity not in MATURITIES:
            message = f"unknown maturity {shown(link.maturity)}"
            problems.append(
                _at("in_force_in", index, "maturity", "vocabulary", message)
            )
    return problems


def architecture_scenario_problems(text: str, ids: dict[str, set[str]]) -> list[str]:
    """What is wrong with an architecture's stored scenario: a parameter or
    value the scenario codec refuses, or an id it names (a layer, a
    mitigation, a jurisdiction, with ``M@J`` entries' both ends) that ``ids``
    (node kind -> ids held) does not hold.

    >>> architecture_scenario_problems("maturity=deployed&jurisdiction=mars",
    ...     {"layer": set(), "mitigation": set(), "jurisdiction": {"eu"}})
    ["names an unknown jurisdiction 'mars'"]
    >>> architecture_scenario_problems("colour=red", {})
    ['unknown parameter: colour']
    """
    try:
        scenario = scenario_of_query(text)
    except ValueError as error:
        return [str(error)]
    return [
        f"names an unknown {kind} {shown(value)}"
        for kind, named in scenario_ids(scenario).items()
        for value in sorted(named)
        if value not in ids.get(kind, set())
    ]


def _architecture_problems(
    taxonomy: Taxonomy, ids: dict[str, set[str]]
) -> list[RuleProblem]:
    """The rules of governance architectures (issue 25): a scenario the codec
    reads, naming ids the taxonomy holds, and adoptions in known jurisdictions;
    and no id the site gives another meaning (``RESERVED_IDS``)."""
    problems = [
        _at("architecture", index, "id", "vocabulary", message)
        for index, architecture in enumerate(taxonomy.architectures)
        if (message := reserved_id_problem("architecture", architecture.id))
    ]
    problems += [
        _at("architecture", index, "scenario", "unknown", message)
        for index, architecture in enumerate(taxonomy.architectures)
        for message in architecture_scenario_problems(architecture.scenario, ids)
    ]
    problems += [
        _unknown("adopts", index, "jurisdictions", j, "jurisdiction", jurisdiction)
        for index, link in enumerate(taxonomy.adopts)
        for j, jurisdiction in enumerate(link.jurisdictions)
        if jurisdiction not in ids["jurisdiction"]
    ]
    return problems


def _verb(kind: str) -> str:
    return {"enables": "enable", "member_of": "be a member of"}.get(kind, kind)


def cycle_of(links: Iterable[Link]) -> list[str] | None:
    """The first cycle among links as the ids along it, back to the start; or None.

    >>> cycle_of([Link("a", "b"), Link("b", "a")])
    ['a', 'b', 'a']
    >>> cycle_of([Link("a", "b")]) is None
    True
    """
    try:
        cycle = nx.find_cycle(nx.DiGraph([(x.source, x.target) for x in links]))
    except nx.NetworkXNoCycle:
        return None
    return [edge[0] for edge in cycle] + [cycle[0][0]]


def cycle_message(kind: str, chain: list[str]) -> str:
    """``"REQUIRES cycle: a -> b -> a"``.

    >>> cycle_message("requires", ["a", "b", "a"])
    'REQUIRES cycle: a -> b -> a'
    """
    return f"{LINK_KINDS[kind].rel} cycle: {' -> '.join(chain)}"


def _cycles(taxonomy: Taxonomy) -> list[RuleProblem]:
    """One problem per acyclic link kind that has a cycle, on the node it starts at."""
    problems = []
    for kind in LINK_KINDS.values():
        if not kind.acyclic:
            continue
        chain = cycle_of(
            Link(*kind.end_ids(link)) for link in getattr(taxonomy, kind.field)
        )
        if chain is None:
            continue
        nodes = getattr(taxonomy, NODE_KINDS[kind.source].field)
        index = next((i for i, n in enumerate(nodes) if n.id == chain[0]), -1)
        message = cycle_message(kind.name, chain)
        problems.append(_at(kind.source, index, kind.name, "cycle", message))
    return problems


def cycle_problems(taxonomy: Taxonomy) -> list[str]:
    """A message per REQUIRES or SUBTYPE_OF cycle kind found in ``taxonomy``."""
    return [p.message for p in _cycles(taxonomy)]


def self_link_message(kind: str, node: str) -> str:
    """The refusal of a link from a node to itself where its kind forbids one.

    >>> self_link_message("enables", "x")
    "threat 'x' cannot enable itself"
    """
    return f"{LINK_KINDS[kind].source} {shown(node)} cannot {_verb(kind)} itself"
