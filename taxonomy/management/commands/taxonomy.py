"""Validate, load and export the taxonomy fixtures; set up the graph schema."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_slug

from taxonomy import revisions, selectors, services
from taxonomy.analysis.model import CLASSES
from taxonomy.domain.errors import FixtureError
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.domain.scenario import DEPENDENCES
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.management.actions import ActionCommand
from taxonomy.management.commands.mappings import report_load
from taxonomy.management.progress import Progress, write_line
from taxonomy.selectors import comparison as review
from taxonomy.selectors.coverage import coverage_scenario


class Command(ActionCommand):
    help = (
        "Curate the taxonomy as YAML fixtures: validate [PATH], load [PATH] "
        "[--dry-run] [--prune] [--if-empty], export [--format yaml|json] [--out PATH], "
        "schema (create Neo4j constraints and indexes), diff OLD NEW [--format "
        "text|json], tag NAME [--comment C] [--force], tags."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser(
            "validate", help="check fixtures; file:line: message per problem"
        )
        validate.add_argument("path", nargs="?", type=Path)
        load = sub.add_parser(
            "load", help="validate, then write the fixtures in one transaction"
        )
        load.add_argument("path", nargs="?", type=Path)
        load.add_argument(
            "--dry-run", action="store_true", help="print the changes, write nothing"
        )
        load.add_argument(
            "--prune", action="store_true", help="delete graph items the fixtures lack"
        )
        load.add_argument(
            "--if-empty", action="store_true", help="load only into an empty graph"
        )
        load.add_argument("--comment", default="", help="why, for the audit log")
        export = sub.add_parser(
            "export", help="write the graph as fixtures (yaml) or one JSON document"
        )
        export.add_argument("--format", choices=["yaml", "json"], default="yaml")
        export.add_argument(
            "--out",
            type=Path,
            help="yaml: a folder (default fixtures/); json: a file (default stdout)",
        )
        export.add_argument(
            "--taxonomy",
            default=DEFAULT_TAXONOMY,
            metavar="NAME",
            help="the taxonomy to export (default: the seed, layerwise)",
        )
        sub.add_parser(
            "schema", help="create constraints and the full-text index (idempotent)"
        )
        diff = sub.add_parser(
            "diff",
            help="items added, removed, changed and the coverage impact between two fixture trees",
        )
        diff.add_argument("old", type=Path)
        diff.add_argument("new", type=Path)
        diff.add_argument("--format", choices=["text", "json"], default="text")
        diff.add_argument(
            "--dependence",
            choices=DEPENDENCES,
            help="how mitigations fail together in the coverage compared "
            "(default independent)",
        )
        diff.add_argument(
            "--fail-on",
            metavar="CLASS[,CLASS]",
            help="exit 1 when a threat moves into one of these classes",
        )
        tag = sub.add_parser(
            "tag", help="name the current state of the graph (a named revision)"
        )
        tag.add_argument("name")
        tag.add_argument("--comment", default="", help="why this state matters")
        tag.add_argument(
            "--force", action="store_true", help="move an existing name here"
        )
        sub.add_parser("tags", help="list the named revisions")

    def _path(self, path: Path | None) -> Path:
        return path if path is not None else settings.FIXTURES_DIR

    def _validate(self, path=None, **options):
        path = self._path(path)
        problems = fixtures_yaml.validate_path(path)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {path}")
        self.stdout.write(f"{path}: OK")

    def _load(self, path=None, dry_run=False, prune=False, if_empty=False, **options):
        path = self._path(path)
        # The mapping sets of a fixtures folder (mappings/*.sssom.tsv) load
        # after its taxonomy; a malformed one stops the load before anything
        # is written.
        crosswalks: Path | None = path / "mappings"
        if crosswalks.is_dir():
            try:
                services.mappings_check(paths=[crosswalks])
            except FixtureError as e:
                raise self._refused(e, crosswalks) from e
        else:
            crosswalks = None
        try:
            audited = {
                "actor": f"taxonomy load ({path.name or path})",
                "channel": "fixtures",
                "comment": options.get("comment", ""),
            }
            if if_empty:
                result = services.taxonomy_load_if_empty(path=path, **audited)
                if result is None:
                    self.stdout.write(
                        "The graph already holds a taxonomy; not loading fixtures."
                    )
                    return
            else:
                result = services.taxonomy_load(
                    path=path,
                    dry_run=dry_run,
                    prune=prune,
                    progress=Progress(self.stderr, "written", "changes"),
                    **audited,
                )
        except FixtureError as e:
            raise self._refused(e, path) from e
        for change in result.changes.changes:
            self.stdout.write(change.describe())
        verb = "Would apply" if dry_run else "Applied"
        self.stdout.write(
            f"{verb}: {result.changes.summary()} (graph revision {result.revision})"
            + ("; nothing was written" if dry_run else "")
        )
        if not dry_run and result.write is not None:
            self.stdout.write(write_line(result.write))
        if not dry_run and crosswalks is not None:
            report_load(self, [crosswalks], options.get("comment", ""))

    def _refused(self, error: FixtureError, where: Path) -> CommandError:
        """Each problem of fixtures refused whole, on stderr; the error to
        raise, which says that nothing was written."""
        for problem in error.problems:
            self.stderr.write(str(problem))
        return CommandError(
            f"{len(error.problems)} problem(s) in {where}; nothing was written"
        )

    def _export(self, format="yaml", out=None, taxonomy=DEFAULT_TAXONOMY, **options):
        snapshot = selectors.taxonomy_snapshot(taxonomy=taxonomy)
        if format == "json":
            text = document_json.export_json(snapshot)
            if out is None:
                self.stdout.write(text, ending="")
            else:
                out.write_text(text, encoding="utf-8")
                self.stdout.write(f"Wrote {out}")
            return
        dest = out if out is not None else settings.FIXTURES_DIR
        changed = fixtures_yaml.export_yaml(
            snapshot, dest=dest, base=settings.FIXTURES_DIR
        )
        for path in changed:
            self.stdout.write(f"Wrote {path}")
        if not changed:
            self.stdout.write(f"{dest}: already up to date")

    def _schema(self, **options):
        names = services.schema_apply()
        self.stdout.write(
            f"Schema ready: {', '.join(names)} (Neo4j {selectors.server_version()})"
        )

    def _diff(self, old, new, format="text", fail_on=None, dependence=None, **options):
        fail_on = _classes(fail_on)
        sides = []
        for path in (old, new):
            try:
                sides.append(fixtures_yaml.load_fixtures(path))
            except FixtureError as e:
                for problem in e.problems:
                    self.stderr.write(str(problem))
                raise CommandError(
                    f"{len(e.problems)} problem(s) in {path}", returncode=2
                ) from e
        comparison = review.taxonomy_comparison(
            *sides,
            old_name=str(old),
            new_name=str(new),
            scenario=coverage_scenario(dependence=dependence),
        )
        render = review.render_json if format == "json" else review.render_text
        self.stdout.write(render(comparison), ending="")
        failing = [
            c["id"] for c in comparison["coverage"]["changed"] if c["to"] in fail_on
        ]
        if failing:
            raise CommandError(
                f"{len(failing)} threat(s) move into {', '.join(fail_on)}: {', '.join(failing)}",
                returncode=1,
            )

    def _tag(self, name, comment="", force=False, **options):
        try:
            validate_slug(name)
            revision = revisions.revision_tag(
                name=name, comment=comment, actor="taxonomy tag", force=force
            )
        except (ValidationError, revisions.RevisionError) as e:
            raise CommandError(" ".join(getattr(e, "messages", [str(e)]))) from e
        self.stdout.write(
            f"Tagged graph revision {revision.graph_revision} as {revision.name!r}"
        )

    def _tags(self, **options):
        for r in revisions.revision_list():
            comment = f"  {r.comment}" if r.comment else ""
            self.stdout.write(
                f"{r.name:<24} graph revision {r.graph_revision:<6} "
                f"{r.created_at:%Y-%m-%d %H:%M} {r.created_by_name}{comment}"
            )


def _classes(value: str | None) -> list[str]:
    """``--fail-on``'s comma list of coverage classes, each checked."""
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    unknown = [n for n in names if n not in CLASSES]
    if unknown:
        raise CommandError(
            f"unknown class: {', '.join(unknown)} (use {', '.join(CLASSES)})",
            returncode=2,
        )
    return names
