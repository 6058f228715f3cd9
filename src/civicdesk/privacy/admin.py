from django.contrib import admin

from civicdesk.privacy.models import ExportRecord, ExportRequest, HandOverRecord


class RegisterAdmin(admin.ModelAdmin):
    """A register is evidence: it is read here and written only by the services that act."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExportRecord)
class ExportRecordAdmin(RegisterAdmin):
    list_display = [
        "at",
        "exported_by",
        "exported_by_system",
        "content",
        "file_format",
        "count",
        "reason",
        "file_name",
        "encrypted",
        "return_due_on",
        "returned_at",
        "return_method",
    ]
    list_filter = [
        "file_format",
        "at",
        "encrypted",
        "return_method",
        ("returned_at", admin.EmptyFieldListFilter),
        ("exported_by", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["content", "file_name", "reason", "sha256", "exported_by__username"]
    date_hierarchy = "at"
    list_select_related = ["exported_by"]


@admin.register(HandOverRecord)
class HandOverRecordAdmin(RegisterAdmin):
    list_display = [
        "at",
        "direction",
        "content",
        "count",
        "handler",
        "receiver_confirmed_at",
        "receiver_confirmed_by",
        "receiver",
        "file_name",
    ]
    list_filter = [
        "direction",
        "at",
        ("handler", admin.RelatedOnlyFieldListFilter),
        ("receiver_confirmed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["content", "file_name", "sha256", "handler__username"]
    date_hierarchy = "at"
    list_select_related = ["handler", "receiver_confirmed_by"]


@admin.register(ExportRequest)
class ExportRequestAdmin(RegisterAdmin):
    """Read here; requested, approved and made on the pages under /privacy/exports/."""

    list_display = [
        "requested_at",
        "requested_by",
        "exporter",
        "content",
        "status",
        "approved_by",
        "encrypt",
        "return_due_on",
        "downloaded_at",
    ]
    list_filter = ["status", "exporter", "encrypt", "requested_at"]
    search_fields = ["content", "reason", "requested_by__username"]
    date_hierarchy = "requested_at"
    list_select_related = ["requested_by", "approved_by"]
    # The token's hash is of no use to a reader and is left off the page.
    exclude = ["download_token_sha256"]
