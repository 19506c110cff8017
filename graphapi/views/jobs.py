"""Import jobs: the status of an import run by the task worker, and its cancel
(``graphapi.jobs``)."""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import reverse
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import jobs, schema
from graphapi.exceptions import error_body
from graphapi.models import ImportJob
from graphapi.permissions import JobReaders
from graphapi.views.common import ApiView


class JobEnded(APIException):
    status_code = 409
    default_code = "job_ended"


def job_document(job: ImportJob) -> dict[str, Any]:
    """What the API says of ``job`` (JobSerializer)."""
    failed = job.error or {}
    return {
        "id": str(job.pk),
        "status": job.status,
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "cancel_requested": job.cancel_requested,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "url": reverse("api:job-detail", args=[job.pk]),
        "cancel_url": reverse("api:job-cancel", args=[job.pk]),
        "result": job.result,
        "error": failed.get("error"),
        "error_status": failed.get("status"),
    }


class _JobView(ApiView):
    permission_classes = [JobReaders]

    def job(self, request: Request, job_id: Any) -> ImportJob:
        try:
            job = ImportJob.objects.get(pk=uuid.UUID(job_id))
        except (ValueError, ImportJob.DoesNotExist):
            raise NotFound(f"no import job {job_id!r}") from None
        self.check_object_permissions(request, job)
        if jobs.lost(job):
            ImportJob.objects.filter(pk=job.pk, status=job.Status.RUNNING).update(
                status=job.Status.FAILED,
                phase="failed",
                body=None,
                error={
                    "status": None,
                    **error_body(
                        "worker_lost",
                        "the task worker running this import stopped; nothing "
                        "of it is kept (a staged load is undone by the next "
                        "write): send the import again",
                    ),
                },
            )
            job.refresh_from_db()
        return job


@schema.job
class JobView(_JobView):
    def get(self, request: Request, job_id: Any) -> Response:
        return Response(job_document(self.job(request, job_id)))


@schema.job_cancel
class JobCancelView(_JobView):
    def post(self, request: Request, job_id: Any) -> Response:
        job = self.job(request, job_id)
        if job.status in job.ENDED:
            raise JobEnded(
                f"the import job has ended ({job.status}): nothing to cancel"
            )
        return Response(job_document(jobs.cancel(job)), status=202)
