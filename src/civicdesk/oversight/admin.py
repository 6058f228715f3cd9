from django.contrib import admin

from civicdesk.oversight.models import AccessAlert
from civicdesk.privacy.admin import RegisterAdmin


@admin.register(AccessAlert)
class AccessAlertAdmin(RegisterAdmin):
    """Read here; analysed by oversight.services.analysis, reviewed on /privacy/alerts/."""

    list_display = ["day", "kind", "user", "count", "status", "reviewed_by", "reviewed_at"]
    list_filter = ["kind", "status", "day"]
    search_fields = ["user__username", "detail", "review_note"]
    date_hierarchy = "day"
    list_select_related = ["user", "reviewed_by"]
