"""Form values <-> records for the editors' pages: which fields an editor
changes, and records with some of them replaced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from taxonomy.domain.kinds import KINDS, items_of, record_key
from taxonomy.domain.records import Taxonomy

# kind -> the fields an editor changes in its form (ids and versions are not).
EDITABLE = {name: kind.editable for name, kind in KINDS.items() if kind.editable}


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
    return next((r for r in items_of(taxonomy, kind) if record_key(r) == key), None)
