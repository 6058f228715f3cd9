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

# The service counters (seed 003): everyone there sees the catalogue and the queues.
_COUNTER_FLOOR = [
    "core.view_*",
    "counter.view_queue",
    "counter.view_counter",
    "counter.view_procedure",
    "counter.view_fee",
]

# Card issuance (seed 004): everyone working there sees the venues, areas and slots.
_CARD_FLOOR = ["core.view_*", "cards.view_venue", "cards.view_area", "cards.view_slot"]

# Patterns are "app_label.codename" with shell wildcards.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Hands out tickets and books and checks in bereavement-desk visits.
    Role.RECEPTION: [
        *_COUNTER_FLOOR,
        "counter.add_ticket",
        "counter.view_ticket",
        "counter.view_bereavementreservation",
        "counter.add_bereavementreservation",
        "counter.change_bereavementreservation",
    ],
    # Calls the next number, takes requests through intake and asks staff to review.
    Role.COUNTER_CLERK: [
        *_COUNTER_FLOOR,
        "counter.view_ticket",
        "counter.call_ticket",
        "counter.view_request",
        "counter.add_request",
        "counter.change_request",
        "counter.view_review",
        "counter.*_plateloan",
        "counter.view_temporaryplate",
        "counter.view_bereavementreservation",
        "counter.add_bereavementreservation",
        "counter.change_bereavementreservation",
        "counter.view_bereavementtask",
        "counter.change_bereavementtask",
        "counter.view_papermovement",
        "counter.add_papermovement",
    ],
    # Calls tickets to the cash desk, takes fees, prints receipts, counts the day's cash.
    Role.CASHIER: [
        *_COUNTER_FLOOR,
        "counter.view_ticket",
        "counter.call_ticket",
        "counter.view_request",
        "counter.change_request",
        "counter.view_feeentry",
        "counter.add_feeentry",
        "counter.view_dayclose",
        "counter.add_dayclose",
        "counter.view_papermovement",
        "counter.add_papermovement",
    ],
    # The card call center: finds a target, books, changes, cancels (also FAX), records calls.
    Role.CARD_OPERATOR: [
        *_CARD_FLOOR,
        "cards.view_cardtarget",
        "cards.view_reservation",
        "cards.add_reservation",
        "cards.change_reservation",
        "cards.view_cardcall",
        "cards.add_cardcall",
    ],
    # A venue's counter: receives the cards sent, checks identity, issues, closes the day.
    Role.VENUE_CLERK: [
        *_CARD_FLOOR,
        "cards.view_cardtarget",
        "cards.issue_card",
        "cards.view_reservation",
        "cards.change_reservation",
        "cards.view_venuetransfer",
        "cards.change_venuetransfer",
        "cards.view_venueday",
        "cards.add_venueday",
    ],
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
        # The counters: the contractor's lead watches the queues, the cash and the paper.
        "counter.view_*",
        "counter.add_dayclose",
        "counter.add_papermovement",
        "counter.add_displaydevice",
        "counter.change_displaydevice",
        # Stands in at reception on busy mornings (seed 003 §8: staff every counter).
        "counter.add_ticket",
        # Card issuance: the contractor's 統括責任者 is the recording manager (別紙④ 第3条);
        # imports the targets, prints and mails, moves the cards, reconciles, registers
        # disclosure requests for staff to approve.
        "cards.view_*",
        "cards.add_targetimport",
        "cards.add_mailing",
        "cards.change_mailing",
        "cards.add_cardreceipt",
        "cards.add_venuetransfer",
        "cards.add_reconciliationclose",
        "cards.add_reservation",
        "cards.change_reservation",
        "cards.add_cardcall",
        "cards.change_cardtarget",
        "cards.add_callrecording",
        "cards.change_callrecording",
        "cards.play_callrecording",
        "cards.erase_callrecording",
        "cards.add_disclosure",
        "cards.change_disclosure",
        "accounts.view_user",
        "accounts.view_team",
        "privacy.add_exportrecord",
        # Exports (issue 8 §2): the center hands its files to staff and keeps the register.
        "privacy.add_handoverrecord",
        "privacy.view_handoverrecord",
        # The staff roster (業務従事者名簿): prepared, submitted and changed by the center.
        "accounts.view_roster*",
        "accounts.add_roster*",
        "accounts.change_roster*",
        "accounts.delete_rosterentry",
        # Purge (issue 8 §4): the center drafts the plan and executes it once staff approved.
        "privacy.view_purgeplan",
        "privacy.add_purgeplan",
        "privacy.execute_purgeplan",
        # Incidents (事故) are recorded and reported by the center; it reports each half-year.
        "privacy.view_incident",
        "privacy.add_incident",
        "privacy.change_incident",
        "privacy.view_privacystatusreport",
        "privacy.add_privacystatusreport",
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
        # Exports (issue 8 §2): staff approve the center's exports and confirm receipts.
        "privacy.view_exportrequest",
        "privacy.change_exportrequest",
        "privacy.add_handoverrecord",
        "privacy.change_handoverrecord",
        # The staff roster is submitted to the municipality: staff read and export it.
        "accounts.view_roster*",
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
        # The counters: staff decide (review), confirm the day's cash, keep the catalogue,
        # the fee schedule and the bereavement desk's questionnaire as data (seed 003 §7(2)).
        "counter.view_*",
        "counter.review_request",
        "counter.confirm_dayclose",
        "counter.*_procedure",
        "counter.*_fee",
        "counter.*_queue",
        "counter.*_counter",
        "counter.*_counterqueue",
        "counter.*_bereavementquestion",
        "counter.*_bereavementprocedure",
        "counter.*_bereavementdesk",
        "counter.*_temporaryplate",
        "counter.*_displaydevice",
        # Card issuance: the ward keeps the venues, the areas and the slots, approves every
        # disclosure of a recording (別紙④ 第7条) and agrees longer retention (第6条2).
        "cards.view_*",
        "cards.*_venue",
        "cards.*_area",
        "cards.*_slot",
        "cards.add_targetimport",
        "cards.add_reservation",
        "cards.change_reservation",
        "cards.change_callrecording",
        "cards.play_callrecording",
        "cards.approve_disclosure",
        "cards.change_disclosure",
        # Designated weekend mornings (seed 003 §5(3)) are the municipality's to set.
        "core.add_designatedday",
        # Reports are for the municipality: staff read them and set the yearly targets.
        "reports.view_*",
        "reports.add_target",
        "reports.change_target",
        # Purge (issue 8 §4): staff draft or approve plans (never their own) and verify.
        "privacy.view_purgeplan",
        "privacy.add_purgeplan",
        "privacy.approve_purgeplan",
        # Incidents: staff record what they are told, report, and close (DESIGN rule 6).
        "privacy.view_incident",
        "privacy.add_incident",
        "privacy.change_incident",
        "privacy.close_incident",
        "privacy.view_privacystatusreport",
    ],
    Role.INSPECTOR: [
        "core.view_*",
        "accounts.view_user",
        "accounts.view_team",
        "privacy.view_accesslogentry",
        "privacy.view_handoverrecord",
        "privacy.view_exportrecord",
        "privacy.view_exportrequest",
        "privacy.view_purgeplan",
        "accounts.view_roster*",
        "privacy.view_incident",
        "privacy.view_privacystatusreport",
        "receivables.view_importrun",
        "dunning.view_campaign",
        "dunning.view_letterbatch",
        "sms.view_*",
        # Card issuance: the registers and the reconciliation, never a recording's sound.
        "cards.view_venue",
        "cards.view_area",
        "cards.view_slot",
        "cards.view_mailing",
        "cards.view_cardreceipt",
        "cards.view_venuetransfer",
        "cards.view_venueday",
        "cards.view_reconciliationclose",
        "cards.view_callrecording",
        "cards.view_recordingerasure",
        "cards.view_disclosure",
        "reports.view_*",
    ],
    Role.ADMIN: [
        "core.*",
        "accounts.*_user",
        "accounts.*_team",
        "privacy.view_accesslogentry",
        "privacy.view_handoverrecord",
        "privacy.view_exportrecord",
        "privacy.view_exportrequest",
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
