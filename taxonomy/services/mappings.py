"""Mapping sets (SSSOM crosswalks between taxonomies, issue 26): a set or
one of its rows written in one audited transaction, and sets loaded from
files, each checked against the graph first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from taxonomy import audit
from taxonomy.domain.changes import Change
from taxonomy.domain.errors import InvalidWrite, MappingFileError, UnknownTaxonomy
from taxonomy.domain.kinds import MAPS_TO
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.formats.sssom import SUFFIX as SSSOM_SUFFIX
from taxonomy.formats.sssom import check_sssom, id_problems, read_sssom
from taxonomy.graph import repository
from taxonomy.graph.repository import Versions
from taxonomy.selectors.mappings import mapping_set_detail
from taxonomy.services.audited import By


@dataclass(frozen=True)
class MappingsReport:
    """What ``mappings_load`` did: the sets written, and those skipped because
    a taxonomy they join is not in the graph (each with the reason)."""

    loaded: list[MappingSet]
    skipped: list[tuple[str, str]]
    # The file each loaded set was read from, in ``loaded``'s order.
    files: tuple[str, ...] = ()


def _set_summary(mapping_set: MappingSet | None) -> dict[str, Any] | None:
    """A set as its audit record holds it: the metadata and its row count."""
    if mapping_set is None:
        return None
    values = audit.record_values(mapping_set)
    values["rows"] = len(mapping_set.rows)
    return values


def _row_entry(mapping_set_id: str, row: MappingRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {**audit.record_values(row), "mapping_set_id": mapping_set_id}


def _set_changes(before: MappingSet | None, after: MappingSet | None) -> list[Change]:
    """The audit changes of a whole set's write: the set, then each row
    created, changed or deleted."""
    set_id = (after or before).mapping_set_id
    action = "create" if before is None else "delete" if after is None else "update"
    changes = [
        Change("mapping_set", action, set_id, _set_summary(before), _set_summary(after))
    ]
    old = {r.key: r for r in (before.rows if before else ())}
    new = {r.key: r for r in (after.rows if after else ())}
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if (
            a is not None
            and b is not None
            and replace(a, version=0) == replace(b, version=0)
        ):
            continue
        verb = "create" if a is None else "delete" if b is None else "update"
        changes.append(
            Change(
                MAPS_TO.name, verb, key, _row_entry(set_id, a), _row_entry(set_id, b)
            )
        )
    return changes


def _checked_set(mapping_set: MappingSet, *, name: str) -> MappingSet:
    """A set an editor built, refused (MappingFileError) as its file would be."""
    check_sssom(mapping_set, name=name)
    return mapping_set


def mapping_set_read_text(*, text: str, name: str) -> MappingSet:
    """The mapping set of an SSSOM/TSV text, checked against the graph.

    Raises MappingFileError (file:line:column of each problem), or
    UnknownTaxonomy when a taxonomy it joins is not in the graph.
    """
    mapping_set, positions = read_sssom(text, name=name)
    ids = {}
    for source in (mapping_set.subject_source, mapping_set.object_source):
        ids[source] = repository.threat_ids(source)
        if not ids[source]:
            raise UnknownTaxonomy(source, repository.taxonomy_counts())
    problems = id_problems(
        mapping_set,
        positions,
        name=name,
        subject_ids=ids[mapping_set.subject_source],
        object_ids=ids[mapping_set.object_source],
    )
    if problems:
        raise MappingFileError(problems)
    return mapping_set


def mapping_set_save(
    *,
    mapping_set: MappingSet,
    create_only: bool = False,
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
    checked: bool = False,
    stats: repository.WriteStats | None = None,
) -> MappingSet:
    """Write a whole mapping set (a new one, or one replaced with its rows),
    all or nothing and audited (one transaction, or a staged load past
    ``LAYERWISE_STAGED_WRITE_ITEMS`` rows: ``stats`` says); return it as
    stored. ``checked``: the set is already checked as this would check it
    (``mapping_set_read_text`` returned it: the strict reader's checks)."""
    if not checked:
        _checked_set(mapping_set, name=mapping_set.mapping_set_id)
    missing = {
        end: [f"no threat of a taxonomy {source!r} in the graph"]
        for end in ("subject_source", "object_source")
        for source in [getattr(mapping_set, end)]
        if not repository.threat_ids(source)
    }
    if missing:
        raise InvalidWrite(missing)
    by, seen = By(actor, channel, comment), {}

    def journal(result: MappingSet) -> list:
        return by.entries(_set_changes(seen.get("before"), result), seen["revision"])

    result = repository.mapping_set_replace(
        mapping_set,
        create_only=create_only,
        expected=expected,
        seen=seen,
        journal=None if channel is None else journal,
        stats=stats,
    )
    by.copied()
    return result


def mapping_set_update(
    *,
    mapping_set_id: str,
    changes: dict[str, Any],
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> MappingSet:
    """Change some metadata of a set (``kinds.MAPPING_SET_EDITABLE``)."""
    current = mapping_set_detail(mapping_set_id=mapping_set_id)
    changed = replace(current, **changes)
    return mapping_set_save(
        mapping_set=changed,
        expected=expected,
        actor=actor,
        comment=comment,
        channel=channel,
    )


def mapping_set_delete(
    *,
    mapping_set_id: str,
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> None:
    """Delete a set and its rows in one audited transaction."""
    by, seen = By(actor, channel, comment), {}

    def journal(result: MappingSet) -> list:
        return by.entries(_set_changes(result, None), seen["revision"])

    repository.mapping_set_delete(
        mapping_set_id,
        expected=expected,
        seen=seen,
        journal=None if channel is None else journal,
    )
    by.copied()


def mapping_row_save(
    *,
    mapping_set_id: str,
    key: str | None,
    row: MappingRow | None,
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> MappingRow | None:
    """Create (``key`` None), replace or delete (``row`` None) one row of a
    set in one audited transaction. The set with the change must still read
    as a valid SSSOM file (MappingFileError otherwise, nothing written)."""
    current = mapping_set_detail(mapping_set_id=mapping_set_id)
    rows = [r for r in current.rows if r.key != key]
    if row is not None:
        _checked_set(replace(current, rows=(*rows, row)), name=mapping_set_id)
    write = partial(
        repository.mapping_row_write,
        mapping_set_id,
        key=key,
        row=row,
        expected=expected,
    )
    by = By(actor, channel, comment)
    action = "create" if key is None else "delete" if row is None else "update"
    seen: dict[str, Any] = {}

    def journal(result: MappingRow | None) -> list:
        change = Change(
            MAPS_TO.name,
            action,
            (row or seen["before"]).key,
            _row_entry(mapping_set_id, seen.get("before")),
            _row_entry(mapping_set_id, result),
        )
        return by.entries([change], seen["revision"])

    result = write(seen=seen, journal=None if channel is None else journal)
    by.copied()
    return result


def _sssom_files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        files += sorted(path.glob(f"*{SSSOM_SUFFIX}")) if path.is_dir() else [path]
    return files


def mappings_check(*, paths: list[Path]) -> None:
    """Read every SSSOM file at ``paths`` without the graph: MappingFileError
    names every problem (what ``taxonomy load`` checks before writing)."""
    problems = []
    for file in _sssom_files(paths):
        try:
            read_sssom(file.read_text(), name=str(file))
        except MappingFileError as e:
            problems += e.problems
    if problems:
        raise MappingFileError(problems)


def mappings_load(
    *,
    paths: list[Path],
    actor: Any = "mappings load",
    channel: str | None = "fixtures",
    comment: str = "",
) -> MappingsReport:
    """Load SSSOM mapping sets (``*.sssom.tsv`` files or folders of them).

    Every file is read and checked first: one problem in any file and none is
    written (MappingFileError, every problem at its file:line:column). A set
    whose taxonomy is not in the graph (ATLAS before it is imported) is
    skipped and reported; each other set replaces the stored one of its id
    in its own transaction.
    """
    ready, files, skipped, problems = [], [], [], []
    for file in _sssom_files(paths):
        try:
            ready.append(mapping_set_read_text(text=file.read_text(), name=str(file)))
            files.append(str(file))
        except UnknownTaxonomy as e:
            skipped.append(
                (str(file), f"it joins {e.name!r}, a catalogue the graph does not hold")
            )
        except MappingFileError as e:
            problems += e.problems
    if problems:
        raise MappingFileError(problems)
    loaded = [
        mapping_set_save(
            mapping_set=s,
            actor=actor,
            channel=channel,
            comment=comment,
            checked=True,
        )
        for s in ready
    ]
    return MappingsReport(loaded, skipped, tuple(files))
