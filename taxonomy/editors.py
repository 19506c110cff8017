"""Who edits the taxonomy: the editors and viewers groups, and the one check."""

from __future__ import annotations

EDITORS = "editors"
VIEWERS = "viewers"


def is_editor(user) -> bool:
    """Whether ``user`` may change the taxonomy (a member of editors, or a superuser)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=EDITORS).exists()
