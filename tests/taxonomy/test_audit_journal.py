"""The audit journal: each write's records commit in its own transaction, the
audit table is a copy that catches up, and a write that changes nothing leaves
no trace (issue 12, finding 3)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from taxonomy import audit, selectors, services
from taxonomy.domain.errors import VersionConflict
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Threat
from taxonomy.graph import repository
from taxonomy.models import AuditEntry

pytestmark = pytest.mark.django_db
# Threads and a child process need their writes to the audit table committed.
concurrent = pytest.mark.django_db(transaction=True)

COPIED = ("action", "kind", "key", "source", "target", "actor_name", "channel")


def _journal() -> list[dict]:
    return [r for page in repository.journal_after(0, -1) for r in page]


def _table() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(position__isnull=False).order_by(
            "graph_revision", "position"
        )
    )


def _assert_table_is_the_journal() -> None:
    journal, table = _journal(), _table()
    assert [(r["revision"], r["position"]) for r in journal] == [
        (e.graph_revision, e.position) for e in table
    ]
    for record, entry in zip(journal, table, strict=True):
        assert {f: record.get(f, "") for f in COPIED} == {
            f: getattr(entry, f) for f in COPIED
        }
        for side in ("before", "after"):
            text = record.get(side)
            assert (None if text is None else json.loads(text)) == getattr(entry, side)


def _writes(actor) -> None:
    """One of each kind of single-item write, and a fixture load."""
    by = {"actor": actor, "channel": "api", "comment": "why"}
    services.taxonomy_load(path=settings.FIXTURES_DIR, actor="load", channel="fixtures")
    services.node_create(kind="layer", record=Layer("market", "Market"), **by)
    services.node_update(kind="layer", key="market", changes={"name": "Markets"}, **by)
    services.node_create(
        kind="mitigation",
        record=Mitigation("price-signal", "Price signal", "market", "proposed"),
        **by,
    )
    services.property_link_create(
        kind="mitigates",
        record=Mitigates("price-signal", "shadow-ai", "weak", "cheap"),
        **by,
    )
    services.link_create(
        kind="enables", source="shadow-ai", target="scaled-misuse", **by
    )
    services.node_delete(kind="layer", key="market", cascade=True, **by)


def test_the_audit_table_is_a_copy_of_the_journal_after_every_kind_of_write(graph, ada):
    _writes(ada)
    journal = _journal()
    assert {r["channel"] for r in journal} == {"api", "fixtures"}
    # The cascading delete recorded the layer, its mitigation and their link.
    last = [r for r in journal if r["revision"] == journal[-1]["revision"]]
    assert {(r["kind"], r["action"]) for r in last} >= {
        ("layer", "delete"),
        ("mitigation", "delete"),
    }
    assert all(r.get("actor_id") == ada.pk for r in journal if r["channel"] == "api")
    _assert_table_is_the_journal()


def test_a_record_that_cannot_be_built_rolls_its_write_back(graph, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("entry could not be built")

    services.node_create(
        kind="layer", record=Layer("hardware", "Hardware"), channel=None
    )
    revision = repository.graph_revision()
    monkeypatch.setattr(audit, "journal_entries", broken)
    with pytest.raises(RuntimeError):
        services.node_update(
            kind="layer", key="hardware", changes={"name": "Chips"}, channel="api"
        )
    with pytest.raises(RuntimeError):
        services.taxonomy_load(path=settings.FIXTURES_DIR, channel="fixtures")
    assert [layer.name for layer in selectors.taxonomy_snapshot().layers] == [
        "Hardware"
    ]
    assert repository.graph_revision() == revision
    assert repository.journal_count() == 0


CHILD = """
import os, signal, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from taxonomy import audit, services
from taxonomy.domain.records import Layer
from taxonomy.graph import driver
driver.use_target(driver.connection_target(for_tests=True))
# Killed between the graph's commit and the audit table's copy.
audit.audit_up_to_date = lambda: os.kill(os.getpid(), signal.SIGKILL)
services.node_create(
    kind="layer", record=Layer("market", "Market"), actor="worker 7", channel="api"
)
"""


@concurrent
def test_a_worker_killed_after_its_commit_loses_no_audit_record(graph):
    child = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=settings.BASE_DIR, capture_output=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    assert "market" in {x.id for x in selectors.taxonomy_snapshot().layers}
    assert not AuditEntry.objects.exists()
    entries = list(audit.audit_list())
    assert [(e.action, e.kind, e.key, e.actor_name) for e in entries] == [
        ("create", "layer", "market", "worker 7")
    ]
    _assert_table_is_the_journal()


@concurrent
def test_twenty_parallel_writes_have_twenty_records_in_revision_order(graph):
    def create(i: int) -> None:
        services.node_create(
            kind="threat", record=Threat(f"t{i:02}", f"Threat {i}"), channel="api"
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(create, range(20)))
    journal = _journal()
    assert sorted(r["key"] for r in journal) == [f"t{i:02}" for i in range(20)]
    assert len({r["revision"] for r in journal}) == 20
    audit.audit_catch_up()
    _assert_table_is_the_journal()


@concurrent
def test_twenty_parallel_updates_of_one_version_let_one_win(graph):
    services.node_create(kind="threat", record=Threat("twin", "Twin"), channel=None)

    def update(i: int) -> str:
        try:
            services.node_update(
                kind="threat",
                key="twin",
                changes={"name": f"Twin {i}"},
                expected=frozenset({1}),
                channel="api",
            )
            return "updated"
        except VersionConflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(update, range(20)))
    assert outcomes.count("updated") == 1
    [record] = _journal()
    assert (
        json.loads(record["after"])["name"]
        == selectors.taxonomy_snapshot().threats[0].name
    )


@pytest.fixture
def api(ada) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=ada)
    return client


@pytest.mark.parametrize(
    "body", [{}, {"name": "Shadow AI"}, {"no_such_field": 1}], ids=str
)
def test_a_patch_that_changes_nothing_bumps_nothing_and_records_nothing(
    seeded_graph, api, body
):
    before = api.get("/api/v1/threats/shadow-ai/")
    revision = repository.graph_revision()
    response = api.patch("/api/v1/threats/shadow-ai/", body, format="json")
    assert response.status_code == 200
    assert response["ETag"] == before["ETag"]
    assert response.json()["version"] == before.json()["version"]
    assert repository.graph_revision() == revision
    assert repository.journal_count() == 0
    assert not AuditEntry.objects.exists()


def test_a_link_patch_to_its_own_values_changes_nothing(seeded_graph, api):
    url = "/api/v1/mitigates/io-guardrails/shadow-ai/"
    current = api.get(url).json()
    response = api.patch(url, {"strength": current["strength"]}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == current["version"]
    assert repository.journal_count() == 0


def test_a_real_change_among_unchanged_fields_is_one_version_and_one_record(
    seeded_graph, api
):
    response = api.patch(
        "/api/v1/threats/shadow-ai/",
        {"name": "Shadow AI", "description": "Changed."},
        format="json",
    )
    assert response.json()["version"] == 2
    [record] = _journal()
    assert (record["action"], record["key"]) == ("update", "shadow-ai")


def test_audit_check_and_rebuild_commands(graph):
    services.node_create(kind="layer", record=Layer("market", "Market"), channel="api")
    out = StringIO()
    call_command("audit", "check", stdout=out)
    assert "journal 1 records, table 1 entries" in out.getvalue()
    AuditEntry.objects.all().update(comment="tampered")
    call_command("audit", "rebuild", stdout=StringIO())
    assert [e.comment for e in _table()] == [""]
    AuditEntry.objects.create(
        actor_name="x",
        channel="api",
        action="create",
        kind="layer",
        key="ghost",
        graph_epoch=repository.journal_epoch(),
        graph_revision=99,
        position=0,
    )
    with pytest.raises(CommandError, match="disagrees"):
        call_command("audit", "check", stdout=StringIO())
