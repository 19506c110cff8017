"""Restore a file of ``manage.py backup``: the graph, then the audit table from it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taxonomy.backups import backup_restore
from taxonomy.domain.errors import BackupError, GraphError
from taxonomy.management.progress import Progress


class Command(BaseCommand):
    help = (
        "Restore FILE (made by `manage.py backup`): into an empty graph, or with "
        "--replace in place of everything the graph holds. A large file is "
        "restored as a staged load (bounded transactions, readers seeing the old "
        "graph until one small switch). A file that is cut or damaged is refused "
        "and nothing changes. The audit table is then rebuilt from the restored "
        "journal."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, metavar="FILE")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace what the graph holds (refused otherwise)",
        )

    def handle(self, *args, path: Path, replace: bool, **options):
        try:
            counts = backup_restore(
                path, replace=replace, progress=Progress(self.stderr, "wrote", "items")
            )
        except (BackupError, GraphError) as e:
            raise CommandError(f"nothing restored: {e}") from e
        self.stdout.write(
            f"Restored {path}: {counts['nodes']:,} nodes, "
            f"{counts['relationships']:,} relationships; audit table rebuilt "
            f"({counts['audit entries']:,} entries)"
        )
