"""Users made and changed by an administrator: the role's group kept in step, each change logged."""

from __future__ import annotations

from django.db import transaction

from civicdesk.accounts import roles
from civicdesk.accounts.models import User
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access


@transaction.atomic
def create_user(
    *,
    acting_user,
    username: str,
    password: str,
    role: str,
    municipality=None,
    team=None,
    display_name: str = "",
) -> User:
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        municipality=municipality,
        team=team,
        display_name=display_name,
    )
    roles.sync_role_group(user)
    record_access(acting_user=acting_user, action=AccessAction.CREATE, obj=user, fields=["role"])
    return user


@transaction.atomic
def save_user(*, acting_user, user: User, changed_fields: list[str]) -> User:
    """Save an edited user (admin), keeping the role's group in step and logging the change."""
    creating = user.pk is None
    user.save()
    roles.sync_role_group(user)
    record_access(
        acting_user=acting_user,
        action=AccessAction.CREATE if creating else AccessAction.CHANGE,
        obj=user,
        fields=changed_fields,
    )
    return user
