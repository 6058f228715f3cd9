from civicdesk.privacy.models import AccessLogEntry


def access_log_for(user):
    """The access log as the user may read it: everything for inspectors and admins."""
    if not user.has_perm("privacy.view_accesslogentry"):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.select_related("actor").order_by("-seq")
