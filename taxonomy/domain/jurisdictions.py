"""Where measures bind: jurisdictions, their memberships, what is in force where
and when, and which threats' actors choose where to act (issue 25).

A ``Geography`` travels beside a ``Taxonomy`` and holds:

- **jurisdictions**: a ``state``, a ``bloc`` (e.g. the EU) or a
  ``multilateral`` body (e.g. an IAEA-like agency), with an optional weight
  (e.g. its share of the world's AI compute);
- **memberships** (``MEMBER_OF``): a jurisdiction belongs to a bloc or a
  multilateral body, possibly only between two dates; what is in force in a
  body is in force in its members, transitively;
- **in-force links** (``IN_FORCE_IN``): a mitigation is in force in a
  jurisdiction at a maturity there, possibly only between two dates;
- **everywhere** flags: mitigations that act wherever the weights go
  (safeguards built into a model), in force in every jurisdiction at their
  own maturity whatever their links say;
- **mobile** flags: threats whose actors choose where to act, so that with
  no jurisdiction chosen they are judged where they are weakest.

Dates are ``datetime.date``; a period is half-open: a link or a membership
holds from ``since`` (inclusive) to ``until`` (exclusive), either end open
when None, so a measure replaced on a date has exactly one version that day.
The checks here are those a geography can make on its own (``Geography``
refuses to be built otherwise); ``check_geography`` adds the ones that need
the taxonomy (mitigation, threat and source ids).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from taxonomy.domain.errors import GeographyError
from taxonomy.domain.records import (
    JURISDICTION_KINDS,
    MATURITIES,
    Jurisdiction,
    Taxonomy,
)

STATE, BLOC, MULTILATERAL = JURISDICTION_KINDS
# The kinds a jurisdiction can be a member of: a state has no members.
BODY_KINDS = (BLOC, MULTILATERAL)
__all__ = ["GeographyError", "Jurisdiction"]  # re-exported: where analyses look


@dataclass(frozen=True, slots=True)
class Membership:
    """(Jurisdiction)-[:MEMBER_OF]->(Jurisdiction): ``member`` belongs to ``body``."""

    member: str
    body: str
    since: datetime.date | None = None
    until: datetime.date | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class InForce:
    """(Mitigation)-[:IN_FORCE_IN]->(Jurisdiction), at ``maturity`` there."""

    mitigation: str
    jurisdiction: str
    maturity: str
    since: datetime.date | None = None
    until: datetime.date | None = None
    rationale: str = ""
    sources: tuple[str, ...] = ()
    version: int = 1


@dataclass(frozen=True, slots=True)
class Everywhere:
    """A mitigation that acts wherever the weights go, and the editors' reason."""

    mitigation: str
    rationale: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mobile:
    """A threat whose actors choose where to act, and the editors' reason."""

    threat: str
    rationale: str = ""
    sources: tuple[str, ...] = ()


def in_period(
    since: datetime.date | None,
    until: datetime.date | None,
    as_of: datetime.date | None,
) -> bool:
    """Whether ``[since, until)`` holds on ``as_of``; every period holds when
    ``as_of`` is None (no date chosen: dates are not considered).

    >>> d = datetime.date
    >>> in_period(d(2024, 8, 1), None, d(2024, 8, 1)), in_period(None, d(2020, 2, 1),
    ...     d(2020, 2, 1)), in_period(d(2030, 1, 1), None, None)
    (True, False, True)
    """
    if as_of is None:
        return True
    return (since is None or since <= as_of) and (until is None or as_of < until)


def parse_day(text: str, what: str = "date") -> datetime.date:
    """A ``YYYY-MM-DD`` text as a date, or ``ValueError`` saying what is wrong.

    >>> parse_day("2024-08-01")
    datetime.date(2024, 8, 1)
    >>> parse_day("2024-13-01", "as_of")
    Traceback (most recent call last):
    ...
    ValueError: as_of must be a date YYYY-MM-DD, got '2024-13-01'
    """
    try:
        if len(text.strip()) != 10:
            raise ValueError
        return datetime.date.fromisoformat(text.strip())
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{what} must be a date YYYY-MM-DD, got {text!r}") from None


