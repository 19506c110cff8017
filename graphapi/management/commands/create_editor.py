"""Create a user (if needed) and put them in the editors group."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from taxonomy.editors import EDITORS


class Command(BaseCommand):
    help = (
        "Create USERNAME if it does not exist and add them to the editors group, who "
        "may change the taxonomy. --password-from-env VAR sets the password from the "
        "environment variable VAR (without it a new user can only use an API token)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password-from-env", metavar="VAR")

    def handle(self, *args, username, password_from_env=None, **options):
        password = None
        if password_from_env:
            password = os.environ.get(password_from_env)
            if not password:
                raise CommandError(
                    f"the environment variable {password_from_env} is not set"
                )
        user, created = get_user_model().objects.get_or_create(username=username)
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {username}; member of {EDITORS}")
