"""Roles are Django groups whose permissions are defined here, in one place.

Each user has exactly one role (User.role); ``sync_role_group`` makes the user a member of
that role's group and nothing else. Groups and their permissions are (re)built after every
migrate, so a new model's permissions reach the right roles without a manual step.
"""

from __future__ import annotations

from fnmatch import fnmatch

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate

from civicdesk.accounts.models import Role, User

# Working cases: take the next one, see the case, record contacts, hand over to staff.
_CONTACT_WORK = [
    "dunning.work_item",
    "dunning.view_campaign",
    "dunning.view_contact",
    "dunning.add_contact",
    "dunning.add_handover",
]

# Patterns are "app_label.codename" with shell wildcards.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: ["core.view_*", *_CONTACT_WORK, "dunning.view_inboundcall"],
    Role.VISITOR: [
        "core.view_*",
        *_CONTACT_WORK,
        # A day's visit list (their own) and the results on the tablet.
        "dunning.view_visitlist",
        "dunning.add_visitlist",
        "dunning.add_visitrecord",
    ],
    Role.SUPERVISOR: [
        "core.view_*",
        *_CONTACT_WORK,
        "dunning.view_inboundcall",
        "dunning.*_campaign",
        "dunning.view_workitem",
        "dunning.view_handover",
        "dunning.view_staffrequest",
        "dunning.view_visitlist",
        "dunning.add_visitlist",
        "dunning.add_visitrecord",
        "dunning.view_visitrecord",
        # Reminder letters: made, printed and printed again by the center.
        "dunning.view_letterbatch",
        "dunning.add_letterbatch",
        # SMS: templates (without personal values), batches, opt-outs, replies.
        "sms.view_*",
        "sms.add_smstemplate",
        "sms.change_smstemplate",
        "sms.add_smsbatch",
        "sms.change_smsbatch",
        "sms.add_optout",
        "sms.delete_optout",
        # Reports: written (remarks), finalised and corrected by the center's supervisors.
        "reports.view_*",
        "reports.add_report",
        "reports.change_report",
        "accounts.view_user",
        "accounts.view_team",
        "privacy.add_exportrecord",
    ],
    Role.STAFF: [
        "core.view_*",
        "accounts.view_user",
        "accounts.view_team",
        # Municipal staff import the data and see what was handed over and exported.
        "receivables.add_importrun",
        "receivables.view_importrun",
        "privacy.view_handoverrecord",
        "privacy.view_exportrecord",
        "privacy.add_exportrecord",
        # Staff decide what the center hands over and prepares (DESIGN rule 6).
        "dunning.view_campaign",
        "dunning.view_workitem",
        "dunning.view_contact",
        "dunning.view_handover",
        "dunning.change_handover",
        "dunning.view_staffrequest",
        "dunning.change_staffrequest",
        "dunning.view_letterbatch",
        # SMS: only staff allow a template to carry a name, an amount or a due date.
        "sms.view_*",
        "sms.add_smstemplate",
        "sms.change_smstemplate",
        "sms.allow_personal_values",
        "sms.add_optout",
        "sms.delete_optout",
        # Reports are for the municipality: staff read them and set the yearly targets.
        "reports.view_*",
        "reports.add_target",
        "reports.change_target",
    ],
    Role.INSPECTOR: [
        "core.view_*",
        "accounts.view_user",
        "accounts.view_team",
        "privacy.view_accesslogentry",
        "privacy.view_handoverrecord",
        "privacy.view_exportrecord",
        "receivables.view_importrun",
        "dunning.view_campaign",
        "dunning.view_letterbatch",
        "sms.view_*",
        "reports.view_*",
    ],
    Role.ADMIN: [
        "core.*",
        "accounts.*_user",
        "accounts.*_team",
        "privacy.view_accesslogentry",
        "privacy.view_handoverrecord",
        "privacy.view_exportrecord",
        "axes.view_*",
        "axes.delete_*",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        # The documents visitors leave: no personal data, kept in the admin pages.
        "dunning.*_leftnoticetemplate",
    ],
}

# Roles that may open Django's admin pages (users, teams, calendar).
ADMIN_SITE_ROLES = {Role.ADMIN}


def permissions_for(role: str) -> list[Permission]:
    patterns = ROLE_PERMISSIONS.get(role, [])
    found = []
    for permission in Permission.objects.select_related("content_type"):
        name = f"{permission.content_type.app_label}.{permission.codename}"
        if any(fnmatch(name, pattern) for pattern in patterns):
            found.append(permission)
    return found


def ensure_role_groups(**_kwargs) -> None:
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(permissions_for(role))


def sync_role_group(user: User) -> None:
    """Make the user's group membership and admin-site access follow their role."""
    group, _ = Group.objects.get_or_create(name=user.role)
    user.groups.set([group])
    is_staff = user.role in ADMIN_SITE_ROLES
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        User.objects.filter(pk=user.pk).update(is_staff=is_staff)


def connect_signals() -> None:
    post_migrate.connect(ensure_role_groups, dispatch_uid="civicdesk.accounts.roles")