@dataclass(frozen=True)
class Geography:
    """Jurisdictions, memberships, in-force links and the two flags, checked.

    Refuses (``GeographyError``, every problem named) a repeated or empty id,
    an unknown kind, a negative or non-finite weight, a membership or link
    naming an unknown jurisdiction, a membership in a state or in itself, a
    membership cycle, an unknown maturity, a date that is not a date and a
    period that ends before it starts.

    >>> eu = Geography(jurisdictions=(Jurisdiction("eu", "EU", BLOC),
    ...     Jurisdiction("fr", "France")), memberships=(Membership("fr", "eu"),))
    >>> eu.jurisdiction_ids
    ('eu', 'fr')
    >>> Geography(jurisdictions=(Jurisdiction("a", "A", BLOC),
    ...     Jurisdiction("b", "B", BLOC)),
    ...     memberships=(Membership("a", "b"), Membership("b", "a")))
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.GeographyError: membership cycle: a → b → a
    """

    jurisdictions: tuple[Jurisdiction, ...] = ()
    memberships: tuple[Membership, ...] = ()
    in_force: tuple[InForce, ...] = ()
    everywhere: tuple[Everywhere, ...] = ()
    mobile: tuple[Mobile, ...] = ()

    def __post_init__(self) -> None:
        problems = geography_problems(self)
        if problems:
            raise GeographyError(problems)

    @classmethod
    def of(cls, taxonomy: Taxonomy) -> Geography:
        """The geography a taxonomy records: its jurisdictions, MEMBER_OF and
        IN_FORCE_IN links (ISO dates read as dates, empty as open), the
        mitigations with an ``everywhere`` reason and the threats with a
        ``mobile`` one. ``GeographyError`` names every item at fault.

        >>> from taxonomy.domain.records import InForceIn, MemberOf, Threat
        >>> geo = Geography.of(Taxonomy(threats=(Threat("t", "T", mobile="moves"),),
        ...     jurisdictions=(Jurisdiction("eu", "EU", BLOC), Jurisdiction("fr", "FR")),
        ...     memberships=(MemberOf("fr", "eu", since="1958-01-01"),),
        ...     in_force=(InForceIn("m", "eu", "pilot", until="2030-01-01"),)))
        >>> geo.memberships[0].since, geo.in_force[0].until, sorted(geo.mobile_threats)
        (datetime.date(1958, 1, 1), datetime.date(2030, 1, 1), ['t'])
        >>> Geography.of(Taxonomy()) == Geography()
        True
        """
        problems: list[str] = []

        def day(what: str, text: str) -> datetime.date | None:
            if not text:
                return None
            try:
                return parse_day(text, what)
            except ValueError as error:
                problems.append(str(error))
                return None

        memberships = tuple(
            Membership(
                m.member,
                m.body,
                day(f"membership {m.member} → {m.body}: since", m.since),
                day(f"membership {m.member} → {m.body}: until", m.until),
            )
            for m in taxonomy.memberships
        )
        in_force = tuple(
            InForce(
                link.mitigation,
                link.jurisdiction,
                link.maturity,
                day(
                    f"in-force link {link.mitigation} → {link.jurisdiction}: since",
                    link.since,
                ),
                day(
                    f"in-force link {link.mitigation} → {link.jurisdiction}: until",
                    link.until,
                ),
                link.rationale,
                link.sources,
            )
            for link in taxonomy.in_force
        )
        if problems:
            raise GeographyError(problems)
        return cls(
            jurisdictions=taxonomy.jurisdictions,
            memberships=memberships,
            in_force=in_force,
            everywhere=tuple(
                Everywhere(m.id, m.everywhere, m.sources)
                for m in taxonomy.mitigations
                if m.everywhere
            ),
            mobile=tuple(
                Mobile(t.id, t.mobile, t.sources) for t in taxonomy.threats if t.mobile
            ),
        )

    @property
    def recorded(self) -> bool:
        """Whether any jurisdiction is recorded (else analyses are today's)."""
        return bool(self.jurisdictions)

    @property
    def jurisdiction_ids(self) -> tuple[str, ...]:
        """Every jurisdiction id, sorted."""
        return tuple(sorted(j.id for j in self.jurisdictions))

    @property
    def bound_mitigations(self) -> frozenset[str]:
        """Mitigations with an in-force link on some date: those in force only
        where (and when) a link says; every other one is in force everywhere."""
        return frozenset(link.mitigation for link in self.in_force)

    @property
    def everywhere_mitigations(self) -> frozenset[str]:
        return frozenset(flag.mitigation for flag in self.everywhere)

    @property
    def mobile_threats(self) -> frozenset[str]:
        return frozenset(flag.threat for flag in self.mobile)


def _period_problems(what: str, since, until) -> list[str]:
    problems = [
        f"{what}: {name} must be a date, got {value!r}"
        for name, value in (("since", since), ("until", until))
        if value is not None
        and (
            not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)
        )
    ]
    if not problems and since is not None and until is not None and until <= since:
        problems.append(f"{what}: until ({until}) must come after since ({since})")
    return problems


