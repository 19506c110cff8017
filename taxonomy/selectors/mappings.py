"""Reads of mapping sets (SSSOM crosswalks between taxonomies, issue 26)."""

from __future__ import annotations

from taxonomy.domain.errors import NotFound
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.graph import repository


def mapping_set_list(*, taxonomy: str | None = None) -> list[MappingSet]:
    """Every stored mapping set with its rows, by id; with ``taxonomy`` only
    the sets that join it (on either side)."""
    return [
        s
        for s in repository.mapping_sets_read()
        if taxonomy in (None, s.subject_source, s.object_source)
    ]


def mapping_set_detail(*, mapping_set_id: str) -> MappingSet:
    """One stored set with its rows (NotFound otherwise)."""
    found = repository.mapping_sets_read(mapping_set_id)
    if not found:
        raise NotFound("mapping_set", mapping_set_id)
    return found[0]


def mapping_row_detail(*, mapping_set_id: str, key: str) -> MappingRow:
    """One row of a set by its key ``subject_id->object_id`` (NotFound otherwise)."""
    for row in mapping_set_detail(mapping_set_id=mapping_set_id).rows:
        if row.key == key:
            return row
    raise NotFound("mapping", key)
