"""Users and logged-in browser clients for the editing and history tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client


def _user(name: str, group: str | None) -> User:
    user = User.objects.create_user(name, password="correct horse battery")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def ada(db) -> User:
    """A member of the editors group."""
    return _user("ada", "editors")


@pytest.fixture
def editor_client(ada) -> Client:
    """A browser session logged in as the editor ada."""
    client = Client()
    client.force_login(ada)
    return client


@pytest.fixture
def second_editor_client(db) -> Client:
    """Another editor's session, for concurrent edits."""
    client = Client()
    client.force_login(_user("grace", "editors"))
    return client


@pytest.fixture
def viewer_client(db) -> Client:
    """A session of a user in the viewers group (may read, not write)."""
    client = Client()
    client.force_login(_user("vera", "viewers"))
    return client
