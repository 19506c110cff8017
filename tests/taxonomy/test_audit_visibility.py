"""LAYERWISE_AUDIT_VISIBILITY: what readers who are not editors see of the audit log,
in the browser and the API; editors always see everything."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from taxonomy import revisions, services

NEW_NAME = "Guardrail removal, revised"
PAGES = ["/history/", "/history/threat/guardrail-removal/"]


@pytest.fixture
def changed(seeded_graph, ada):
    """One edit by the editor ada, with a reason, and a revision she named."""
    services.node_update(
        kind="threat",
        key="guardrail-removal",
        changes={"name": NEW_NAME},
        actor=ada,
        comment="clearer for readers",
        channel="browser",
    )
    revisions.revision_tag(name="review", actor=ada)
    return ada


def _api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _viewer() -> User:
    user = User.objects.create_user("vera-api")
    user.groups.add(Group.objects.get_or_create(name="viewers")[0])
    return user


def _says_who(html: str) -> bool:
    return "<strong>ada</strong>" in html or 'value="ada"' in html


@pytest.mark.parametrize("path", PAGES)
def test_by_default_anonymous_readers_see_what_and_why_but_not_who_or_values(
    client, changed, path
):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "clearer for readers" in html
    assert "Fields changed:</span> name" in html
    assert not _says_who(html)
    assert 'class="audit-changes"' not in html  # the before/after values


@pytest.mark.parametrize("path", PAGES)
def test_editors_always_see_who_and_the_values(editor_client, changed, path):
    html = editor_client.get(path).content.decode()
    assert "<strong>ada</strong>" in html
    assert NEW_NAME in html


@pytest.mark.parametrize("path", PAGES)
def test_public_shows_everyone_who_and_the_values(client, changed, settings, path):
    settings.LAYERWISE_AUDIT_VISIBILITY = "public"
    html = client.get(path).content.decode()
    assert "<strong>ada</strong>" in html
    assert NEW_NAME in html


@pytest.mark.parametrize("path", PAGES)
def test_editors_only_sends_anonymous_readers_to_log_in_and_refuses_viewers(
    client, viewer_client, editor_client, changed, settings, path
):
    settings.LAYERWISE_AUDIT_VISIBILITY = "editors"
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert viewer_client.get(path).status_code == 403
    assert NEW_NAME in editor_client.get(path).content.decode()


def test_an_anonymised_history_cannot_be_filtered_by_editor(client, changed):
    html = client.get("/history/?editor=ada").content.decode()
    assert 'name="editor"' not in html
    assert "clearer for readers" in html


def test_the_revisions_page_names_who_only_to_editors(client, editor_client, changed):
    assert ">ada</td>" not in client.get("/revisions/").content.decode()
    assert ">ada</td>" in editor_client.get("/revisions/").content.decode()


def test_the_api_leaves_out_who_and_the_values_by_default(changed):
    body = _api().get("/api/v1/audit/").json()
    entry = next(e for e in body["results"] if e["kind"] == "threat")
    assert entry["changed_fields"] == ["name"]
    assert entry["comment"] == "clearer for readers"
    assert not {"actor", "before", "after"} & set(entry)
    revision = _api().get("/api/v1/revisions/").json()["results"][0]
    assert revision["name"] == "review"
    assert "created_by" not in revision


def test_the_api_refuses_an_editor_filter_to_non_editors_by_default(changed):
    response = _api().get("/api/v1/audit/?editor=ada")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_api_shows_editors_everything(changed):
    body = _api(changed).get("/api/v1/audit/?editor=ada").json()
    entry = next(e for e in body["results"] if e["kind"] == "threat")
    assert entry["actor"] == "ada"
    assert entry["after"]["name"] == NEW_NAME
    revision = _api(changed).get("/api/v1/revisions/").json()["results"][0]
    assert revision["created_by"] == "ada"


def test_the_api_shows_everyone_everything_when_public(changed, settings):
    settings.LAYERWISE_AUDIT_VISIBILITY = "public"
    entry = _api().get("/api/v1/audit/").json()["results"][0]
    assert entry["actor"] == "ada"
    assert entry["before"]["name"] == "Guardrail removal"


def test_the_api_hides_the_log_from_non_editors_when_editors_only(changed, settings):
    settings.LAYERWISE_AUDIT_VISIBILITY = "editors"
    anonymous = _api().get("/api/v1/audit/")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert _api(_viewer()).get("/api/v1/audit/").status_code == 403
    assert _api(changed).get("/api/v1/audit/").json()["results"][0]["actor"] == "ada"
