"""Pages of the bereavement desk (おくやみコーナー): the slots of the coming two weeks, booking,
the reception's day list with check-in, the clerks' case list and case page (questionnaire,
checklist, notices to the sections, the printed pack, done).

Who opens what is decided in selectors.bereavement (module docstring there). Every page that
shows the deceased's or the visitor's data logs which fields it showed; the pack is logged as
a print by its service. A case of another municipality answers 404.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.calendar import TOKYO
from civicdesk.core.http import require
from civicdesk.core.japanese import era_date
from civicdesk.core.models import Municipality
from civicdesk.counter.forms.bereavement import (
    AnswersForm,
    BookingForm,
    DoneForm,
    LookupForm,
    SectionForm,
)
from civicdesk.counter.selectors import bereavement as selectors
from civicdesk.counter.services import bereavement as services

SLOTS_DENIED = "おくやみコーナーの予約枠を表示する権限がありません。"
BOOK_DENIED = "おくやみコーナーの予約を受け付ける権限がありません。"
RECEPTION_DENIED = "おくやみコーナーの来庁受付をする権限がありません。"
CASES_DENIED = "おくやみコーナーの案件を閲覧する権限がありません。"
WORK_DENIED = "おくやみコーナーの案件を処理する権限がありません。"


def _today() -> dt.date:
    return timezone.now().astimezone(TOKYO).date()


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone(TOKYO)
    return f"{era_date(local.date())} {local:%H:%M}"


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Slots and booking ---------------------------------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_view_slots, message=SLOTS_DENIED)
def slots(request):
    """The coming two weeks' slots with their free places (no personal data)."""
    municipality_id = Municipality.objects.id_for_user(request.user)
    desk = selectors.desk_for(municipality_id)
    context = {
        "desk": desk,
        "days": selectors.slot_calendar(municipality_id, _today()),
        "may_book": selectors.may_book(request.user),
    }
    return render(request, "counter/bereavement/slots.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_book, message=BOOK_DENIED)
def book(request):
    """GET: the form (``?at=`` an ISO slot start from the slots page); POST: book."""
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            try:
                case = services.book_reservation(
                    acting_user=request.user,
                    starts_at=form.starts_at(),
                    channel=form.cleaned_data["channel"],
                    deceased_name=form.cleaned_data["deceased_name"],
                    deceased_on=form.cleaned_data["deceased_on"],
                    visitor_name=form.cleaned_data["visitor_name"],
                    visitor_phone=form.cleaned_data["visitor_phone"],
                    visitor_relationship=form.cleaned_data["visitor_relationship"],
                    client_key=form.cleaned_data["client_key"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    f"予約を受け付けました。予約番号 {case.reservation_no}"
                    f"（{_when(case.starts_at)}）。"
                    "来庁される方に予約番号をお伝えください。",
                )
                day = case.starts_at.astimezone(TOKYO).date()
                return redirect(f"{reverse('counter:bereavement_reception')}?date={day}")
    else:
        form = BookingForm(initial={"client_key": uuid.uuid4(), **_slot_initial(request)})
    return render(request, "counter/bereavement/book.html", {"form": form})


def _slot_initial(request) -> dict:
    try:
        at = dt.datetime.fromisoformat(request.GET.get("at", ""))
    except ValueError:
        return {}
    if at.tzinfo is None:
        at = at.replace(tzinfo=TOKYO)
    local = at.astimezone(TOKYO)
    return {"slot_date": local.date(), "slot_time": local.time().replace(second=0, microsecond=0)}


# --- Reception: the day's list, check-in, cancel ------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_check_in, message=RECEPTION_DENIED)
def reception(request):
    """The day's reservations (``?date=``, default today) and a search by number (``?no=``):
    time, number, state and the visitor's family name only."""
    form = LookupForm(request.GET or None)
    day = _today()
    found = None
    searched = ""
    if form.is_valid():
        day = form.cleaned_data["date"] or day
        searched = form.cleaned_data["no"]
        if searched:
            case = selectors.find_by_number(request.user, searched)
            found = selectors.reception_row(case) if case else None
    rows = selectors.reception_list(request.user, day)
    shown = len(rows) + (1 if found else 0)
    if shown:
        log_view(
            request,
            fields=selectors.RECEPTION_FIELDS,
            reason=f"おくやみコーナー 来庁受付の一覧（{era_date(day)}、{shown}件、姓のみ）",
        )
    context = {
        "form": form,
        "day": day,
        "rows": rows,
        "found": found,
        "searched": searched,
        "today": _today(),
        "may_view_cases": selectors.may_view_cases(request.user),
    }
    return render(request, "counter/bereavement/reception.html", context)


def _back_to_reception(case) -> str:
    day = case.starts_at.astimezone(TOKYO).date()
    return f"{reverse('counter:bereavement_reception')}?date={day}"


@require_POST
@require(selectors.may_check_in, message=RECEPTION_DENIED)
def check_in(request, pk: int):
    case = get_object_or_404(selectors.reservations_for(request.user), pk=pk)
    try:
        case = services.check_in(acting_user=request.user, reservation=case)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            f"{case.reservation_no} の来庁を受け付けました。"
            f"番号札 {case.ticket.label} をお渡しください。",
        )
    return redirect(_back_to_reception(case))


@require_POST
@require(selectors.may_check_in, message=RECEPTION_DENIED)
def cancel(request, pk: int):
    case = get_object_or_404(selectors.reservations_for(request.user), pk=pk)
    try:
        services.cancel_reservation(acting_user=request.user, reservation=case)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"{case.reservation_no} の予約を取り消しました。")
    return redirect(_back_to_reception(case))


