"""The card call center's pages (issue 18 §5): find the caller's target, book, change or cancel
for them by phone or FAX (also after the web cut-off) with the call type ア–オ recorded, record
a call about no one, and the supervisor's day of calls by type; and the venues' slots (a week
per venue with seats per pool), which staff open from the venue's calendar and resize.

Who opens what: selectors.reservations.may_use_call_center (card_operator, supervisor) and
may_view_calls (supervisor); the slots page cards.view_slot, opening cards.add_slot, seats
cards.change_slot (staff). A target or slot of another municipality answers 404. The target
page shows only what the call needs and logs it; searches are logged by their service.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.cards.choices import Channel, SeatPool
from civicdesk.cards.forms.reservations import (
    CallFieldsForm,
    CancelForm,
    CapacityForm,
    DayForm,
    LookupForm,
    OpenSlotsForm,
    ReserveForm,
    SlotWeekForm,
    WeekForm,
)
from civicdesk.cards.models import CardTarget, Venue
from civicdesk.cards.selectors import reservations as selectors
from civicdesk.cards.selectors.slots import slot_days, slots_for, venue_slots
from civicdesk.cards.services import calls, slots
from civicdesk.core.calendar import TOKYO
from civicdesk.core.http import require
from civicdesk.core.japanese import era_date

CALL_CENTER_DENIED = "カードコールセンターの画面を使う権限がありません。"
CALLS_DENIED = "コールセンターの受電一覧を表示する権限がありません。"
SLOTS_DENIED = "予約枠を表示する権限がありません。"
OPEN_DENIED = "予約枠を作成する権限がありません。"
CAPACITY_DENIED = "予約枠の席数を変更する権限がありません。"
OPEN_DAYS = 30
PICKER_DAYS = 7
CALL_FIELDS = ["予約管理番号", "通話の種別", "応対メモ"]


def _today() -> dt.date:
    return timezone.now().astimezone(TOKYO).date()


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone(TOKYO)
    return f"{era_date(local.date())} {local:%H:%M}"


# --- Finding the caller ------------------------------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_use_call_center, message=CALL_CENTER_DENIED)
def call_center(request):
    """The search (``?no=`` or ``?name=&birth_date=``); one number found opens its page."""
    form = LookupForm(request.GET or None)
    rows = None
    if form.is_valid():
        try:
            targets = calls.find_targets(
                acting_user=request.user,
                reservation_no=form.cleaned_data["no"],
                name=form.cleaned_data["name"],
                birth_date=form.cleaned_data["birth_date"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data["no"] and len(targets) == 1:
                return redirect("cards:call_center_target", pk=targets[0].pk)
            rows = [(target, selectors.active_reservation(target)) for target in targets]
    context = {"form": form, "rows": rows, "call_form": CallFieldsForm()}
    return render(request, "cards/reservations/call_center.html", context)


# --- The target's page -------------------------------------------------------------------------


def _target(request, pk: int) -> CardTarget:
    return get_object_or_404(selectors.targets_for(request.user), pk=pk)


def _picker_start(request) -> dt.date:
    form = WeekForm(request.GET)
    today = _today()
    start = form.cleaned_data["start"] if form.is_valid() else None
    return max(start or today, today)


def _picker(target: CardTarget, start: dt.date) -> dict:
    """A week of the venue's slots, each with the call center's free seats (phone and FAX
    share one pool); past and full slots cannot be chosen."""
    end = start + dt.timedelta(days=PICKER_DAYS - 1)
    now = timezone.now()
    week = venue_slots(target.venue, start, end)
    for slot in week:
        slot.free_seats = slot.free(SeatPool.PHONE)
        slot.choosable = slot.free_seats > 0 and slot.starts_at > now
    return {
        "days": slot_days(week),
        "start": start,
        "end": end,
        "previous": max(start - dt.timedelta(days=PICKER_DAYS), _today()),
        "next": end + dt.timedelta(days=1),
        "at_today": start <= _today(),
    }


def _target_page(request, target, *, reserve_form=None, cancel_form=None, call_form=None):
    active = selectors.active_reservation(target)
    log_view(
        request,
        obj=target,
        fields=selectors.CALL_CENTER_FIELDS,
        reason=f"コールセンター 交付対象者の確認（{target.reservation_no}）",
    )
    context = {
        "target": target,
        "active": active,
        "history": selectors.reservations_of(target)[:10],
        "picker": _picker(target, _picker_start(request)),
        "reserve_form": reserve_form or ReserveForm(initial={"channel": Channel.PHONE}),
        "cancel_form": cancel_form or CancelForm(initial={"channel": Channel.PHONE}),
        "call_form": call_form or CallFieldsForm(initial={"channel": Channel.PHONE}),
        "chosen_slot": (reserve_form.data.get("slot") if reserve_form is not None else ""),
    }
    return render(request, "cards/reservations/target.html", context)


@never_cache
@require_GET
@require(selectors.may_use_call_center, message=CALL_CENTER_DENIED)
def call_center_target(request, pk: int):
    return _target_page(request, _target(request, pk))


def _back(target: CardTarget) -> str:
    return reverse("cards:call_center_target", kwargs={"pk": target.pk})


@require_POST
@require(selectors.may_use_call_center, message=CALL_CENTER_DENIED)
def call_center_reserve(request, pk: int):
    """Book, or change the active reservation to, the chosen slot; the call recorded."""
    target = _target(request, pk)
    form = ReserveForm(request.POST)
    if form.is_valid():
        slot = slots_for(request.user).filter(pk=form.cleaned_data["slot"]).first()
        try:
            if slot is None:
                raise ValidationError({"slot": "予約枠を選んでください。"})
            calls.take_call(
                acting_user=request.user,
                target=target,
                action=calls.BOOK,
                slot=slot,
                channel=form.cleaned_data["channel"],
                call_type=form.cleaned_data["call_type"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"{target.reservation_no} の予約を{_when(slot.starts_at)}"
                f"（{target.venue.name}）で受け付けました。",
            )
            return redirect(_back(target))
    return _target_page(request, target, reserve_form=form)


@require_POST
@require(selectors.may_use_call_center, message=CALL_CENTER_DENIED)
def call_center_cancel(request, pk: int):
    target = _target(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            calls.take_call(
                acting_user=request.user,
                target=target,
                action=calls.CANCEL,
                channel=form.cleaned_data["channel"],
                call_type=form.cleaned_data["call_type"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{target.reservation_no} の予約を取り消しました。")
            return redirect(_back(target))
    return _target_page(request, target, cancel_form=form)


@require_POST
@require(selectors.may_use_call_center, message=CALL_CENTER_DENIED)
def call_center_call(request, pk: int | None = None):
    """A call recorded on its own: about the target ``pk``, or (no pk) about no one."""
    target = _target(request, pk) if pk is not None else None
    form = CallFieldsForm(request.POST)
    if form.is_valid():
        try:
            calls.record_call(
                acting_user=request.user,
                municipality=target.municipality if target else request.user.municipality,
                call_type=form.cleaned_data["call_type"],
                target=target,
                channel=form.cleaned_data["channel"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "通話を記録しました。")
            return redirect(_back(target) if target else reverse("cards:call_center"))
    if target is not None:
        return _target_page(request, target, call_form=form)
    context = {"form": LookupForm(), "rows": None, "call_form": form}
    return render(request, "cards/reservations/call_center.html", context)


# --- The day's calls -----------------------------------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_view_calls, message=CALLS_DENIED)
def calls_page(request):
    """The day's calls (``?date=``, default today): counts per type ア–オ and the list."""
    form = DayForm(request.GET or None)
    day = (form.cleaned_data["date"] if form.is_valid() else None) or _today()
    rows = selectors.day_calls(request.user, day)
    if rows:
        log_view(
            request,
            fields=CALL_FIELDS,
            reason=f"コールセンター 受電一覧（{era_date(day)}、{len(rows)}件）",
        )
    table = selectors.calls_by_type(request.user, day)
    context = {
        "form": form,
        "day": day,
        "table": table,
        "totals": [sum(row[column] for row in table) for column in (1, 2, 3)],
        "rows": rows,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
    }
    return render(request, "cards/reservations/calls.html", context)


