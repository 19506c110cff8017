"""Load SSSOM mapping sets (crosswalks between taxonomies) and export them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from taxonomy import services
from taxonomy.domain.errors import GraphError, MappingFileError
from taxonomy.formats.sssom import write_sssom
from taxonomy.selectors.mappings import mapping_set_detail, mapping_set_list


def mappings_dir() -> Path:
    """Where the project's own mapping sets live: fixtures/mappings/."""
    return settings.FIXTURES_DIR / "mappings"


def report_load(command: BaseCommand, paths: list[Path], comment: str = "") -> None:
    """Load the sets at ``paths`` and say what was loaded and what skipped;
    a CommandError names every problem of a refused file (nothing written)."""
    try:
        report = services.mappings_load(paths=paths, comment=comment)
    except MappingFileError as e:
        for problem in e.problems:
            command.stderr.write(str(problem))
        raise CommandError(
            f"{len(e.problems)} problem(s) in the mapping sets; none was written"
        ) from e
    for mapping_set in report.loaded:
        command.stdout.write(
            f"Mapping set {mapping_set.mapping_set_id}: {len(mapping_set.rows)} rows, "
            f"{mapping_set.subject_source} onto {mapping_set.object_source}"
        )
    for path, reason in report.skipped:
        command.stdout.write(
            f"Skipped {path}: {reason}; load it with `manage.py mappings load` "
            "once that taxonomy is imported"
        )


class Command(BaseCommand):
    help = (
        "SSSOM mapping sets: load [PATH ...] (files or folders of *.sssom.tsv; "
        "default fixtures/mappings/), export ID [--out FILE], list."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="check every file, then write each set")
        load.add_argument("paths", nargs="*", type=Path)
        load.add_argument("--comment", default="", help="why, for the audit log")
        export = sub.add_parser("export", help="one set as canonical SSSOM/TSV")
        export.add_argument("mapping_set_id")
        export.add_argument("--out", type=Path)
        sub.add_parser("list", help="the stored sets, their taxonomies and rows")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except GraphError as e:
            raise CommandError(str(e)) from e

    def _load(self, paths=(), comment="", **options):
        report_load(self, list(paths) or [mappings_dir()], comment)

    def _export(self, mapping_set_id, out=None, **options):
        text = write_sssom(mapping_set_detail(mapping_set_id=mapping_set_id))
        if out is None:
            self.stdout.write(text, ending="")
        else:
            out.write_text(text)
            self.stdout.write(f"Wrote {out}")

    def _list(self, **options):
        for mapping_set in mapping_set_list():
            self.stdout.write(
                f"{mapping_set.mapping_set_id}\t{mapping_set.subject_source} -> "
                f"{mapping_set.object_source}\t{len(mapping_set.rows)} rows"
            )
