"""Load SSSOM mapping sets (crosswalks between taxonomies) and export them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from taxonomy import services
from taxonomy.domain.errors import MappingFileError
from taxonomy.domain.mappings import MappingSet
from taxonomy.formats.sssom import write_sssom
from taxonomy.management.actions import ActionCommand
from taxonomy.selectors.mappings import mapping_set_detail, mapping_set_list
from taxonomy.web.present.crosswalks import catalogue_title


def mappings_dir() -> Path:
    """Where the project's own mapping sets live: fixtures/mappings/."""
    return settings.FIXTURES_DIR / "mappings"


def _plural(n: int, word: str) -> str:
    """``n`` ``word``s in words.

    >>> _plural(1, "row"), _plural(72, "row")
    ('1 row', '72 rows')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _joins(mapping_set: MappingSet) -> str:
    """The two catalogues a set joins, as readers know them.

    >>> _joins(MappingSet("x", "atlas", "layerwise"))
    'MITRE ATLAS onto our threats'
    """
    subject, obj = mapping_set.subject_source, mapping_set.object_source
    return f"{catalogue_title(subject)} onto {catalogue_title(obj)}"


def _described(mapping_set: MappingSet) -> list[str]:
    """A set's lines: its title, its id, its rows and the catalogues it joins."""
    title = mapping_set.mapping_set_title or _joins(mapping_set)
    return [
        f'Mapping set "{title}"',
        f"  set id: {mapping_set.mapping_set_id}",
        f"  {_plural(len(mapping_set.rows), 'row')}, {_joins(mapping_set)}",
    ]


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
    for mapping_set, file in zip(report.loaded, report.files, strict=True):
        first, *rest = _described(mapping_set)
        command.stdout.write(f"Loaded {first[0].lower()}{first[1:]}")
        command.stdout.write(f"  from {file}")
        for line in rest:
            command.stdout.write(line)
    for path, reason in report.skipped:
        command.stdout.write(
            f"Skipped {path}: {reason}; import that catalogue, then run "
            "`manage.py mappings load` again"
        )
    rows = sum(len(s.rows) for s in report.loaded)
    command.stdout.write(
        f"Loaded: {_plural(len(report.loaded), 'mapping set')} "
        f"({_plural(rows, 'row')}), {len(report.skipped)} skipped"
    )


class Command(ActionCommand):
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
        sets = mapping_set_list()
        for mapping_set in sets:
            for line in _described(mapping_set):
                self.stdout.write(line)
        if not sets:
            self.stdout.write(
                "No mapping set in the graph; load one with `manage.py mappings load`"
            )
