"""The documentation of the audit log, the named revisions and two revisions
compared."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from graphapi.openapi import errors
from graphapi.serializers import documents, history, queries

audit = extend_schema(
    tags=["history"],
    summary="The audit log: every write, newest first",
    description="Who changed what (each item before and after), when, how "
    "(browser, api, fixtures, import) and why. Paginated with limit and offset; "
    "the filters combine (AND). Editors see every entry whole; what others see is "
    "the server's `LAYERWISE_AUDIT_VISIBILITY`: `public` the same, `anonymised` "
    "(the default) each entry without `actor`, `before` and `after` (and `editor=` "
    "is a 403), `editors` nothing (401 anonymous, 403 logged in).",
    parameters=[queries.AuditQuerySerializer],
    responses={
        200: history.AuditEntrySerializer(many=True),
        **errors(401, 403, 422),
    },
)
revisions = extend_schema(
    tags=["history"],
    summary="The named revisions, newest first",
    description="Each is the whole taxonomy as it was when `manage.py taxonomy tag "
    "NAME` ran; analyse one with `coverage/?revision=NAME`. `created_by` is shown "
    "to editors, and to everyone when `LAYERWISE_AUDIT_VISIBILITY=public`.",
    responses={200: history.NamedRevisionSerializer(many=True)},
)
revision_compare = extend_schema(
    tags=["history"],
    summary="Compare two revisions: items added, removed, changed, and the coverage impact",
    description="The document of `manage.py taxonomy diff --format json`, between "
    "two named revisions (or `current`, the graph now).",
    parameters=[queries.RevisionCompareQuerySerializer],
    responses={200: documents.ComparisonSerializer, **errors(404, 422)},
)