# --- Slots (staff) -------------------------------------------------------------------------------


def _venues(user) -> list[Venue]:
    return list(Venue.objects.filter(municipality_id=user.municipality_id))


def _slots_url(venue: Venue, start: dt.date) -> str:
    return f"{reverse('cards:slots')}?venue={venue.code}&start={start.isoformat()}"


@never_cache
@require_GET
@require("cards.view_slot", message=SLOTS_DENIED)
def slots_page(request):
    """A week (``?start=``, default today) of one venue's slots (``?venue=`` its code) with the
    seats taken and offered per pool; staff open more and change seats here."""
    form = SlotWeekForm(request.GET)
    form.is_valid()
    venues = _venues(request.user)
    wanted = form.cleaned_data.get("venue") or (venues[0].code if venues else "")
    venue = next((item for item in venues if item.code == wanted), None)
    if venue is None and venues:
        raise Http404("この会場はありません。")
    start = form.cleaned_data.get("start") or _today()
    end = start + dt.timedelta(days=PICKER_DAYS - 1)
    context = {
        "venues": venues,
        "venue": venue,
        "days": slot_days(venue_slots(venue, start, end)) if venue else [],
        "start": start,
        "end": end,
        "previous": start - dt.timedelta(days=PICKER_DAYS),
        "next": end + dt.timedelta(days=1),
        "open_form": OpenSlotsForm(
            initial={
                "venue": wanted,
                "start": start,
                "end": start + dt.timedelta(days=OPEN_DAYS),
            }
        ),
        "may_open": request.user.has_perm("cards.add_slot"),
        "may_resize": request.user.has_perm("cards.change_slot"),
    }
    return render(request, "cards/reservations/slots.html", context)


def _error_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@require_POST
@require("cards.add_slot", message=OPEN_DENIED)
def slots_open(request):
    form = OpenSlotsForm(request.POST)
    if not form.is_valid():
        _error_messages(request, ValidationError(list(form.errors.values())))
        return redirect("cards:slots")
    venue = get_object_or_404(
        Venue, municipality_id=request.user.municipality_id, code=form.cleaned_data["venue"]
    )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        made = slots.open_slots(acting_user=request.user, venue=venue, start=start, end=end)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request,
            f"{venue.short_name}の予約枠を{made}枠作成しました"
            f"（{era_date(start)}〜{era_date(end)}、既存の枠はそのまま）。",
        )
    return redirect(_slots_url(venue, start))


@require_POST
@require("cards.change_slot", message=CAPACITY_DENIED)
def slot_capacity(request, pk: int):
    slot = get_object_or_404(slots_for(request.user), pk=pk)
    form = CapacityForm(request.POST)
    day = slot.starts_at.astimezone(TOKYO).date()
    if not form.is_valid():
        _error_messages(request, ValidationError(list(form.errors.values())))
        return redirect(_slots_url(slot.venue, day))
    try:
        slots.change_capacity(acting_user=request.user, slot=slot, **form.cleaned_data)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, f"{_when(slot.starts_at)}の枠の席数を変更しました。")
    return redirect(_slots_url(slot.venue, day))
