"""Card issuance in ``civicdesk demo`` (seed 004): the three venues with every 町丁目 of 別紙①,
5,000 card targets spread over the areas (a ward file taken in through the real import), the
letters printed and mailed, a month of slots, bookings by web, phone and FAX through the real
booking service, cards received and sent to the venues with their ledgers, today's venue day
worked and closed where a venue is open, the call center's calls, and call recordings (small
generated WAV files) at several ages, one of them past its erase-by date for the purge to find.
``--rebuild`` removes all of it but the venues and the table (the ward's data)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import random
import struct
import tempfile
import wave
from pathlib import Path

from django.utils import timezone

from civicdesk.cards.choices import CallType, CardState, Channel, TargetStatus
from civicdesk.cards.models import (
    CallRecording,
    CardCall,
    CardReceipt,
    CardTarget,
    Disclosure,
    Mailing,
    ReconciliationClose,
    RecordingErasure,
    Reservation,
    Slot,
    TargetEvent,
    TargetImport,
    Venue,
    VenueDay,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.cards.selectors.recordings import recordings_dir
from civicdesk.cards.selectors.slots import bookable_slots
from civicdesk.cards.services import mailings, reservations, stock, venue_day
from civicdesk.cards.services.calls import record_call
from civicdesk.cards.services.recordings import register_recording
from civicdesk.cards.services.slots import open_slots
from civicdesk.cards.services.targets import import_targets
from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.calendar import TOKYO
from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped
from civicdesk.receivables.demo_data.reference import generation_of, load_areas, load_names

TARGETS = 5_000
SLOT_DAYS = 31
BOOKED_SHARE = 0.3  # of the targets, booked through the three channels
RECORDING_AGES = (2, 20, 45, 75, 110)  # days before today: the last is past its erase-by date


def build(context: DemoContext) -> dict | Skipped:
    municipality = context.municipality
    staff, supervisor = context.person("staff"), context.person("supervisor")
    venues = setup_venues(acting_user=staff, municipality=municipality)
    count = _target_count(context)
    if not count:
        return Skipped("カード交付: 交付対象者 0 人のため、会場と町丁目のみ登録しました。")
    if CardTarget.objects.filter(municipality=municipality).exists():
        return Skipped("カード交付: 交付対象者が登録済みのため作りません。")
    rng = random.Random(context.seed)
    now = timezone.now()
    run = _import(municipality, supervisor, rng, context.today, count)
    letters, _data = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="デモ: 交付説明文書 第1回"
    )
    mailings.record_mailed(acting_user=supervisor, mailing=letters, mailed_on=context.today)
    slots = sum(
        open_slots(
            acting_user=staff,
            venue=venue,
            start=context.today,
            end=context.today + dt.timedelta(days=SLOT_DAYS),
        )
        for venue in venues
    )
    # The booking log line per reservation is for a live server, not for 1,500 demo bookings.
    quiet = logging.getLogger("civicdesk.cards.public")
    level, quiet.level = quiet.level, logging.WARNING
    try:
        booked = _bookings(municipality, context, rng, now)
    finally:
        quiet.setLevel(level)
    moved = _cards(municipality, context, supervisor)
    day = _venue_day(municipality, context)
    calls = _calls(municipality, context, rng)
    recordings = _recordings(municipality, context, supervisor, rng)
    context.say(
        f"カード交付: 交付対象者 {run.row_count:,} 人（3会場・{len(load_areas())} 町丁目）、"
        f"予約枠 {slots:,}、予約 {booked:,} 件、会場へ送付 {moved:,} 枚、{day}"
        f"受電 {calls} 件、通話録音 {recordings} 件を作成しました。"
    )
    return {"targets": run.row_count, "slots": slots, "reservations": booked}


def _target_count(context: DemoContext) -> int:
    if context.card_targets is not None:
        return context.card_targets
    return 0 if context.history_days == 0 else TARGETS


def _import(
    municipality, supervisor, rng: random.Random, today: dt.date, count: int
) -> TargetImport:
    """The ward's file, written as the ward writes it (CP932 CSV) and taken in whole."""
    areas = [area for area in load_areas() if area.weight > 0]
    weights = [area.weight for area in areas]
    names = load_names()
    lines = ["予約管理番号,氏名,氏名カナ,生年月日,住所,区分"]
    for number in range(1, count + 1):
        area = rng.choices(areas, weights)[0]
        born = today - dt.timedelta(days=rng.randint(365 * 1, 365 * 95))
        sex = rng.choice(("male", "female"))
        surname = rng.choice(names.surnames)
        given = rng.choice(names.given[(sex, generation_of(born.year))])
        chome = f"{area.chome}丁目" if area.chome else ""
        address = f"東京都江東区{area.town}{chome}{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
        reason = "再交付" if rng.random() < 0.1 else "新規"
        lines.append(
            f"{number + 13_100_000_000},{surname.text} {given.text},"
            f"{surname.kana} {given.kana},{born:%Y-%m-%d},{address},{reason}"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "交付対象者_デモ.csv"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
        return import_targets(
            acting_user=supervisor, municipality=municipality, notices_received=count, path=path
        )


def _bookings(municipality, context: DemoContext, rng: random.Random, now: dt.datetime) -> int:
    """Bookings made over the last two weeks: most on the web, some by phone and FAX."""
    operator = context.person("cardop")
    targets = list(
        CardTarget.objects.filter(municipality=municipality, status=TargetStatus.MAILED)
        .select_related("venue")
        .order_by("reservation_no")
    )
    rng.shuffle(targets)
    count = 0
    for target in targets[: int(len(targets) * BOOKED_SHARE)]:
        channel = rng.choices((Channel.WEB, Channel.PHONE, Channel.FAX), (70, 25, 5))[0]
        when = now - dt.timedelta(days=rng.randint(1, 14), minutes=rng.randint(0, 600))
        if channel == Channel.WEB:
            # Booked on the web some days ago, within that day's window (3 to 45 days ahead).
            when = now - dt.timedelta(days=rng.randint(0, 2))
        offered = bookable_slots(target, channel, now=when)
        if not offered:
            continue
        slot = offered[min(int(rng.expovariate(1 / 20)), len(offered) - 1)]
        reservations.book(
            acting_user=None if channel == Channel.WEB else operator,
            target=target,
            slot=slot,
            channel=channel,
            now=when,
        )
        count += 1
    return count


def _cards(municipality, context: DemoContext, supervisor) -> int:
    """The cards of the targets booked so far arrive from the ward and go to their venues."""
    numbers = list(
        CardTarget.objects.filter(municipality=municipality, status=TargetStatus.RESERVED)
        .order_by("reservation_no")
        .values_list("reservation_no", flat=True)
    )
    if not numbers:
        return 0
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=context.today - dt.timedelta(days=7),
        declared_count=len(numbers),
        reservation_nos=numbers,
    )
    clerk = context.person("venue")
    moved = 0
    for venue in Venue.objects.filter(municipality=municipality):
        mine = list(
            CardTarget.objects.filter(venue=venue, card_state=CardState.IN_STOCK).values_list(
                "reservation_no", flat=True
            )
        )
        if not mine:
            continue
        transfer = stock.transfer_to_venue(
            acting_user=supervisor, venue=venue, reservation_nos=mine
        )
        stock.receive_transfer(acting_user=clerk, transfer=transfer, counted=transfer.card_count)
        moved += transfer.card_count
    return moved


