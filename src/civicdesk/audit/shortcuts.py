"""Shortcuts over ``record_access`` for what pages do again and again."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.http import HttpRequest

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access


def log_view(
    request_or_user,
    obj: models.Model | None = None,
    fields: Iterable[str] = (),
    reason: str = "",
) -> AccessLogEntry:
    """Log that personal data was shown (DESIGN rule 2): who (the request's user, or the user
    given), which object (none for a list), which fields, and why. The client's address comes
    from the request being served (audit.context)."""
    user = request_or_user.user if isinstance(request_or_user, HttpRequest) else request_or_user
    return record_access(
        acting_user=user, action=AccessAction.VIEW, obj=obj, fields=fields, reason=reason
    )
