"""Import jobs: an API import run by the task worker instead of inside the web
request that sent it, so a large import never depends on finishing within a
web worker's timeout.

The request validates the query and the body's media type, keeps the body in
an ``ImportJob`` row and enqueues ``run_import_job`` on django-tasks' database
backend (a table in Django's database: no other server); it answers 202 with
the job's status URL. ``manage.py db_worker`` (started by ``make run`` beside
gunicorn) runs the job: the same import as a synchronous one
(``graphapi.imports.run_import``), reporting its progress to the row and
checking, at every batch it writes, whether an editor asked to cancel it. A
cancelled or failed import leaves the graph as it was (a one-transaction
write is rolled back, a staged load is aborted before its switch); a cancel
that comes after the switch is too late and the job ends as succeeded.
Everything a job needs is in the database, so it survives a restart of the
web server; a worker that dies mid-job leaves a job whose ``beat`` stops,
reported as failed (``worker_lost``), while its staged load, if any, is taken
over by the next write once its lease runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import task

from graphapi.exceptions import error_body, error_of
from graphapi.imports import run_import
from graphapi.models import ImportJob

logger = logging.getLogger(__name__)

# The row's progress is written at most this often (seconds), and the cancel
# flag read with it; a worker beats the row this often while it runs a job.
PROGRESS_EVERY = 0.5
BEAT_EVERY = 5.0
# A running job not heard of for this long lost its worker.
LOST_AFTER = timedelta(seconds=60)

Status = ImportJob.Status


class Cancelled(Exception):
    """An editor asked to cancel the job; raised inside its write, which so
    leaves the graph as it was."""


def runs_as_job(body_size: int, prefer: str | None) -> bool:
    """Whether an import of ``body_size`` bytes is answered 202 and run as a
    job: larger than ``LAYERWISE_IMPORT_JOB_BYTES``, or asked for with
    ``Prefer: respond-async`` (RFC 7240).

    >>> runs_as_job(10, "respond-async, wait=10"), runs_as_job(10, None)
    (True, False)
    """
    asked = any(
        p.split("=")[0].strip().lower() == "respond-async"
        for p in (prefer or "").split(",")
    )
    return asked or body_size > settings.LAYERWISE_IMPORT_JOB_BYTES


def start(query: dict[str, Any], media_type: str, body: bytes, owner: Any) -> ImportJob:
    """Keep the import and enqueue it; the job (queued)."""
    job = ImportJob.objects.create(
        query=query, media_type=media_type, body=body, owner=owner
    )
    result = run_import_job.enqueue(str(job.pk))
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)
    return job


def cancel(job: ImportJob) -> ImportJob:
    """Ask ``job`` to stop: a queued job never runs, a running one stops at
    its next batch (its write undone). An ended job is left as it ended."""
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        cancel_requested=True,
        status=Status.CANCELLED,
        phase="cancelled",
        finished=now,
        body=None,
        error=_cancelled(),
    )
    ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        cancel_requested=True
    )
    return ImportJob.objects.get(pk=job.pk)


def lost(job: ImportJob) -> bool:
    """A running job whose worker has not beaten its row for LOST_AFTER."""
    return (
        job.status == Status.RUNNING
        and job.beat is not None
        and timezone.now() - job.beat > LOST_AFTER
    )


def _cancelled() -> dict[str, Any]:
    return {
        "status": None,
        **error_body(
            "cancelled",
            "the import was cancelled at an editor's request; nothing was written",
        ),
    }


class _Reporter:
    """The job's progress callback (``done``, ``total`` of the write) and its
    worker's heartbeat thread: ``with _Reporter(job_id) as progress: ...``."""

    def __init__(self, job_id: Any):
        self.job_id = job_id
        self.last = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="job")

    def __enter__(self) -> _Reporter:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and done < total:
            return
        self.last = now
        rows = ImportJob.objects.filter(pk=self.job_id)
        rows.update(done=done, total=total, phase="writing", beat=timezone.now())
        if rows.filter(cancel_requested=True).exists():
            raise Cancelled

    def _beat(self) -> None:
        try:
            while not self.stop.wait(BEAT_EVERY):
                try:
                    ImportJob.objects.filter(pk=self.job_id).update(beat=timezone.now())
                except Exception:  # the next beat may pass; the job goes on
                    logger.warning("could not beat import job %s", self.job_id)
        finally:
            connection.close()


def _finish(job_id: Any, status: str, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=status, phase=status, finished=timezone.now(), body=None, **fields
    )


@task()
def run_import_job(job_id: str) -> str:
    """Run the import job ``job_id`` (on the task worker); its final status."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        pk=job_id, status=Status.QUEUED, cancel_requested=False
    ).update(status=Status.RUNNING, phase="reading", started=now, beat=now)
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    if not claimed:  # cancelled while queued, or already run
        return job.status
    with _Reporter(job.pk) as progress:
        try:
            result = run_import(
                job.query,
                job.media_type,
                bytes(job.body or b""),
                actor=job.owner,
                progress=progress,
            )
        except Cancelled:
            _finish(job.pk, Status.CANCELLED, error=_cancelled())
            return Status.CANCELLED
        except Exception as e:
            status, body = error_of(e)
            _finish(job.pk, Status.FAILED, error={"status": status, **body})
            return Status.FAILED
    _finish(job.pk, Status.SUCCEEDED, result=result)
    return Status.SUCCEEDED
