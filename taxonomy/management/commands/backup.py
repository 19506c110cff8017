"""Back up the whole graph, audit journal included, to one file (``restore`` reads it)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from taxonomy.backups import backup_write
from taxonomy.domain.errors import GraphError
from taxonomy.management.progress import Progress


class Command(BaseCommand):
    help = (
        "Write every node and relationship of the graph (taxonomies, item "
        "versions, revision counter, audit journal) to FILE, gzip JSON lines, "
        "readable by its owner only. Writes wait while it reads, so the file is "
        "one consistent state. Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, metavar="FILE")

    def handle(self, *args, path: Path, **options):
        try:
            counts = backup_write(path, progress=Progress(self.stderr, "read", "items"))
        except (GraphError, OSError) as e:
            raise CommandError(f"backup not written: {e}") from e
        self.stdout.write(
            f"Wrote {path}: {counts['nodes']:,} nodes, "
            f"{counts['relationships']:,} relationships (graph revision "
            f"{counts['revision']})"
        )
