"""Recording a contact (折衝記録): the operator's result form, an inbound call, a queue item.

``record_contact`` checks the whole input first and raises one ``ValidationError`` whose
dict names every wrong field in Japanese; only then does it write, in one transaction: the
contact with the accounts it covered, its promises, a phone number learnt during the call
(source 収集, seed 001 《委託先に収集させる項目》 電話番号), requests for staff, hand-overs,
the work item's next state (services.queue.apply_contact) and the access-log entry.

``night`` (夜間, seed 000 §8(3) 夜間電話・訪問催告件数票): at or after the end of the REGULAR
hours of the channel's calendar that day, i.e. the weekly hours without the evening extension
(docs/adr/0007). A call at 17:30 on a Wednesday is night although the calls calendar is open
until 19:00. Contacts on a closed day, letters and anything before the end of the day's
regular hours are not night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, CalendarError, Service
from civicdesk.core.japanese import era_date
from civicdesk.dunning.choices import (
    NOT_REACHED_OUTCOMES,
    VISIT_ONLY_OUTCOMES,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    StaffRequestKind,
)
from civicdesk.dunning.coverage import coverage_of, reached_on
from civicdesk.dunning.models import Contact, ContactAccount, InboundCall, Promise, WorkItem
from civicdesk.dunning.services import handovers, queue
from civicdesk.receivables.models import Account
from civicdesk.registry.models import Phone
from civicdesk.registry.selectors import scope_for
from civicdesk.registry.services import add_collected_phone, collected_number

# Which business calendar says whether a contact of this channel was made at night.
CHANNEL_SERVICES = {
    ContactChannel.OUTBOUND_CALL: Service.CALLS,
    ContactChannel.INBOUND_CALL: Service.CALLS,
    ContactChannel.VISIT: Service.VISITS,
    ContactChannel.SMS: Service.SMS,
}
# A letter or SMS that went out paces the next contact even though nobody answered (ADR 0007).
PACING_CHANNELS = frozenset({ContactChannel.LETTER, ContactChannel.SMS})
STAFF_REQUEST_OUTCOMES = {
    ContactOutcome.SLIP_REISSUE: StaffRequestKind.SLIP_REISSUE,
    ContactOutcome.ACCOUNT_TRANSFER_FORM: StaffRequestKind.ACCOUNT_TRANSFER_FORM,
}
INSTALLMENT_NOTE = "分納相談の申出がありました（折衝記録を参照）。"


@dataclass(frozen=True)
class PromiseInput:
    """One promise row of the result form: an amount (yen) by a date. ``row`` numbers it (1…)."""

    amount: int | None
    promised_on: dt.date | None
    row: int = 0


def record_contact(
    *,
    acting_user,
    obligor,
    channel,
    party,
    outcome,
    accounts,
    note: str = "",
    hot_voice: bool = False,
    phone=None,
    new_phone: str = "",
    work_item: WorkItem | None = None,
    inbound_call: InboundCall | None = None,
    promises: Iterable = (),
    callback_at: dt.datetime | None = None,
    hand_over: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
    logged_fields: Iterable[str] = (),
) -> Contact:
    """Record one contact and everything it leads to; ValidationError(dict) on bad input.

    ``accounts``: Account objects or ids; ``promises``: PromiseInput or (amount, date) pairs;
    ``phone``: the Phone (or its id) that was called; ``hand_over``: (reason, note);
    ``logged_fields``: what the caller records beside the contact (a visit's notices and
    evidence), named in the same access-log entry.
    """
    now = now or timezone.now()
    promise_rows = [_promise_input(value, index) for index, value in enumerate(promises, 1)]
    with transaction.atomic():
        checked = _validate(
            acting_user=acting_user,
            obligor=obligor,
            channel=channel,
            party=party,
            outcome=outcome,
            account_values=list(accounts),
            phone=phone,
            new_phone=new_phone,
            work_item=work_item,
            inbound_call=inbound_call,
            promise_rows=promise_rows,
            callback_at=callback_at,
            hand_over=hand_over,
            now=now,
        )
        contact = Contact.objects.create(
            obligor=obligor,
            work_item=checked.work_item,
            campaign=checked.work_item.campaign if checked.work_item else None,
            channel=channel,
            party=party,
            outcome=outcome,
            at=now,
            user=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            phone=checked.phone,
            note=note.strip(),
            hot_voice=bool(hot_voice),
            paces=party != ContactParty.NONE or channel in PACING_CHANNELS,
            night=is_night(channel, now, municipality=obligor.municipality),
            coverage=coverage_of(checked.accounts),
            promised=bool(promise_rows),
        )
        ContactAccount.objects.bulk_create(
            ContactAccount(
                contact=contact,
                account=account,
                revenue_type=account.revenue_type,
                reached_on=reached_on(contact),
            )
            for account in checked.accounts
        )
        for row in promise_rows:
            promise = Promise.objects.create(
                contact=contact, obligor=obligor, amount=row.amount, promised_on=row.promised_on
            )
            promise.accounts.set(checked.accounts)
        collected = add_collected_phone(
            acting_user=acting_user, obligor=obligor, number=checked.new_phone
        )
        _requests_and_hand_overs(
            acting_user, obligor, contact, checked.accounts, outcome, note, hand_over
        )
        if checked.work_item is not None:  # it notes the phone's outcome as well
            queue.apply_contact(
                item=checked.work_item, contact=contact, callback_at=callback_at, now=now
            )
        else:
            queue.note_phone_outcome(contact)
        if inbound_call is not None and inbound_call.taken_by_id is None:
            inbound_call.taken_by = acting_user
            inbound_call.taken_at = now
            inbound_call.save(update_fields=["taken_by", "taken_at"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=contact,
            fields=[
                *_entered_fields(
                    note, hot_voice, checked.phone, collected, promise_rows, callback_at, hand_over
                ),
                *logged_fields,
            ],
            reason=f"{contact.get_channel_display()}: {contact.get_outcome_display()}",
        )
    return contact


# --- Validation ------------------------------------------------------------------------------


@dataclass
class _Checked:
    accounts: list[Account]
    phone: Phone | None
    new_phone: str  # E.164, or "" when nothing new is to be stored
    work_item: WorkItem | None


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _validate(*, acting_user, obligor, account_values, **values) -> _Checked:
    errors = _Errors()
    scope = scope_for(acting_user)
    now = values["now"]
    accounts = _checked_accounts(errors, scope, obligor, account_values)
    _check_choices(errors, values["channel"], values["party"], values["outcome"])
    _check_promises(errors, obligor, values["outcome"], values["promise_rows"], now)
    _check_callback(errors, obligor, values["callback_at"], values["work_item"], now)
    work_item = _checked_work_item(errors, acting_user, obligor, values["work_item"], now)
    phone = _checked_phone(errors, scope, obligor, values["phone"])
    new_phone = _checked_new_phone(errors, acting_user, obligor, values["new_phone"])
    _check_hand_over(errors, values["hand_over"])
    _check_inbound_call(errors, obligor, values["inbound_call"])
    if errors:
        raise ValidationError(dict(errors))
    return _Checked(accounts, phone, new_phone, work_item)


def _checked_accounts(errors: _Errors, scope, obligor, values: list) -> list[Account]:
    ids = {value.pk if isinstance(value, Account) else int(value) for value in values}
    if not ids:
        errors.add("accounts", "対象の税目・保険料を1つ以上選んでください。")
        return []
    if scope is None:
        errors.add("accounts", "対象の税目・保険料: 納付義務者の情報を扱う権限がありません。")
        return []
    found = list(
        Account.objects.filter(
            pk__in=ids, obligor=obligor, revenue_type__in=list(scope.revenue_types)
        ).order_by("revenue_type", "case_no")
    )
    if len(found) != len(ids):
        # Another person's account or another team's revenue type: the same answer for both.
        errors.add(
            "accounts",
            "対象の税目・保険料: この納付義務者の担当の税目・保険料ではないものが含まれています。",
        )
    return found


def _check_choices(errors: _Errors, channel, party, outcome) -> None:
    if channel not in ContactChannel.values:
        errors.add("channel", "区分を選んでください。")
    if party not in ContactParty.values:
        errors.add("party", "相手（本人・家族・その他・不通）を選んでください。")
    if outcome not in ContactOutcome.values:
        errors.add("outcome", "結果を選んでください。")
    if "party" in errors or "outcome" in errors:
        return
    if outcome in VISIT_ONLY_OUTCOMES and channel != ContactChannel.VISIT:
        label = ContactOutcome(outcome).label
        errors.add("outcome", f"結果: 「{label}」は訪問のときだけ選べます。")
        return
    not_reached = outcome in NOT_REACHED_OUTCOMES
    if party == ContactParty.NONE and not not_reached:
        possible = NOT_REACHED_OUTCOMES
        if channel != ContactChannel.VISIT:
            possible = possible - VISIT_ONLY_OUTCOMES
        labels = "・".join(str(ContactOutcome(o).label) for o in _ordered(possible))
        errors.add("outcome", f"結果: 相手が不通のときは「{labels}」から選んでください。")
    elif party != ContactParty.NONE and not_reached:
        label = ContactOutcome(outcome).label
        errors.add("party", f"相手: 結果が「{label}」のときは「不通」を選んでください。")


def _ordered(outcomes) -> list[str]:
    return [value for value in ContactOutcome.values if value in outcomes]


def _promise_input(value, index: int) -> PromiseInput:
    if isinstance(value, PromiseInput):
        return value if value.row else PromiseInput(value.amount, value.promised_on, index)
    amount, promised_on = value
    return PromiseInput(amount, promised_on, index)


def _check_promises(errors: _Errors, obligor, outcome, rows: list[PromiseInput], now) -> None:
    if outcome == ContactOutcome.PROMISE and not rows:
        errors.add("promises", "納付約束: 結果が納付約束のときは約束額と約束日を入力してください。")
    if rows and outcome != ContactOutcome.PROMISE:
        errors.add("promises", "納付約束: 約束を入力したときは結果に「納付約束」を選んでください。")
    if not rows:
        return
    today = timezone.localdate(now, TOKYO)
    last = today + dt.timedelta(days=settings.DUNNING_PROMISE_MAX_DAYS)
    try:
        days = {
            info.date: info
            for info in calendar.days(Service.CALLS, today, last, municipality=obligor.municipality)
        }
    except CalendarError as error:
        errors.add("promises", f"納付約束: {error}")
        return
    for row in rows:
        label = f"納付約束{row.row}"
        if row.amount is None or row.amount <= 0:
            errors.add(f"promise_amount_{row.row}", f"{label}の約束額: 1円以上を入力してください。")
        day = row.promised_on
        if day is None:
            errors.add(f"promise_date_{row.row}", f"{label}の約束日を入力してください。")
            continue
        problem = _promise_date_problem(day, today, last, days)
        if problem:
            errors.add(f"promise_date_{row.row}", f"{label}の約束日 {era_date(day)}: {problem}")


def _promise_date_problem(day: dt.date, today: dt.date, last: dt.date, days: dict) -> str:
    if day < today:
        return "過去日です。今日以降の開庁日を指定してください。"
    if day > last:
        return (
            f"期限超過です。今日から{settings.DUNNING_PROMISE_MAX_DAYS}日以内"
            f"（{era_date(last)}まで）の開庁日を指定してください。"
        )
    info = days[day]
    if not info.open:
        return f"閉庁日（{info.reason}）です。開庁日を指定してください。"
    return ""


def _check_callback(errors: _Errors, obligor, callback_at, work_item, now) -> None:
    if callback_at is None:
        return
    if work_item is None:
        errors.add(
            "callback_at",
            "折返し予定日時: 折返しは「次の案件」で担当中の案件にだけ設定できます。",
        )
        return
    if callback_at <= now:
        errors.add("callback_at", "折返し予定日時: 現在より後の日時を指定してください。")
        return
    try:
        open_then = calendar.is_open(Service.CALLS, callback_at, municipality=obligor.municipality)
    except CalendarError as error:
        errors.add("callback_at", f"折返し予定日時: {error}")
        return
    if not open_then:
        local = callback_at.astimezone(TOKYO)
        info = calendar.day_info(Service.CALLS, local.date(), municipality=obligor.municipality)
        hours = calendar.format_hours(info.hours) or f"閉庁日（{info.reason}）"
        errors.add(
            "callback_at",
            f"折返し予定日時 {era_date(local.date())} {local:%H:%M}: 電話催告の業務時間外です"
            f"（この日: {hours}）。",
        )


def _checked_work_item(errors: _Errors, acting_user, obligor, work_item, now) -> WorkItem | None:
    if work_item is None:
        return None
    # Locked: the lease must still be ours when the result is written (ADR 0006).
    item = (
        WorkItem.objects.select_for_update()
        .select_related("campaign")
        .filter(pk=work_item.pk)
        .first()
    )
    if item is None or item.obligor_id != obligor.pk:
        errors.add("work_item", "案件: この納付義務者の案件ではありません。")
        return None
    if item.lease_owner_id != acting_user.pk or item.lease_expires_at is None:
        errors.add(
            "work_item", "案件: この案件は担当していません。「次の案件」から開いてください。"
        )
        return None
    if item.lease_expires_at <= now:
        errors.add(
            "work_item",
            "案件: 担当期限が過ぎました。ほかの担当者が処理している可能性があります。"
            "「次の案件」から開き直してください。",
        )
        return None
    return item


def _checked_phone(errors: _Errors, scope, obligor, phone) -> Phone | None:
    if phone in (None, ""):
        return None
    phone_id = phone.pk if isinstance(phone, Phone) else int(phone)
    found = Phone.objects.filter(pk=phone_id, obligor=obligor).first()
    if found is None or scope is None or not scope.allows_anywhere("phone"):
        errors.add("phone", "電話番号: この納付義務者の電話番号ではありません。")
        return None
    return found


def _checked_new_phone(errors: _Errors, acting_user, obligor, text: str) -> str:
    # The registry says what it would store ("" when already known) and why it would not.
    try:
        return collected_number(acting_user=acting_user, obligor=obligor, number=text)
    except ValidationError as error:
        for message in error.messages:
            errors.add("new_phone", f"新しい電話番号: {message}")
        return ""


def _check_hand_over(errors: _Errors, hand_over) -> None:
    if not hand_over:
        return
    reason, note = hand_over
    if reason not in HandOverReason.values:
        errors.add("hand_over_reason", "引継ぎの理由を選んでください。")
    if not (note or "").strip():
        errors.add("hand_over_note", "引継ぎの連絡事項を入力してください。")


def _check_inbound_call(errors: _Errors, obligor, inbound_call) -> None:
    if inbound_call is not None and inbound_call.municipality_id != obligor.municipality_id:
        errors.add("inbound_call", "受電: この自治体の受電ではありません。")


# --- Writing ---------------------------------------------------------------------------------


def is_night(channel, at: dt.datetime, *, municipality=None) -> bool:
    """At or after the end of the channel calendar's regular hours that day (module docstring)."""
    local = at.astimezone(TOKYO)
    starts = night_starts(channel, local.date(), municipality=municipality)
    return starts is not None and local.time() >= starts


