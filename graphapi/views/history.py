"""The audit log, the named revisions, and two revisions compared."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from graphapi import schema
from graphapi.serializers.queries import (
    AuditQuerySerializer,
    RevisionCompareQuerySerializer,
)
from graphapi.serializers.records import AuditEntrySerializer, NamedRevisionSerializer
from graphapi.views.common import params, revision_taxonomy
from taxonomy import audit, revisions
from taxonomy.editors import audit_detail
from taxonomy.selectors.comparison import taxonomy_comparison


def _audit_context(request: Request) -> dict[str, bool]:
    """Whether the audit log is anonymised for this reader; 401/403 if it is hidden."""
    detail = audit_detail(request.user)
    if detail == "none" and not request.user.is_authenticated:
        raise exceptions.NotAuthenticated("the audit log is for editors; log in")
    if detail == "none":
        raise exceptions.PermissionDenied("the audit log is for editors only")
    return {"anonymised": detail == "anonymised"}


@schema.audit
class AuditCollection(GenericAPIView):
    serializer_class = AuditEntrySerializer

    def get(self, request: Request) -> Response:
        query = params(AuditQuerySerializer, request)
        context = {**self.get_serializer_context(), **_audit_context(request)}
        if context["anonymised"] and query.get("editor"):
            raise exceptions.PermissionDenied("only editors may filter by editor")
        entries = audit.audit_list(
            actor=query.get("editor"),
            since=query.get("since"),
            until=query.get("until"),
            kind=query.get("kind"),
            channel=query.get("channel"),
        )
        page = self.paginate_queryset(entries)
        data = AuditEntrySerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@schema.revisions
class RevisionCollection(GenericAPIView):
    serializer_class = NamedRevisionSerializer

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(revisions.revision_list())
        context = {"anonymised": audit_detail(request.user) != "all"}
        data = NamedRevisionSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@schema.revision_compare
class RevisionCompareView(APIView):
    def get(self, request: Request) -> Response:
        query = params(RevisionCompareQuerySerializer, request)
        old, new = (revision_taxonomy(query[side]) for side in ("a", "b"))
        return Response(
            taxonomy_comparison(old, new, old_name=query["a"], new_name=query["b"])
        )
