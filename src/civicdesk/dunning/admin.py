"""Admin pages: campaigns only. Contacts, hand-overs and requests hold personal data, which the
administrator role never sees (registry.selectors); they have their own pages."""

from django.contrib import admin

from civicdesk.dunning.models import Campaign
from civicdesk.privacy.admin import AccessLoggedAdmin


@admin.register(Campaign)
class CampaignAdmin(AccessLoggedAdmin):
    list_display = ["name", "channel", "status", "starts_on", "ends_on", "priority_rule"]
    list_filter = ["channel", "status", "kind"]
    filter_horizontal = ["teams", "operators"]
    readonly_fields = ["conditions", "built_at", "created_by", "created_at"]
