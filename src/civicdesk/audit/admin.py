"""Admin pages of the access log, and the base class that logs every admin change."""

from django.contrib import admin

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access


class AccessLoggedAdmin(admin.ModelAdmin):
    """Records every admin change in the access log (inlines included)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _log(request, obj, _action(change), form.changed_data)

    def save_formset(self, request, form, formset, change):
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:  # logged first: deleting clears the pk
                _log(request, deleted.instance, AccessAction.DELETE, [])
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _log(request, obj, AccessAction.CREATE, [])
        for obj, changed in formset.changed_objects:
            _log(request, obj, AccessAction.CHANGE, changed)

    def delete_model(self, request, obj):
        _log(request, obj, AccessAction.DELETE, [])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _log(request, obj, AccessAction.DELETE, [])
        super().delete_queryset(request, queryset)


def _action(change: bool) -> str:
    return AccessAction.CHANGE if change else AccessAction.CREATE


def _log(request, obj, action: str, fields) -> None:
    record_access(acting_user=request.user, action=action, obj=obj, fields=fields)


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
