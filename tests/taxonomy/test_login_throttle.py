"""Login throttling: wrong passwords lock one username from one address out for a while."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _limit(settings):
    """Five failures, as by default, and a fast hasher: these tests log in often."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def grace(db) -> User:
    return User.objects.create_user("grace", password=PASSWORD)


def _login(client: Client, username="ada", password=PASSWORD, **extra):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, **extra
    )


def _fail(client: Client, times: int, username="ada", **extra) -> None:
    for _ in range(times):
        assert _login(client, username, "wrong", **extra).status_code in (200, 429)


def test_thirty_wrong_passwords_lock_out_even_the_right_one(ada):
    client = Client()
    _fail(client, 30)
    response = _login(client)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_comes_after_the_documented_number_of_failures(ada):
    client = Client()
    _fail(client, 4)
    assert _login(client).status_code == 302  # the fifth try is still heard
    client.logout()
    _fail(client, 5)
    assert _login(client).status_code == 429


def test_the_lockout_page_says_when_to_try_again(ada, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    client = Client()
    _fail(client, 5)
    response = _login(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert "Too many login attempts" in html
    assert "15 minutes from now" in html
    assert "Content-Security-Policy" in response


def test_another_user_or_another_address_is_not_locked(ada, grace):
    _fail(Client(), 5)
    assert _login(Client(), "grace").status_code == 302
    assert _login(Client(), REMOTE_ADDR="203.0.113.9").status_code == 302
    assert _login(Client()).status_code == 429


def test_the_admin_login_is_locked_out_too(ada):
    client = Client()
    _fail(client, 5)
    ada.is_staff = True
    ada.save()
    response = client.post("/admin/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 429


def test_after_the_cool_off_the_right_password_works(ada, settings):
    client = Client()
    _fail(client, 5)
    assert _login(client).status_code == 429
    cooled = AccessAttempt.objects.get(username="ada")
    cooled.attempt_time -= settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    cooled.save()
    assert _login(client).status_code == 302


def test_axes_reset_unlocks_at_once(ada):
    client = Client()
    _fail(client, 5)
    call_command("axes_reset", verbosity=0)
    assert _login(client).status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lockout(ada):
    client = Client()
    for n in range(5):
        _login(client, password="wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert _login(client, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(ada, settings):
    settings.LAYERWISE_TRUSTED_PROXIES = 1
    client = Client()
    _fail(client, 5, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _login(client, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert _login(client, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


def test_one_password_tried_against_many_usernames_locks_the_address_out(ada, settings):
    settings.LAYERWISE_LOGIN_ADDRESS_FAILURES = 20
    client = Client()
    for n in range(19):
        assert _login(client, f"user{n}", "Winter2026!").status_code == 200
    assert _login(client, "user19", "Winter2026!").status_code in (200, 429)
    # Each username failed once, yet the address is out, even for ada's right
    # password; another address is not.
    assert _login(client).status_code == 429
    assert _login(Client(), REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_few_failures_over_several_usernames_lock_no_address_out(ada, grace):
    client = Client()
    _fail(client, 4, "grace")
    _fail(client, 4, "nobody")
    assert _login(client).status_code == 302
