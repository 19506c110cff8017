"""Print the API token of a user (created on first use)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Print the REST API token of USERNAME, creating it if needed; send it as "
        "'Authorization: Token <token>'. --rotate replaces an existing token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="replace the existing token"
        )

    def handle(self, *args, username, rotate=False, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(
                f"no user {username!r}; create one with: manage.py create_editor {username}"
            ) from None
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
