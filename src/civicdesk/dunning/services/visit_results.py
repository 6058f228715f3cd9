"""Visit results on the tablet (訪問結果入力, seed 000 §8(1)②–⑤, issue 5 §2 and §4).

A visit result is a contact with channel ``visit`` (services.contacts.record_contact, which
validates, writes the contact, promises, a collected phone, the hand-over, the work item's
next state and the access-log entry) plus a VisitRecord for what only a visit has: the
documents left in the mailbox and the evidence that the person does not live there. Both, and
the stop's link to the contact, are written in one transaction.

Whom the visitor met decides the contact's party; absent and not residing are "not reached"
outcomes of their own (queue: absent is retried after the campaign's rule, not residing is
final and goes to staff as a hand-over, 催告業務引き継ぎ・連絡票).

Exactly once: the tablet form carries a ``client_key`` (a UUID made when the form was drawn).
The offline queue (static/civicdesk/visit-offline.js) may send the same result again after a
lost response; the second submission returns the first contact and writes nothing.

``visited_at`` is when the visitor pressed 保存 on the tablet. A result sent later from the
offline queue still counts at that time, so 夜間 (Contact.night: at or after the end of the
visits calendar's regular hours) tells when the visit happened, not when it arrived.

The page's read (``stop_page``) lives here too: only these modules are this part's. It belongs
in selectors/visit_results.py when the part is next touched.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.dunning.choices import (
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    NotResidingEvidence,
    VisitResult,
)
from civicdesk.dunning.models import Contact, LeftNoticeTemplate, VisitRecord, VisitStop
from civicdesk.dunning.services.contacts import record_contact

RECORD_PERMISSION = "dunning.add_visitrecord"
# A tablet's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
ALREADY_VISITED = "この訪問先は結果入力済みです。"

PARTY_BY_RESULT = {
    VisitResult.MET_SELF: ContactParty.SELF,
    VisitResult.MET_FAMILY: ContactParty.FAMILY,
    VisitResult.MET_OTHER: ContactParty.OTHER,
    VisitResult.ABSENT: ContactParty.NONE,
    VisitResult.NOT_RESIDING: ContactParty.NONE,
}
MET_RESULTS = frozenset({VisitResult.MET_SELF, VisitResult.MET_FAMILY, VisitResult.MET_OTHER})
OUTCOME_BY_RESULT = {
    VisitResult.ABSENT: ContactOutcome.ABSENT,
    VisitResult.NOT_RESIDING: ContactOutcome.NOT_RESIDING,
}
# What a conversation at the door can end with. Not: callbacks (a phone's 折返し, set from the
# queue) and wrong numbers (a phone's outcome).
MET_OUTCOMES = (
    ContactOutcome.PROMISE,
    ContactOutcome.WILL_PAY,
    ContactOutcome.ALREADY_PAID,
    ContactOutcome.SLIP_REISSUE,
    ContactOutcome.ACCOUNT_TRANSFER_FORM,
    ContactOutcome.INSTALLMENT_CONSULTATION,
    ContactOutcome.MESSAGE_LEFT,
    ContactOutcome.REFUSAL,
    ContactOutcome.INQUIRY,
    ContactOutcome.OTHER,
)


# --- Recording -------------------------------------------------------------------------------


def record_visit(
    *,
    acting_user,
    stop: VisitStop,
    result: str,
    client_key,
    accounts: Iterable,
    outcome: str | None = None,
    note: str = "",
    promises: Iterable = (),
    new_phone: str = "",
    left_notices: Iterable = (),
    evidence: Iterable[str] = (),
    management_company: str = "",
    visited_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Contact:
    """Record what a visit found; the contact (the first one again for a repeated client_key).

    Raises PermissionDenied unless the user is the visit list's visitor, ValidationError(dict
    of field → Japanese messages) on bad input, naming every wrong field at once.
    """
    now = now or timezone.now()
    _check_may_record(acting_user, stop)
    key = _client_key(client_key)
    first = _recorded(key, stop)
    if first is not None:
        return first
    visit = _VisitInput(
        result=str(result or ""),
        outcome=str(outcome or ""),
        note=note or "",
        promises=list(promises),
        new_phone=(new_phone or "").strip(),
        left_notices=list(left_notices),
        evidence=[str(value) for value in evidence],
        management_company=(management_company or "").strip(),
    )
    try:
        with transaction.atomic():  # a savepoint when called inside a transaction
            locked = _locked_stop(stop)
            # Checked again under the lock: a concurrent request with the same key has committed.
            first = _recorded(key, stop)
            if first is not None:
                return first
            at = accepted_visit_time(visited_at, locked.visit_list.day, now)
            contact = _write(acting_user, locked, visit, list(accounts), key, at)
    except IntegrityError:
        # The same key saved by a concurrent request between our lookup and our insert.
        first = _recorded(key, stop)
        if first is None:
            raise
        return first
    stop.contact = contact
    return contact


@dataclass
class _VisitInput:
    result: str
    outcome: str
    note: str
    promises: list
    new_phone: str
    left_notices: list
    evidence: list[str]
    management_company: str


class _VisitInvalid(Exception):
    """The visit's own checks failed after record_contact's passed: roll its writes back."""


def _check_may_record(user, stop: VisitStop) -> None:
    visitor_id = VisitStop.objects.filter(pk=stop.pk).values_list(
        "visit_list__visitor_id", flat=True
    )
    if not user.has_perm(RECORD_PERMISSION) or list(visitor_id) != [user.pk]:
        raise PermissionDenied("この訪問先の結果を入力する権限がありません。")


def _client_key(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(
            {"client_key": ["送信キーが正しくありません。訪問先の画面を開き直してください。"]}
        ) from None


def _recorded(key: uuid.UUID, stop: VisitStop) -> Contact | None:
    """The contact saved earlier under this key (None: first time)."""
    record = VisitRecord.objects.filter(client_key=key).select_related("contact").first()
    if record is None:
        return None
    if not VisitStop.objects.filter(pk=stop.pk, contact_id=record.contact_id).exists():
        raise ValidationError(
            {
                "client_key": [
                    "送信キーがほかの訪問先の結果に使われています。訪問先の画面を開き直してください。"
                ]
            }
        )
    return record.contact


def _locked_stop(stop: VisitStop) -> VisitStop:
    return (
        VisitStop.objects.select_for_update(of=("self",))
        .select_related("visit_list", "work_item__obligor__municipality")
        .get(pk=stop.pk)
    )


def accepted_visit_time(
    visited_at: dt.datetime | None, day: dt.date, now: dt.datetime
) -> dt.datetime:
    """The tablet's save time, if believable: not in the future (5 minutes of clock skew
    allowed; a time just ahead counts as now) and not before the list's day. Else now."""
    if visited_at is None or visited_at.tzinfo is None:
        return now
    day_starts = dt.datetime.combine(day, dt.time(0), tzinfo=TOKYO)
    if visited_at < day_starts or visited_at > now + CLOCK_SKEW:
        return now
    return min(visited_at, now)


