"""The bereavement desk (おくやみコーナー, seed 003 §6(15)⑨ ア–オ): booking a visit (予約受付), the
check-in at reception with a ticket, the questionnaire deciding the procedures (聞き取りと説明),
the checklist and the notices to the sections concerned (関係課への周知), the printed pack
(必要書類の作成), the end of a case and the erasure of its personal data after the retention
period (特記仕様書: collect the minimum, destroy it at the end).

Booking takes a lock on the municipality's desk row, so two clerks booking the last place of a
slot at the same moment cannot both get it (SQLite runs one write transaction at a time).
Reservation numbers are a yearly sequence per municipality, by the Tokyo year the booking was
taken: ``OK-2026-0001`` (made under the same lock).

Erasure keeps the case row (time, channel, state, ticket, ended_at, reservation number) and its
checklist (procedures, sections, when notified and done), so the counts of cases per month and
of procedures per section survive; it blanks the names, the phone, the relationship and the
answers, and keeps of the date of death only its month (the field cannot be empty).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, CalendarError, Service
from civicdesk.core.japanese import era_date, normalize_phone
from civicdesk.core.pdf import render_pdf
from civicdesk.counter.choices import BereavementStatus, BookingChannel
from civicdesk.counter.models import (
    BereavementDesk,
    BereavementQuestion,
    BereavementReservation,
    BereavementTask,
)
from civicdesk.counter.selectors import bereavement as selectors
from civicdesk.counter.services.tickets import issue_ticket

Status = BereavementStatus
PACK_TEMPLATE = "print/counter_bereavement_pack.html"
NUMBER_PREFIX = "OK"
PACK_FIELDS = ("answers", "deceased_name", "visitor_name")
BOOKED_FIELDS = (
    "starts_at",
    "deceased_name",
    "deceased_on",
    "visitor_name",
    "visitor_phone",
    "visitor_relationship",
)
ERASED_FIELDS = (
    "deceased_name",
    "deceased_on",
    "visitor_name",
    "visitor_phone",
    "visitor_relationship",
    "answers",
)
NO_DESK = "おくやみコーナーの設定が登録されていません。職員が管理画面で登録してください。"
NOT_FOUND = "おくやみコーナーの予約が見つかりません。"
ENDED = "完了・取消した案件は変更できません。"
ERASED = "この案件の個人情報は保存期間を過ぎて消去済みです。"


# --- Booking (予約受付) ----------------------------------------------------------------------


def book_reservation(
    *,
    acting_user,
    starts_at: dt.datetime,
    channel: str,
    deceased_name: str,
    deceased_on: dt.date,
    visitor_name: str,
    visitor_phone: str,
    visitor_relationship: str = "",
    client_key: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> BereavementReservation:
    """A visit booked by phone or at the counter in a free slot of the coming counter hours
    (coming from ``at``, the moment the booking is taken: now unless given).
    The same ``client_key`` again (a resent form) returns the first reservation."""
    now = at or timezone.now()
    municipality_id = acting_user.municipality_id
    with transaction.atomic():
        desk = (
            BereavementDesk.objects.select_for_update().filter(municipality_id=municipality_id)
        ).first()
        if desk is None:
            raise ValidationError(NO_DESK)
        if client_key is not None:
            first = BereavementReservation.objects.filter(client_key=client_key).first()
            if first is not None:
                if first.municipality_id != municipality_id:
                    raise ValidationError("送信キーが不正です。画面を開き直してください。")
                return first
        values = _checked_booking(
            desk,
            starts_at=starts_at,
            channel=channel,
            deceased_name=deceased_name,
            deceased_on=deceased_on,
            visitor_name=visitor_name,
            visitor_phone=visitor_phone,
            visitor_relationship=visitor_relationship,
            now=now,
        )
        case = BereavementReservation.objects.create(
            municipality_id=municipality_id,
            reservation_no=_next_number(municipality_id, now),
            status=Status.RESERVED,
            created_by=acting_user,
            created_at=now,
            client_key=client_key,
            **values,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=case,
            fields=BOOKED_FIELDS,
            reason=f"おくやみコーナーの予約受付（{case.get_channel_display()}）",
        )
    return case


def _checked_booking(desk: BereavementDesk, *, now: dt.datetime, **given) -> dict:
    errors: dict[str, str] = {}
    values = {
        "deceased_name": _name(
            given["deceased_name"], "亡くなった方の氏名", errors, "deceased_name"
        ),
        "visitor_name": _name(given["visitor_name"], "来庁者の氏名", errors, "visitor_name"),
        "visitor_relationship": (given["visitor_relationship"] or "").strip(),
        "channel": given["channel"],
        "deceased_on": given["deceased_on"],
        "starts_at": given["starts_at"],
    }
    if values["visitor_name"] and len(values["visitor_name"].split()) < 2:
        errors["visitor_name"] = (
            "来庁者の氏名は姓と名の間に空白を入れてください（受付の一覧には姓だけを表示します）。"
        )
    if len(values["visitor_relationship"]) > 20:
        errors["visitor_relationship"] = "続柄は20文字以内で入力してください。"
    if given["channel"] not in BookingChannel.values:
        errors["channel"] = "予約の受付方法（電話・窓口）を選んでください。"
    try:
        values["visitor_phone"] = normalize_phone(given["visitor_phone"] or "")
    except ValueError:
        errors["visitor_phone"] = (
            "来庁者の電話番号が正しくありません（例: 090-1234-5678、0191-21-2111）。"
        )
    today = now.astimezone(TOKYO).date()
    if given["deceased_on"] is None:
        errors["deceased_on"] = "亡くなった日を入力してください。"
    elif given["deceased_on"] > today:
        errors["deceased_on"] = "亡くなった日に今日より後の日付は入力できません。"
    problem = slot_problem(desk, given["starts_at"], now=now)
    if problem:
        errors["starts_at"] = problem
    if errors:
        raise ValidationError(errors)
    return values


def _name(text: str, label: str, errors: dict, key: str) -> str:
    # Full-width spaces become one ASCII space: the family name is the part before it.
    name = " ".join((text or "").split())
    if not name:
        errors[key] = f"{label}を入力してください。"
    elif len(name) > 60:
        errors[key] = f"{label}は60文字以内で入力してください。"
    return name


def slot_problem(desk: BereavementDesk, starts_at: dt.datetime | None, *, now: dt.datetime) -> str:
    """Why ``starts_at`` cannot be booked ('' when it can): no time, the past, a closed day, not
    one of the day's slots within counter hours, or a full slot (counted under the caller's
    lock on the desk)."""
    if starts_at is None:
        return "予約日時を入力してください。"
    local = starts_at.astimezone(TOKYO)
    if starts_at <= now:
        return "過去の日時は予約できません。"
    try:
        info = calendar.day_info(Service.COUNTER, local.date(), municipality=desk.municipality_id)
    except CalendarError as error:
        return str(error)
    label = era_date(local.date())
    if not info.open:
        return f"{label}は閉庁日（{info.reason}）のため予約できません。"
    times = selectors.slot_times(desk, info)
    if local not in times:
        offered = "、".join(f"{t:%H:%M}" for t in times) or "なし"
        return (
            f"{label} {local:%H:%M} は予約枠ではありません"
            f"（窓口の受付時間 {calendar.format_hours(info.hours)}、予約枠 {offered}）。"
        )
    counts = selectors.booked_counts(
        desk.municipality_id, local, local + dt.timedelta(minutes=desk.slot_minutes)
    )
    if counts.get(local, 0) >= desk.capacity:
        return f"{label} {local:%H:%M} の枠は満員です（定員 {desk.capacity} 組）。"
    return ""


def _next_number(municipality_id: int, now: dt.datetime) -> str:
    prefix = f"{NUMBER_PREFIX}-{now.astimezone(TOKYO).year}-"
    # Longest first, then text: OK-2026-10000 sorts after OK-2026-9999.
    last = (
        BereavementReservation.objects.filter(
            municipality_id=municipality_id, reservation_no__startswith=prefix
        )
        .annotate(width=Length("reservation_no"))
        .order_by("-width", "-reservation_no")
        .values_list("reservation_no", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


# --- Reception: check-in and cancel -------------------------------------------------------------


def check_in(
    *, acting_user, reservation: BereavementReservation, at: dt.datetime | None = None
) -> BereavementReservation:
    """The visitor has come (on the reserved day): a ticket in the desk's queue, state 来庁.
    Checking in a case already checked in returns it as it is (a resent form)."""
    at = at or timezone.now()
    with transaction.atomic():
        case = _locked(acting_user, reservation)
        if case.status == Status.CHECKED_IN:
            return case
        if case.status != Status.RESERVED:
            raise ValidationError(
                f"{case.reservation_no} は「{case.get_status_display()}」のため来庁受付できません。"
            )
        reserved_on = case.starts_at.astimezone(TOKYO).date()
        if reserved_on != at.astimezone(TOKYO).date():
            raise ValidationError(
                f"{case.reservation_no} の予約日は{era_date(reserved_on)}です。"
                "来庁受付は予約日当日にだけできます。"
            )
        queue, procedure = selectors.ticket_queue(case.municipality_id)
        if queue is None:
            raise ValidationError(
                "おくやみコーナーの番号札を発券する待ち行列が設定されていません（おくやみコーナーの設定"
                "の待ち行列、または分類「その他」・コード "
                f"{selectors.TICKET_PROCEDURE_CODE} の手続）。"
            )
        ticket = issue_ticket(acting_user=acting_user, queue=queue, procedure=procedure, at=at)
        case.status = Status.CHECKED_IN
        case.ticket = ticket
        case.save(update_fields=["status", "ticket"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=case,
            fields=["status", "ticket"],
            reason=f"おくやみコーナーの来庁受付（番号札 {ticket.label}）",
        )
    return case


def cancel_reservation(
    *, acting_user, reservation: BereavementReservation
) -> BereavementReservation:
    """取消: a booked visit that will not take place. The case ends (its retention starts)."""
    with transaction.atomic():
        case = _locked(acting_user, reservation)
        if case.status != Status.RESERVED:
            raise ValidationError(
                f"{case.reservation_no} は「{case.get_status_display()}」のため取り消せません"
                "（来庁後の案件は「完了」で終えてください）。"
            )
        _end(acting_user, case, Status.CANCELLED, "おくやみコーナーの予約の取消")
    return case


def _locked(acting_user, reservation: BereavementReservation) -> BereavementReservation:
    case = (
        BereavementReservation.objects.select_for_update()
        .filter(pk=reservation.pk, municipality_id=acting_user.municipality_id)
        .first()
    )
    if case is None:
        raise ValidationError(NOT_FOUND)
    return case


def _locked_open(acting_user, reservation: BereavementReservation) -> BereavementReservation:
    case = _locked(acting_user, reservation)
    if case.status not in selectors.OPEN_STATUSES:
        raise ValidationError(ENDED)
    return case


def _end(acting_user, case: BereavementReservation, status: str, reason: str, at=None) -> None:
    case.status = status
    case.ended_at = at or timezone.now()
    case.save(update_fields=["status", "ended_at"])
    record_access(
        acting_user=acting_user,
        action=AccessAction.CHANGE,
        obj=case,
        fields=["status"],
        reason=f"{reason}（{case.reservation_no}）",
    )


# --- The interview: answers, checklist, notices (聞き取り・関係課への周知) ------------------


def record_answers(
    *, acting_user, reservation: BereavementReservation, answers: Mapping[str, bool]
) -> list[BereavementTask]:
    """The questionnaire's answers (every question はい or いいえ) and the checklist they give:
    one task per active procedure that applies. Tasks of procedures that no longer apply go,
    unless their section was already told or they were done (those stay on the list)."""
    with transaction.atomic():
        case = _locked_open(acting_user, reservation)
        questions = selectors.questions_for(case.municipality_id)
        cleaned = _checked_answers(questions, answers)
        case.answers = cleaned
        case.save(update_fields=["answers"])
        applying = [
            p for p in selectors.active_procedures(case.municipality_id) if p.applies(cleaned)
        ]
        kept = set(case.tasks.filter(procedure__in=applying).values_list("procedure_id", flat=True))
        case.tasks.exclude(procedure__in=applying).filter(
            notified_at__isnull=True, done_at__isnull=True
        ).delete()
        BereavementTask.objects.bulk_create(
            BereavementTask(reservation=case, procedure=p, section=p.section)
            for p in applying
            if p.pk not in kept
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=case,
            fields=["answers"],
            reason=f"おくやみコーナーの聞き取り（該当する手続 {len(applying)}件）",
        )
    return list(case.tasks.select_related("procedure"))


def _checked_answers(
    questions: list[BereavementQuestion], answers: Mapping[str, bool]
) -> dict[str, bool]:
    if not questions:
        raise ValidationError(
            "聞き取り項目が登録されていません。職員が管理画面で登録してください。"
        )
    known = {question.code for question in questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValidationError(f"登録されていない聞き取り項目です: {', '.join(unknown)}")
    errors = {
        question.code: f"「{question.text}」に「はい」か「いいえ」で答えてください。"
        for question in questions
        if not isinstance(answers.get(question.code), bool)
    }
    if errors:
        raise ValidationError(errors)
    return {question.code: answers[question.code] for question in questions}


def notify_section(
    *,
    acting_user,
    reservation: BereavementReservation,
    section: str,
    at: dt.datetime | None = None,
) -> int:
    """関係課への周知: the section was told of the case's procedures it handles (how many)."""
    at = at or timezone.now()
    with transaction.atomic():
        case = _locked_open(acting_user, reservation)
        tasks = case.tasks.filter(section=section)
        if not tasks.exists():
            raise ValidationError(f"この案件に「{section}」の手続はありません。")
        count = tasks.filter(notified_at__isnull=True).update(notified_at=at)
        if count == 0:
            raise ValidationError(f"「{section}」にはすでに周知済みです。")
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=case,
            fields=["notified_at"],
            reason=f"関係課への周知（{section}、手続 {count}件）",
        )
    return count


