"""Editing in the browser: forms, impact preview, stale saves, permissions, export."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from taxonomy import selectors
from taxonomy.models import AuditEntry

pytestmark = pytest.mark.django_db

LINK_URL = "/edit/mitigates/io-guardrails/shadow-ai/"


def _form_data(response, **changes) -> dict:
    """What a browser would post back from the form on ``response``, with changes."""
    data = {}
    for field in response.context["form"]:
        value = field.value()
        if value not in (None, False):
            data[field.name] = value
    return {**data, **changes}


def _link(source: str, target: str):
    return selectors.link_get(
        taxonomy=selectors.taxonomy_snapshot(),
        kind="mitigates",
        source=source,
        target=target,
    )


def _threat(key: str):
    return selectors.node_get(
        taxonomy=selectors.taxonomy_snapshot(), kind="threat", key=key
    )


def test_an_edit_through_a_form_is_saved_with_an_audit_entry_of_before_and_after(
    editor_client, seeded_graph
):
    page = editor_client.get(LINK_URL)
    assert page.status_code == 200
    response = editor_client.post(
        LINK_URL,
        _form_data(page, strength="high", comment="Filters see local use", save="1"),
    )
    assert response.status_code == 302
    assert response.url == "/threats/shadow-ai/"
    assert _link("io-guardrails", "shadow-ai").strength == "high"
    entry = AuditEntry.objects.get(kind="mitigates")
    assert (entry.actor.username, entry.channel, entry.action) == (
        "ada",
        "browser",
        "update",
    )
    assert entry.key == "io-guardrails->shadow-ai"
    assert (entry.before["strength"], entry.after["strength"]) == ("low", "high")
    assert entry.after["version"] == entry.before["version"] + 1
    assert entry.comment == "Filters see local use"
    assert entry.graph_revision == selectors.taxonomy_snapshot().revision


def test_the_history_pages_show_the_edit_with_its_reason_and_values(
    editor_client, seeded_graph
):
    page = editor_client.get(LINK_URL)
    editor_client.post(
        LINK_URL, _form_data(page, strength="high", comment="Filters see local use")
    )
    for url in (
        "/history/",
        "/history/threat/shadow-ai/",
        "/history/mitigation/io-guardrails/",
    ):
        html = editor_client.get(url).content.decode()
        assert "Filters see local use" in html, url
        assert "<td>low</td><td>high</td>" in html, url
    assert (
        "Filters see local use"
        not in editor_client.get("/history/threat/scaled-misuse/").content.decode()
    )


def test_a_preview_shows_the_coverage_impact_and_writes_nothing(
    editor_client, seeded_graph
):
    page = editor_client.get(LINK_URL)
    response = editor_client.post(
        LINK_URL, _form_data(page, strength="high", preview="1")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Closes 1 gap, opens 0" in html
    assert 'data-threat="shadow-ai"' in html
    assert _link("io-guardrails", "shadow-ai").strength == "low"
    assert not AuditEntry.objects.exists()
    # The previewed form still holds the change, ready to save.
    assert response.context["form"]["strength"].value() == "high"


def test_a_stale_edit_is_refused_shows_what_changed_and_loses_nothing(
    editor_client, second_editor_client, seeded_graph
):
    url = "/edit/threat/shadow-ai/"
    mine, theirs = editor_client.get(url), second_editor_client.get(url)
    original = _threat("shadow-ai")
    saved = second_editor_client.post(
        url, _form_data(theirs, name="Shadow AI on endpoints", save="1")
    )
    assert saved.status_code == 302

    refused = editor_client.post(
        url, _form_data(mine, description="Staff run models locally.", save="1")
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Someone changed this threat while you were editing it" in html
    assert "Shadow AI on endpoints" in html
    threat = _threat("shadow-ai")
    assert threat.name == "Shadow AI on endpoints"
    assert threat.description == original.description
    assert AuditEntry.objects.filter(kind="threat").count() == 1
    form = refused.context["form"]
    assert form["name"].value() == "Shadow AI on endpoints"  # theirs, kept
    assert form["description"].value() == "Staff run models locally."  # mine, kept
    assert int(form["version"].value()) == threat.version

    again = editor_client.post(url, _form_data(refused, save="1"))
    assert again.status_code == 302
    threat = _threat("shadow-ai")
    assert (threat.name, threat.description) == (
        "Shadow AI on endpoints",
        "Staff run models locally.",
    )


WRITES = [
    ("/edit/threat/shadow-ai/", {"name": "Hacked", "version": "1", "save": "1"}),
    ("/edit/new/threat/", {"id": "hacked", "name": "Hacked", "save": "1"}),
    ("/edit/threat/shadow-ai/delete/", {"version": "1", "cascade": "on"}),
    (LINK_URL, {"strength": "high", "version": "1", "save": "1"}),
    ("/edit/mitigates/io-guardrails/shadow-ai/delete/", {"version": "1"}),
    ("/edit/new/enables/", {"source": "shadow-ai", "target": "scaled-misuse"}),
    ("/edit/new/subtype/", {"source": "shadow-ai", "target": "covert-deployment"}),
]


@pytest.mark.parametrize("url, data", WRITES)
def test_an_anonymous_post_goes_to_the_login_page_and_writes_nothing(
    client, seeded_graph, url, data
):
    before = selectors.taxonomy_snapshot()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert selectors.taxonomy_snapshot() == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("url, data", WRITES)
def test_a_viewer_post_is_forbidden_and_writes_nothing(
    viewer_client, seeded_graph, url, data
):
    before = selectors.taxonomy_snapshot()
    response = viewer_client.post(url, data)
    assert response.status_code == 403
    assert "Only members of the editors group" in response.content.decode()
    assert selectors.taxonomy_snapshot() == before
    assert not AuditEntry.objects.exists()


def test_edit_links_show_only_for_editors(
    client, viewer_client, editor_client, seeded_graph_read_only
):
    for reader in (client, viewer_client):
        assert (
            "/edit/threat/shadow-ai/"
            not in reader.get("/threats/shadow-ai/").content.decode()
        )
    html = editor_client.get("/threats/shadow-ai/").content.decode()
    assert 'href="/edit/threat/shadow-ai/"' in html
    assert 'href="/edit/mitigates/io-guardrails/shadow-ai/"' in html
    assert 'href="/edit/new/mitigates/?threat=shadow-ai"' in html


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"id": "bad id", "name": "Bad"}, "id", "is not a valid id"),
        ({"id": "shadow-ai", "name": "Again"}, "id", "exists already"),
        ({"id": "new-threat", "name": ""}, "name", "This field is required."),
    ],
)
def test_a_new_threat_breaking_a_fixture_rule_names_the_field(
    editor_client, seeded_graph, data, field, message
):
    response = editor_client.post("/edit/new/threat/", {**data, "save": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert not AuditEntry.objects.exists()


def test_a_requires_cycle_is_refused_on_the_target_field(editor_client, seeded_graph):
    response = editor_client.post(
        "/edit/new/requires/",
        {
            "source": "chip-attestation",
            "target": "unattested-compute-caps",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "REQUIRES cycle" in " ".join(response.context["form"].errors["target"])


def test_a_new_threat_and_its_first_mitigation_are_created_and_audited(
    editor_client, seeded_graph
):
    created = editor_client.post(
        "/edit/new/threat/",
        {
            "id": "deepfake-fraud",
            "name": "Deepfake fraud",
            "comment": "New vector",
            "save": "1",
        },
    )
    assert created.url == "/threats/deepfake-fraud/"
    linked = editor_client.post(
        "/edit/new/mitigates/",
        {
            "mitigation": "watermarking",
            "threat": "deepfake-fraud",
            "strength": "medium",
            "rationale": "Marks make fakes traceable.",
            "sources": ["bengio-2025"],
            "save": "1",
        },
    )
    assert linked.status_code == 302
    assert _link("watermarking", "deepfake-fraud").sources == ("bengio-2025",)
    entries = AuditEntry.objects.order_by("id")
    assert [(e.kind, e.action, e.key) for e in entries] == [
        ("threat", "create", "deepfake-fraud"),
        ("mitigates", "create", "watermarking->deepfake-fraud"),
    ]
    assert entries[0].before is None and entries[0].after["name"] == "Deepfake fraud"


def test_deleting_a_linked_threat_needs_the_cascade_box_and_audits_each_link(
    editor_client, seeded_graph
):
    url = "/edit/threat/shadow-ai/delete/"
    page = editor_client.get(url)
    html = page.content.decode()
    assert "- mitigates io-guardrails-&gt;shadow-ai" in html
    assert "Coverage impact of this change" in html
    refused = editor_client.post(url, _form_data(page))
    assert "still linked" in refused.content.decode()
    assert _threat("shadow-ai")
    deleted = editor_client.post(url, _form_data(page, cascade="on", comment="Merged"))
    assert deleted.status_code == 302
    assert not any(t.id == "shadow-ai" for t in selectors.taxonomy_snapshot().threats)
    actions = set(AuditEntry.objects.values_list("kind", "action", "key"))
    assert ("threat", "delete", "shadow-ai") in actions
    assert ("mitigates", "delete", "io-guardrails->shadow-ai") in actions
    threat = AuditEntry.objects.get(kind="threat")
    assert threat.before["name"] == "Shadow AI" and threat.after is None


def test_export_after_a_browser_edit_changes_only_the_edited_lines(
    editor_client, seeded_graph, fixture_tree: Path
):
    before = {p.name: p.read_text() for p in fixture_tree.glob("*.yaml")}
    page = editor_client.get(LINK_URL)
    editor_client.post(LINK_URL, _form_data(page, strength="high", save="1"))
    call_command("taxonomy", "export", "--out", str(fixture_tree), stdout=StringIO())
    after = {p.name: p.read_text() for p in fixture_tree.glob("*.yaml")}
    changed = {name for name in before if before[name] != after[name]}
    assert len(changed) == 1
    (name,) = changed
    old, new = before[name].splitlines(), after[name].splitlines()
    assert len(old) == len(new)
    diff = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert len(diff) == 1
    assert diff[0][0].replace("low", "high") == diff[0][1]
    assert "strength: high" in diff[0][1]


def test_an_editor_logs_in_and_out(client, ada, seeded_graph):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    logged_in = client.post(
        "/accounts/login/?next=/threats/shadow-ai/",
        {
            "username": "ada",
            "password": "correct horse battery",
            "next": "/threats/shadow-ai/",
        },
    )
    assert logged_in.url == "/threats/shadow-ai/"
    html = client.get("/threats/shadow-ai/").content.decode()
    assert "Log out" in html and 'href="/edit/threat/shadow-ai/"' in html
    assert client.post("/accounts/logout/").status_code == 302
    assert "Log in" in client.get("/").content.decode()


def test_a_stale_delete_is_refused_and_the_item_stays(
    editor_client, second_editor_client, seeded_graph
):
    url = "/edit/mitigates/io-guardrails/shadow-ai/delete/"
    mine = editor_client.get(url)
    theirs = second_editor_client.get(LINK_URL)
    second_editor_client.post(
        LINK_URL, _form_data(theirs, rationale="Reworded.", save="1")
    )
    refused = editor_client.post(url, _form_data(mine, comment="Obsolete"))
    assert refused.status_code == 200
    assert "Someone changed this MITIGATES link" in refused.content.decode()
    assert _link("io-guardrails", "shadow-ai").rationale == "Reworded."
    assert refused.context["form"]["comment"].value() == "Obsolete"
    removed = editor_client.post(url, _form_data(refused))
    assert removed.status_code == 302
    assert AuditEntry.objects.filter(action="delete").count() == 1


def test_a_link_form_opened_from_an_odd_query_still_renders(
    editor_client, seeded_graph_read_only
):
    response = editor_client.get("/edit/new/mitigates/?threat=a/b")
    assert response.status_code == 200
    assert editor_client.get("/edit/new/enables/?source=a/b").status_code == 200


def test_an_editor_adds_and_removes_a_parent_threat_with_audit_entries(
    editor_client, seeded_graph
):
    form = editor_client.get("/edit/new/subtype/?source=shadow-ai")
    assert form.status_code == 200
    data = _form_data(form, target="covert-deployment", comment="A kind of it")
    preview = editor_client.post("/edit/new/subtype/", {**data, "preview": "1"})
    assert "impact" in preview.context
    assert not AuditEntry.objects.exists()
    added = editor_client.post("/edit/new/subtype/", {**data, "save": "1"})
    assert added.url == "/threats/shadow-ai/"
    remove = "/edit/subtype/shadow-ai/covert-deployment/delete/"
    assert f'href="{remove}"' in editor_client.get(added.url).content.decode()
    page = editor_client.get(remove)
    assert "impact" in page.context
    removed = editor_client.post(remove, _form_data(page, comment="Not a kind"))
    assert removed.url == "/threats/shadow-ai/"
    assert not selectors.taxonomy_snapshot().subtypes
    entries = AuditEntry.objects.order_by("id")
    assert [(e.kind, e.action, e.channel, e.comment) for e in entries] == [
        ("subtype", "create", "browser", "A kind of it"),
        ("subtype", "delete", "browser", "Not a kind"),
    ]
    assert entries[0].before is None and entries[0].after["version"] == 1
    assert entries[1].before["target"] == "covert-deployment"
    assert entries[1].after is None


def test_the_impact_preview_follows_the_dependence_it_was_opened_with(
    editor_client, seeded_graph_read_only
):
    url = "/edit/mitigation/incident-reporting/delete/"
    independent = editor_client.get(url).content.decode()
    assert "mitigations fail independently" in independent
    full = editor_client.get(f"{url}?dependence=full")
    html = full.content.decode()
    assert "every mitigation fails together" in html
    assert '<input type="hidden" name="dependence" value="full">' in html
    before = full.context["impact"]["summary"]["before"]
    assert before["defense-in-depth"] == 0
