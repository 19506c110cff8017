"""API tokens: stored only as a hash, shown once, rotated and revoked; var/ private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from graphapi.models import APIToken

NEW_THREAT = {"id": "deepfake-fraud", "name": "Deepfake fraud"}
OLD_KEY = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def bot(db) -> User:
    user = User.objects.create_user("bot")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


def _issue(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _writes(key: str) -> int:
    return _client(key).post("/api/v1/threats/", NEW_THREAT, format="json").status_code


def _every_stored_value() -> str:
    """Every row of every table of the database, as one text."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows += [repr(row) for row in cursor.fetchall()]
    return "\n".join(rows)


def test_the_database_holds_no_usable_key(bot):
    key = _issue("bot")
    assert len(key) >= 40
    stored = _every_stored_value()
    assert key not in stored
    assert key[8:] not in stored
    token = APIToken.objects.get(user=bot)
    assert token.digest != key and len(token.digest) == 64


def test_a_presented_key_authenticates_and_is_marked_used(seeded_graph, bot):
    key = _issue("bot")
    assert APIToken.objects.get(user=bot).last_used is None
    assert _writes(key) == 201
    assert APIToken.objects.get(user=bot).last_used is not None


@pytest.mark.parametrize(
    "wrong", ["not-a-token", "{prefix}" + "x" * 35, "{key}x", "{key_upper}"]
)
def test_a_wrong_key_is_a_401(seeded_graph_read_only, bot, wrong):
    key = _issue("bot")
    presented = wrong.format(prefix=key[:8], key=key, key_upper=key.swapcase())
    response = _client(presented).get("/api/v1/threats/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_revoked_token_is_a_401(seeded_graph_read_only, bot):
    key = _issue("bot")
    _issue("bot", "--revoke")
    assert not APIToken.objects.filter(user=bot).exists()
    assert _writes(key) == 401


def test_rotating_makes_the_old_key_a_401_and_the_new_one_work(seeded_graph, bot):
    old = _issue("bot")
    new = _issue("bot", "--rotate")
    assert new != old
    assert _writes(old) == 401
    assert _writes(new) == 201


def test_a_deleted_or_inactive_user_s_token_is_a_401(seeded_graph_read_only, bot):
    key = _issue("bot")
    bot.is_active = False
    bot.save()
    assert _writes(key) == 401
    bot.delete()
    assert _writes(key) == 401
    assert not APIToken.objects.exists()


def test_a_second_token_needs_rotate_because_the_key_is_shown_once(bot):
    _issue("bot")
    with pytest.raises(CommandError, match="--rotate"):
        _issue("bot")


def test_revoking_a_token_that_does_not_exist_says_so(bot):
    with pytest.raises(CommandError, match="bot has no API token"):
        _issue("bot", "--revoke")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_old_keys_working_and_drops_them_in_plain_text():
    executor = MigrationExecutor(connection)
    executor.migrate([("graphapi", "0001_initial")])
    user = User.objects.create_user("legacy")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [OLD_KEY, "2025-01-02 03:04:05", user.pk],
        )
    MigrationExecutor(connection).migrate([("graphapi", "0002_hash_authtoken_keys")])
    assert "authtoken_token" not in connection.introspection.table_names()
    assert OLD_KEY not in _every_stored_value()
    token = APIToken.objects.matching(OLD_KEY)
    assert token.user == user
    assert token.created.year == 2025


def test_var_and_the_sqlite_file_are_created_private(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["LAYERWISE_VAR_DIR"] = str(var)
    subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    assert _mode(var) == 0o700
    assert _mode(var / "layerwise.sqlite3") == 0o600
    assert _mode(var / "secret_key") == 0o600


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