def _write(acting_user, stop, visit: _VisitInput, accounts, key, at) -> Contact:
    obligor = stop.work_item.obligor
    errors = _Errors()
    if stop.contact_id is not None:
        errors.add("stop", ALREADY_VISITED)
        raise ValidationError(dict(errors))
    notices = _check_visit(errors, acting_user, stop, visit, at)
    met = visit.result in MET_RESULTS
    try:
        with transaction.atomic():
            contact = record_contact(
                acting_user=acting_user,
                obligor=obligor,
                channel=ContactChannel.VISIT,
                party=PARTY_BY_RESULT.get(visit.result, ContactParty.NONE),
                outcome=OUTCOME_BY_RESULT.get(visit.result, visit.outcome),
                accounts=accounts,
                note=visit.note,
                # Refused above for absent / not residing, with a message about the visit.
                promises=visit.promises if met else (),
                new_phone=visit.new_phone if met else "",
                work_item=stop.work_item,
                hand_over=_hand_over(visit, at),
                now=at,
                logged_fields=_visit_fields(visit),
            )
            if errors:
                raise _VisitInvalid
            record = VisitRecord.objects.create(
                contact=contact,
                result=visit.result,
                evidence=visit.evidence,
                management_company=visit.management_company,
                client_key=key,
                visited_at=at,
            )
            record.left_notices.set(notices)
            stop.contact = contact
            stop.save(update_fields=["contact"])
    except ValidationError as error:
        errors.merge(error, lease_checked="stop" in errors)
        raise ValidationError(dict(errors)) from None
    except _VisitInvalid:
        raise ValidationError(dict(errors)) from None
    return contact


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def merge(self, error: ValidationError, *, lease_checked: bool) -> None:
        """Add record_contact's messages, except where the visit's own one says it better
        (a field the visit already named; the lease, named for the stop)."""
        named = set(self)
        for name, messages in error.message_dict.items():
            if name == "work_item" and lease_checked:
                continue
            # The party follows from the result: its message belongs next to the outcome.
            name = "outcome" if name == "party" else name
            if name in named:
                continue
            for message in messages:
                if message not in self.get(name, []):
                    self.add(name, message)


