from django.db.models import Count, QuerySet

from civicdesk.audit.models import AccessLogEntry
from civicdesk.privacy.models import AccessAlert, AlertKind

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


def may_review_alerts(user) -> bool:
    return may(user, REVIEW_PERMISSION)


def alerts_for(user) -> QuerySet[AccessAlert]:
    """The inbox as the user may read it: everything for inspectors and admins, else nothing."""
    if not may_review_alerts(user):
        return AccessAlert.objects.none()
    return AccessAlert.objects.select_related("user", "reviewed_by").order_by("-day", "-pk")


def kind_counts(alerts: QuerySet[AccessAlert]) -> list[tuple[str, str, int]]:
    """(kind, label, count) for every kind, zeros included (one grouped query)."""
    counts = dict(alerts.order_by().values_list("kind").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in AlertKind.choices]
