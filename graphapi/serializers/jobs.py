"""An import job as the API answers it (documented for the schema; the view
builds the document, ``graphapi.views.jobs.job_document``)."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from graphapi.models import ImportJob
from graphapi.serializers.documents import (
    CatalogueImportResultSerializer,
    ErrorBodySerializer,
    ImportResultSerializer,
)


class JobSerializer(serializers.Serializer):
    """An API import run by the task worker: how far it is and how it ended."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(
        ImportJob.Status.values,
        help_text="queued: waiting for the task worker; running; succeeded (see "
        "result); failed (see error; the graph is as it was); cancelled (the "
        "graph is as it was).",
    )
    phase = serializers.CharField(
        help_text="What a running job does: reading (parsing and comparing with "
        "the graph) or writing (done of total changes); else its status."
    )
    done = serializers.IntegerField(help_text="Changes written so far.")
    total = serializers.IntegerField(
        help_text="Changes to write (0 until the comparison is done)."
    )
    cancel_requested = serializers.BooleanField(
        help_text="An editor asked to cancel it. A running job stops at its "
        "next batch and undoes what it wrote; once its write has switched "
        "(committed), the cancel comes too late and the job succeeds."
    )
    created = serializers.DateTimeField()
    started = serializers.DateTimeField(allow_null=True)
    finished = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="This status (GET).")
    cancel_url = serializers.CharField(help_text="Cancel the job (POST).")
    result = PolymorphicProxySerializer(
        component_name="JobResult",
        serializers=[ImportResultSerializer, CatalogueImportResultSerializer],
        resource_type_field_name=None,
        allow_null=True,
        help_text="Once succeeded: what the import answers with at once (200).",
    )
    error = ErrorBodySerializer(
        allow_null=True,
        help_text="Once failed or cancelled: the API's error (code, message, "
        "details), as a synchronous import would have answered it.",
    )
    error_status = serializers.IntegerField(
        allow_null=True,
        help_text="Once failed: the HTTP status a synchronous import would have "
        "answered (e.g. 422, 409).",
    )