def _check_visit(errors: _Errors, user, stop, visit: _VisitInput, at) -> list[LeftNoticeTemplate]:
    """The rules only a visit has; record_contact checks the contact's own."""
    result = visit.result
    if result not in VisitResult.values:
        errors.add("result", "訪問結果（面会・不在・居住実態なし）を選んでください。")
    elif result in MET_RESULTS:
        if visit.outcome not in MET_OUTCOMES:
            errors.add("outcome", "面会したときの結果（納付約束・納付予定など）を選んでください。")
    else:
        label = VisitResult(result).label
        if visit.promises:
            errors.add("promises", f"納付約束: 訪問結果が「{label}」のときは入力できません。")
        if visit.new_phone:
            errors.add(
                "new_phone", f"新しい電話番号: 訪問結果が「{label}」のときは入力できません。"
            )
    notices = _checked_notices(errors, stop, visit)
    _check_evidence(errors, visit)
    item = stop.work_item
    if item.lease_owner_id != user.pk or item.lease_expires_at is None:
        errors.add("stop", "この訪問先は担当していません。訪問リストを開き直してください。")
    elif item.lease_expires_at <= at:
        errors.add(
            "stop",
            "この訪問先の担当期限（訪問日の24時）が過ぎました。新しい訪問リストを作ってください。",
        )
    return notices


def _checked_notices(errors: _Errors, stop, visit: _VisitInput) -> list[LeftNoticeTemplate]:
    ids = {
        value.pk if isinstance(value, LeftNoticeTemplate) else int(value)
        for value in visit.left_notices
    }
    found = list(
        LeftNoticeTemplate.objects.filter(
            pk__in=ids, municipality_id=stop.visit_list.municipality_id, active=True
        )
    )
    if len(found) != len(ids):
        errors.add("left_notices", "差し置き文書: 使用できない文書が含まれています。")
    if visit.result == VisitResult.ABSENT and not ids:
        errors.add(
            "left_notices", "差し置き文書: 不在のときは差し置いた文書を1つ以上選んでください。"
        )
    if visit.result == VisitResult.NOT_RESIDING and ids:
        errors.add(
            "left_notices", "差し置き文書: 居住実態なしのときは差し置き文書を選ばないでください。"
        )
    return found


def _check_evidence(errors: _Errors, visit: _VisitInput) -> None:
    not_residing = visit.result == VisitResult.NOT_RESIDING
    unknown = [value for value in visit.evidence if value not in NotResidingEvidence.values]
    if unknown:
        errors.add("evidence", "居住実態なしの状況: 選択肢にない値が含まれています。")
    if not_residing and not visit.evidence:
        errors.add(
            "evidence",
            "居住実態なしの状況: 表札が別人・建物なしなど、確認した状況を選んでください。",
        )
    if not not_residing and visit.evidence:
        errors.add("evidence", "居住実態なしの状況: 訪問結果が「居住実態なし」のときだけ選べます。")
    if not not_residing and visit.management_company:
        errors.add(
            "management_company",
            "管理会社の連絡先: 訪問結果が「居住実態なし」のときだけ入力できます。",
        )
    if len(visit.management_company) > 200:
        errors.add("management_company", "管理会社の連絡先: 200文字以内で入力してください。")


def _hand_over(visit: _VisitInput, at: dt.datetime) -> tuple[str, str] | None:
    """催告業務引き継ぎ・連絡票 for not residing: the evidence, the company, the visitor's note."""
    if visit.result != VisitResult.NOT_RESIDING:
        return None
    local = at.astimezone(TOKYO)
    labels = dict(NotResidingEvidence.choices)
    found = "、".join(str(labels.get(value, value)) for value in visit.evidence) or "（未選択）"
    lines = [
        f"訪問の結果、居住実態なし（{era_date(local.date())} {local:%H:%M} 訪問）。",
        f"状況: {found}",
        f"管理会社の連絡先: {visit.management_company or 'なし'}",
    ]
    if visit.note.strip():
        lines.append(f"訪問員のメモ: {visit.note.strip()}")
    return (HandOverReason.NOT_RESIDING, "\n".join(lines))


def _visit_fields(visit: _VisitInput) -> list[str]:
    given = {
        "visit_result": True,
        "left_notices": bool(visit.left_notices),
        "evidence": bool(visit.evidence),
        "management_company": bool(visit.management_company),
    }
    return [name for name, present in given.items() if present]
