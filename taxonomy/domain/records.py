"""Frozen records for everything the graph holds; no neo4j type leaves this layer."""

from __future__ import annotations

import re
from dataclasses import dataclass

STRENGTHS = ("low", "medium", "high")
MATURITIES = ("proposed", "pilot", "deployed")
DEFAULT_TAXONOMY = "layerwise"
# A source's url: empty or a web address; anything else (javascript:, data:)
# would be a link that runs code in a reader's browser.
_WEB_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an http(s) address a page may link to.

    >>> is_web_url("https://example.org/a"), is_web_url("javascript:alert(1)")
    (True, False)
    """
    return bool(_WEB_URL.match(url or ""))


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
class Mitigates:
    """(Mitigation)-[:MITIGATES]->(MisuseVector)."""

    mitigation: str
    threat: str
    strength: str
    rationale: str = ""
    sources: tuple[str, ...] = ()
    version: int = 1


@dataclass(frozen=True, slots=True)
class Link:
    """A property-less link: ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF.

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
    mitigates: tuple[Mitigates, ...] = ()
    enables: tuple[Link, ...] = ()
    requires: tuple[Link, ...] = ()
    introduces: tuple[Link, ...] = ()
    subtypes: tuple[Link, ...] = ()
    revision: int = 0
