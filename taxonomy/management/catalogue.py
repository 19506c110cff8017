"""The shared body of ``import_atlas`` and ``import_stix``."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError

from taxonomy import services
from taxonomy.domain.errors import (
    GraphError,
    GraphUnavailable,
    InterchangeError,
    RemovalsRefused,
    WriteTooLarge,
)
from taxonomy.domain.kinds import KINDS
from taxonomy.domain.records import STRENGTHS
from taxonomy.formats.common import DEFAULT_STRENGTH, REMOVAL_SHARE, layer_map_parse
from taxonomy.management.progress import Progress, write_line

SHOWN_WARNINGS = 20
SHOWN_CHANGES = 100
COLUMNS = ("created", "updated", "removed", "skipped", "merged")


class CatalogueImportCommand(BaseCommand):
    """Import one file of ``format``; subclasses set ``format`` and ``help``."""

    format = ""

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--layer-map",
            type=Path,
            metavar="FILE",
            help="YAML or JSON {category or mitigation id: layer id}",
        )
        parser.add_argument(
            "--default-strength", choices=STRENGTHS, default=DEFAULT_STRENGTH
        )
        parser.add_argument("--taxonomy", metavar="NAME", help="import under this name")
        parser.add_argument(
            "--dry-run", action="store_true", help="report the changes, write nothing"
        )
        parser.add_argument(
            "--allow-removals",
            action="store_true",
            help=f"import even if it removes more than {REMOVAL_SHARE:.0%}% of a "
            "kind the graph holds of the taxonomy (refused otherwise: a truncated "
            "file?)",
        )

    def import_options(self, path: Path, **options) -> tuple[dict, str]:
        """The service's options of this format, and what to say of them."""
        return {}, ""

    def handle(self, *args, path, layer_map, default_strength, taxonomy, dry_run, **o):
        try:
            options, note = self.import_options(path, **o)
            # The file goes to the parser unread, so a large bundle's text is
            # freed as soon as it is parsed.
            with _open(path) as data:
                result = services.catalogue_import(
                    format=self.format,
                    data=data,
                    taxonomy=taxonomy,
                    layer_map=_layer_map(layer_map),
                    default_strength=default_strength,
                    dry_run=dry_run,
                    allow_removals=o["allow_removals"],
                    progress=Progress(self.stderr, "written", "changes"),
                    actor=f"import_{self.format} ({path.name})",
                    channel="import",
                    **options,
                )
        except InterchangeError as e:
            for problem in e.problems[:50]:
                self.stderr.write(problem)
            raise CommandError(
                f"{path}: cannot be imported; nothing was written"
            ) from e
        except RemovalsRefused as e:
            raise CommandError(f"{path}: {e}") from e
        except (GraphUnavailable, WriteTooLarge) as e:
            # Their messages say themselves what became of the write.
            raise CommandError(str(e)) from e
        except GraphError as e:
            raise CommandError(f"{e}; nothing was written") from e
        if note:
            self.stdout.write(note)
        self._summary(result, verbose=o.get("verbosity", 1) > 1)

    def _summary(
        self, result: services.CatalogueImportResult, *, verbose: bool
    ) -> None:
        report = result.report
        self.stdout.write(f"{report.title} -> taxonomy {report.taxonomy}")
        # What a newer release changed; every creation too with -v 2.
        listed = [c for c in result.changes.changes if verbose or c.action != "create"]
        for change in listed[: None if verbose else SHOWN_CHANGES]:
            self.stdout.write(f"  {change.describe()}")
        if not verbose and len(listed) > SHOWN_CHANGES:
            self.stdout.write(
                f"  ... and {len(listed) - SHOWN_CHANGES} more (-v 2 lists all)"
            )
        rows = [("kind", *COLUMNS)] + [
            (row["kind"], *(str(row[c]) for c in COLUMNS)) for row in result.summary()
        ]
        for row in rows:
            self.stdout.write(f"  {row[0]:<12}" + "".join(f"{c:>9}" for c in row[1:]))
        # What records fold together (a USES link holds several steps).
        for what in sorted({*report.read, *(set(report.skipped) - set(KINDS))}):
            self.stdout.write(
                f"  {what}s: {report.read[what]} imported, "
                f"{report.skipped[what]} skipped"
            )
        if report.ignored:
            ignored = ", ".join(f"{k} {v}" for k, v in sorted(report.ignored.items()))
            self.stdout.write(f"  ignored: {ignored}")
        warnings = report.warnings if verbose else report.warnings[:SHOWN_WARNINGS]
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        if len(warnings) < len(report.warnings):
            more = len(report.warnings) - len(warnings)
            self.stderr.write(f"... and {more} more warnings (-v 2 shows them all)")
        verb = "Would import" if result.dry_run else "Imported"
        self.stdout.write(
            f"{verb}: {result.changes.summary()} (graph revision {result.revision})"
            + ("; nothing was written" if result.dry_run else "")
        )
        if not result.dry_run and result.write is not None:
            self.stdout.write(write_line(result.write))


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as e:
        raise CommandError(f"{path}: cannot read: {e}") from e


def _layer_map(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    with _open(path) as data:
        return layer_map_parse(data.read(), name=str(path))
