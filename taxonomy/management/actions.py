"""Commands of several actions: ``manage.py taxonomy load``, ``mappings export`` ..."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from taxonomy.domain.errors import GraphError


class ActionCommand(BaseCommand):
    """A command whose subcommand (``dest="action"``) runs its method
    ``_<action>`` with the options; a GraphError becomes a CommandError."""

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except GraphError as e:
            raise CommandError(str(e)) from e
