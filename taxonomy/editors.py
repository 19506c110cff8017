"""Who edits the taxonomy (the editors and viewers groups, the one check), and how
much of the audit log everyone else sees."""

from __future__ import annotations

from django.conf import settings

EDITORS = "editors"
VIEWERS = "viewers"


def is_editor(user) -> bool:
    """Whether ``user`` may change the taxonomy (a member of editors, or a superuser)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=EDITORS).exists()


def audit_detail(user) -> str:
    """How much of the audit log ``user`` sees: ``all``, ``anonymised`` or ``none``.

    Editors see all; everyone else what ``LAYERWISE_AUDIT_VISIBILITY`` allows.
    """
    visibility = settings.LAYERWISE_AUDIT_VISIBILITY
    if visibility == "public" or is_editor(user):
        return "all"
    return "none" if visibility == "editors" else "anonymised"
