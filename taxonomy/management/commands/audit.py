"""The audit table against the graph's journal: check that they agree, or rebuild it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from taxonomy import audit
from taxonomy.domain.errors import GraphError
from taxonomy.graph import repository
from taxonomy.models import AuditEntry


class Command(BaseCommand):
    help = (
        "The audit log's records are written into the graph by each write's own "
        "transaction; the table the history pages read is a copy. `check` copies "
        "what is missing and compares counts; `rebuild` remakes the copy of the "
        "current graph's journal."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args, action: str, **options):
        try:
            if action == "rebuild":
                copied = audit.audit_rebuild()
                self.stdout.write(f"Rebuilt the audit table: {copied:,} entries")
                return
            copied = audit.audit_catch_up()
            journal = repository.journal_count()
            epoch = repository.journal_epoch()
        except GraphError as e:
            raise CommandError(str(e)) from e
        table = AuditEntry.objects.filter(
            graph_epoch=epoch, position__isnull=False
        ).count()
        self.stdout.write(
            f"journal {journal:,} records, table {table:,} entries "
            f"({copied:,} copied now)"
        )
        if table != journal:
            raise CommandError(
                "the audit table disagrees with the journal: run `audit rebuild`"
            )
