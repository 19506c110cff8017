"""The audit log: every write, from the browser, the API, a fixture load or an import."""

from __future__ import annotations

import datetime as dt
import doctest
from dataclasses import replace
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from graphapi.models import APIToken
from taxonomy import audit, services
from taxonomy.domain import changes
from taxonomy.domain.kinds import items_of, record_key
from taxonomy.domain.records import Layer, Taxonomy
from taxonomy.formats import document_json, fixtures_yaml
from taxonomy.graph import repository
from taxonomy.models import AuditEntry
from taxonomy.selectors import comparison as review
from taxonomy.web import editing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("module", [audit, changes, editing, review])
def test_the_helpers_do_what_their_examples_say(module):
    assert doctest.testmod(module).failed == 0


@pytest.fixture
def token_client(ada) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {APIToken.objects.issue(user=ada)}")
    return client


def test_an_api_write_records_the_token_user_the_values_and_the_revision(
    token_client, seeded_graph
):
    response = token_client.patch(
        "/api/v1/threats/shadow-ai/", {"name": "Shadow AI tools"}, format="json"
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.channel, entry.action, entry.kind, entry.key) == (
        "ada",
        "api",
        "update",
        "threat",
        "shadow-ai",
    )
    assert (entry.before["name"], entry.after["name"]) == (
        "Shadow AI",
        "Shadow AI tools",
    )
    assert entry.graph_revision == repository.graph_revision()


def test_api_link_writes_record_their_two_ends(token_client, seeded_graph):
    token_client.post(
        "/api/v1/enables/",
        {"source": "shadow-ai", "target": "scaled-misuse"},
        format="json",
    )
    token_client.delete("/api/v1/enables/shadow-ai/scaled-misuse/")
    entries = AuditEntry.objects.order_by("id")
    assert [(e.action, e.key, e.source, e.target) for e in entries] == [
        ("create", "shadow-ai->scaled-misuse", "shadow-ai", "scaled-misuse"),
        ("delete", "shadow-ai->scaled-misuse", "shadow-ai", "scaled-misuse"),
    ]
    assert entries[1].before == {
        "source": "shadow-ai",
        "target": "scaled-misuse",
        "version": 1,
    }


def test_a_refused_write_records_nothing(token_client, seeded_graph):
    response = token_client.patch(
        "/api/v1/threats/shadow-ai/",
        {"name": "Stale"},
        format="json",
        HTTP_IF_MATCH='"threat:shadow-ai:v9"',
    )
    assert response.status_code == 412
    assert not AuditEntry.objects.exists()


def test_a_fixture_load_records_every_change_as_the_fixture_channel(graph):
    call_command("taxonomy", "load", "--comment", "Seed", stdout=StringIO())
    loaded = fixtures_yaml.load_fixtures(settings.FIXTURES_DIR)
    entries = AuditEntry.objects.all()
    expected = sum(len(getattr(loaded, name)) for name in document_json.JSON_KEYS)
    assert entries.count() == expected
    assert set(entries.values_list("channel", "action", "actor_name", "comment")) == {
        ("fixtures", "create", "taxonomy load (fixtures)", "Seed")
    }
    assert entries.filter(actor__isnull=False).count() == 0
    # Loading the same fixtures again changes nothing and records nothing.
    call_command("taxonomy", "load", stdout=StringIO())
    assert AuditEntry.objects.count() == expected


def test_a_load_records_updates_with_their_before_and_after(seeded_graph, fixture_tree):
    path = fixture_tree / "layers.yaml"
    path.write_text(path.read_text().replace("name: Hardware", "name: Chips"))
    call_command("taxonomy", "load", str(fixture_tree), stdout=StringIO())
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.key, entry.action) == ("layer", "hardware", "update")
    assert (entry.before["name"], entry.after["name"]) == ("Hardware", "Chips")