def night_starts(channel, day: dt.date, *, municipality=None) -> dt.time | None:
    """When night begins that day for the channel (the end of the regular hours); None when
    nothing that day is night (a closed day, or a channel without business hours)."""
    service = CHANNEL_SERVICES.get(channel)
    if service is None:
        return None
    try:
        regular = calendar.regular_hours(service, day, municipality=municipality)
    except CalendarError:
        return None
    # The evening extension (水曜 17:15–19:00) is exactly what counts as night.
    return regular[-1][1] if regular else None


def _requests_and_hand_overs(
    acting_user, obligor, contact, accounts, outcome, note, hand_over
) -> None:
    kind = STAFF_REQUEST_OUTCOMES.get(outcome)
    if kind is not None:
        handovers.create_staff_request(
            acting_user=acting_user,
            obligor=obligor,
            kind=kind,
            accounts=accounts,
            contact=contact,
            note=note.strip(),
        )
    revenue_types = sorted({account.revenue_type for account in accounts})
    reasons = []
    if hand_over:
        reasons.append((hand_over[0], hand_over[1].strip()))
    consultation = HandOverReason.INSTALLMENT_CONSULTATION
    if outcome == ContactOutcome.INSTALLMENT_CONSULTATION and not any(
        reason == consultation for reason, _note in reasons
    ):
        reasons.append((consultation, note.strip() or INSTALLMENT_NOTE))
    for reason, text in reasons:
        handovers.create_hand_over(
            acting_user=acting_user,
            obligor=obligor,
            reason=reason,
            note=text,
            revenue_types=revenue_types,
            contact=contact,
        )


def _entered_fields(note, hot_voice, phone, collected, promises, callback_at, hand_over):
    fields = ["channel", "party", "outcome", "accounts", "revenue_type", "at"]
    optional = {
        "note": bool(note.strip()),
        "hot_voice": bool(hot_voice),
        "phone": phone is not None or collected is not None,
        "promises": bool(promises),
        "callback_at": callback_at is not None,
        "hand_over": bool(hand_over),
    }
    return fields + [name for name, given in optional.items() if given]
