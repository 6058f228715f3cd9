"""Read queries of SMS templates (本文テンプレート): who may see and edit them, and which.

Supervisors and staff write templates; inspectors read them; operators, visitors and the
administrator see none. A template holds no personal data (only {変数}), so reading one is not
logged; only the user's own municipality's templates are ever returned.
"""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.core.models import Municipality
from civicdesk.sms.models import SmsTemplate

VIEW_TEMPLATE = "sms.view_smstemplate"
ADD_TEMPLATE = "sms.add_smstemplate"
CHANGE_TEMPLATE = "sms.change_smstemplate"
# Only municipal staff let a template carry a name, an amount or a due date (issue 6 §2).
ALLOW_PERSONAL_VALUES = "sms.allow_personal_values"


def _has(user, permission: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(permission))


def may_view_templates(user) -> bool:
    return _has(user, VIEW_TEMPLATE)


def may_edit_templates(user) -> bool:
    return _has(user, CHANGE_TEMPLATE)


def may_add_templates(user) -> bool:
    return _has(user, ADD_TEMPLATE)


def may_allow_personal_values(user) -> bool:
    return _has(user, ALLOW_PERSONAL_VALUES)


def templates_for(user) -> QuerySet[SmsTemplate]:
    """The templates of the user's municipality, for roles that may see templates at all."""
    if not may_view_templates(user):
        return SmsTemplate.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return SmsTemplate.objects.filter(municipality_id=municipality_id).select_related(
        "created_by", "updated_by"
    )


def active_templates(user, revenue_type: str | None = None) -> QuerySet[SmsTemplate]:
    """Templates a batch may use (使用する), optionally of one revenue type."""
    templates = templates_for(user).filter(is_active=True)
    if revenue_type is not None:
        templates = templates.filter(revenue_type=revenue_type)
    return templates
