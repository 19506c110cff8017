"""Create, rotate or revoke a user's API token; a new key is printed once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from graphapi.models import APIToken


class Command(BaseCommand):
    help = (
        "Create a REST API token for USERNAME and print its key, once: only a hash "
        "is stored, so it cannot be shown again. Send it as 'Authorization: Token "
        "<key>'. --rotate replaces an existing token; --revoke deletes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--rotate", action="store_true", help="replace the existing token"
        )
        action.add_argument(
            "--revoke", action="store_true", help="delete the token, print nothing"
        )

    def handle(self, *args, username, rotate=False, revoke=False, **options):
        user = _get_user(username)
        existing = APIToken.objects.filter(user=user).first()
        if revoke:
            if existing is None:
                raise CommandError(f"{username} has no API token")
            existing.delete()
            self.stderr.write(f"Revoked the API token of {username}")
            return
        if existing is not None and not rotate:
            raise CommandError(
                f"{username} already has an API token (created "
                f"{existing.created:%Y-%m-%d %H:%M} UTC); its key was shown only "
                "then. --rotate replaces it with a new one."
            )
        self.stdout.write(APIToken.objects.issue(user=user))


def _get_user(username: str):
    """The user called ``username``, or a CommandError saying how to create them."""
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(
            f"no user {username!r}; create one with: manage.py create_editor {username}"
        ) from None