def tick_task(
    *, acting_user, task: BereavementTask, done: bool, at: dt.datetime | None = None
) -> BereavementTask:
    """A procedure on the checklist ticked done (or the tick taken back)."""
    with transaction.atomic():
        case = _locked_open(acting_user, task.reservation)
        locked = BereavementTask.objects.select_for_update().get(pk=task.pk, reservation=case)
        if done and locked.done_at is None:
            locked.done_at = at or timezone.now()
            locked.done_by = acting_user
        elif not done and locked.done_at is not None:
            locked.done_at = None
            locked.done_by = None
        else:
            return locked
        locked.save(update_fields=["done_at", "done_by"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=case,
            fields=["done_at"],
            reason=f"おくやみ 手続の確認（{locked.procedure.name}: {'済' if done else '未'}）",
        )
    return locked


def finish_case(
    *, acting_user, reservation: BereavementReservation, at: dt.datetime | None = None
) -> BereavementReservation:
    """完了: the visit is over: answers recorded and every section concerned told."""
    with transaction.atomic():
        case = _locked_open(acting_user, reservation)
        if case.status != Status.CHECKED_IN:
            raise ValidationError(
                f"{case.reservation_no} はまだ来庁受付をしていません（取り消す場合は「取消」）。"
            )
        if not case.answers:
            raise ValidationError("聞き取りの回答を記録してから完了してください。")
        unnotified = selectors.case_view(case).unnotified
        if unnotified:
            raise ValidationError(
                f"関係課への周知が済んでいません: {'、'.join(unnotified)}。"
                "周知してから完了してください。"
            )
        _end(acting_user, case, Status.DONE, "おくやみコーナーの対応完了", at)
    return case


# --- The printed pack (必要書類の作成) ---------------------------------------------------------


def print_pack(*, acting_user, reservation: BereavementReservation) -> bytes:
    """One PDF for the visitor: the names, the procedures that apply grouped by section with
    place and what to bring, a box per procedure. Logged as a print with its fields."""
    with transaction.atomic():
        case = _locked(acting_user, reservation)
        if selectors.is_erased(case):
            raise ValidationError(ERASED)
        if not case.answers:
            raise ValidationError("聞き取りの回答を記録してから印刷してください。")
        view = selectors.case_view(case)
        pdf = render_pdf(PACK_TEMPLATE, pack_context(view))
        record_access(
            acting_user=acting_user,
            action=AccessAction.PRINT,
            obj=case,
            fields=PACK_FIELDS,
            reason=f"おくやみ 手続のご案内の印刷（{case.reservation_no}）",
        )
    return pdf


def pack_context(view: selectors.CaseView) -> dict:
    case = view.case
    local = case.starts_at.astimezone(TOKYO)
    return {
        "case": case,
        "municipality": case.municipality,
        "visit_label": f"{era_date(local.date())} {local:%H:%M}",
        "printed_label": era_date(timezone.now().astimezone(TOKYO).date()),
        "sections": [
            {
                "name": group.section,
                "procedures": [
                    {
                        "name": task.procedure.name,
                        "place": task.procedure.place,
                        "documents": task.procedure.document_lines(),
                    }
                    for task in group.tasks
                ],
            }
            for group in view.sections
        ],
    }


# --- Erasure after the retention period ---------------------------------------------------------


def erase_ended_cases(
    *, acting_user, today: dt.date, municipality=None, actor_name: str = ""
) -> list[BereavementReservation]:
    """Blank the personal data of every case ended (done or cancelled) at least the desk's
    retention_days before ``today``; one access-log entry (削除) per case. A command run without
    a user names itself in ``actor_name``. Returns the cases erased."""
    municipality_id = getattr(municipality, "pk", municipality)
    with transaction.atomic():
        due = selectors.cases_to_erase(today, municipality_id)
        for case in due:
            _erase(case)
            record_access(
                acting_user=acting_user,
                action=AccessAction.DELETE,
                obj=case,
                fields=ERASED_FIELDS,
                reason=f"おくやみ 保存期間経過による消去（{case.reservation_no}）",
                username=actor_name,
            )
    return due


def _erase(case: BereavementReservation) -> None:
    case.deceased_name = ""
    case.visitor_name = ""
    case.visitor_phone = ""
    case.visitor_relationship = ""
    case.answers = {}
    case.deceased_on = None
    case.client_key = None
    case.erased_at = timezone.now()
    case.save(update_fields=[*ERASED_FIELDS, "client_key", "erased_at"])