def _repeated(ids: Iterable[str]) -> list[str]:
    seen, repeated = set(), []
    for i in ids:
        if i in seen and i not in repeated:
            repeated.append(i)
        seen.add(i)
    return repeated


def _jurisdiction_problems(j: Jurisdiction) -> list[str]:
    what = f"jurisdiction {j.id!r}"
    problems = []
    if not isinstance(j.id, str) or not j.id.strip():
        problems.append(f"{what}: the id must not be empty")
    if j.kind not in JURISDICTION_KINDS:
        problems.append(
            f"{what}: kind must be one of {', '.join(JURISDICTION_KINDS)}, "
            f"got {j.kind!r}"
        )
    if j.weight is not None and (
        isinstance(j.weight, bool)
        or not isinstance(j.weight, int | float)
        or not math.isfinite(j.weight)
        or j.weight < 0
    ):
        problems.append(f"{what}: weight must be a finite number ≥ 0, got {j.weight!r}")
    return problems


def geography_problems(geography: Geography) -> list[str]:
    """Everything wrong with a geography on its own, one message per item.

    >>> geography_problems(Geography())
    []
    >>> try:
    ...     Geography(jurisdictions=(Jurisdiction("x", "X", "city", weight=-1),),
    ...               in_force=(InForce("m", "y", "deployed"),))
    ... except GeographyError as error:
    ...     for problem in error.problems:
    ...         print(problem)
    jurisdiction 'x': kind must be one of state, bloc, multilateral, got 'city'
    jurisdiction 'x': weight must be a finite number ≥ 0, got -1
    in-force link m → y: unknown jurisdiction 'y'
    """
    kinds = {j.id: j.kind for j in geography.jurisdictions}
    problems = [
        f"jurisdiction {i!r} is recorded twice"
        for i in _repeated(j.id for j in geography.jurisdictions)
    ]
    for j in geography.jurisdictions:
        problems += _jurisdiction_problems(j)
    for m in geography.memberships:
        what = f"membership {m.member} → {m.body}"
        unknown = [i for i in (m.member, m.body) if i not in kinds]
        problems += [f"{what}: unknown jurisdiction {i!r}" for i in unknown]
        if m.member == m.body:
            problems.append(f"{what}: a jurisdiction cannot be a member of itself")
        elif not unknown and kinds[m.body] not in BODY_KINDS:
            problems.append(
                f"{what}: {m.body!r} is a {kinds[m.body]}; only a bloc or a "
                "multilateral body has members"
            )
        problems += _period_problems(what, m.since, m.until)
    for link in geography.in_force:
        what = f"in-force link {link.mitigation} → {link.jurisdiction}"
        if link.jurisdiction not in kinds:
            problems.append(f"{what}: unknown jurisdiction {link.jurisdiction!r}")
        if link.maturity not in MATURITIES:
            problems.append(
                f"{what}: maturity must be one of {', '.join(MATURITIES)}, "
                f"got {link.maturity!r}"
            )
        problems += _period_problems(what, link.since, link.until)
    cycle = membership_cycle(
        (m.member, m.body) for m in geography.memberships if m.member != m.body
    )
    if cycle:
        problems.append(f"membership cycle: {' → '.join(cycle)}")
    return problems


