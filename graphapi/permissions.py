"""Who may do what: reads public (or logged-in only), writes for the editors group."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission

from taxonomy.editors import is_editor


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