def _venue_day(municipality, context: DemoContext) -> str:
    """Today's visitors at the first open venue get their cards; the day is closed."""
    clerk = context.person("venue")
    start = dt.datetime.combine(context.today, dt.time.min, tzinfo=TOKYO)
    for venue in Venue.objects.filter(municipality=municipality):
        today = Reservation.objects.filter(
            slot__venue=venue,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + dt.timedelta(days=1),
            status="booked",
            target__card_state=CardState.AT_VENUE,
        ).select_related("target")
        if not today.exists():
            continue
        for number, reservation in enumerate(today):
            if number % 5 == 4:
                continue  # a few have not come yet
            stock.issue_card(acting_user=clerk, target=reservation.target, identity_checked=True)
        figures = venue_day.day_figures(venue, context.today)
        close = venue_day.close_venue_day(
            acting_user=clerk, venue=venue, day=context.today, counted=figures.expected
        )
        return f"{venue.short_name}の本日の日締め（交付 {close.issued} 枚）、"
    return "本日開場の会場がないため日締めなし、"


def _calls(municipality, context: DemoContext, rng: random.Random) -> int:
    operator = context.person("cardop")
    targets = list(CardTarget.objects.filter(municipality=municipality)[:200])
    count = 0
    for _ in range(60):
        call_type = rng.choices(CallType.values, (15, 45, 15, 5, 20))[0]
        target = rng.choice(targets) if call_type == CallType.ISSUANCE else None
        record_call(
            acting_user=operator,
            municipality=municipality,
            call_type=call_type,
            target=target,
            channel=Channel.PHONE,
            note="予約の確認" if target else "",
        )
        count += 1
    return count


def _recordings(municipality, context: DemoContext, supervisor, rng: random.Random) -> int:
    """A short generated tone per recording (no voice), at several ages."""
    calls = list(CardCall.objects.filter(municipality=municipality)[: len(RECORDING_AGES)])
    count = 0
    for age, call in zip(RECORDING_AGES, calls, strict=False):
        recorded_at = timezone.now() - dt.timedelta(days=age, minutes=rng.randint(0, 300))
        register_recording(
            acting_user=supervisor,
            municipality=municipality,
            call_type=call.call_type,
            recorded_at=recorded_at,
            file=io.BytesIO(_tone(rng)),
            file_name=f"demo-{age}.wav",
            call=call,
            duration_seconds=1,
        )
        count += 1
    return count


def _tone(rng: random.Random) -> bytes:
    rate, pitch = 8_000, rng.choice((440, 523, 659))
    frames = b"".join(
        struct.pack("<h", int(8_000 * math.sin(2 * math.pi * pitch * n / rate)))
        for n in range(rate)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def remove(context: DemoContext) -> None:
    """Everything but the venues and the 町丁目 table (the ward's data); recording files too."""
    mine = {"municipality": context.municipality}
    root = recordings_dir()
    for name in CallRecording.objects.filter(**mine, erased_at__isnull=True).values_list(
        "file_name", flat=True
    ):
        path = root / name
        if path.is_file():
            path.chmod(0o600)
            path.unlink()
    Disclosure.objects.filter(**mine).delete()
    CallRecording.objects.filter(**mine).delete()
    RecordingErasure.objects.filter(**mine).delete()
    CardCall.objects.filter(**mine).delete()
    targets = CardTarget.objects.filter(**mine)
    Reservation.objects.filter(target__in=targets).delete()
    VenueTransferItem.objects.filter(target__in=targets).delete()
    TargetEvent.objects.filter(target__in=targets).delete()
    VenueDay.objects.filter(venue__municipality=context.municipality).delete()
    ReconciliationClose.objects.filter(**mine).delete()
    targets.delete()
    VenueTransfer.objects.filter(**mine).delete()
    CardReceipt.objects.filter(**mine).delete()
    Mailing.objects.filter(**mine).delete()
    TargetImport.objects.filter(**mine).delete()
    Slot.objects.filter(venue__municipality=context.municipality).delete()


DEMO_PART = DemoPart(name="cards", order=78, build=build, remove=remove)
