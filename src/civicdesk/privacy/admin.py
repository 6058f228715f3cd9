from django.contrib import admin

from civicdesk.privacy.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_username", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["actor_username", "object_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
