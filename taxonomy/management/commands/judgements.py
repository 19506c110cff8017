"""Bring judges' judgements in from a file, or write them out (issue 27).

``import FILE`` reads CSV or the canonical JSON (``formats.judgements``) and
writes through the service the API's import uses (``taxonomy.judgements``):
all or nothing, every write audited. ``export`` writes what the API's export
gives the same reader. Who the command acts as: ``--as USERNAME`` (an
editor), else nobody's account, audited as ``judgements import (FILE)``; an
editor's own judgements are theirs alone to give, so without ``--as`` a file
may carry only external experts' answers. The export keeps the rounds'
secrecy: answers of a round still open are left out unless ``--as`` names
someone who may see them. docs/import-export.md says why.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from taxonomy.domain.errors import InterchangeError
from taxonomy.editors import is_editor
from taxonomy.formats import judgements as files
from taxonomy.judgements import judgements_import
from taxonomy.management.progress import Progress
from taxonomy.selectors import panels as selectors
from taxonomy.selectors.rounds import open_rounds

FORMATS = ("csv", "json")
# The service names a judgement it refuses by its position in the file, from 1.
POSITION = re.compile(r"^judgement (\d+) ")


def placed(problems: list[str], places: list[str]) -> list[str]:
    """The service's problems with each judgement's position as its place.

    >>> placed(["judgement 2 (Ada on m->t): no source 'x'", "other"], ["f:2", "f:3"])
    ["f:3: judgement (Ada on m->t): no source 'x'", 'other']
    """

    def where(problem: str) -> str:
        found = POSITION.match(problem)
        if found is None or int(found[1]) > len(places):
            return problem
        return f"{places[int(found[1]) - 1]}: judgement {problem[found.end() :]}"

    return [where(p) for p in problems]


class Command(BaseCommand):
    help = (
        "Judges' judgements of MITIGATES links: import FILE [--dry-run] "
        "(CSV or the canonical JSON, all or nothing, audited), export "
        "[--format csv|json] [-o FILE] (a round's answers only once they are "
        "public, or to whom --as names). --as USERNAME: act as that editor."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "import", help="check every judgement, then write them all or none"
        )
        load.add_argument("file", type=Path)
        load.add_argument(
            "--format", choices=FORMATS, help="default: from the file's suffix"
        )
        load.add_argument(
            "--dry-run", action="store_true", help="check and count; write nothing"
        )
        out = sub.add_parser("export", help="every judgement the reader may see")
        out.add_argument("--format", choices=FORMATS, default="csv")
        out.add_argument("-o", "--out", type=Path, help="default: standard output")
        for each in (load, out):
            each.add_argument(
                "--as",
                dest="username",
                help="the editor the command acts as (the audit names them)",
            )

    def handle(self, *args, action, username=None, **options):
        user = _editor(username) if username else None
        getattr(self, f"_{action}")(user=user, **options)

    def _import(self, *, user, file: Path, format=None, dry_run=False, **options):
        kind = format or file.suffix.lstrip(".").lower()
        if kind not in FORMATS:
            raise CommandError(f"{file}: give --format csv or json")
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                f"{file}: cannot be read as UTF-8 text ({error})"
            ) from error
        before = {j["name"] for j in selectors.judges_list()}
        try:
            if kind == "csv":
                found, judges = files.judgements_read_csv(text, name=str(file)), []
            else:
                found, judges = files.judgements_read_json(text, name=str(file))
            self.stdout.write(f"Read {len(found)} judgements from {file}")
            # The service writes all or nothing; a dry run is that write undone.
            with transaction.atomic():
                written = judgements_import(
                    judgements=found,
                    judges=judges,
                    actor=user or f"judgements import ({file.name})",
                    channel="import",
                    progress=Progress(self.stderr, "checked or written", "steps"),
                )
                recorded = {j["name"] for j in selectors.judges_list()} - before
                transaction.set_rollback(dry_run)
        except InterchangeError as error:
            # A refusal of the service names judgements by position: the
            # file was read whole, so each has a place.
            read = any(POSITION.match(p) for p in error.problems)
            places = files.judgement_places(text, kind, str(file)) if read else []
            for problem in placed(error.problems, places):
                self.stderr.write(problem)
            raise CommandError(
                f"{len(error.problems)} problem(s) in {file}; nothing was written"
            ) from error
        verb = "Would write" if dry_run else "Wrote"
        self.stdout.write(
            f"{verb} {written} judgements, recording {len(recorded)} new "
            f"judge{'s' if len(recorded) != 1 else ''}"
            + ("; nothing was written" if dry_run else "")
        )

    def _export(self, *, user, format="csv", out=None, **options):
        found = selectors.judgements_list(viewer=user)
        if format == "csv":
            text = files.judgements_write_csv(found)
        else:
            judges = [
                {"name": j["name"], "affiliation": j["affiliation"]}
                for j in selectors.judges_list()
            ]
            text = files.judgements_write_json(found, judges) + "\n"
        if out is None:
            self.stdout.write(text, ending="")
        else:
            out.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {len(found)} judgements to {out}")
        secret = open_rounds()
        if secret:
            self.stderr.write(
                f"{len(secret)} round(s) still open ({', '.join(sorted(secret))}): "
                "their answers are in the file only where the reader may see them"
            )


def _editor(username: str):
    """The editor account ``--as`` names, else a CommandError."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not is_editor(user):
        raise CommandError(f"--as {username}: no editor account of that name")
    return user
