"""Imports of external catalogues (MITRE ATLAS, STIX 2.1 bundles, AI Atlas
Nexus): a file parsed and checked, then written as one taxonomy, all or
nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from taxonomy.domain import rules
from taxonomy.domain.changes import ChangeSet
from taxonomy.domain.errors import InterchangeError, RemovalsRefused
from taxonomy.domain.kinds import KINDS, record_key
from taxonomy.domain.records import Taxonomy
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
from taxonomy.formats.stix import stix_parse
from taxonomy.graph import repository
from taxonomy.services.audited import By


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
        by = By(actor, channel, comment)
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