def test_an_api_import_records_its_changes(token_client, seeded_graph):
    document = document_json.taxonomy_to_document(repository.taxonomy_read())
    document["layers"][0]["name"] = "Renamed"
    response = token_client.post("/api/v1/import/", document, format="json")
    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.channel, entry.actor_name, entry.kind, entry.action) == (
        "api",
        "ada",
        "layer",
        "update",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        {"LAYERWISE_STAGED_WRITE_ITEMS": 10**9},
        {"LAYERWISE_STAGED_WRITE_ITEMS": 0, "LAYERWISE_STAGE_BATCH": 200},
    ],
    ids=["one transaction", "staged"],
)
def test_an_import_records_after_each_change_the_version_the_graph_stores(
    seeded_graph, write
):
    def renamed(taxonomy: Taxonomy, mark: str) -> Taxonomy:
        return replace(
            taxonomy,
            threats=tuple(replace(t, name=t.name + mark) for t in taxonomy.threats),
            layers=(*taxonomy.layers, Layer(f"new{len(mark)}", "New")),
            mitigates=tuple(
                replace(m, rationale=m.rationale + mark) for m in taxonomy.mitigates
            ),
        )

    with override_settings(**write):
        for mark in ("'", "''"):
            current = repository.taxonomy_read()
            services.taxonomy_import(
                taxonomy=renamed(current, mark), actor="test", channel="import"
            )
    stored = {
        (kind, record_key(r)): r.version
        for kind in ("layer", "threat", "mitigates")
        for r in items_of(repository.taxonomy_read(), kind)
    }
    entries = AuditEntry.objects.filter(graph_revision=repository.graph_revision())
    assert {e.action for e in entries} == {"create", "update"}
    assert {(e.kind, e.key): e.after["version"] for e in entries} == {
        (e.kind, e.key): stored[(e.kind, e.key)] for e in entries
    }
    assert {e.after["version"] for e in entries if e.action == "update"} == {3}


def test_a_cascading_delete_records_the_links_it_removed(seeded_graph, ada):
    services.node_delete(
        kind="mitigation", key="io-guardrails", cascade=True, actor=ada
    )
    entries = AuditEntry.objects.all()
    assert entries.get(kind="mitigation").before["id"] == "io-guardrails"
    removed = set(entries.filter(kind="mitigates").values_list("key", flat=True))
    assert "io-guardrails->shadow-ai" in removed
    assert {e.channel for e in entries} == {"api"}


def _entry(name: str, day: dt.date, key: str) -> None:
    AuditEntry.objects.create(
        at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
        actor_name=name,
        channel="api",
        action="update",
        kind="threat",
        key=key,
    )


def test_recent_changes_filter_by_editor_and_date(editor_client, db):
    _entry("ada", dt.date(2026, 1, 10), "first")
    _entry("grace", dt.date(2026, 2, 10), "second")
    _entry("ada", dt.date(2026, 3, 10), "third")

    def keys(query: str) -> list[str]:
        response = editor_client.get(f"/history/?{query}")
        assert response.status_code == 200
        return [e.key for e in response.context["page"].object_list]

    assert keys("") == ["third", "second", "first"]
    assert keys("editor=ada") == ["third", "first"]
    assert keys("since=2026-02-01") == ["third", "second"]
    assert keys("since=2026-01-01&until=2026-02-28&editor=ada") == ["first"]
    assert (
        "end date is before the start date"
        in editor_client.get(
            "/history/?since=2026-03-01&until=2026-01-01"
        ).content.decode()
    )


def test_an_import_command_records_its_changes_as_the_import_channel(
    seeded_graph, tmp_path
):
    bundle = tmp_path / "seed.stix.json"
    call_command("export", "--format", "stix", "--out", str(bundle), stdout=StringIO())
    call_command(
        "import_stix",
        str(bundle),
        "--taxonomy",
        "copy",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    entries = AuditEntry.objects.all()
    assert entries.exists()
    assert set(entries.values_list("channel", "actor_name")) == {
        ("import", "import_stix (seed.stix.json)")
    }
    assert entries.filter(kind="threat", key__startswith="copy:").exists()


def test_an_audit_table_that_cannot_be_written_loses_no_record(
    graph, db, monkeypatch, caplog
):
    from django.db import DatabaseError

    from taxonomy import selectors
    from taxonomy.domain.records import Layer

    def locked():
        raise DatabaseError("database is locked")

    with monkeypatch.context() as m:
        m.setattr(audit, "audit_catch_up", locked)
        stored = services.node_create(
            kind="layer", record=Layer("market", "Market"), channel="api"
        )
    assert stored.id == "market"
    assert "market" in {x.id for x in selectors.taxonomy_snapshot().layers}
    assert "audit table not yet up to date" in caplog.text
    assert not AuditEntry.objects.exists()
    # The record was committed with the write; the next read of the log copies it.
    assert repository.journal_count() == 1
    assert [(e.action, e.kind, e.key) for e in audit.audit_list()] == [
        ("create", "layer", "market")
    ]


@pytest.mark.django_db
def test_reading_the_log_reads_the_journal_only_after_a_write(
    seeded_graph, monkeypatch
):
    reads = []
    journal_after = repository.journal_after
    monkeypatch.setattr(
        repository,
        "journal_after",
        lambda *a: reads.append(a) or journal_after(*a),
    )
    list(audit.audit_list())
    first = len(reads)
    list(audit.audit_list())
    list(audit.audit_list(kind="threat"))
    assert len(reads) == first
    services.node_update(
        kind="threat", key="shadow-ai", changes={"name": "Shadow AI, renamed"}
    )
    entries = list(audit.audit_list())
    assert len(reads) == first + 1
    assert entries[0].key == "shadow-ai"
