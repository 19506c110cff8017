"""Validate, load and export the taxonomy fixtures; set up the graph schema."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from taxonomy import fixtures, selectors, services
from taxonomy.graph.records import DEFAULT_TAXONOMY
from taxonomy.graph.repository import GraphError


class Command(BaseCommand):
    help = (
        "Curate the taxonomy as YAML fixtures: validate [PATH], load [PATH] "
        "[--dry-run] [--prune] [--if-empty], export [--format yaml|json] [--out PATH], "
        "schema (create Neo4j constraints and indexes)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check fixtures; file:line: message per problem")
        validate.add_argument("path", nargs="?", type=Path)
        load = sub.add_parser("load", help="validate, then write the fixtures in one transaction")
        load.add_argument("path", nargs="?", type=Path)
        load.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
        load.add_argument("--prune", action="store_true", help="delete graph items the fixtures lack")
        load.add_argument("--if-empty", action="store_true", help="load only into an empty graph")
        export = sub.add_parser("export", help="write the graph as fixtures (yaml) or one JSON document")
        export.add_argument("--format", choices=["yaml", "json"], default="yaml")
        export.add_argument("--out", type=Path, help="yaml: a folder (default fixtures/); json: a file (default stdout)")
        export.add_argument(
            "--taxonomy",
            default=DEFAULT_TAXONOMY,
            metavar="NAME",
            help="the taxonomy to export (default: the seed, layerwise)",
        )
        sub.add_parser("schema", help="create constraints and the full-text index (idempotent)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except GraphError as e:
            raise CommandError(str(e)) from e

    def _path(self, path: Path | None) -> Path:
        return path if path is not None else settings.FIXTURES_DIR

    def _validate(self, path=None, **options):
        path = self._path(path)
        problems = fixtures.validate_path(path)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {path}")
        self.stdout.write(f"{path}: OK")

    def _load(self, path=None, dry_run=False, prune=False, if_empty=False, **options):
        path = self._path(path)
        try:
            if if_empty:
                result = services.taxonomy_load_if_empty(path=path)
                if result is None:
                    self.stdout.write("The graph already holds a taxonomy; not loading fixtures.")
                    return
            else:
                result = services.taxonomy_load(
                    path=path, dry_run=dry_run, prune=prune, progress=self._progress
                )
        except fixtures.FixtureError as e:
            for problem in e.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(e.problems)} problem(s) in {path}; nothing was written") from e
        for change in result.changes.changes:
            self.stdout.write(change.describe())
        verb = "Would apply" if dry_run else "Applied"
        self.stdout.write(
            f"{verb}: {result.changes.summary()} (graph revision {result.revision})"
            + ("; nothing was written" if dry_run else "")
        )

    def _progress(self, done: int, total: int) -> None:
        if total >= 5000:
            self.stderr.write(f"  written {done}/{total} changes ({100 * done // total}%)")

    def _export(self, format="yaml", out=None, taxonomy=DEFAULT_TAXONOMY, **options):
        snapshot = selectors.taxonomy_snapshot(taxonomy=taxonomy)
        if format == "json":
            text = fixtures.export_json(snapshot)
            if out is None:
                self.stdout.write(text, ending="")
            else:
                out.write_text(text, encoding="utf-8")
                self.stdout.write(f"Wrote {out}")
            return
        dest = out if out is not None else settings.FIXTURES_DIR
        changed = fixtures.export_yaml(snapshot, dest=dest, base=settings.FIXTURES_DIR)
        for path in changed:
            self.stdout.write(f"Wrote {path}")
        if not changed:
            self.stdout.write(f"{dest}: already up to date")

    def _schema(self, **options):
        names = services.schema_apply()
        self.stdout.write(f"Schema ready: {', '.join(names)} (Neo4j {selectors.server_version()})")
