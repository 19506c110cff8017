"""Frozen records for everything the graph holds; no neo4j type leaves this layer."""

from __future__ import annotations

import re
from dataclasses import dataclass

STRENGTHS = ("low", "medium", "high")
MATURITIES = ("proposed", "pilot", "deployed")
# What a documented incident is: an ordered case study (ATLAS) or campaign,
# or a threat actor (ATT&CK's intrusion set) or piece of software (malware,
# tool) whose uses of techniques have no order.
INCIDENT_KINDS = ("case-study", "campaign", "group", "software")
# What a jurisdiction is: a state, a bloc of states (the EU) or a multilateral
# body (an IAEA-like agency); only the last two have members.
JURISDICTION_KINDS = ("state", "bloc", "multilateral")
ORDERED_INCIDENT_KINDS = ("case-study",)
DEFAULT_TAXONOMY = "layerwise"
# The longest full-text search the API and the search page accept, in characters:
# far longer queries make the search index refuse them ("automaton too large").
SEARCH_MAX_LENGTH = 500
# A source's url: empty or a web address; anything else (javascript:, data:)
# would be a link that runs code in a reader's browser.
# Matched whole (fullmatch): a "$" would let a trailing newline through.
_WEB_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an http(s) address a page may link to.

    >>> is_web_url("https://example.org/a"), is_web_url("javascript:alert(1)")
    (True, False)
    >>> is_web_url("HTTP://EXAMPLE.ORG\\n")
    False
    """
    return bool(_WEB_URL.fullmatch(url or ""))


@dataclass(frozen=True, slots=True)
class Layer:
    id: str
    name: str
    description: str = ""
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1


@dataclass(frozen=True, slots=True)
class Threat:
    """A misuse vector.

    ``maturity`` is free text in the vocabulary of the taxonomy it came from
    (ATLAS: feasible, demonstrated, realized; empty for the seed);
    ``sources`` are the ids of the Source records that describe it.
    """

    id: str
    name: str
    description: str = ""
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1
    maturity: str = ""
    sources: tuple[str, ...] = ()
    # The STIX object this item was imported from, as JSON text: what the
    # project does not model travels back out unchanged (taxonomy.formats.stix).
    stix: str = ""
    # Why its actors choose where to act (issue 25): a threat with a reason
    # here is *mobile*, judged where it is weakest in the world view; empty
    # for every other threat.
    mobile: str = ""


@dataclass(frozen=True, slots=True)
class Mitigation:
    id: str
    name: str
    layer: str
    maturity: str
    description: str = ""
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1
    sources: tuple[str, ...] = ()
    # What adopting it costs, in the editors' own units (recommendations
    # spend a budget of them); 1 unless an editor says otherwise.
    cost: float = 1.0
    # The STIX object this item was imported from, as JSON text: what the
    # project does not model travels back out unchanged (taxonomy.formats.stix).
    stix: str = ""
    # Why it acts wherever the weights go (issue 25), e.g. a safeguard built
    # into a model: a mitigation with a reason here is in force in every
    # jurisdiction at its own maturity; empty for every other one.
    everywhere: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    name: str
    description: str = ""
    authors: str = ""
    title: str = ""
    year: int | None = None
    publisher: str = ""
    url: str = ""
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1


@dataclass(frozen=True, slots=True)
class Tactic:
    """A stage of an attack (an ATLAS or ATT&CK tactic): the adversary's goal.

    ``shortname`` is the kill-chain phase name STIX and Navigator layers use
    (``x_mitre_shortname``, e.g. ``ml-attack-staging``); ``order`` its column
    in the matrix, left to right.
    """

    id: str
    name: str
    description: str = ""
    shortname: str = ""
    order: int = 0
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1
    sources: tuple[str, ...] = ()
    # The STIX object this item was imported from, as JSON text: what the
    # project does not model travels back out unchanged (taxonomy.formats.stix).
    stix: str = ""


@dataclass(frozen=True, slots=True)
class Incident:
    """A documented attack or attacker: a case study, campaign, group or software.

    ``kind`` is one of INCIDENT_KINDS; ``date`` an ISO date (``2020-01-01``),
    a year or empty; ``summary`` what happened; ``sources`` its references.
    """

    id: str
    name: str
    kind: str = "case-study"
    date: str = ""
    summary: str = ""
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1
    sources: tuple[str, ...] = ()
    # The STIX object this item was imported from, as JSON text: what the
    # project does not model travels back out unchanged (taxonomy.formats.stix).
    stix: str = ""


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """A place where measures bind (issue 25): a ``state``, a ``bloc`` or a
    ``multilateral`` body (``JURISDICTION_KINDS``).

    ``weight`` (None when not recorded) is what the world view weighs it by,
    e.g. its share of the world's AI compute, cited in ``sources``.
    """

    id: str
    name: str
    kind: str = "state"
    description: str = ""
    weight: float | None = None
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Architecture:
    """A governance architecture (issue 25): a named, saved scenario.

    ``scenario`` is the scenario's parameters as the scenario codec's query
    string (``maturity=deployed&jurisdiction=eu``, empty for the baseline);
    what it adopts where are its ADOPTS links
    (``taxonomy.domain.architectures.architecture_scenario`` makes the two a
    ``Scenario``).
    """

    id: str
    name: str
    description: str = ""
    scenario: str = ""
    taxonomy: str = DEFAULT_TAXONOMY
    version: int = 1
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MemberOf:
    """(Jurisdiction)-[:MEMBER_OF]->(Jurisdiction): ``member`` belongs to ``body``.

    ``since`` and ``until`` are ISO dates (``2020-01-31``) or empty: the
    membership holds from ``since`` (inclusive) to ``until`` (exclusive).
    """

    member: str
    body: str
    since: str = ""
    until: str = ""
    rationale: str = ""
    sources: tuple[str, ...] = ()
    version: int = 1


@dataclass(frozen=True, slots=True)
class InForceIn:
    """(Mitigation)-[:IN_FORCE_IN]->(Jurisdiction): in force there, at ``maturity``
    there, from ``since`` (inclusive) to ``until`` (exclusive), ISO dates or empty.

    A mitigation with no such link is in force everywhere at its own maturity.
    """

    mitigation: str
    jurisdiction: str
    maturity: str
    since: str = ""
    until: str = ""
    rationale: str = ""
    sources: tuple[str, ...] = ()
    version: int = 1


@dataclass(frozen=True, slots=True)
class Adopts:
    """(Architecture)-[:ADOPTS]->(Mitigation): the architecture adopts the
    measure in ``jurisdictions`` (ids; empty: everywhere), with its rationale
    and sources. One link per pair: a measure adopted in several places names
    them all.
    """

    architecture: str
    mitigation: str
    jurisdictions: tuple[str, ...] = ()
    rationale: str = ""
    sources: tuple[str, ...] = ()
    version: int = 1


@dataclass(frozen=True, slots=True)
class Uses:
    """(Incident)-[:USES]->(MisuseVector): the steps of an incident that use a technique.

    ``steps`` are the step numbers (1, 2, ...) at which the incident uses the
    technique, ascending (empty for a group or software: no order);
    ``tactics`` and ``descriptions`` say, step by step, for which tactic and
    how (one entry per step, or at most one when there are no steps). One
    technique used at two steps of a case study is one link with two steps.
    """

    incident: str
    threat: str
    steps: tuple[int, ...] = ()
    tactics: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()
    version: int = 1
    # The STIX object this item was imported from, as JSON text: what the
    # project does not model travels back out unchanged (taxonomy.formats.stix).
    stix: str = ""


@dataclass(frozen=True, slots=True)
class Mitigates:
    """(Mitigation)-[:MITIGATES]->(MisuseVector)."""

    mitigation: str
    threat: str
    strength: str
    rationale: str = ""
    sources: tuple[str, ...] = ()
    version: int = 1
    # The STIX object this item was imported from, as JSON text: what the
    # project does not model travels back out unchanged (taxonomy.formats.stix).
    stix: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """A property-less link: ENABLES, REQUIRES, INTRODUCES, SUBTYPE_OF or IN_TACTIC.

    ``source`` and ``target`` follow the relationship's direction in the graph,
    e.g. for ENABLES the enabling threat is ``source``.
    """

    source: str
    target: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A whole taxonomy as plain data: what fixtures parse to and the graph reads as."""

    layers: tuple[Layer, ...] = ()
    threats: tuple[Threat, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()
    sources: tuple[Source, ...] = ()
    tactics: tuple[Tactic, ...] = ()
    incidents: tuple[Incident, ...] = ()
    jurisdictions: tuple[Jurisdiction, ...] = ()
    architectures: tuple[Architecture, ...] = ()
    mitigates: tuple[Mitigates, ...] = ()
    enables: tuple[Link, ...] = ()
    requires: tuple[Link, ...] = ()
    introduces: tuple[Link, ...] = ()
    subtypes: tuple[Link, ...] = ()
    in_tactic: tuple[Link, ...] = ()
    uses: tuple[Uses, ...] = ()
    memberships: tuple[MemberOf, ...] = ()
    in_force: tuple[InForceIn, ...] = ()
    adopts: tuple[Adopts, ...] = ()
    revision: int = 0
