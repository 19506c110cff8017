"""A large API import runs as a job on the task queue (django-tasks' database
backend), not in the web request: 202 with a status URL, progress while it
runs, cancel, failures in the API's error shape, and who may see or stop it.

The worker is django-tasks-db's own (``db_worker``'s Worker), run in the test
process over the test database; one test runs ``manage.py db_worker`` as a
process of its own, after the process that accepted the import has exited.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from django.test import override_settings
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from graphapi import jobs
from graphapi.models import ImportJob
from taxonomy import selectors
from taxonomy.domain.errors import GraphConflict
from taxonomy.formats import document_json
from taxonomy.graph import repository
from taxonomy.graph.repository import staging
from taxonomy.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]
STAGED = {"LAYERWISE_STAGED_WRITE_ITEMS": 0, "LAYERWISE_STAGE_BATCH": 3}
ASYNC = {"HTTP_PREFER": "respond-async"}


def run_worker(monkeypatch) -> None:
    """django-tasks-db's worker: every task ready, then it stops. Connections
    stay open (the test's transaction holds the test database)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def _next_version():
    """The seed with its first threat renamed and its last one gone."""
    seed = selectors.taxonomy_snapshot()
    first, *rest = seed.threats
    gone = rest[-1].id
    return replace(
        seed,
        threats=(replace(first, name="Renamed"), *rest[:-1]),
        mitigates=tuple(x for x in seed.mitigates if x.threat != gone),
        enables=tuple(x for x in seed.enables if gone not in (x.source, x.target)),
    )


def _document() -> dict:
    return document_json.taxonomy_to_document(_next_version())


def _state():
    return repository.taxonomy_read(taxonomy=None), repository.graph_revision()


def _accepted(api, document=None, **extra):
    response = api.post(
        "/api/v1/import/?prune=true",
        _document() if document is None else document,
        format="json",
        **{**ASYNC, **extra},
    )
    assert response.status_code == 202, response.content
    return response


def test_an_import_asked_async_is_202_with_a_status_url_and_runs_on_the_worker(
    seeded_graph, api, monkeypatch
):
    before = _state()
    response = _accepted(api)
    job = response.json()
    assert response["Location"] == job["url"] == f"/api/v1/jobs/{job['id']}/"
    assert job["status"] == "queued" and job["result"] is None
    # Nothing is written in the request: the queue holds it.
    assert _state() == before
    queued = DBTaskResult.objects.get(id=ImportJob.objects.get().task_id)
    assert queued.status == "READY"
    assert queued.task_path == "graphapi.jobs.run_import_job"

    run_worker(monkeypatch)

    done = api.get(job["url"]).json()
    assert done["status"] == "succeeded", done
    assert done["result"]["revision"] == before[1] + 1
    assert done["result"]["changes"]["counts"]["update"] >= 1
    assert selectors.taxonomy_snapshot().threats[0].name == "Renamed"
    assert DBTaskResult.objects.get(id=queued.id).status == "SUCCESSFUL"
    assert ImportJob.objects.get().body is None  # the body is not kept
    # Audited as the editor's, through the API, like an import answered at once.
    audited = AuditEntry.objects.filter(kind="threat", action="update")
    assert {(e.channel, e.actor_name) for e in audited} == {("api", "editor")}


def test_the_job_answers_what_the_same_import_answers_at_once(
    seeded_graph, api, monkeypatch
):
    """The oracle: a synchronous import of the same document from the same graph."""
    document = _document()
    rows = []
    repository.graph_dump(rows.append)
    at_once = api.post("/api/v1/import/?prune=true", document, format="json")
    assert at_once.status_code == 200
    staging.join_background()
    repository.graph_load(rows, replace=True)
    url = _accepted(api, document).json()["url"]
    run_worker(monkeypatch)
    result = api.get(url).json()["result"]
    assert result["changes"] == at_once.json()["changes"]
    assert result["impact"] == at_once.json()["impact"]


def test_a_body_over_the_limit_is_a_job_and_a_small_one_is_answered_at_once(
    seeded_graph_read_only, api
):
    body = json.dumps(_document())
    url, json_type = "/api/v1/import/?dry_run=true", "application/json"
    with override_settings(LAYERWISE_IMPORT_JOB_BYTES=len(body.encode()) - 1):
        large = api.post(url, body, content_type=json_type)
    assert large.status_code == 202
    with override_settings(LAYERWISE_IMPORT_JOB_BYTES=len(body.encode())):
        small = api.post(url, body, content_type=json_type)
    assert small.status_code == 200 and small.json()["dry_run"] is True


def test_progress_is_visible_while_the_job_runs(seeded_graph, api, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0.0)
    url = _accepted(api).json()["url"]
    seen = []
    original = jobs._Reporter.__call__

    def watched(self, done, total):
        original(self, done, total)
        seen.append(api.get(url).json())

    monkeypatch.setattr(jobs._Reporter, "__call__", watched)
    with override_settings(**STAGED):
        run_worker(monkeypatch)
    running = [s for s in seen if s["status"] == "running"]
    assert len(running) >= 3
    assert {s["phase"] for s in running} == {"writing"}
    dones = [s["done"] for s in running]
    assert dones == sorted(dones) and dones[0] < running[0]["total"]
    assert running[-1]["done"] == running[-1]["total"] > 0
    assert api.get(url).json()["status"] == "succeeded"


def test_cancelling_a_running_job_leaves_the_graph_as_it_was(
    seeded_graph, api, monkeypatch
):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0.0)
    before = _state()
    job = _accepted(api).json()
    original = jobs._Reporter.__call__
    answers = []

    def cancel_midway(self, done, total):
        if done >= 6 and not answers:  # some batches are written by now
            answers.append(api.post(job["cancel_url"]))
        original(self, done, total)

    monkeypatch.setattr(jobs._Reporter, "__call__", cancel_midway)
    with override_settings(**STAGED):
        run_worker(monkeypatch)
    assert answers[0].status_code == 202
    assert answers[0].json()["cancel_requested"] is True
    ended = api.get(job["url"]).json()
    assert ended["status"] == "cancelled"
    assert ended["error"]["code"] == "cancelled"
    assert _state() == before
    assert repository.load_status() is None


