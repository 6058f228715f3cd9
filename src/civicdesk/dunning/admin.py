"""Admin pages of the dunning app: only the documents visitors leave (差し置き文書), which hold
no personal data. Campaigns have their own pages for supervisors, and contacts, hand-overs and
requests hold personal data, which the administrator role never sees (registry.selectors)."""

from django.contrib import admin

from civicdesk.audit.admin import AccessLoggedAdmin
from civicdesk.dunning.models import LeftNoticeTemplate


@admin.register(LeftNoticeTemplate)
class LeftNoticeTemplateAdmin(AccessLoggedAdmin):
    list_display = ["name", "municipality", "active", "order", "description"]
    list_filter = ["municipality", "active"]
    list_editable = ["active", "order"]
    search_fields = ["name", "description"]
    ordering = ["municipality", "order", "pk"]