# --- Cases ---------------------------------------------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_view_cases, message=CASES_DENIED)
def cases(request):
    """Open cases from the oldest (``?date=`` one day's, ``?all=1`` ended ones too)."""
    form = LookupForm(request.GET or None)
    day = form.cleaned_data["date"] if form.is_valid() else None
    everything = request.GET.get("all") == "1"
    rows = selectors.case_list(request.user, day=day, open_only=not everything)
    if any(not selectors.is_erased(case) for case in rows):
        log_view(
            request,
            fields=selectors.LIST_FIELDS,
            reason=f"おくやみコーナー 案件一覧（{len(rows)}件）",
        )
    context = {"form": form, "rows": rows, "day": day, "everything": everything}
    return render(request, "counter/bereavement/cases.html", context)


def _case(request, pk: int):
    return get_object_or_404(selectors.cases_for(request.user), pk=pk)


@never_cache
@require_GET
@require(selectors.may_view_cases, message=CASES_DENIED)
def case(request, pk: int):
    view = selectors.case_view(_case(request, pk))
    if not view.erased:
        log_view(
            request,
            view.case,
            fields=selectors.CASE_FIELDS,
            reason=f"おくやみコーナー 案件（{view.case.reservation_no}）",
        )
    context = {"view": view, "case": view.case, "may_work": selectors.may_work_cases(request.user)}
    return render(request, "counter/bereavement/case.html", context)


@never_cache
@require_GET
@require(selectors.may_view_cases, message=CASES_DENIED)
def notices(request, pk: int):
    """関係課への周知: one block per section with what it must know (printable page)."""
    view = selectors.case_view(_case(request, pk))
    if not view.erased:
        log_view(
            request,
            view.case,
            fields=["deceased_name", "deceased_on", "visitor_name"],
            reason=f"関係課への周知（{view.case.reservation_no}）",
        )
    context = {"view": view, "case": view.case, "may_work": selectors.may_work_cases(request.user)}
    return render(request, "counter/bereavement/notices.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_work_cases, message=WORK_DENIED)
def answers(request, pk: int):
    """The questionnaire: はい／いいえ per question; saving makes the checklist."""
    case = _case(request, pk)
    questions = selectors.questions_for(case.municipality_id)
    form = AnswersForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        initial_answers=case.answers,
    )
    if request.method == "POST" and form.is_valid():
        try:
            tasks = services.record_answers(
                acting_user=request.user, reservation=case, answers=form.answers()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, f"聞き取りを記録しました。該当する手続は {len(tasks)} 件です。"
            )
            return redirect("counter:bereavement_case", pk=case.pk)
    if request.method == "GET" and case.answers:
        log_view(
            request, case, fields=["answers"], reason=f"おくやみ 聞き取り（{case.reservation_no}）"
        )
    return render(request, "counter/bereavement/answers.html", {"form": form, "case": case})


@require_POST
@require(selectors.may_work_cases, message=WORK_DENIED)
def notify(request, pk: int):
    case = _case(request, pk)
    form = SectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "周知する関係課を選んでください。")
    else:
        section = form.cleaned_data["section"]
        try:
            count = services.notify_section(
                acting_user=request.user, reservation=case, section=section
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"{section}への周知を記録しました（手続 {count} 件）。")
    return redirect(_next_or_case(request, case))


def _next_or_case(request, case) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("counter:bereavement_case", args=[case.pk])


@require_POST
@require(selectors.may_work_cases, message=WORK_DENIED)
def task_done(request, pk: int, task_pk: int):
    case = _case(request, pk)
    task = get_object_or_404(selectors.tasks_for(request.user), pk=task_pk, reservation=case)
    form = DoneForm(request.POST)
    done = form.is_valid() and form.cleaned_data["done"]
    try:
        services.tick_task(acting_user=request.user, task=task, done=done)
    except ValidationError as error:
        _errors(request, error)
    return redirect(_next_or_case(request, case))


@require_POST
@require(selectors.may_work_cases, message=WORK_DENIED)
def finish(request, pk: int):
    case = _case(request, pk)
    try:
        services.finish_case(acting_user=request.user, reservation=case)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"{case.reservation_no} の対応を完了しました。")
    return redirect("counter:bereavement_case", pk=case.pk)


@never_cache
@require_GET
@require(selectors.may_work_cases, message=WORK_DENIED)
def pack(request, pk: int):
    """The printed pack (PDF) for the visitor; its service logs the print."""
    case = _case(request, pk)
    try:
        pdf = services.print_pack(acting_user=request.user, reservation=case)
    except ValidationError as error:
        _errors(request, error)
        return redirect("counter:bereavement_case", pk=case.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="okuyami-{case.reservation_no}.pdf"'
    return response
