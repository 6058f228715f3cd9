"""Print runs (別紙③ 1 ⑧⑩, 3): the letter file read back from CP932 with its columns and
barcode values (check digits computed here), run numbers per kind, targets in one run only,
the export register and the access log, mailing moves targets on, the reissue postcards."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from civicdesk.audit.models import AccessLogEntry
from civicdesk.cards.choices import (
    Channel,
    MailingKind,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import CardTarget, Mailing, Reservation, TargetEvent
from civicdesk.cards.services import mailings
from civicdesk.privacy.models import ExportRecord
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db
TODAY = TEST_NOW.date()


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("cp932"))))


def jan_check(body: str) -> int:
    """The check digit by hand: weights 3, 1, 3 … from the rightmost digit."""
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))]
    total = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=True))
    return (10 - total % 10) % 10


@pytest.mark.parametrize(
    ("number", "body"),
    [("K000000001", "20000000001"), ("123456789", "123456789"), ("Ｋ-12", "2012")],
)
def test_the_barcode_value_is_the_number_in_digits_with_a_check_digit(number, body):
    value = mailings.barcode_value(number)
    assert value == body + str(jan_check(body))
    assert value.isdigit()


def test_a_scanned_barcode_of_a_numeric_number_gives_the_number_back():
    value = mailings.barcode_value("123456789")
    assert mailings.number_from_barcode(value) == "123456789"
    wrong = value[:-1] + str((int(value[-1]) + 1) % 10)
    assert mailings.number_from_barcode(wrong) is None
    assert mailings.number_from_barcode("K1") is None


def test_the_known_jan_check_digit_is_reproduced():
    # 4901234567894 is a textbook JAN-13: body 490123456789, check digit 4.
    assert mailings.check_digit("490123456789") == "4"


def test_a_letter_run_writes_every_waiting_target_in_cp932(venues, municipality, supervisor):
    a = CardTargetFactory(municipality=municipality, reservation_no="K000000002", name="髙橋 花子")
    b = CardTargetFactory(municipality=municipality, reservation_no="K000000001", town="豊洲")
    CardTargetFactory(municipality=municipality, status=TargetStatus.MAILED)
    mailing, content = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="第1回印刷"
    )
    rows = read_csv(content)
    assert [row["予約管理番号"] for row in rows] == ["K000000001", "K000000002"]
    assert list(rows[0]) == list(mailings.COLUMNS)
    assert rows[1]["郵便あて名"] == "髙橋 花子 様"
    assert rows[1]["住所"] == a.address
    assert rows[0]["交付会場"] == b.venue.name == "豊洲シビックセンター１１階区民広場"
    assert rows[0]["交付会場所在地"] == "江東区豊洲2-2-18"
    assert rows[0]["バーコード"] == "20000000001" + str(jan_check("20000000001"))
    assert mailing.run_no == 1 and mailing.row_count == 2 and mailing.kind == MailingKind.LETTER
    assert mailing.sha256 == hashlib.sha256(content).hexdigest()
    assert set(CardTarget.objects.filter(mailed_in=mailing)) == {a, b}


def test_characters_outside_cp932_are_printed_as_geta(venues, municipality, supervisor):
    CardTargetFactory(municipality=municipality, name="𠮷田 一郎")
    _, content = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="第1回印刷"
    )
    assert read_csv(content)[0]["郵便あて名"] == "〓田 一郎 様"


def test_run_numbers_count_up_per_kind_and_a_target_is_in_one_run(venues, municipality, supervisor):
    CardTargetFactory.create_batch(3, municipality=municipality)
    first, _ = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="1回目"
    )
    late = CardTargetFactory(municipality=municipality)
    second, content = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="2回目"
    )
    assert (first.run_no, second.run_no) == (1, 2)
    assert [row["予約管理番号"] for row in read_csv(content)] == [late.reservation_no]
    CardTargetFactory(municipality=municipality, status=TargetStatus.UNCOLLECTED)
    postcard, _ = mailings.make_reissue_run(
        acting_user=supervisor, municipality=municipality, reason="再発行1回目"
    )
    assert postcard.run_no == 1


def test_a_run_without_targets_is_refused_and_writes_nothing(venues, municipality, supervisor):
    with pytest.raises(ValidationError, match="印刷対象者がいません"):
        mailings.make_letter_run(acting_user=supervisor, municipality=municipality, reason="x")
    assert not Mailing.objects.exists() and not ExportRecord.objects.exists()


def test_a_run_needs_a_reason(venues, municipality, supervisor):
    CardTargetFactory(municipality=municipality)
    with pytest.raises(ValidationError, match="理由"):
        mailings.make_letter_run(acting_user=supervisor, municipality=municipality, reason=" ")
    assert not Mailing.objects.exists()
    assert CardTarget.objects.filter(mailed_in__isnull=False).count() == 0


def test_the_run_is_in_the_export_register_and_the_access_log(venues, municipality, supervisor):
    CardTargetFactory.create_batch(2, municipality=municipality)
    mailing, content = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="印刷業者へ第1回"
    )
    record = ExportRecord.objects.get()
    assert mailing.export_record == record
    assert (record.count, record.reason, record.exported_by) == (2, "印刷業者へ第1回", supervisor)
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    entry = AccessLogEntry.objects.get(action="export")
    assert entry.actor == supervisor and "name" in entry.fields


def test_a_download_is_another_export_with_its_own_reason(venues, municipality, supervisor):
    CardTargetFactory(municipality=municipality)
    mailing, content = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="作成"
    )
    again = mailings.download_run(acting_user=supervisor, mailing=mailing, reason="業者が紛失")
    assert again == content
    assert list(ExportRecord.objects.order_by("pk").values_list("reason", flat=True)) == [
        "作成",
        "業者が紛失",
    ]


@pytest.mark.parametrize("role", ["venue_clerk", "staff", "inspector", "card_operator"])
def test_only_the_centers_supervisor_makes_a_run(venues, municipality, users_by_role, role):
    CardTargetFactory(municipality=municipality)
    with pytest.raises(PermissionDenied):
        mailings.make_letter_run(
            acting_user=users_by_role[role], municipality=municipality, reason="x"
        )


def test_record_mailed_moves_the_targets_on_with_an_event(venues, municipality, supervisor):
    waiting = CardTargetFactory(municipality=municipality)
    booked_meanwhile = CardTargetFactory(municipality=municipality)
    mailing, _ = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="1回目"
    )
    CardTarget.objects.filter(pk=booked_meanwhile.pk).update(status=TargetStatus.RESERVED)
    mailings.record_mailed(acting_user=supervisor, mailing=mailing, mailed_on=TODAY)
    waiting.refresh_from_db()
    booked_meanwhile.refresh_from_db()
    assert waiting.status == TargetStatus.MAILED
    assert booked_meanwhile.status == TargetStatus.RESERVED
    assert TargetEvent.objects.filter(kind=TargetEventKind.MAILED).count() == 2
    mailing.refresh_from_db()
    assert mailing.mailed_on == TODAY and mailing.mailed_by == supervisor


def test_record_mailed_twice_or_in_the_future_is_refused(venues, municipality, supervisor):
    CardTargetFactory(municipality=municipality)
    mailing, _ = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="1回目"
    )
    with pytest.raises(ValidationError, match="未来"):
        mailings.record_mailed(
            acting_user=supervisor, mailing=mailing, mailed_on=TODAY + dt.timedelta(days=1)
        )
    mailings.record_mailed(acting_user=supervisor, mailing=mailing, mailed_on=TODAY)
    with pytest.raises(ValidationError, match="記録済み"):
        mailings.record_mailed(acting_user=supervisor, mailing=mailing, mailed_on=TODAY)
    assert TargetEvent.objects.filter(kind=TargetEventKind.MAILED).count() == 1


def test_the_reissue_run_takes_the_uncollected_and_adds_the_reissue_column(
    venues, municipality, supervisor
):
    no_show = CardTargetFactory(municipality=municipality, status=TargetStatus.UNCOLLECTED)
    CardTargetFactory(municipality=municipality, status=TargetStatus.RESERVED)
    mailing, content = mailings.make_reissue_run(
        acting_user=supervisor, municipality=municipality, reason="再発行ハガキ"
    )
    rows = read_csv(content)
    assert list(rows[0]) == list(mailings.REISSUE_COLUMNS)
    assert [(r["予約管理番号"], r["再発行"]) for r in rows] == [(no_show.reservation_no, "再発行")]
    with pytest.raises(ValidationError):  # pending in an unmailed run: not taken twice
        mailings.make_reissue_run(acting_user=supervisor, municipality=municipality, reason="x")
    mailings.record_mailed(acting_user=supervisor, mailing=mailing, mailed_on=TODAY)
    no_show.refresh_from_db()
    assert no_show.status == TargetStatus.NOTICE_REISSUED and no_show.reissued_in == mailing
    assert no_show.events.filter(kind=TargetEventKind.NOTICE_REISSUED).count() == 1


def test_those_who_never_booked_by_the_given_date_join_the_reissue_run(
    venues, municipality, supervisor
):
    never, booked_later_date, cancelled, booked = CardTargetFactory.create_batch(
        4, municipality=municipality
    )
    with time_machine.travel(TEST_NOW - dt.timedelta(days=40), tick=True):
        letters, _ = mailings.make_letter_run(
            acting_user=supervisor, municipality=municipality, reason="1回目"
        )
        mailings.record_mailed(
            acting_user=supervisor, mailing=letters, mailed_on=TODAY - dt.timedelta(days=40)
        )
    late = CardTargetFactory(municipality=municipality)
    late_run, _ = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="2回目"
    )
    mailings.record_mailed(acting_user=supervisor, mailing=late_run, mailed_on=TODAY)
    CardTarget.objects.filter(pk=booked_later_date.pk).update(status=TargetStatus.RESERVED)
    slot = SlotFactory(venue=venues.honchosha)
    Reservation.objects.create(
        target=cancelled, slot=slot, channel=Channel.WEB, status=ReservationStatus.CANCELLED
    )
    Reservation.objects.create(target=booked, slot=slot, channel=Channel.WEB)  # status not moved
    _, content = mailings.make_reissue_run(
        acting_user=supervisor,
        municipality=municipality,
        reason="未予約者へ再発行",
        unbooked_mailed_by=TODAY - dt.timedelta(days=30),
    )
    taken = [row["予約管理番号"] for row in read_csv(content)]
    assert taken == sorted([never.reservation_no, cancelled.reservation_no])
    never.refresh_from_db()
    late.refresh_from_db()
    assert never.status == TargetStatus.UNCOLLECTED and late.status == TargetStatus.MAILED
    assert never.events.filter(kind=TargetEventKind.UNCOLLECTED).count() == 1


@pytest.mark.postgres_only(reason="row locks between concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_racing_runs_put_each_target_in_one_run(venues, municipality, supervisor):
    CardTargetFactory.create_batch(5, municipality=municipality)
    results, errors = [], []
    barrier = threading.Barrier(3)

    def run():
        try:
            barrier.wait()
            results.append(
                mailings.make_letter_run(
                    acting_user=supervisor, municipality=municipality, reason="同時"
                )[0].row_count
            )
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [5] and len(errors) == 2
    assert Mailing.objects.get().run_no == 1
