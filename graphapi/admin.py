"""The admin's view of API tokens: who has one and when it was last used; revoke by deleting."""

from django.contrib import admin

from graphapi.models import APIToken


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created", "last_used")
    search_fields = ("user__username",)
    readonly_fields = ("user", "prefix", "digest", "created", "last_used")

    def has_add_permission(self, request) -> bool:
        # A key is shown once, when `manage.py api_token` makes it.
        return False
