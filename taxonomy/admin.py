"""The admin: users and groups (Django's own), and a read-only view of the audit log
and the named revisions. Nothing here writes to the graph."""

from __future__ import annotations

from django.contrib import admin

from taxonomy.models import AuditEntry, NamedRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: it can be read and searched, never changed."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "channel", "action", "kind", "key", "comment")
    list_filter = ("channel", "action", "kind", "at")
    search_fields = ("actor_name", "key", "comment")
    date_hierarchy = "at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NamedRevision)
class NamedRevisionAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "created_at",
        "created_by_name",
        "graph_revision",
        "comment",
    )
    search_fields = ("name", "comment")
    exclude = ("document",)
