"""The ONE registry of node and link kinds: everything that differs by kind.

Every module that handles items by kind (the repository's Cypher, fixtures,
the canonical document, forms, URLs, API views, the audit log, STIX, the
history pages) reads it from here. Adding a kind is an entry here plus its
Cypher in ``taxonomy.graph`` (see docs/architecture.md).

>>> NODE_KINDS["threat"].label, LINK_KINDS["enables"].rel
('MisuseVector', 'ENABLES')
>>> [k.name for k in link_kinds_between("mitigation", "threat")]
['mitigates', 'introduces']
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from taxonomy.domain import records
from taxonomy.domain.mappings import MappingRow
from taxonomy.domain.records import (
    Adopts,
    InForceIn,
    Link,
    MemberOf,
    Mitigates,
    Taxonomy,
    Uses,
)


@dataclass(frozen=True)
class NodeKind:
    """A kind of node: layer, threat, mitigation, source, tactic, incident,
    jurisdiction, architecture.

    ``field`` is its tuple on ``Taxonomy`` (and its section in fixtures and the
    canonical document); ``label`` its Neo4j label; ``segment`` its URL path
    segment (``/api/v1/<segment>/``); ``editable`` the fields an editor changes
    (ids, versions and the taxonomy are not); ``stix_type`` its STIX object
    type (None: it travels inside the Layerwise extension).
    """

    name: str
    record: type
    field: str
    label: str
    segment: str
    title: str
    plural: str
    editable: tuple[str, ...]
    stix_type: str | None = None

    is_link = False

    def key(self, record: Any) -> str:
        return record.id

    @property
    def stored_fields(self) -> tuple[str, ...]:
        """The record's fields kept as node properties (id, version and the
        layer, which is an IN_LAYER link, are not)."""
        return tuple(
            f.name
            for f in fields(self.record)
            if f.name not in ("id", "version", "layer")
        )


@dataclass(frozen=True)
class LinkKind:
    """A kind of link between two nodes, keyed ``"<source>-><target>"``.

    ``source`` and ``target`` are node kinds, in the relationship's direction
    in the graph; ``ends`` the record's fields that hold their ids (and the
    API's names for them). ``acyclic``: a cycle of such links is refused;
    ``irreflexive``: a link from a node to itself is refused. In fixture
    files a link is a list under ``fixture_key`` on the item of its
    ``fixture_owner`` end (``source`` or ``target``). ``words``: the link in
    plain words, as a sentence says it ("<source> is a subtype of <target>").
    """

    name: str
    record: type
    field: str
    rel: str
    source: str
    target: str
    segment: str
    title: str
    plural: str
    ends: tuple[str, str] = ("source", "target")
    editable: tuple[str, ...] = ()
    acyclic: bool = False
    irreflexive: bool = False
    stix_type: str | None = None
    fixture_key: str = ""
    fixture_owner: str = "source"
    words: str = ""

    is_link = True

    def key(self, record: Any) -> str:
        source, target = self.end_ids(record)
        return link_key(source, target)

    def end_ids(self, record: Any) -> tuple[str, str]:
        return getattr(record, self.ends[0]), getattr(record, self.ends[1])

    def make(self, source: str, target: str, **values: Any) -> Any:
        """A record of this kind between two ids."""
        return self.record(**{self.ends[0]: source, self.ends[1]: target}, **values)

    @property
    def props(self) -> tuple[str, ...]:
        """The record's fields kept as relationship properties (not its ends
        nor its version); empty for a plain link.

        >>> LINK_KINDS["uses"].props
        ('steps', 'tactics', 'descriptions', 'stix')
        """
        return tuple(
            f.name for f in fields(self.record) if f.name not in (*self.ends, "version")
        )

    @property
    def source_label(self) -> str:
        return NODE_KINDS[self.source].label

    @property
    def target_label(self) -> str:
        return NODE_KINDS[self.target].label


NODE_KINDS: dict[str, NodeKind] = {
    kind.name: kind
    for kind in (
        NodeKind(
            "layer",
            records.Layer,
            "layers",
            "GovernanceLayer",
            "layers",
            "Governance layer",
            "Governance layers",
            ("name", "description"),
        ),
        NodeKind(
            "threat",
            records.Threat,
            "threats",
            "MisuseVector",
            "threats",
            "Threat",
            "Threats",
            ("name", "description", "sources", "mobile"),
            "attack-pattern",
        ),
        NodeKind(
            "mitigation",
            records.Mitigation,
            "mitigations",
            "Mitigation",
            "mitigations",
            "Mitigation",
            "Mitigations",
            (
                "name",
                "layer",
                "maturity",
                "cost",
                "description",
                "sources",
                "everywhere",
            ),
            "course-of-action",
        ),
        NodeKind(
            "source",
            records.Source,
            "sources",
            "Source",
            "sources",
            "Source",
            "Sources",
            ("name", "authors", "title", "year", "publisher", "url", "description"),
        ),
        NodeKind(
            "tactic",
            records.Tactic,
            "tactics",
            "Tactic",
            "tactics",
            "Tactic",
            "Tactics",
            ("name", "description", "shortname", "order", "sources"),
            "x-mitre-tactic",
        ),
        NodeKind(
            "incident",
            records.Incident,
            "incidents",
            "Incident",
            "incidents",
            "Incident",
            "Incidents",
            ("name", "kind", "date", "summary", "sources"),
        ),
        NodeKind(
            "jurisdiction",
            records.Jurisdiction,
            "jurisdictions",
            "Jurisdiction",
            "jurisdictions",
            "Jurisdiction",
            "Jurisdictions",
            ("name", "kind", "weight", "description", "sources"),
            "location",
        ),
        NodeKind(
            "architecture",
            records.Architecture,
            "architectures",
            "Architecture",
            "architectures",
            "Governance architecture",
            "Governance architectures",
            ("name", "description", "scenario", "sources"),
        ),
    )
}

LINK_KINDS: dict[str, LinkKind] = {
    kind.name: kind
    for kind in (
        LinkKind(
            "mitigates",
            Mitigates,
            "mitigates",
            "MITIGATES",
            "mitigation",
            "threat",
            "mitigates",
            "MITIGATES link",
            "MITIGATES links",
            ends=("mitigation", "threat"),
            editable=("strength", "rationale", "sources"),
            stix_type="mitigates",
            fixture_key="mitigated_by",
            fixture_owner="target",
            words="mitigates",
        ),
        LinkKind(
            "enables",
            Link,
            "enables",
            "ENABLES",
            "threat",
            "threat",
            "enables",
            "ENABLES link",
            "ENABLES links",
            irreflexive=True,
            stix_type="enables",
            fixture_key="enables",
            words="enables",
        ),
        LinkKind(
            "requires",
            Link,
            "requires",
            "REQUIRES",
            "mitigation",
            "mitigation",
            "requires",
            "REQUIRES link",
            "REQUIRES links",
            acyclic=True,
            stix_type="requires",
            fixture_key="requires",
            words="requires",
        ),
        LinkKind(
            "introduces",
            Link,
            "introduces",
            "INTRODUCES",
            "mitigation",
            "threat",
            "introduces",
            "INTRODUCES link",
            "INTRODUCES links",
            stix_type="introduces",
            fixture_key="introduces",
            words="introduces",
        ),
        LinkKind(
            "subtype",
            Link,
            "subtypes",
            "SUBTYPE_OF",
            "threat",
            "threat",
            "subtypes",
            "SUBTYPE_OF link",
            "SUBTYPE_OF links",
            acyclic=True,
            stix_type="subtechnique-of",
            fixture_key="subtype_of",
            words="is a subtype of",
        ),
        LinkKind(
            "in_tactic",
            Link,
            "in_tactic",
            "IN_TACTIC",
            "threat",
            "tactic",
            "in-tactic",
            "IN_TACTIC link",
            "IN_TACTIC links",
            fixture_key="tactics",
            words="is in",
        ),
        LinkKind(
            "uses",
            Uses,
            "uses",
            "USES",
            "incident",
            "threat",
            "uses",
            "USES link",
            "USES links",
            ends=("incident", "threat"),
            editable=("steps", "tactics", "descriptions"),
            stix_type="uses",
            fixture_key="uses",
            words="uses",
        ),
        LinkKind(
            "member_of",
            MemberOf,
            "memberships",
            "MEMBER_OF",
            "jurisdiction",
            "jurisdiction",
            "member-of",
            "MEMBER_OF link",
            "MEMBER_OF links",
            ends=("member", "body"),
            editable=("since", "until", "rationale", "sources"),
            acyclic=True,
            irreflexive=True,
            stix_type="member-of",
            fixture_key="member_of",
            words="is a member of",
        ),
        LinkKind(
            "in_force_in",
            InForceIn,
            "in_force",
            "IN_FORCE_IN",
            "mitigation",
            "jurisdiction",
            "in-force-in",
            "IN_FORCE_IN link",
            "IN_FORCE_IN links",
            ends=("mitigation", "jurisdiction"),
            editable=("maturity", "since", "until", "rationale", "sources"),
            stix_type="in-force-in",
            fixture_key="in_force",
            fixture_owner="target",
            words="is in force in",
        ),
        LinkKind(
            "adopts",
            Adopts,
            "adopts",
            "ADOPTS",
            "architecture",
            "mitigation",
            "adopts",
            "ADOPTS link",
            "ADOPTS links",
            ends=("architecture", "mitigation"),
            editable=("jurisdictions", "rationale", "sources"),
            fixture_key="adopts",
            words="adopts",
        ),
    )
}

# The kinds that join two taxonomies (issue 26): a mapping set and its rows,
# each a MAPS_TO link from an item of the set's subject taxonomy to one of its
# object taxonomy, keyed within its set by its two CURIEs. They are kept out
# of NODE_KINDS and LINK_KINDS on purpose: those are the parts of ONE
# taxonomy (its fixtures, canonical document, STIX bundle, sync), which a
# crosswalk belongs to neither side of; a mapping set is read, written and
# exported whole through its own path (taxonomy.formats.sssom, the
# repository's mappings module), and the rows' properties are read from here.
MAPS_TO = LinkKind(
    "maps_to",
    MappingRow,
    "rows",
    "MAPS_TO",
    "threat",
    "threat",
    "mappings",
    "Mapping",
    "Mappings",
    ends=("subject_id", "object_id"),
    editable=(
        "predicate_id",
        "confidence",
        "mapping_justification",
        "comment",
        "author_id",
        "mapping_date",
    ),
    words="maps to",
)
# A mapping set's metadata, a node of this label keyed by its mapping_set_id.
MAPPING_SET_LABEL = "MappingSet"
MAPPING_SET_EDITABLE = (
    "license",
    "creator_id",
    "mapping_date",
    "mapping_set_title",
    "mapping_set_description",
    "comment",
)

Kind = NodeKind | LinkKind
# Every kind, nodes first, in the order changes are reported and written.
KINDS: dict[str, Kind] = {**NODE_KINDS, **LINK_KINDS}
BY_FIELD: dict[str, Kind] = {kind.field: kind for kind in KINDS.values()}
BY_LABEL: dict[str, NodeKind] = {kind.label: kind for kind in NODE_KINDS.values()}
BY_REL: dict[str, LinkKind] = {kind.rel: kind for kind in LINK_KINDS.values()}
# Links without properties besides their version, and those with some.
PLAIN_LINK_KINDS: dict[str, LinkKind] = {
    name: kind for name, kind in LINK_KINDS.items() if kind.record is Link
}
PROPERTY_LINK_KINDS: dict[str, LinkKind] = {
    name: kind for name, kind in LINK_KINDS.items() if kind.record is not Link
}

assert tuple(f.name for f in fields(Taxonomy) if f.name != "revision") == tuple(
    kind.field for kind in KINDS.values()
), "Taxonomy's fields and the kind registry must list the same kinds"


def kind_of(name: str) -> Kind:
    """The registry entry of a kind name; KeyError for an unknown one."""
    return KINDS[name]


def link_key(source: str, target: str) -> str:
    """A link's key from its two ends (ids never hold ``->``).

    >>> link_key("a", "b")
    'a->b'
    """
    return f"{source}->{target}"


def split_link_key(key: str) -> tuple[str, str]:
    """A link key's two ends; a node's key gives ``(key, "")``.

    >>> split_link_key("a->b"), split_link_key("a")
    (('a', 'b'), ('a', ''))
    """
    source, _, target = key.partition("->")
    return source, target


def record_key(record: Any) -> str:
    """The key of any record: a node's id, a link's ``"source->target"``.

    >>> record_key(Mitigates("m", "t", "low")), record_key(records.Layer("hw", "HW"))
    ('m->t', 'hw')
    """
    if isinstance(record, Mitigates):
        return link_key(record.mitigation, record.threat)
    if isinstance(record, Uses):
        return link_key(record.incident, record.threat)
    if isinstance(record, MemberOf):
        return link_key(record.member, record.body)
    if isinstance(record, InForceIn):
        return link_key(record.mitigation, record.jurisdiction)
    if isinstance(record, Adopts):
        return link_key(record.architecture, record.mitigation)
    if isinstance(record, Link):
        return link_key(record.source, record.target)
    return record.id


def items_of(taxonomy: Taxonomy, kind: str) -> tuple:
    """The records of one kind in a taxonomy."""
    return getattr(taxonomy, KINDS[kind].field)


def link_kinds_between(source: str, target: str) -> list[LinkKind]:
    """The link kinds that run from a node kind to another."""
    return [
        kind
        for kind in LINK_KINDS.values()
        if (kind.source, kind.target) == (source, target)
    ]


def link_kinds_touching(node_kind: str) -> list[LinkKind]:
    """The link kinds with an end of ``node_kind``."""
    return [
        kind for kind in LINK_KINDS.values() if node_kind in (kind.source, kind.target)
    ]
