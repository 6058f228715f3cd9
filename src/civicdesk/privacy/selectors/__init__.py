"""Reads of the privacy app: who may do what, and the access log as a user may read it."""

from civicdesk.audit.models import AccessLogEntry

# Whoever may read the access log reviews its alerts (inspectors and admins).
REVIEW_PERMISSION = "privacy.view_accesslogentry"


def access_log_for(user):
    """The access log as the user may read it: everything for inspectors and admins."""
    if not may(user, REVIEW_PERMISSION):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.select_related("actor").order_by("-seq")


def may(user, permission: str) -> bool:
    """A signed-in, active user with the permission: every privacy page's first question."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(permission)
    )
