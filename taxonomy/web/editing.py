"""What an edit would change, computed in memory before anything is written.

The browser's forms describe an edit as ``Change`` records; ``edit_impact``
applies them to the current snapshot and compares the baseline coverage
before and after, so an editor sees which threats change class before
saving. ``gap_counts`` is the "closes N gaps, opens M" of that comparison,
shared with ``taxonomy diff``.

A **gap** is a threat that the governance layers do not address even all
together: class ``unmitigated`` or ``insufficient`` (the brief's "The gaps").
A threat that only several layers address together (``defense-in-depth``)
is not a gap; its moves in and out of ``single-layer`` are still listed as
class changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from taxonomy.domain.changes import Change, record_key, taxonomy_with_changes
from taxonomy.domain.records import Link, Mitigates, Taxonomy
from taxonomy.services import coverage_impact

GAP_CLASSES = frozenset({"unmitigated", "insufficient"})
# kind -> the fields an editor changes in its form (ids and versions are not).
EDITABLE = {
    "layer": ("name", "description"),
    "threat": ("name", "description", "sources"),
    "mitigation": ("name", "layer", "maturity", "description", "sources"),
    "source": ("name", "authors", "title", "year", "publisher", "url", "description"),
    "mitigates": ("strength", "rationale", "sources"),
}
NODE_FIELDS = {
    "layer": "layers",
    "threat": "threats",
    "mitigation": "mitigations",
    "source": "sources",
}
LINK_FIELDS = {
    "mitigates": "mitigates",
    "enables": "enables",
    "requires": "requires",
    "introduces": "introduces",
    "subtype": "subtypes",
}


def editable_values(kind: str, record: Any) -> dict[str, Any]:
    """The fields of ``record`` an editor can change, as plain values (lists, not tuples).

    >>> from taxonomy.domain.records import Layer
    >>> editable_values("layer", Layer("hw", "Hardware", "Chips"))
    {'name': 'Hardware', 'description': 'Chips'}
    """
    return {
        name: list(v) if isinstance(v := getattr(record, name), tuple) else v
        for name in EDITABLE[kind]
    }


def tupled(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values as records hold them: lists become tuples.

    >>> tupled({"sources": ["a"], "name": "N"})
    {'sources': ('a',), 'name': 'N'}
    """
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def updated(record: Any, values: Mapping[str, Any]) -> Any:
    """``record`` with some fields replaced (lists stored as tuples)."""
    names = {f.name for f in fields(record)}
    return replace(record, **{k: v for k, v in tupled(values).items() if k in names})


def find(taxonomy: Taxonomy, kind: str, key: str) -> Any | None:
    """The node or link of ``kind`` with ``key`` (a link's is ``"source->target"``)."""
    name = NODE_FIELDS.get(kind) or LINK_FIELDS[kind]
    return next((r for r in getattr(taxonomy, name) if record_key(r) == key), None)


def node_delete_changes(taxonomy: Taxonomy, kind: str, key: str) -> list[Change]:
    """Deleting a node with everything a cascading delete takes with it.

    A threat or mitigation goes with its links; a layer with its mitigations
    (and their links); a source is taken out of every ``sources`` list.

    >>> from taxonomy.domain.records import Layer, Mitigation
    >>> tax = Taxonomy(layers=(Layer("hw", "HW"),),
    ...     mitigations=(Mitigation("m", "M", "hw", "pilot"),))
    >>> [c.describe() for c in node_delete_changes(tax, "layer", "hw")]
    ['- layer hw', '- mitigation m']
    """
    record = find(taxonomy, kind, key)
    changes = [Change(kind, "delete", key, record, None)]
    if kind == "source":
        return changes + _uncited(taxonomy, key)
    gone = {(kind, key)}
    if kind == "layer":
        for m in taxonomy.mitigations:
            if m.layer == key:
                changes.append(Change("mitigation", "delete", m.id, m, None))
                gone.add(("mitigation", m.id))
    for link_kind, name in LINK_FIELDS.items():
        for link in getattr(taxonomy, name):
            if _ends(link_kind, link) & gone:
                changes.append(
                    Change(link_kind, "delete", record_key(link), link, None)
                )
    return changes


def _ends(kind: str, link: Mitigates | Link) -> set[tuple[str, str]]:
    if kind == "mitigates":
        return {("mitigation", link.mitigation), ("threat", link.threat)}
    source_kind, target_kind = {
        "enables": ("threat", "threat"),
        "requires": ("mitigation", "mitigation"),
        "introduces": ("mitigation", "threat"),
        "subtype": ("threat", "threat"),
    }[kind]
    return {(source_kind, link.source), (target_kind, link.target)}


def _uncited(taxonomy: Taxonomy, source: str) -> list[Change]:
    changes = []
    for kind, name in (
        ("threat", "threats"),
        ("mitigation", "mitigations"),
        ("mitigates", "mitigates"),
    ):
        for record in getattr(taxonomy, name):
            if source in record.sources:
                kept = tuple(s for s in record.sources if s != source)
                after = replace(record, sources=kept)
                changes.append(
                    Change(kind, "update", record_key(record), record, after)
                )
    return changes


# --- Coverage impact ---------------------------------------------------------------


@dataclass(frozen=True)
class GapCounts:
    """Threats that stop being a gap (``closed``) and that become one (``opened``).

    A new threat that is a gap counts as opened; a deleted one is in neither.
    """

    closed: tuple[str, ...]
    opened: tuple[str, ...]

    def sentence(self) -> str:
        """``"closes 2 gaps, opens 1"``.

        >>> GapCounts(("a", "b"), ("c",)).sentence()
        'closes 2 gaps, opens 1'
        """
        closes = f"closes {len(self.closed)} gap{'s' if len(self.closed) != 1 else ''}"
        return f"{closes}, opens {len(self.opened)}"


def gap_counts(impact: Mapping[str, Any]) -> GapCounts:
    """The gaps a change closes and opens, from ``services.coverage_impact``'s ``changed``.

    >>> gap_counts({"changed": [
    ...     {"id": "a", "from": "insufficient", "to": "defense-in-depth"},
    ...     {"id": "b", "from": "single-layer", "to": "unmitigated"},
    ...     {"id": "c", "from": None, "to": "unmitigated"},
    ...     {"id": "d", "from": "insufficient", "to": None}]})
    GapCounts(closed=('a',), opened=('b', 'c'))
    """
    closed, opened = [], []
    for change in impact["changed"]:
        was = change["from"] in GAP_CLASSES
        now = change["to"] in GAP_CLASSES
        if was and not now and change["to"] is not None:
            closed.append(change["id"])
        elif now and not was:
            opened.append(change["id"])
    return GapCounts(tuple(closed), tuple(opened))


def edit_impact(taxonomy: Taxonomy, changes: Iterable[Change]) -> dict[str, Any]:
    """The baseline coverage impact of applying ``changes`` to ``taxonomy``.

    Returns ``services.coverage_impact``'s document (class counts before and
    after, each threat whose class changes) plus ``gaps`` (a GapCounts).
    """
    after = taxonomy_with_changes(taxonomy, changes)
    impact = coverage_impact(taxonomy, after)
    return {**impact, "gaps": gap_counts(impact)}
