"""Who may read and write: public reads, editors' writes, tokens, sessions and throttling."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from graphapi.models import APIToken

NEW_THREAT = {"id": "deepfake-fraud", "name": "Deepfake fraud"}


def test_reads_are_public_by_default(seeded_graph_read_only, anon):
    assert anon.get("/api/v1/threats/").status_code == 200


def test_an_anonymous_write_is_a_401_asking_for_a_token(seeded_graph_read_only, anon):
    response = anon.post("/api/v1/threats/", NEW_THREAT, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_write_by_a_non_editor_is_a_403(seeded_graph_read_only, viewer_api):
    response = viewer_api.post("/api/v1/threats/", NEW_THREAT, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_invalid_token_is_a_401(seeded_graph_read_only, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/threats/").status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_write_method_needs_an_editor(
    seeded_graph_read_only, anon, viewer_api, method
):
    url = "/api/v1/layers/hardware/"
    assert getattr(anon, method)(url, {"name": "x"}, format="json").status_code == 401
    assert (
        getattr(viewer_api, method)(url, {"name": "x"}, format="json").status_code
        == 403
    )


def test_the_browser_writes_with_its_session_and_csrf_token(seeded_graph, editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    refused = client.post("/api/v1/threats/", NEW_THREAT, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    client.get("/admin/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/threats/", NEW_THREAT, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_a_setting_makes_reads_need_login(
    seeded_graph_read_only, anon, viewer_api, settings
):
    settings.LAYERWISE_API_REQUIRE_LOGIN = True
    assert anon.get("/api/v1/threats/").status_code == 401
    assert anon.get("/api/v1/coverage/").status_code == 401
    assert viewer_api.get("/api/v1/threats/").status_code == 200
    assert anon.get("/api/v1/ping/").status_code == 200


def test_anonymous_clients_are_throttled_with_the_error_shape(
    seeded_graph_read_only, anon, viewer_api, settings
):
    settings.LAYERWISE_API_ANON_RATE = "3/min"
    cache.clear()
    codes = [anon.get("/api/v1/layers/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = anon.get("/api/v1/layers/")
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert viewer_api.get("/api/v1/layers/").status_code == 200


def test_create_editor_makes_a_user_an_editor(db, monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", "a long enough secret")
    out = StringIO()
    call_command(
        "create_editor", "ada", "--password-from-env", "EDITOR_PASSWORD", stdout=out
    )
    user = User.objects.get(username="ada")
    assert user.check_password("a long enough secret")
    assert user.groups.filter(name="editors").exists()
    assert "Created ada" in out.getvalue()
    call_command("create_editor", "ada", stdout=StringIO())
    assert User.objects.filter(username="ada").count() == 1


def test_create_editor_refuses_a_missing_password_variable(db):
    with pytest.raises(CommandError, match="NOPE_NOT_SET"):
        call_command("create_editor", "ada", "--password-from-env", "NOPE_NOT_SET")


def test_api_token_prints_a_token_that_authenticates_writes(seeded_graph, db):
    call_command("create_editor", "bot", stdout=StringIO())
    out = StringIO()
    call_command("api_token", "bot", stdout=out)
    key = out.getvalue().strip()
    assert APIToken.objects.matching(key).user.username == "bot"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/threats/", NEW_THREAT, format="json").status_code == 201


def test_api_token_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("api_token", "ghost")
