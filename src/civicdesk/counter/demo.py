"""The counters in ``civicdesk demo``: the set-up of a city hall's ground floor (queues A–D,
windows 1–5, the bereavement desk and the cashier; the procedure catalogue with its fees;
the bereavement desk's questions and procedures), a waiting-room and a cashier display, and
three months of counter history made through the real services (counter.demo_history), so
that every counter report has figures. ``--rebuild`` removes the history (the set-up stays:
it is the municipality's data)."""

from __future__ import annotations

from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped
from civicdesk.counter.bereavement_catalogue import demo_catalogue
from civicdesk.counter.choices import DisplayKind
from civicdesk.counter.demo_history import Cast, create_counter_history
from civicdesk.counter.models import (
    BereavementReservation,
    BereavementTask,
    DayClose,
    DisplayDevice,
    FeeEntry,
    PaperMovement,
    PlateLoan,
    ReceiptSequence,
    Request,
    Review,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from civicdesk.counter.services.catalogue import set_up_counters
from civicdesk.counter.services.displays import register_display

HISTORY_DAYS = 90
DISPLAYS = (("1階 待合表示", DisplayKind.WAITING_ROOM), ("会計 呼び出し表示", DisplayKind.CASHIER))


def build(context: DemoContext) -> dict | Skipped:
    municipality, staff = context.municipality, context.person("staff")
    made = set_up_counters(acting_user=staff, municipality=municipality)
    demo_catalogue(municipality)
    if any(made.values()):
        context.say(
            f"窓口: 待ち行列 {made['queues']}、窓口 {made['counters']}、手続 {made['procedures']}、"
            f"手数料 {made['fees']} 件を登録しました。"
        )
    _displays(context)
    days = next(
        (d for d in (context.counter_days, context.history_days) if d is not None), HISTORY_DAYS
    )
    if not days:
        return Skipped("窓口の履歴: 日数が 0 のため作成しません。")
    if Ticket.objects.filter(queue__municipality=municipality, day__lt=context.today).exists():
        return Skipped("窓口の履歴: 作成済みのため作りません。")
    cast = Cast(
        reception=context.person("reception"),
        clerks=[context.person("clerk"), context.person("clerk2")],
        cashier=context.person("cashier"),
        staff=staff,
        supervisor=context.person("supervisor"),
    )
    history = create_counter_history(
        municipality=municipality, people=cast, today=context.today, days=days, seed=context.seed
    )
    context.say(
        f"窓口の履歴 {history['days']} 日分を作成しました（番号札 {history['tickets']:,} 枚、"
        f"おくやみコーナー {history['bereavement']} 件、"
        f"指定開庁日 {history['designated_days']} 日）。"
    )
    return history


def _displays(context: DemoContext) -> None:
    """The two screens, with their keys printed once (a key cannot be shown again)."""
    municipality = context.municipality
    for name, kind in DISPLAYS:
        if DisplayDevice.objects.filter(municipality=municipality, name=name).exists():
            continue
        _device, key = register_display(
            acting_user=context.person("supervisor"),
            municipality=municipality,
            name=name,
            kind=kind,
        )
        context.say(f"表示端末「{name}」: /counter/display/{key}/ （このキーは再表示できません）")


def remove(context: DemoContext) -> None:
    """The counter history of the municipality (the set-up and the displays stay)."""
    mine = {"municipality": context.municipality}
    requests = Request.objects.filter(**mine)
    cases = BereavementReservation.objects.filter(**mine)
    tickets = Ticket.objects.filter(queue__municipality=context.municipality)
    FeeEntry.objects.filter(**mine, kind="reversal").delete()
    FeeEntry.objects.filter(**mine).delete()
    PaperMovement.objects.filter(**mine).delete()
    DayClose.objects.filter(**mine).delete()
    Review.objects.filter(request__in=requests).delete()
    PlateLoan.objects.filter(request__in=requests).delete()
    requests.delete()
    BereavementTask.objects.filter(reservation__in=cases).delete()
    cases.delete()
    TicketEvent.objects.filter(ticket__in=tickets).delete()
    tickets.delete()
    TicketSequence.objects.filter(queue__municipality=context.municipality).delete()
    ReceiptSequence.objects.filter(**mine).delete()


DEMO_PART = DemoPart(name="counter", order=75, build=build, remove=remove)
