"""Who may do what: reads public (or logged-in only), writes for the editors group."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework.exceptions import APIException, NotAuthenticated, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from taxonomy.editors import audit_detail, is_editor


class ReadPublicWriteEditors(BasePermission):
    """Reads for everyone (logged-in users only with LAYERWISE_API_REQUIRE_LOGIN);
    writes for editors. Anonymous clients get 401, other users 403."""

    message = "only members of the editors group may change the taxonomy"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return not settings.LAYERWISE_API_REQUIRE_LOGIN or bool(
                request.user and request.user.is_authenticated
            )
        return is_editor(request.user)


class AuditReaders(ReadPublicWriteEditors):
    """The audit log's readers: those LAYERWISE_AUDIT_VISIBILITY lets see it
    (editors always); others get 401 when anonymous, else 403."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if audit_detail(request.user) != "none":
            return True
        if not request.user.is_authenticated:
            raise NotAuthenticated("the audit log is for editors; log in")
        raise PermissionDenied("the audit log is for editors only")


def anonymous_may(view, method: str) -> bool:
    """Whether ``view``'s permission classes let an anonymous client send
    ``method``, under the settings of the moment (what the schema publishes)."""
    plain = HttpRequest()
    plain.method = method.upper()
    request = Request(plain)
    request.user = AnonymousUser()
    try:
        return all(p.has_permission(request, view) for p in view.get_permissions())
    except APIException:
        return False


class JobReaders(BasePermission):
    """An import job: its status for editors and for the editor who started
    it; cancelling it for editors. Anonymous clients get 401, others 403."""

    message = "an import job is for editors and the editor who started it"

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated("import jobs are for editors; log in")
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if is_editor(request.user):
            return True
        return request.method in SAFE_METHODS and obj.owner_id == request.user.pk
