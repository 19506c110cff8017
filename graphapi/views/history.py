"""The audit log, the named revisions, and two revisions compared."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.permissions import AuditReaders
from graphapi.serializers.history import AuditEntrySerializer, NamedRevisionSerializer
from graphapi.serializers.queries import (
    AuditQuerySerializer,
    RevisionCompareQuerySerializer,
)
from graphapi.views.common import ApiGenericView, ApiView, params, revision_taxonomy
from taxonomy import audit, revisions
from taxonomy.editors import audit_detail
from taxonomy.selectors.comparison import taxonomy_comparison


@schema.audit
class AuditCollection(ApiGenericView):
    serializer_class = AuditEntrySerializer
    # Who may read it is a permission, so that the schema shows it.
    permission_classes = [AuditReaders]

    def get(self, request: Request) -> Response:
        query = params(AuditQuerySerializer, request)
        anonymised = audit_detail(request.user) == "anonymised"
        context = {**self.get_serializer_context(), "anonymised": anonymised}
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
class RevisionCollection(ApiGenericView):
    serializer_class = NamedRevisionSerializer

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(revisions.revision_list())
        context = {"anonymised": audit_detail(request.user) != "all"}
        data = NamedRevisionSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@schema.revision_compare
class RevisionCompareView(ApiView):
    def get(self, request: Request) -> Response:
        query = params(RevisionCompareQuerySerializer, request)
        old, new = (revision_taxonomy(query[side]) for side in ("a", "b"))
        return Response(
            taxonomy_comparison(old, new, old_name=query["a"], new_name=query["b"])
        )
