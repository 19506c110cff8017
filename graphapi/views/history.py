"""The audit log, the named revisions, and two revisions compared."""

from __future__ import annotations

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
from taxonomy.selectors.comparison import taxonomy_comparison


@schema.audit
class AuditCollection(GenericAPIView):
    serializer_class = AuditEntrySerializer

    def get(self, request: Request) -> Response:
        query = params(AuditQuerySerializer, request)
        entries = audit.audit_list(
            actor=query.get("editor"),
            since=query.get("since"),
            until=query.get("until"),
            kind=query.get("kind"),
            channel=query.get("channel"),
        )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@schema.revisions
class RevisionCollection(GenericAPIView):
    serializer_class = NamedRevisionSerializer

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(revisions.revision_list())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@schema.revision_compare
class RevisionCompareView(APIView):
    def get(self, request: Request) -> Response:
        query = params(RevisionCompareQuerySerializer, request)
        old, new = (revision_taxonomy(query[side]) for side in ("a", "b"))
        return Response(
            taxonomy_comparison(old, new, old_name=query["a"], new_name=query["b"])
        )
