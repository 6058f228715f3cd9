"""The pages of the public reservation site (/yoyaku/).

The session holds the target's id and nothing else. No page shows a name, an address or any
other personal fact of the resident: the venue (its public address), the slot and the
reservation's state only. Every page is ``noindex`` and never cached (``public_page``).
Bookings, changes and cancels go through the reservation services as the resident
(acting_user None); they log to ``civicdesk.cards.public`` without personal data.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.cards.choices import CLOSED_TARGET_STATUSES, Channel
from civicdesk.cards.models import CardTarget, Slot
from civicdesk.cards.public import altcha, signin
from civicdesk.cards.public.forms import BookForm, SignInForm, SlotForm
from civicdesk.cards.selectors.reservations import active_reservation
from civicdesk.cards.selectors.slots import (
    full,
    slot_days,
    tokyo_date,
    venue_slots,
    web_cutoff_days,
    web_may_change,
    web_window,
)
from civicdesk.cards.services.reservations import ReservationError, book, cancel, change
from civicdesk.core.forms import add_service_errors
from civicdesk.core.middleware import client_address

log = logging.getLogger("civicdesk.cards.public")

SESSION_KEY = "yoyaku_target"
ROBOTS = "noindex, nofollow, noarchive"
FAILED = (
    "予約管理番号または生年月日が違います。交付通知書に印字された予約管理番号と、"
    "生年月日をお確かめのうえ、もう一度入力してください。"
)
NOT_SOLVED = (
    "確認の計算が終わっていないか、期限が切れました。しばらく待ってから、"
    "もう一度「確認して進む」を押してください。"
)
UNKNOWN_SLOT = "予約枠: この枠は選べません。一覧から選び直してください。"
SIGNED_OUT = "サインアウトしました。"
EXPIRED = "一定時間操作がなかったため、もう一度予約管理番号と生年月日を入力してください。"


def public_page(view):
    """Open to anyone (no staff sign-in), never stored by a cache, never indexed. The
    Referrer-Policy stays the site's same-origin: under no-referrer Chromium sends
    ``Origin: null`` with a form POST, which the CSRF check refuses."""

    @login_not_required
    @never_cache
    @wraps(view)
    def page(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = ROBOTS
        return response

    return page


def _target(request) -> CardTarget | None:
    pk = request.session.get(SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return CardTarget.objects.select_related("venue").filter(pk=pk).first()


def signed_in(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        target = _target(request)
        if target is None:
            if request.method == "POST" or SESSION_KEY in request.session:
                messages.info(request, EXPIRED)
            return redirect("yoyaku:signin")
        return view(request, target, *args, **kwargs)

    return guarded


# --- Sign-in -------------------------------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def sign_in(request):
    today = tokyo_date(timezone.now())
    if request.method == "GET":
        if _target(request) is not None:
            return redirect("yoyaku:home")
        return _sign_in_page(request, SignInForm(today=today))
    form = SignInForm(request.POST, today=today)
    address = client_address(request)
    refused = _refused_before_looking(request, form, address)
    if refused is not None:
        return refused
    result = signin.sign_in(
        acting_user=None,
        reservation_no=form.cleaned_data["reservation_no"],
        birth_date=form.cleaned_data.get("birth_date"),
        client_address=address,
    )
    if result.limited:
        log.info("sign-in refused: too many failures")
        return _too_many(request, result.retry_after)
    if not result.ok:
        log.info("sign-in failed")
        return _sign_in_page(request, SignInForm(today=today), error=FAILED, status=400)
    if request.session.session_key:  # an existing session gets a new key; a new one has one
        request.session.cycle_key()
    request.session[SESSION_KEY] = result.target_id
    log.info("sign-in ok")
    return redirect("yoyaku:home")


def _refused_before_looking(request, form, address):
    """An address over its limit, an unsolved challenge or an incomplete form is answered
    before any target is looked up; an unsolved challenge counts as a failure."""
    wait = signin.refused_for(signin.address_keys(address), now=timezone.now().timestamp())
    if wait:
        return _too_many(request, wait)
    if not altcha.verify(request.POST.get("altcha", "")):
        signin.count_failure(signin.address_keys(address))
        form.is_valid()
        form.add_error(None, NOT_SOLVED)
        return _sign_in_page(request, form, status=400)
    if not form.is_valid():
        return _sign_in_page(request, form, status=400)
    return None


def _sign_in_page(request, form, *, error: str = "", status: int = 200):
    context = {"form": form, "error": error, "challenge": altcha.create_challenge()}
    return render(request, "cards/public/sign_in.html", context, status=status)


def _too_many(request, seconds: int):
    minutes = max(1, -(-seconds // 60))
    response = render(request, "cards/public/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@public_page
@require_POST
def sign_out(request):
    request.session.flush()
    messages.info(request, SIGNED_OUT)
    return redirect("yoyaku:signin")


# --- After sign-in -------------------------------------------------------------------------------


@public_page
@require_GET
@signed_in
def home(request, target):
    reservation = active_reservation(target)
    now = timezone.now()
    context = {
        "venue": target.venue,
        "reservation": reservation,
        "closed": target.status in CLOSED_TARGET_STATUSES,
        "may_change": reservation is not None and web_may_change(reservation.slot, now),
        "cutoff_days": web_cutoff_days(),
    }
    return render(request, "cards/public/home.html", context)


@public_page
@require_GET
@signed_in
def slots(request, target):
    reservation = active_reservation(target)
    form = (SlotForm if reservation else BookForm)()
    return _slots_page(request, target, reservation, form)


def _slots_page(request, target, reservation, form, *, status: int = 200):
    now = timezone.now()
    if target.status in CLOSED_TARGET_STATUSES:
        return redirect("yoyaku:home")
    if reservation is not None and not web_may_change(reservation.slot, now):
        return redirect("yoyaku:home")
    first, last = web_window(now)
    offered = [slot for slot in venue_slots(target.venue, first, last) if slot.starts_at > now]
    for slot in offered:
        slot.is_full = full(slot, Channel.WEB)
        slot.free_web = slot.free("web")
    context = {
        "venue": target.venue,
        "reservation": reservation,
        "days": slot_days(offered),
        "first": first,
        "last": last,
        "form": form,
    }
    return render(request, "cards/public/slots.html", context, status=status)


def _chosen_slot(target, form) -> Slot | None:
    return (
        Slot.objects.select_related("venue")
        .filter(pk=form.cleaned_data["slot"], venue__municipality_id=target.municipality_id)
        .first()
    )


@public_page
@require_POST
@signed_in
def book_slot(request, target):
    form = BookForm(request.POST)
    slot = _chosen_slot(target, form) if form.is_valid() else None
    if form.is_valid() and slot is None:
        form.add_error(None, UNKNOWN_SLOT)
    if not form.is_valid():
        return _slots_page(request, target, None, form, status=400)
    try:
        book(
            acting_user=None,
            target=target,
            slot=slot,
            channel=Channel.WEB,
            contact_email=form.cleaned_data["contact_email"],
            contact_phone=form.cleaned_data["contact_phone"],
        )
    except ReservationError as error:
        if _already_there(target, slot):  # a double submit: the first one booked it
            return redirect("yoyaku:home")
        add_service_errors(form, error)
        return _slots_page(request, target, active_reservation(target), form, status=400)
    messages.success(request, "予約しました。")
    return redirect("yoyaku:home")


@public_page
@require_POST
@signed_in
def change_slot(request, target):
    reservation = active_reservation(target)
    if reservation is None:
        return redirect("yoyaku:home")
    form = SlotForm(request.POST)
    slot = _chosen_slot(target, form) if form.is_valid() else None
    if form.is_valid() and slot is None:
        form.add_error(None, UNKNOWN_SLOT)
    if not form.is_valid():
        return _slots_page(request, target, reservation, form, status=400)
    if slot.pk == reservation.slot_id:  # a double submit: the first one moved it here
        return redirect("yoyaku:home")
    try:
        change(acting_user=None, reservation=reservation, slot=slot, channel=Channel.WEB)
    except ReservationError as error:
        if _already_there(target, slot):
            return redirect("yoyaku:home")
        add_service_errors(form, error)
        return _refused(request, target, form)
    messages.success(request, "予約を変更しました。")
    return redirect("yoyaku:home")


@public_page
@require_http_methods(["GET", "POST"])
@signed_in
def cancel_reservation(request, target):
    reservation = active_reservation(target)
    if reservation is None:
        return redirect("yoyaku:home")
    context = {"venue": target.venue, "reservation": reservation, "errors": []}
    if request.method == "GET":
        if not web_may_change(reservation.slot, timezone.now()):
            return redirect("yoyaku:home")
        return render(request, "cards/public/cancel.html", context)
    try:
        cancel(acting_user=None, reservation=reservation, channel=Channel.WEB)
    except ReservationError as error:
        context["errors"] = error.messages
        return render(request, "cards/public/cancel.html", context, status=400)
    messages.success(request, "予約を取り消しました。")
    return redirect("yoyaku:home")


def _already_there(target, slot) -> bool:
    current = active_reservation(target)
    return current is not None and current.slot_id == slot.pk


def _refused(request, target, form):
    """A refused change: the slot list again when it may still be changed, else home."""
    reservation = active_reservation(target)
    if reservation is not None and not web_may_change(reservation.slot, timezone.now()):
        for message in form.non_field_errors() + form.errors.get("slot", []):
            messages.error(request, message)
        return redirect("yoyaku:home")
    return _slots_page(request, target, reservation, form, status=400)


# --- Errors of the public host (the staff site's error pages link to staff pages) ---------------


def not_found(request, exception=None):
    return render(
        request, "cards/public/error.html", {"title": "ページが見つかりません"}, status=404
    )


def forbidden(request, exception=None, reason=""):
    title = "もう一度お試しください"
    return render(request, "cards/public/error.html", {"title": title, "retry": True}, status=403)


def server_error(request):
    title = "ただいま処理できません"
    return render(request, "cards/public/error.html", {"title": title}, status=500)
