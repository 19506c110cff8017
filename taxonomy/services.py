"""Writes to the taxonomy graph: <entity>_<verb>(*, ...)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from taxonomy import audit
from taxonomy.domain import rules
from taxonomy.domain.changes import Change, ChangeSet
from taxonomy.domain.errors import (
    FixtureError,
    InterchangeError,
    InvalidWrite,
    MappingFileError,
    Problem,
    RemovalsRefused,
    UnknownTaxonomy,
)
from taxonomy.domain.kinds import (
    KINDS,
    LINK_KINDS,
    MAPS_TO,
    PROPERTY_LINK_KINDS,
    link_key,
    record_key,
)
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.domain.records import Link, Taxonomy
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.formats.atlas import atlas_parse
from taxonomy.formats.common import (
    DEFAULT_STRENGTH,
    REMOVAL_SHARE,
    ImportReport,
    gc_paused,
    import_summary,
    removal_counts,
    removals_over_limit,
    removals_text,
)
from taxonomy.formats.risk_atlas import risk_atlas_action_files, risk_atlas_parse
from taxonomy.formats.sssom import SUFFIX as SSSOM_SUFFIX
from taxonomy.formats.sssom import check_sssom, id_problems, read_sssom
from taxonomy.formats.stix import stix_parse
from taxonomy.graph import repository
from taxonomy.graph.repository import Versions
from taxonomy.selectors.impact import coverage_impact, taxonomy_merged
from taxonomy.selectors.mappings import mapping_set_detail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    changes: ChangeSet
    revision: int
    dry_run: bool
    # How the write went: one transaction or staged, items/s (``WriteStats``).
    write: repository.WriteStats | None = None


def schema_apply() -> list[str]:
    """Create Neo4j constraints and indexes; safe to run any number of times."""
    return repository.schema_apply()


def taxonomy_load(
    *,
    path: Path,
    dry_run: bool = False,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
    actor: Any = None,
    channel: str | None = None,
    comment: str = "",
    stats: repository.WriteStats | None = None,
) -> LoadResult:
    """Validate the fixtures at ``path`` and write them, all or nothing.

    Raises FixtureError (nothing written) when any file has a problem.
    ``actor``, ``channel`` and ``comment`` are for the audit log (see
    ``taxonomy_apply``).
    """
    desired = fixtures_yaml.load_fixtures(path)
    return taxonomy_apply(
        taxonomy=desired,
        dry_run=dry_run,
        prune=prune,
        progress=progress,
        scope=fixtures_yaml.taxonomy_names(desired),
        actor=actor,
        channel=channel,
        comment=comment,
        stats=stats,
    )


def taxonomy_apply(
    *,
    taxonomy: Taxonomy,
    dry_run: bool = False,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
    scope: str | Collection[str] | None = None,
    actor: Any = None,
    channel: str | None = None,
    comment: str = "",
    stats: repository.WriteStats | None = None,
) -> LoadResult:
    """Make the graph hold ``taxonomy``, all or nothing (one transaction, or a
    staged load when the change set is too large for one; ``stats`` says).

    ``scope`` names the taxonomies compared (and pruned); None compares the
    whole graph, so with ``prune`` it deletes every other taxonomy. With a
    ``channel`` (``fixtures``, ``import``, ``api``) every change is written to
    the audit log as done by ``actor`` (a user, or a description such as
    ``"taxonomy load (fixtures)"``); without one nothing is audited, which
    only tests and benchmarks that fill a throwaway graph should want.
    """
    by = _By(actor, channel, comment)
    stats = stats if stats is not None else repository.WriteStats()
    changes, revision = repository.taxonomy_sync(
        taxonomy,
        prune=prune,
        dry_run=dry_run,
        progress=progress,
        taxonomy=scope,
        journal=by.journal_of_changes(),
        stats=stats,
    )
    if not dry_run:
        by.copied()
    return LoadResult(changes, revision, dry_run, stats)


@dataclass(frozen=True)
class _By:
    """Who writes, through which channel, and why: what the audit log records.

    Without a channel nothing is audited (tests and benchmarks that fill a
    throwaway graph). With one, the repository writes the journal records
    these functions give inside the write's own transaction; afterwards
    ``copied`` brings the audit table (a copy of the journal) up to date.
    """

    actor: Any
    channel: str | None
    comment: str

    def entries(self, changes: ChangeSet | list[Change], revision: int) -> list:
        return audit.journal_entries(
            changes,
            actor=self.actor,
            channel=self.channel,
            comment=self.comment,
            revision=revision,
        )

    def journal_of_changes(self) -> Callable[[ChangeSet, int], list] | None:
        """The journal of a whole-taxonomy write (``repository.taxonomy_sync``)."""
        return None if self.channel is None else self.entries

    def copied(self) -> None:
        """Copy the journal into the audit table, after a write has committed.

        A failure here loses nothing: the records are in the graph, and the
        next read of the log (or ``manage.py audit rebuild``) copies them.
        """
        if self.channel is None:
            return
        try:
            audit.audit_up_to_date()
        except Exception:
            logger.exception("audit table not yet up to date (the journal is)")


def taxonomy_load_if_empty(
    *, path: Path, actor: Any = None, channel: str | None = None, comment: str = ""
) -> LoadResult | None:
    """Load the fixtures only into an empty graph (first ``make run``)."""
    if not repository.graph_is_empty():
        return None
    return taxonomy_load(path=path, actor=actor, channel=channel, comment=comment)


# --- Single-item writes (the REST API's and the browser's) -------------------------
#
# Every write takes the acting user (``actor``, a Django user or None), a
# free-text ``comment`` (the editor's "why") and the ``channel`` it came
# through (``api`` or ``browser``), and records itself in the audit journal
# with the item before and after, in the write's own transaction.
# ``channel=None`` writes without an audit record (tests and benchmarks only).
# ``expected`` is the set of versions the client may overwrite (from If-Match),
# None to overwrite whatever is there. The repository checks it inside the
# write's transaction.


def _audited(
    write: Callable[..., Any],
    action: str,
    kind: str,
    key: Callable[[Any], str] | str,
    by: _By,
    more: Callable[[Any], list[Change]] | None = None,
) -> Any:
    """Run one repository write with its audit record: THE single-item write path.

    ``write(seen=, journal=)`` performs it, fills ``seen`` with what the
    repository saw (the item ``before``, the graph ``revision``; no revision
    when the write changed nothing) and calls ``journal(result)`` inside its
    transaction for the records to store with it. ``key`` is the item's key,
    or a function of the write's result giving it; ``more(result)`` gives
    further changes the write made (a cascading delete's links).
    """
    seen: dict[str, Any] = {}

    def journal(result: Any) -> list:
        if "revision" not in seen:
            return []
        name = key(result) if callable(key) else key
        after = None if action == "delete" else result
        changes = [Change(kind, action, name, seen.get("before"), after)]
        return by.entries(changes + (more(result) if more else []), seen["revision"])

    result = write(seen=seen, journal=None if by.channel is None else journal)
    if "revision" in seen:
        by.copied()
    return result


def node_create(
    *,
    kind: str,
    record: Any,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Create a layer, threat, mitigation or source; return it as stored (version 1).

    Raises AlreadyExists, or InvalidWrite for a mitigation's unknown layer.
    """
    write = partial(repository.node_create, kind=kind, record=record)
    return _audited(write, "create", kind, record_key, _By(actor, channel, comment))


def node_update(
    *,
    kind: str,
    key: str,
    changes: dict[str, Any],
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Change some fields of one node; return it with its new version.

    Raises NotFound, VersionConflict or InvalidWrite (unknown layer).
    """
    write = partial(
        repository.node_update, kind=kind, key=key, changes=changes, expected=expected
    )
    return _audited(write, "update", kind, key, _By(actor, channel, comment))


def node_delete(
    *,
    kind: str,
    key: str,
    expected: Versions = None,
    cascade: bool = False,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> list[dict[str, str]]:
    """Delete one node, refused (StillReferenced) while links involve it unless ``cascade``.

    With ``cascade`` the audit log also gets an entry per link removed with it
    (their ends; a layer's mitigations as deleted mitigations).
    """
    write = partial(
        repository.node_delete, kind=kind, key=key, expected=expected, cascade=cascade
    )
    by = _By(actor, channel, comment)
    return _audited(write, "delete", kind, key, by, partial(cascade_changes, kind, key))


def cascade_changes(kind: str, key: str, links: list[dict[str, str]]) -> list[Change]:
    """The changes a cascading delete of a node made to what linked to it.

    ``links`` is what ``repository.node_delete`` returns.

    >>> [c.describe() for c in cascade_changes("threat", "t", [
    ...     {"kind": "mitigates", "source": "m", "target": "t"}])]
    ['- mitigates m->t']
    """
    changes = []
    for link in links:
        source, target = link["source"], link["target"]
        if link["kind"] == MAPS_TO.name:
            row = {"mapping_set_id": link["set"], "subject": source, "object": target}
            changes.append(
                Change(MAPS_TO.name, "delete", link_key(source, target), row, None)
            )
        elif link["kind"] == "in_layer":
            changes.append(
                Change(
                    "mitigation", "delete", source, {"id": source, "layer": key}, None
                )
            )
        elif "via" in link:
            # A link or node that named the node in a list (sources, tactics).
            field = {"tactics": "tactic", "jurisdictions": "jurisdiction"}.get(
                link["via"], "cites"
            )
            if link["kind"] in PROPERTY_LINK_KINDS:
                kind_of, item = link["kind"], link_key(source, target)
            else:
                kind_of, item = link["via"], source
            changes.append(Change(kind_of, "update", item, {field: key}, {field: None}))
        else:
            ends = LINK_KINDS[link["kind"]].ends
            before = dict(zip(ends, (source, target), strict=True))
            key_of = link_key(source, target)
            changes.append(Change(link["kind"], "delete", key_of, before, None))
    return changes


def property_link_create(
    *,
    kind: str,
    record: Any,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Create one MITIGATES or USES link; InvalidWrite names an unknown end,
    source or tactic, or a step another technique of the incident holds."""
    write = partial(repository.property_link_create, kind=kind, record=record)
    by = _By(actor, channel, comment)
    return _audited(write, "create", kind, record_key, by)


def property_link_update(
    *,
    kind: str,
    source: str,
    target: str,
    changes: dict[str, Any],
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Any:
    """Change the properties of one MITIGATES link (strength, rationale,
    sources) or USES link (steps, tactics, descriptions)."""
    write = partial(
        repository.property_link_update,
        kind=kind,
        source=source,
        target=target,
        changes=changes,
        expected=expected,
    )
    key = link_key(source, target)
    return _audited(write, "update", kind, key, _By(actor, channel, comment))


def link_create(
    *,
    kind: str,
    source: str,
    target: str,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> Link:
    """Create one ENABLES, REQUIRES, INTRODUCES or SUBTYPE_OF link.

    A threat enabling itself, or a REQUIRES or SUBTYPE_OF cycle, is InvalidWrite.
    """
    write = partial(repository.link_create, kind=kind, source=source, target=target)
    key = link_key(source, target)
    return _audited(write, "create", kind, key, _By(actor, channel, comment))


def link_delete(
    *,
    kind: str,
    source: str,
    target: str,
    expected: Versions = None,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
) -> None:
    """Delete one link of any kind."""
    write = partial(
        repository.link_delete,
        kind=kind,
        source=source,
        target=target,
        expected=expected,
    )
    key = link_key(source, target)
    _audited(write, "delete", kind, key, _By(actor, channel, comment))


# --- Import ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    changes: ChangeSet
    revision: int
    dry_run: bool
    impact: dict[str, Any]
    write: repository.WriteStats | None = None


def taxonomy_import(
    *,
    taxonomy: Taxonomy,
    prune: bool = False,
    dry_run: bool = False,
    actor: Any = None,
    comment: str = "",
    channel: str | None = "api",
    progress: Callable[[int, int], None] | None = None,
    stats: repository.WriteStats | None = None,
    settle_in_background: bool = False,
) -> ImportResult:
    """Make the graph hold an already validated taxonomy, all or nothing
    (a staged load settled after this returns with ``settle_in_background``).

    Without ``prune`` the graph keeps what the import does not mention. The
    result after the import is checked inside the write's transaction (a
    REQUIRES or SUBTYPE_OF cycle with what the graph holds raises
    FixtureError and writes nothing). ``impact`` compares the baseline
    coverage before and after.
    """
    seen: dict[str, Taxonomy] = {}

    def validate(current: Taxonomy, changes: ChangeSet) -> None:
        after = taxonomy_merged(current, taxonomy, prune=prune)
        problems = [
            Problem(document_json.DOCUMENT_NAME, 0, m)
            for m in rules.cycle_problems(after)
        ]
        if problems:
            raise FixtureError(problems)
        seen.update(before=current, after=after)

    by = _By(actor, channel, comment)
    stats = stats if stats is not None else repository.WriteStats()
    changes, revision = repository.taxonomy_sync(
        taxonomy,
        prune=prune,
        dry_run=dry_run,
        validate=validate,
        progress=progress,
        stats=stats,
        settle_in_background=settle_in_background,
        # Compare (and prune) only the document's taxonomies, never the others.
        taxonomy=fixtures_yaml.taxonomy_names(taxonomy),
        journal=by.journal_of_changes(),
    )
    if not dry_run:
        by.copied()
    return ImportResult(
        changes,
        revision,
        dry_run,
        coverage_impact(seen["before"], seen["after"]),
        stats,
    )


# --- Import of external catalogues (MITRE ATLAS, STIX 2.1) --------------------------


@dataclass(frozen=True)
class CatalogueImportResult:
    report: ImportReport
    changes: ChangeSet
    revision: int
    dry_run: bool
    write: repository.WriteStats | None = None

    def summary(self) -> list[dict[str, Any]]:
        """Per kind: created, updated, removed, skipped, merged."""
        return import_summary(self.report, self.changes)


CATALOGUE_PARSERS = {
    "atlas": atlas_parse,
    "stix": stix_parse,
    "risk-atlas": risk_atlas_parse,
}


def catalogue_import(
    *,
    format: str,
    data: str | bytes | BinaryIO,
    taxonomy: str | None = None,
    layer_map: Mapping[str, str] | None = None,
    default_strength: str = DEFAULT_STRENGTH,
    dry_run: bool = False,
    allow_removals: bool = False,
    schema: Mapping[str, Any] | None = None,
    catalogue: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    actor: Any = None,
    channel: str | None = None,
    comment: str = "",
    stats: repository.WriteStats | None = None,
    settle_in_background: bool = False,
    actions: Sequence[bytes] | None = None,
) -> CatalogueImportResult:
    """Import a MITRE ATLAS file or a STIX 2.1 bundle as one taxonomy.

    The file is parsed and validated first; then the taxonomy it describes
    replaces what the graph holds of that taxonomy, all or nothing:
    changed items are updated, what the file no longer has is removed, and
    no other taxonomy is touched. ``data`` is the file's content or the
    open file (binary). ``format`` is ``atlas`` or ``stix``;
    ``taxonomy`` the name to import under (ATLAS default ``atlas``; STIX
    default the name the bundle carries). Raises InterchangeError (nothing
    written) for a malformed file or a layer map naming an unknown layer,
    GraphConflict when an id belongs to another taxonomy. With a ``channel``
    every change goes to the audit log (see ``taxonomy_apply``).

    ``schema`` (ATLAS only) is MITRE's JSON Schema of the file: a file failing
    it raises InterchangeError. ``catalogue`` (``risk-atlas`` only, where it
    is required) names the AI Atlas Nexus catalogue the file defines;
    ``actions`` (``risk-atlas`` only) the texts of further files listing its
    actions, by default the installed package's (``risk_atlas_action_files``:
    NIST AI 600-1's suggested actions). Unless ``allow_removals``, an import that
    would remove too large a share of what the graph holds of the taxonomy
    (``common.removals_over_limit``: a truncated file?) raises
    RemovalsRefused inside the write's transaction, so nothing is written; a
    dry run instead reports it among the warnings.
    """
    if format not in CATALOGUE_PARSERS:
        raise InterchangeError(
            [f"unknown import format {format!r} ({', '.join(CATALOGUE_PARSERS)})"]
        )
    if schema is not None and format != "atlas":
        raise InterchangeError(["a schema is checked for ATLAS files only"])
    if (catalogue is not None) != (format == "risk-atlas"):
        raise InterchangeError(["a catalogue is named for risk-atlas files only"])
    options = {"schema": schema} if schema is not None else {}
    if actions is not None and catalogue is None:
        raise InterchangeError(["actions are read for risk-atlas files only"])
    if catalogue is not None:
        options["catalogue"] = catalogue
        options["actions"] = (
            actions
            if actions is not None
            else [p.read_bytes() for p in risk_atlas_action_files(catalogue)]
        )

    def guard(current: Taxonomy, changes: ChangeSet) -> None:
        counts = removal_counts(current, changes)
        over = removals_over_limit(counts)
        if not over or allow_removals:
            return
        message = (
            f"the import would remove {removals_text(counts)} of what the graph "
            f"holds of {report.taxonomy!r}: more than {REMOVAL_SHARE:.0%} of "
            f"the {', '.join(over)} (is the file truncated?). Nothing was "
            "written; to import it anyway allow removals (--allow-removals, "
            "API allow_removals=true)"
        )
        if not dry_run:
            raise RemovalsRefused(message, counts, over)
        report.warnings.insert(0, f"refused unless removals are allowed: {message}")

    with gc_paused():  # hundreds of thousands of records, no cycles among them
        desired, report = CATALOGUE_PARSERS[format](
            data,
            taxonomy=taxonomy,
            layer_map=layer_map,
            default_strength=default_strength,
            **options,
        )
        del data
        _check_limits(desired)
        _check_foreign_layers(desired, report.taxonomy, layer_map or {})
        by = _By(actor, channel, comment)
        stats = stats if stats is not None else repository.WriteStats()
        changes, revision = repository.taxonomy_sync(
            desired,
            prune=True,
            dry_run=dry_run,
            progress=progress,
            taxonomy=report.taxonomy,
            validate=guard,
            # The guard refuses removals: an unchanged file has none.
            unchanged_ok=True,
            journal=by.journal_of_changes(),
            stats=stats,
            settle_in_background=settle_in_background,
        )
    if not dry_run:
        by.copied()
    return CatalogueImportResult(report, changes, revision, dry_run, stats)


def _check_limits(desired: Taxonomy) -> None:
    """Every field within the limits a single write through the API holds to
    (``rules.field_limit_problems``), before anything is written or a dry run
    reports; else InterchangeError naming each item and field."""
    problems = rules.field_limit_problems(desired)
    if problems:
        raise InterchangeError(
            [
                f"{p.kind} {rules.shown(_key_at(desired, p.kind, p.index))}: "
                f"{p.message}"
                for p in problems
            ]
        )


def _key_at(taxonomy: Taxonomy, kind: str, index: int) -> str:
    return record_key(getattr(taxonomy, KINDS[kind].field)[index])


def _check_foreign_layers(
    desired: Taxonomy, name: str, layer_map: Mapping[str, str]
) -> None:
    """Every layer the import does not create must exist in another taxonomy."""
    own = {layer.id for layer in desired.layers}
    wanted = {m.layer for m in desired.mitigations} - own
    if not wanted:
        return
    existing = repository.layer_taxonomies()
    problems = []
    for layer in sorted(wanted):
        if layer not in existing:
            keys = sorted(k for k, v in layer_map.items() if v == layer)
            why = f"layer map {', '.join(map(repr, keys))} -> " if keys else ""
            problems.append(f"{why}unknown layer {layer!r}")
        elif existing[layer] == name:
            problems.append(f"layer {layer!r} is the import's own; the file lacks it")
    if problems:
        raise InterchangeError(problems)


# --- Mapping sets (SSSOM crosswalks between taxonomies, issue 26) ----------------


@dataclass(frozen=True)
class MappingsReport:
    """What ``mappings_load`` did: the sets written, and those skipped because
    a taxonomy they join is not in the graph (each with the reason)."""

    loaded: list[MappingSet]
    skipped: list[tuple[str, str]]


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
) -> MappingSet:
    """Write a whole mapping set (a new one, or one replaced with its rows) in
    one audited transaction; return it as stored."""
    _checked_set(mapping_set, name=mapping_set.mapping_set_id)
    missing = {
        end: [f"no threat of a taxonomy {source!r} in the graph"]
        for end in ("subject_source", "object_source")
        for source in [getattr(mapping_set, end)]
        if not repository.threat_ids(source)
    }
    if missing:
        raise InvalidWrite(missing)
    by, seen = _By(actor, channel, comment), {}

    def journal(result: MappingSet) -> list:
        return by.entries(_set_changes(seen.get("before"), result), seen["revision"])

    result = repository.mapping_set_replace(
        mapping_set,
        create_only=create_only,
        expected=expected,
        seen=seen,
        journal=None if channel is None else journal,
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
    by, seen = _By(actor, channel, comment), {}

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
    by = _By(actor, channel, comment)
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
    ready, skipped, problems = [], [], []
    for file in _sssom_files(paths):
        try:
            ready.append(mapping_set_read_text(text=file.read_text(), name=str(file)))
        except UnknownTaxonomy as e:
            skipped.append((str(file), f"taxonomy {e.name!r} is not in the graph"))
        except MappingFileError as e:
            problems += e.problems
    if problems:
        raise MappingFileError(problems)
    loaded = [
        mapping_set_save(mapping_set=s, actor=actor, channel=channel, comment=comment)
        for s in ready
    ]
    return MappingsReport(loaded, skipped)
