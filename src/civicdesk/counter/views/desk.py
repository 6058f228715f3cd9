"""The desk (窓口担当・会計担当): choose a counter (kept in the session), then work keyboard-first —
次の方 (N), 再呼出 (R), 不在 (F), 対応開始 (Enter), 保留 (H), 転送 (T), 審査依頼 (S), 完了 (C).
Every button is a POST form that works without JavaScript; each POST calls one service and
comes back to the desk (a reload never repeats a call). Tickets hold no personal data; the
requests and fees of the current ticket come from ``{% ticket_work %}`` and log themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicdesk.core.http import require
from civicdesk.counter.choices import TicketStatus
from civicdesk.counter.forms.tickets import CounterChoiceForm, ParkForm, TransferForm
from civicdesk.counter.models import Counter, Ticket
from civicdesk.counter.selectors import tickets as selectors
from civicdesk.counter.services import tickets as services

SESSION_KEY = "counter_desk_counter"
DENIED = "番号札を呼び出す権限がありません。"
desk_required = require(selectors.may_work_desk, message=DENIED)


def _counter(request) -> Counter | None:
    pk = request.session.get(SESSION_KEY)
    return selectors.counters_for(request.user).filter(pk=pk).first() if pk else None


@never_cache
@require_GET
@desk_required
def desk(request):
    counter = _counter(request)
    if counter is None or "change" in request.GET:
        form = CounterChoiceForm(
            counters=selectors.counters_for(request.user), initial={"counter": counter}
        )
        return render(request, "counter/desk/choose.html", {"form": form, "counter": counter})
    state = selectors.desk(counter)
    queues = selectors.queues_for(request.user)
    if state.current is not None:  # where it waits already is no transfer
        queues = queues.exclude(pk=state.current.waiting_in_id)
    context = {"desk": state, "transfer_form": TransferForm(queues=queues)}
    return render(request, "counter/desk/page.html", context)


@require_POST
@desk_required
def desk_counter(request):
    form = CounterChoiceForm(request.POST, counters=selectors.counters_for(request.user))
    if not form.is_valid():
        return render(request, "counter/desk/choose.html", {"form": form, "counter": None})
    request.session[SESSION_KEY] = form.cleaned_data["counter"].pk
    messages.success(request, f"{form.cleaned_data['counter'].name}で受け付けます。")
    return redirect("counter:desk")


@never_cache
@require_GET
@desk_required
def desk_waiting(request):
    """The waiting counts, refreshed in place every few seconds (htmx)."""
    counter = _counter(request)
    if counter is None:
        return render(request, "counter/desk/_waiting.html", {"desk": None})
    return render(request, "counter/desk/_waiting.html", {"desk": selectors.desk(counter)})


@require_POST
@desk_required
def desk_next(request):
    """次の方: the counter's next ticket (a cashier: the next one waiting for pickup)."""
    counter = _counter(request)
    if counter is None:
        return _choose_first(request)
    try:
        ticket = services.call_next(acting_user=request.user, counter=counter)
    except ValidationError as error:
        _error(request, error)
    else:
        if ticket is None:
            messages.info(request, "お待ちの方はいません。")
        else:
            messages.success(request, f"{ticket.label} を呼び出しました。")
    return redirect("counter:desk")


# --- Moves of a ticket at this desk ---------------------------------------------------------


def _recall(request, counter, ticket):
    moved = services.recall(acting_user=request.user, ticket=ticket)
    if moved.status == TicketStatus.NO_SHOW:
        return f"{moved.label} は再呼出の上限を超えたため不在にしました。"
    return f"{moved.label} を再呼出しました（{moved.calls}回目の呼出）。"


def _no_show(request, counter, ticket):
    services.mark_no_show(acting_user=request.user, ticket=ticket)
    return f"{ticket.label} を不在にしました。"


def _start(request, counter, ticket):
    services.start_service(acting_user=request.user, ticket=ticket)
    return f"{ticket.label} の対応を始めました。"


def _park(request, counter, ticket):
    form = ParkForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.park(acting_user=request.user, ticket=ticket, note=note)
    return f"{ticket.label} を保留にしました。"


def _resume(request, counter, ticket):
    services.resume(acting_user=request.user, ticket=ticket, counter=counter)
    return f"{ticket.label} の対応を再開しました。"


def _transfer(request, counter, ticket):
    form = TransferForm(request.POST, queues=selectors.queues_for(request.user))
    if not form.is_valid():
        raise ValidationError([m for messages_ in form.errors.values() for m in messages_])
    queue = form.cleaned_data["queue"]
    services.transfer(
        acting_user=request.user, ticket=ticket, queue=queue, note=form.cleaned_data["note"]
    )
    return f"{ticket.label} を「{queue.name}」へ転送しました。"


def _pickup(request, counter, ticket):
    services.send_to_pickup(acting_user=request.user, ticket=ticket)
    return f"{ticket.label} を交付・会計待ちにしました。"


def _finish(request, counter, ticket):
    services.finish(acting_user=request.user, ticket=ticket)
    return f"{ticket.label} を完了にしました。"


Move = Callable[[object, Counter, Ticket], str]


def _ticket_view(move: Move):
    @require_POST
    @desk_required
    def view(request, pk: int):
        counter = _counter(request)
        if counter is None:
            return _choose_first(request)
        # Only the tickets this desk holds: another desk's (or municipality's) number is 404.
        ticket = get_object_or_404(selectors.desk_tickets(counter), pk=pk)
        try:
            messages.success(request, move(request, counter, ticket))
        except ValidationError as error:
            _error(request, error)
        return redirect("counter:desk")

    view.__name__ = view.__qualname__ = f"desk{move.__name__}"
    view.__doc__ = move.__doc__
    return view


desk_recall = _ticket_view(_recall)
desk_no_show = _ticket_view(_no_show)
desk_start = _ticket_view(_start)
desk_park = _ticket_view(_park)
desk_resume = _ticket_view(_resume)
desk_transfer = _ticket_view(_transfer)
desk_pickup = _ticket_view(_pickup)
desk_finish = _ticket_view(_finish)


def _choose_first(request):
    messages.warning(request, "担当する窓口を選んでください。")
    return redirect("counter:desk")


def _error(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)
