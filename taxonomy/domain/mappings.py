"""Mapping sets (crosswalks): rows that say which item of one taxonomy is which
item of another, as SSSOM models them (issue 26).

A ``MappingSet`` is one SSSOM mapping set: its metadata (id, licence,
creators, date, the CURIE map) and its ``MappingRow``s. A row maps a
``subject_id`` to an ``object_id``, both CURIEs (``atlas:AML.T0051``), with a
SKOS ``predicate_id`` (``PREDICATES``), a ``confidence`` in [0, 1] (None: not
stated), a ``mapping_justification`` from the semapv vocabulary
(``JUSTIFICATIONS``), a ``comment`` (the rationale), its authors and date.

Which taxonomies a set joins is its metadata: ``subject_source`` and
``object_source`` are the names of two Layerwise taxonomies (``layerwise``,
``atlas``...); every subject id is an item of the first, every object id one
of the second. A CURIE's local part names the item: its id, or, as imports
name their items (``atlas:AML.T0024``), its id without the taxonomy's name
and colon (``node_id``, ``curie_local``).

What coverage through a mapping needs is the rows seen from one side:
``oriented_rows(mapping_set, "layerwise")`` gives each row as "other item ->
our threat", inverting broad and narrow matches when our taxonomy is the
subject's (A broadMatch B: B is broader than A; seen from B, A is narrower).

>>> row = MappingRow("atlas:AML.T0024", "skos:broadMatch", "layerwise:model-extraction")
>>> [(o.other_id, o.predicate, o.threat_id) for o in oriented_rows(
...     MappingSet("x", "atlas", "layerwise", rows=(row,)), "layerwise")]
[('AML.T0024', 'skos:broadMatch', 'model-extraction')]
>>> [(o.other_id, o.predicate, o.threat_id) for o in oriented_rows(
...     MappingSet("x", "layerwise", "atlas", rows=(invert_row(row),)), "layerwise")]
[('AML.T0024', 'skos:broadMatch', 'model-extraction')]
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

EXACT = "skos:exactMatch"
CLOSE = "skos:closeMatch"
BROAD = "skos:broadMatch"
NARROW = "skos:narrowMatch"
RELATED = "skos:relatedMatch"
# The predicates a row may carry, strongest first.
PREDICATES = (EXACT, CLOSE, BROAD, NARROW, RELATED)
# Predicates through which coverage flows (times the confidence); the others
# only bound it from above and never make an item addressed.
CARRYING_PREDICATES = (EXACT, CLOSE)
# Each predicate read from the other end (A broadMatch B == B narrowMatch A).
INVERSE = {EXACT: EXACT, CLOSE: CLOSE, BROAD: NARROW, NARROW: BROAD, RELATED: RELATED}
PREDICATE_WORDS = {
    EXACT: "is the same as",
    CLOSE: "is close to",
    BROAD: "is narrower than",
    NARROW: "is broader than",
    RELATED: "is related to",
}

# The semapv mapping justifications (SEMAPV, the Semantic Mapping Vocabulary).
JUSTIFICATIONS = (
    "semapv:ManualMappingCuration",
    "semapv:LexicalMatching",
    "semapv:LogicalReasoning",
    "semapv:CompositeMatching",
    "semapv:UnspecifiedMatching",
    "semapv:SemanticSimilarityThresholdMatching",
    "semapv:LexicalSimilarityThresholdMatching",
    "semapv:MappingChaining",
    "semapv:MappingReview",
    "semapv:MappingInversion",
    "semapv:StructuralMatching",
    "semapv:InstanceBasedMatching",
    "semapv:BackgroundKnowledgeBasedMatching",
)
DEFAULT_JUSTIFICATION = "semapv:ManualMappingCuration"

# Prefixes every SSSOM file may use without declaring them (SSSOM's built-in
# prefixes), with their expansions.
BUILTIN_PREFIXES = {
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
}


@dataclass(frozen=True, slots=True)
class MappingRow:
    """One SSSOM mapping: ``subject_id`` ``predicate_id`` ``object_id``.

    Ids are CURIEs (``prefix:local``); ``author_id`` a tuple of CURIEs;
    ``mapping_date`` an ISO date or empty; labels are the items' names as the
    file gave them (informative: the graph's names win on every page).
    """

    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str = DEFAULT_JUSTIFICATION
    confidence: float | None = None
    comment: str = ""
    author_id: tuple[str, ...] = ()
    mapping_date: str = ""
    subject_label: str = ""
    object_label: str = ""
    version: int = 1

    @property
    def key(self) -> str:
        """The row's key within its set: one row per subject and object.

        >>> MappingRow("a:x", EXACT, "b:y").key
        'a:x->b:y'
        """
        return f"{self.subject_id}->{self.object_id}"


@dataclass(frozen=True, slots=True)
class MappingSet:
    """One SSSOM mapping set between two Layerwise taxonomies.

    ``mapping_set_id`` is the set's IRI (or CURIE); ``subject_source`` and
    ``object_source`` name the taxonomies of its subjects and objects;
    ``curie_map`` the prefixes its CURIEs use (built-in ones need no entry),
    as sorted ``(prefix, expansion)`` pairs.
    """

    mapping_set_id: str
    subject_source: str
    object_source: str
    license: str = ""
    creator_id: tuple[str, ...] = ()
    mapping_date: str = ""
    mapping_set_title: str = ""
    mapping_set_description: str = ""
    comment: str = ""
    curie_map: tuple[tuple[str, str], ...] = ()
    rows: tuple[MappingRow, ...] = field(default=(), compare=True)
    version: int = 1

    def prefixes(self) -> dict[str, str]:
        """Every prefix the set may use: the built-in ones and its own."""
        return {**BUILTIN_PREFIXES, **dict(self.curie_map)}


@dataclass(frozen=True, slots=True)
class OrientedRow:
    """A row seen from one taxonomy: ``other_id`` (an item of the other
    taxonomy) ``predicate`` ``threat_id`` (ours), ids without their prefix."""

    other_id: str
    predicate: str
    threat_id: str
    confidence: float | None
    row: MappingRow

    @property
    def weight(self) -> float:
        """The confidence coverage is multiplied by: an unstated confidence
        counts as 1 (the curator asserted the match without qualifying it)."""
        return 1.0 if self.confidence is None else self.confidence

    @property
    def carries(self) -> bool:
        """Whether coverage flows through it (an exact or close match)."""
        return self.predicate in CARRYING_PREDICATES


def split_curie(curie: str) -> tuple[str, str]:
    """A CURIE's prefix and local part; no colon gives an empty prefix.

    >>> split_curie("atlas:AML.T0051"), split_curie("plain")
    (('atlas', 'AML.T0051'), ('', 'plain'))
    """
    prefix, colon, local = curie.partition(":")
    return (prefix, local) if colon else ("", curie)


def local_id(curie: str) -> str:
    """The item id a CURIE names (its local part).

    >>> local_id("layerwise:guardrail-removal")
    'guardrail-removal'
    """
    return split_curie(curie)[1]


def invert_row(row: MappingRow) -> MappingRow:
    """The same mapping read from its object: ends swapped, predicate inverted.

    >>> invert_row(MappingRow("a:x", NARROW, "b:y")).predicate_id
    'skos:broadMatch'
    """
    return replace(
        row,
        subject_id=row.object_id,
        object_id=row.subject_id,
        subject_label=row.object_label,
        object_label=row.subject_label,
        predicate_id=INVERSE[row.predicate_id],
    )


def node_id(local: str, taxonomy: str, ids: Collection[str]) -> str:
    """The id of the item of ``taxonomy`` a CURIE's local part names, among
    ``ids`` (the graph's): ``local`` itself, else ``<taxonomy>:<local>``, as
    imports name their items.

    >>> node_id("AML.T0024", "atlas", {"atlas:AML.T0024"})
    'atlas:AML.T0024'
    >>> node_id("model-extraction", "layerwise", {"model-extraction"})
    'model-extraction'
    """
    prefixed = f"{taxonomy}:{local}"
    return prefixed if local not in ids and prefixed in ids else local


def curie_local(item_id: str, taxonomy: str) -> str:
    """The local part of the CURIE that names an item of ``taxonomy``.

    >>> curie_local("atlas:AML.T0024", "atlas"), curie_local("tee", "layerwise")
    ('AML.T0024', 'tee')
    """
    prefix = f"{taxonomy}:"
    return item_id[len(prefix) :] if item_id.startswith(prefix) else item_id


def oriented_rows(
    mapping_set: MappingSet, taxonomy: str, ids: Collection[str] | None = None
) -> list[OrientedRow]:
    """The set's rows as "other item -> item of ``taxonomy``", in file order.

    Rows are kept as they are when ``taxonomy`` is the set's object source
    and inverted (``invert_row``) when it is its subject source; a set that
    does not touch ``taxonomy`` gives no rows (ValueError, so a caller never
    reads a crosswalk the wrong way round).

    Parameters
    ----------
    mapping_set : the set.
    taxonomy : the name of the taxonomy whose items are "ours".
    ids : the graph's item ids of both taxonomies: the rows then name items
        by these ids (``node_id``); without them, by the CURIEs' local parts.

    Returns
    -------
    One ``OrientedRow`` per row.
    """
    if taxonomy == mapping_set.object_source:
        rows = mapping_set.rows
    elif taxonomy == mapping_set.subject_source:
        rows = tuple(invert_row(row) for row in mapping_set.rows)
    else:
        raise ValueError(
            f"mapping set {mapping_set.mapping_set_id} maps "
            f"{mapping_set.subject_source} onto {mapping_set.object_source}, "
            f"not {taxonomy}"
        )
    other = other_taxonomy(mapping_set, taxonomy)

    def item(curie: str, source: str) -> str:
        local = local_id(curie)
        return local if ids is None else node_id(local, source, ids)

    return [
        OrientedRow(
            item(row.subject_id, other),
            row.predicate_id,
            item(row.object_id, taxonomy),
            row.confidence,
            row,
        )
        for row in rows
    ]


def other_taxonomy(mapping_set: MappingSet, taxonomy: str) -> str:
    """The taxonomy a set maps ``taxonomy`` onto (ValueError if it touches none).

    >>> other_taxonomy(MappingSet("x", "atlas", "layerwise"), "layerwise")
    'atlas'
    """
    if taxonomy == mapping_set.object_source:
        return mapping_set.subject_source
    if taxonomy == mapping_set.subject_source:
        return mapping_set.object_source
    raise ValueError(
        f"mapping set {mapping_set.mapping_set_id} does not map {taxonomy}"
    )