def membership_cycle(edges: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """One cycle of ``member → body`` edges, first node repeated at the end;
    empty when there is none.

    Sinks are peeled off until none is left; every node that remains has an
    edge to another that remains, so walking those edges must come back.

    >>> membership_cycle([("fr", "eu"), ("eu", "un"), ("un", "eu")])
    ('eu', 'un', 'eu')
    >>> membership_cycle([("fr", "eu")])
    ()
    """
    out: dict[str, set[str]] = {}
    for member, body in edges:
        out.setdefault(member, set()).add(body)
        out.setdefault(body, set())
    remaining = set(out)
    sinks = [n for n in remaining if not out[n]]
    into: dict[str, set[str]] = {n: set() for n in out}
    for member, bodies in out.items():
        for body in bodies:
            into[body].add(member)
    left = {n: len(out[n]) for n in out}
    while sinks:
        node = sinks.pop()
        remaining.discard(node)
        for member in into[node]:
            left[member] -= 1
            if left[member] == 0:
                sinks.append(member)
    if not remaining:
        return ()
    path, seen = [min(remaining)], {}
    while path[-1] not in seen:
        seen[path[-1]] = len(path) - 1
        path.append(min(out[path[-1]] & remaining))
    return tuple(path[seen[path[-1]] :])


def check_geography(geography: Geography, taxonomy: Taxonomy) -> None:
    """Raise ``GeographyError`` naming every mitigation, threat or source of a
    geography that the taxonomy does not hold.

    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> taxonomy = Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(Mitigation("tee", "TEE", "hw", "deployed"),))
    >>> geography = Geography(jurisdictions=(Jurisdiction("eu", "EU", BLOC),),
    ...     in_force=(InForce("tee", "eu", "deployed"), InForce("kyc", "eu", "pilot")),
    ...     mobile=(Mobile("smuggling"),))
    >>> check_geography(geography, taxonomy)
    Traceback (most recent call last):
    ...
    taxonomy.domain.errors.GeographyError: in-force link kyc → eu: unknown mitigation 'kyc'; mobile threat 'smuggling': unknown threat
    """
    mitigations = {m.id for m in taxonomy.mitigations}
    threats = {t.id for t in taxonomy.threats}
    sources = {s.id for s in taxonomy.sources}
    problems = []
    for link in geography.in_force:
        what = f"in-force link {link.mitigation} → {link.jurisdiction}"
        if link.mitigation not in mitigations:
            problems.append(f"{what}: unknown mitigation {link.mitigation!r}")
        problems += _unknown_sources(what, link.sources, sources)
    for j in geography.jurisdictions:
        problems += _unknown_sources(f"jurisdiction {j.id!r}", j.sources, sources)
    flags = [
        ("everywhere", "mitigation", f.mitigation, mitigations, f.sources)
        for f in geography.everywhere
    ]
    flags += [
        ("mobile", "threat", f.threat, threats, f.sources) for f in geography.mobile
    ]
    for flag, noun, key, known, cited in flags:
        what = f"{flag} {noun} {key!r}"
        if key not in known:
            problems.append(f"{what}: unknown {noun}")
        problems += _unknown_sources(what, cited, sources)
    if problems:
        raise GeographyError(problems)


def _unknown_sources(what: str, cited: Iterable[str], known: set[str]) -> list[str]:
    return [f"{what}: unknown source {s!r}" for s in cited if s not in known]


# The words that make a place's name take "the" in a sentence: the common
# nouns of unions and federations, plural names and the common words of a
# descriptive name ("the European Union", "the United States", "the Holy See",
# "the Netherlands", "the rest of the world").
THE_WORDS = frozenset(
    {
        "agency", "alliance", "area", "bahamas", "bloc", "body", "coalition",
        "commonwealth", "community", "comoros", "council", "emirates",
        "federation", "islands", "kingdom", "maldives", "netherlands",
        "organisation", "organization", "partnership", "philippines", "regime",
        "republic", "rest", "see", "seychelles", "states", "union", "world",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def place_phrase(name: str | None) -> str:
    """A jurisdiction's name as a sentence says it after "in": with "the" when
    English asks for it, by a rule on the name alone.

    A name takes "the" when one of its words is in ``THE_WORDS``, when it is
    a two-letter initialism (EU, US, UK, UN), or when it is a descriptive
    phrase in sentence case (every word after the first lower case or an
    acronym, as "Rest of the world"), whose first letter is then lowered. A
    name that starts with "the" (an editor's "The Gambia") is kept as it is;
    a text in brackets ("(proposed)") is not read; no name (None) is "".

    >>> [place_phrase(n) for n in ("European Union", "China", "United States",
    ...     "EU", "Rest of the world", "The Gambia", "Czech Republic",
    ...     "Multilateral AI safeguards agency (proposed)", "Bosnia and Herzegovina")]
    ['the European Union', 'China', 'the United States', 'the EU', 'the rest of the world', 'The Gambia', 'the Czech Republic', 'the multilateral AI safeguards agency (proposed)', 'Bosnia and Herzegovina']
    >>> place_phrase(None)
    ''
    """
    if not name:
        return ""
    words = _WORD.findall(re.sub(r"\(.*?\)", " ", name))
    if not words or words[0].lower() == "the":
        return name
    rest = words[1:]
    descriptive = bool(rest) and all(w.islower() or w.isupper() for w in rest)
    if descriptive and not words[0].isupper():
        return f"the {name[0].lower()}{name[1:]}"
    initialism = len(words) == 1 and len(words[0]) == 2 and words[0].isupper()
    if initialism or any(w.lower() in THE_WORDS for w in words):
        return f"the {name}"
    return name