def test_cancelling_a_queued_job_means_it_never_runs(
    seeded_graph_read_only, api, monkeypatch
):
    before = _state()
    job = _accepted(api).json()
    answer = api.post(job["cancel_url"])
    assert answer.status_code == 202 and answer.json()["status"] == "cancelled"
    run_worker(monkeypatch)
    assert api.get(job["url"]).json()["status"] == "cancelled"
    assert _state() == before
    # An ended job cannot be cancelled again.
    again = api.post(job["cancel_url"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "job_ended"


def test_a_job_failing_mid_write_leaves_the_graph_as_it_was_and_says_why(
    seeded_graph, api, monkeypatch
):
    before = _state()
    job = _accepted(api).json()

    def refused(load, then=None):
        raise GraphConflict("injected: the switch was refused")

    monkeypatch.setattr(staging, "switch", refused)
    with override_settings(**STAGED):
        run_worker(monkeypatch)
    failed = api.get(job["url"]).json()
    assert failed["status"] == "failed"
    assert failed["error_status"] == 409
    assert failed["error"] == {
        "code": "conflict",
        "message": "injected: the switch was refused",
        "details": {},
    }
    assert failed["result"] is None
    assert _state() == before
    assert repository.load_status() is None


def test_a_job_refused_by_validation_reports_the_errors_a_request_gets(
    seeded_graph_read_only, api, monkeypatch
):
    """A REQUIRES cycle: the same 422 body as the synchronous import's."""
    document = _document()
    document["requires"] = [
        {"source": "m-a", "target": "m-b"},
        {"source": "m-b", "target": "m-a"},
    ]
    document["mitigations"] += [
        {**document["mitigations"][0], "id": "m-a", "name": "A"},
        {**document["mitigations"][0], "id": "m-b", "name": "B"},
    ]
    at_once = api.post("/api/v1/import/", document, format="json")
    assert at_once.status_code == 422
    before = _state()
    url = _accepted(api, document).json()["url"]
    run_worker(monkeypatch)
    failed = api.get(url).json()
    assert failed["status"] == "failed"
    assert failed["error_status"] == 422
    assert {"error": failed["error"]} == at_once.json()
    assert _state() == before


def test_the_query_and_media_type_are_checked_before_a_job_is_queued(api, db):
    bad = api.post(
        "/api/v1/import/?format=stix", "x: 1", content_type="text/plain", **ASYNC
    )
    assert bad.status_code == 415
    wrong = api.post("/api/v1/import/?prune=maybe", {}, format="json", **ASYNC)
    assert wrong.status_code == 422
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_only_editors_start_jobs_and_only_editors_or_the_owner_see_them(
    seeded_graph_read_only, api, anon, viewer_api, editor, monkeypatch
):
    from django.contrib.auth.models import Group, User

    from tests.graphapi.conftest import _client_for

    for client, status in ((anon, 401), (viewer_api, 403)):
        assert (
            client.post("/api/v1/import/", {}, format="json", **ASYNC).status_code
            == status
        )
    assert not ImportJob.objects.exists()

    job = _accepted(api).json()
    other = User.objects.create_user("other-editor")
    other.groups.add(Group.objects.get_or_create(name="editors")[0])
    other_api = _client_for(other)
    assert anon.get(job["url"]).status_code == 401
    assert viewer_api.get(job["url"]).status_code == 403
    assert viewer_api.post(job["cancel_url"]).status_code == 403
    assert anon.post(job["cancel_url"]).status_code == 401
    assert other_api.get(job["url"]).status_code == 200
    assert (
        api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404
    )
    assert api.get("/api/v1/jobs/not-a-job/").status_code == 404

    # The owner, no longer an editor, still sees the job but may not cancel it.
    editor.groups.clear()
    assert api.get(job["url"]).status_code == 200
    assert api.post(job["cancel_url"]).status_code == 403
    assert api.get(job["url"]).json()["status"] == "queued"


def test_a_job_whose_worker_stopped_is_reported_failed(seeded_graph_read_only, api):
    job = _accepted(api).json()
    stale = jobs.LOST_AFTER * 2
    from django.utils import timezone

    ImportJob.objects.update(status="running", beat=timezone.now() - stale)
    lost = api.get(job["url"]).json()
    assert lost["status"] == "failed" and lost["error"]["code"] == "worker_lost"


def _manage(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
        **kwargs,
    )


ACCEPT = """
import json
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient
user = User.objects.create_user("editor")
user.groups.add(Group.objects.get_or_create(name="editors")[0])
client = APIClient()
client.force_authenticate(user)
response = client.post("/api/v1/import/?prune=true", json.loads(open(PATH).read()),
                       format="json", HTTP_PREFER="respond-async")
print(response.status_code, response.json()["id"])
"""


def test_a_job_outlives_the_web_process_and_db_worker_runs_it(seeded_graph, tmp_path):
    """The process that accepted the import exits; `manage.py db_worker`, a
    process of its own, then finds the job in the database and runs it."""
    target = repository_target()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "NEO4J_URI": target.uri,
        "NEO4J_USER": target.user,
        "NEO4J_PASSWORD": target.password,
        "NEO4J_DATABASE": target.database,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    document = tmp_path / "document.json"
    document.write_text(json.dumps(_document()))
    before = _state()
    _manage("migrate", "--noinput", env=env)
    accepted = (
        _manage("shell", "-c", ACCEPT.replace("PATH", repr(str(document))), env=env)
        .stdout.splitlines()[-1]
        .split()
    )
    assert accepted[0] == "202"
    assert _state() == before  # the web process is gone; nothing written yet
    _manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env)
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
        status, result = db.execute(
            "SELECT status, result FROM graphapi_importjob WHERE id = ?",
            (accepted[1].replace("-", ""),),
        ).fetchone()
    assert status == "succeeded"
    assert json.loads(result)["revision"] == before[1] + 1
    assert selectors.taxonomy_snapshot().threats[0].name == "Renamed"


def repository_target():
    from taxonomy.graph import driver

    return driver.connection_target(for_tests=True)


@pytest.mark.parametrize(
    ("query", "content_type"),
    [
        ("format=fixtures", "application/yaml"),
        ("format=stix&taxonomy=acme-stix", "application/json"),
    ],
)
def test_a_yaml_fixture_or_a_stix_bundle_runs_as_a_job_like_a_request(
    seeded_graph, api, monkeypatch, query, content_type
):
    """The oracle: the same body answered at once, from the same graph."""
    from tests.graphapi.test_interchange_api import _stix_bundle

    if content_type == "application/yaml":
        exported = api.get("/api/v1/export/?format=yaml").content.decode()
        body = exported.replace(_next_version().threats[1].name, "Renamed in YAML")
    else:
        body = _stix_bundle()
    url = f"/api/v1/import/?{query}&dry_run=true"
    at_once = api.post(url, body, content_type=content_type)
    assert at_once.status_code == 200, at_once.content
    accepted = api.post(url, body, content_type=content_type, **ASYNC)
    assert accepted.status_code == 202
    assert ImportJob.objects.get().media_type == content_type
    run_worker(monkeypatch)
    job = api.get(accepted.json()["url"]).json()
    assert job["status"] == "succeeded"
    timed = ("write",)  # how long it took differs; everything else is the same
    assert {k: v for k, v in job["result"].items() if k not in timed} == {
        k: v for k, v in at_once.json().items() if k not in timed
    }
    assert job["result"]["changes"]["counts"] != {"create": 0, "update": 0, "delete": 0}
