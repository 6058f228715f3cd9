"""The staff roster (業務従事者名簿, seed 000 §14(3), issue 8 §3): every state change.

The center's supervisor prepares a month's roster, submits it once (due by the 20th of the
month before; later is allowed and shown as 期限超過), and afterwards records temporary
changes (臨時の変更: 追加 / 削除 from a day, with a reason), which are reported to the
municipality. Municipal staff and inspectors read; staff and supervisors export.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.accounts.models import (
    ROSTER_ROLES,
    Roster,
    RosterChange,
    RosterChangeKind,
    RosterEntry,
    RosterStatus,
    User,
)
from civicdesk.accounts.selectors import roster as selectors
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import add_months

# How far ahead a roster may be made: next month is the usual one, the month after for leave.
MONTHS_AHEAD = 2


def _require_preparer(acting_user, roster_municipality_id) -> None:
    if not selectors.may_prepare_rosters(acting_user):
        raise PermissionDenied("業務従事者名簿を作成・変更する権限がありません。")
    if not roster_municipality_id or acting_user.municipality_id != roster_municipality_id:
        raise PermissionDenied("他の自治体の名簿は変更できません。")


def _locked(roster: Roster) -> Roster:
    # The row lock orders submission against edits of the same month (on SQLite the
    # IMMEDIATE transaction already gives one writer at a time).
    return Roster.objects.select_for_update().get(pk=roster.pk)


def _require_draft(roster: Roster) -> None:
    if roster.status != RosterStatus.DRAFT:
        raise ValidationError(
            "提出済みの名簿は変更できません。変更は「臨時の変更」として記録してください。"
        )


def _check_member(roster: Roster, user: User) -> None:
    if user.role not in ROSTER_ROLES:
        raise ValidationError(
            {"user": "名簿に載せられるのはオペレータ・訪問員・業務責任者だけです。"}
        )
    if user.municipality_id != roster.municipality_id or not user.is_active:
        raise ValidationError({"user": "この自治体の有効な利用者を選んでください。"})


def create_roster(
    *, acting_user, month: date, copy_previous: bool = False, today: date | None = None
) -> Roster:
    """Start a month's roster (作成中), optionally with the people of the month before as they
    stood on its last day (temporary changes included)."""
    _require_preparer(acting_user, acting_user.municipality_id)
    today = today or timezone.localdate()
    if month.day != 1:
        raise ValidationError({"month": "対象月はその月の1日で指定してください。"})
    this_month = selectors.first_of_month(today)
    if not this_month <= month <= add_months(this_month, MONTHS_AHEAD):
        raise ValidationError({"month": "名簿を作成できるのは今月から2か月先までです。"})
    with transaction.atomic():
        if Roster.objects.filter(municipality_id=acting_user.municipality_id, month=month).exists():
            raise ValidationError({"month": "この月の名簿は既にあります。"})
        roster = Roster.objects.create(municipality_id=acting_user.municipality_id, month=month)
        copied = _copy_previous(roster) if copy_previous else 0
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=roster,
            fields=["month", "entries"] if copied else ["month"],
        )
    return roster


def _copy_previous(roster: Roster) -> int:
    previous = Roster.objects.filter(
        municipality_id=roster.municipality_id, month=add_months(roster.month, -1)
    ).first()
    if previous is None:
        raise ValidationError({"copy_previous": "前月の名簿がないため、写せません。"})
    allowed = set(selectors.candidates_for(roster).values_list("pk", flat=True))
    members = selectors.members_on(previous, selectors.last_of_month(previous.month))
    entries = RosterEntry.objects.bulk_create(
        RosterEntry(roster=roster, user=member.user, duty=member.duty)
        for member in members
        if member.user.pk in allowed
    )
    return len(entries)


def add_roster_entry(*, acting_user, roster: Roster, user: User, duty: str = "") -> RosterEntry:
    """Put one person on a draft roster."""
    _require_preparer(acting_user, roster.municipality_id)
    _check_member(roster, user)
    with transaction.atomic():
        roster = _locked(roster)
        _require_draft(roster)
        if roster.entries.filter(user=user).exists():
            raise ValidationError({"user": "この従事者は既に名簿に載っています。"})
        entry = RosterEntry.objects.create(roster=roster, user=user, duty=duty.strip())
        record_access(
            acting_user=acting_user, action=AccessAction.CREATE, obj=entry, fields=["user", "duty"]
        )
    return entry


def remove_roster_entry(*, acting_user, roster: Roster, entry: RosterEntry) -> None:
    """Take one person off a draft roster."""
    _require_preparer(acting_user, roster.municipality_id)
    with transaction.atomic():
        roster = _locked(roster)
        _require_draft(roster)
        if entry.roster_id != roster.pk:
            raise ValidationError("この名簿の従事者ではありません。")
        # Logged before the row goes: the entry keeps its id in the log.
        record_access(
            acting_user=acting_user, action=AccessAction.DELETE, obj=entry, fields=["user"]
        )
        entry.delete()


def submit_roster(*, acting_user, roster: Roster) -> Roster:
    """Submit the roster to the municipality: once; late submissions are kept as 期限超過."""
    _require_preparer(acting_user, roster.municipality_id)
    with transaction.atomic():
        roster = _locked(roster)
        if roster.status == RosterStatus.SUBMITTED:
            raise ValidationError("この月の名簿は既に提出されています（提出は1回だけです）。")
        if not roster.entries.exists():
            raise ValidationError("従事者が1人もいない名簿は提出できません。")
        roster.status = RosterStatus.SUBMITTED
        roster.submitted_at = timezone.now()
        roster.submitted_by = acting_user
        roster.save(update_fields=["status", "submitted_at", "submitted_by"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=roster,
            fields=["status", "submitted_at"],
            reason="期限超過" if roster.is_late else "",
        )
    return roster


def record_roster_change(
    *,
    acting_user,
    roster: Roster,
    user: User,
    kind: str,
    effective_from: date,
    reason: str,
    duty: str = "",
    today: date | None = None,
) -> RosterChange:
    """A temporary change (臨時の変更) to a submitted roster, from ``effective_from`` on.

    The day lies in the roster's month and not before today: a change is recorded when it
    happens, never backdated to cover access that already took place.
    """
    _require_preparer(acting_user, roster.municipality_id)
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if kind not in RosterChangeKind.values:
        raise ValidationError({"kind": "変更の種類を選んでください。"})
    if not reason:
        raise ValidationError({"reason": "変更の理由を入力してください。"})
    if not roster.month <= effective_from <= selectors.last_of_month(roster.month):
        raise ValidationError({"effective_from": "適用日は名簿の対象月の日付にしてください。"})
    if effective_from < today:
        raise ValidationError({"effective_from": "適用日は今日以降にしてください。"})
    if kind == RosterChangeKind.ADDED:
        _check_member(roster, user)
    with transaction.atomic():
        roster = _locked(roster)
        if roster.status != RosterStatus.SUBMITTED:
            raise ValidationError("作成中の名簿は、従事者の追加・削除で直接変更してください。")
        listed = selectors.listed_on(roster, user, effective_from)
        if kind == RosterChangeKind.ADDED and listed:
            raise ValidationError({"user": "この従事者は適用日に既に名簿に載っています。"})
        if kind == RosterChangeKind.REMOVED and not listed:
            raise ValidationError({"user": "この従事者は適用日に名簿に載っていません。"})
        change = RosterChange.objects.create(
            roster=roster,
            user=user,
            kind=kind,
            effective_from=effective_from,
            duty=duty.strip() if kind == RosterChangeKind.ADDED else "",
            reason=reason,
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=change,
            fields=["user", "kind", "effective_from", "reason"],
        )
    return change


def mark_changes_reported(
    *, acting_user, roster: Roster, changes: Iterable[RosterChange] | None = None
) -> int:
    """Mark temporary changes as reported to the municipality (その都度報告); returns how many.

    ``changes`` None: every change of the roster not yet reported. Already reported changes
    keep their first report time.
    """
    _require_preparer(acting_user, roster.municipality_id)
    with transaction.atomic():
        roster = _locked(roster)
        pending = roster.changes.filter(reported_at__isnull=True)
        if changes is not None:
            pending = pending.filter(pk__in=[change.pk for change in changes])
        now = timezone.now()
        marked = 0
        for change in pending.order_by("pk"):
            change.reported_at = now
            change.save(update_fields=["reported_at"])
            record_access(
                acting_user=acting_user,
                action=AccessAction.CHANGE,
                obj=change,
                fields=["reported_at"],
            )
            marked += 1
    if not marked:
        raise ValidationError("未報告の臨時変更はありません。")
    return marked


# --- the export for the municipality ------------------------------------------------------
