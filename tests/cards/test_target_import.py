"""The ward's card-target file (services.targets.import_targets), a move out, the search and
``civicdesk cards import-targets``: taken whole or not at all, errors by file, line, column
and reason, each target's venue from its address."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.cards.choices import (
    CardReason,
    Channel,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import CardTarget, Reservation, Slot, TargetEvent, TargetImport
from civicdesk.cards.services.calls import CallError, find_targets
from civicdesk.cards.services.targets import TargetImportError, import_targets, record_move_out
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.concurrency import run_threads

pytestmark = pytest.mark.django_db

HEADER = "予約管理番号,氏名,氏名カナ,生年月日,住所,区分"
GOOD_LINES = [
    "K000000001,江東 花子,コウトウ ハナコ,1985-04-01,東京都江東区東砂五丁目3番5号,新規",
    "K000000002,砂町 一郎,ｽﾅﾏﾁ ｲﾁﾛｳ,昭和50年5月6日,江東区東砂６－１－１,再交付",
    "K000000003,豊洲 次郎,トヨス ジロウ,R2.1.15,豊洲2-2-18 シティタワー1201,new",
    "K000000004,高橋 三郎,,1960/12/31,高橋12-3,reissue",
]


def csv_bytes(lines, header=HEADER, encoding="utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def write(tmp_path, data: bytes, name="koufu.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(tmp_path, data: bytes, **kwargs) -> TargetImportError:
    path = write(tmp_path, data)
    with pytest.raises(TargetImportError) as caught:
        import_targets(
            acting_user=None,
            municipality=kwargs.pop("municipality"),
            path=path,
            notices_received=kwargs.pop("notices", 1),
        )
    return caught.value


def events_at(target):
    return TargetEvent.objects.get(target=target, kind=TargetEventKind.IMPORTED).at


def nothing_written():
    assert not TargetImport.objects.exists()
    assert not CardTarget.objects.exists()
    assert not TargetEvent.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_good_file_is_taken_whole_with_each_venue_from_its_address(
    tmp_path, venues, municipality, supervisor, encoding
):
    data = csv_bytes(GOOD_LINES, encoding=encoding)
    path = write(tmp_path, data)
    run = import_targets(
        acting_user=supervisor, municipality=municipality, path=path, notices_received=4
    )
    assert (run.row_count, run.notices_received, run.file_name) == (4, 4, "koufu.csv")
    assert run.sha256 == hashlib.sha256(data).hexdigest()
    assert run.imported_by == supervisor
    by_number = {t.reservation_no: t for t in CardTarget.objects.select_related("area")}
    first, second, third, fourth = (by_number[f"K00000000{n}"] for n in range(1, 5))
    assert (first.area.town, first.area.chome, first.venue) == ("東砂", 5, venues.sogo)
    assert (second.area.town, second.area.chome, second.venue) == ("東砂", 6, venues.honchosha)
    assert third.venue == venues.toyosu
    assert (fourth.area.town, fourth.area.chome, fourth.venue) == ("高橋", 0, venues.honchosha)
    assert first.birth_date == dt.date(1985, 4, 1)
    assert second.birth_date == dt.date(1975, 5, 6)  # 昭和50年 = 1925 + 50
    assert third.birth_date == dt.date(2020, 1, 15)  # 令和2年 = 2018 + 2
    assert second.kana == "スナマチ イチロウ"  # half-width kana stored full-width
    assert [first.reason, second.reason, third.reason, fourth.reason] == [
        CardReason.NEW,
        CardReason.REISSUE,
        CardReason.NEW,
        CardReason.REISSUE,
    ]
    assert {t.status for t in by_number.values()} == {TargetStatus.NOTICE_RECEIVED}
    assert third.address == "豊洲2-2-18 シティタワー1201"
    assert first.created_at == run.imported_at == events_at(first)
    assert first.card_state == "not_received" and first.failure_reason == ""
    events = TargetEvent.objects.filter(kind=TargetEventKind.IMPORTED)
    assert sorted(events.values_list("target__reservation_no", flat=True)) == sorted(by_number)
    assert events.get(target=first).note == "koufu.csv 2行目"
    assert events.get(target=first).by == supervisor
    entry = AccessLogEntry.objects.get(object_type="cards.targetimport", object_id=str(run.pk))
    assert entry.action == AccessAction.CREATE
    assert entry.actor == supervisor
    assert "4件" in entry.reason


def test_english_aliases_and_unknown_columns_dropped_and_named(tmp_path, venues, municipality):
    header = "reservation_no,name,name_kana,birth_date,address,reason,性別,電話番号"
    lines = ["A1,江東 花子,コウトウ ハナコ,1985-04-01,東陽4-11-28,new,女,090-1234-5678"]
    path = write(tmp_path, csv_bytes(lines, header=header))
    run = import_targets(acting_user=None, municipality=municipality, path=path, notices_received=1)
    assert run.dropped_columns == ["性別", "電話番号"]
    target = CardTarget.objects.get()
    assert (target.reservation_no, target.name, target.venue) == (
        "A1",
        "江東 花子",
        venues.honchosha,
    )
    stored = json.dumps(list(CardTarget.objects.values()), default=str)
    assert "090" not in stored and "女" not in stored.replace("江東 花子", "")
    entry = AccessLogEntry.objects.get(object_type="cards.targetimport")
    assert "性別、電話番号" in entry.reason


def test_one_bad_line_writes_nothing_and_names_file_line_column_reason(
    tmp_path, venues, municipality
):
    lines = [*GOOD_LINES[:2], "K000000009,江東 花子,,1985-13-01,東陽4-1,新規", *GOOD_LINES[2:]]
    error = refused(tmp_path, csv_bytes(lines), municipality=municipality)
    assert error.count == 1
    (only,) = error.errors
    assert (only.file, only.line, only.column) == ("koufu.csv", 4, "生年月日")
    assert str(only).startswith("koufu.csv:4:生年月日: ")
    nothing_written()


def test_an_address_in_no_area_is_a_line_error_naming_the_address(tmp_path, venues, municipality):
    lines = [GOOD_LINES[0], "K000000009,江東 花子,,1985-01-01,江東区東砂9丁目1-1,新規"]
    error = refused(tmp_path, csv_bytes(lines), municipality=municipality)
    (only,) = error.errors
    assert (only.line, only.column) == (3, "住所")
    assert "江東区東砂9丁目1-1" in only.reason
    assert "東砂9丁目は一覧にありません" in only.reason
    nothing_written()


def test_every_bad_line_is_reported_not_only_the_first(tmp_path, venues, municipality):
    lines = [
        ",名無し,,1985-01-01,東陽4-1,新規",  # line 2: no number
        "K2,江東 花子,,1985-01-01,東陽4-1,継続",  # line 3: unknown reason
        "K3,=HYPERLINK(),,1985-01-01,東陽4-1,新規",  # line 4: a formula
        "K4,江東 花子,,2030-01-01,東陽4-1,新規",  # line 5: born in the future
        "K5,江東 花子,,1985-01-01,東陽4-1",  # line 6: a cell short
    ]
    error = refused(tmp_path, csv_bytes(lines), municipality=municipality)
    found = {(item.line, item.column) for item in error.errors}
    assert found == {(2, "予約管理番号"), (3, "区分"), (4, "氏名"), (5, "生年月日"), (6, "-")}
    assert error.count == 5
    nothing_written()


def test_a_number_twice_in_the_file_is_refused_with_both_lines(tmp_path, venues, municipality):
    lines = [GOOD_LINES[0], GOOD_LINES[1], GOOD_LINES[0].replace("江東 花子", "別人")]
    error = refused(tmp_path, csv_bytes(lines), municipality=municipality)
    (only,) = error.errors
    assert (only.line, only.column) == (4, "予約管理番号")
    assert "2行目と同じ" in only.reason
    nothing_written()


def test_a_number_already_in_the_municipality_is_refused(tmp_path, venues, municipality):
    CardTargetFactory(municipality=municipality, reservation_no="K000000002")
    error = refused(tmp_path, csv_bytes(GOOD_LINES), municipality=municipality)
    (only,) = error.errors
    assert (only.line, only.column) == (3, "予約管理番号")
    assert "登録済み" in only.reason
    assert CardTarget.objects.count() == 1
    assert TargetImport.objects.count() == 1  # the factory's own


def test_a_missing_required_column_stops_at_the_header(tmp_path, venues, municipality):
    header = "氏名,生年月日,住所,区分"
    error = refused(
        tmp_path, csv_bytes(["a,1985-01-01,東陽4-1,新規"], header=header), municipality=municipality
    )
    (only,) = error.errors
    assert only.line == 1
    assert "予約管理番号" in only.reason
    nothing_written()


def test_a_line_that_is_not_cp932_is_named(tmp_path, venues, municipality):
    data = (
        csv_bytes(GOOD_LINES[:2], encoding="cp932")
        + "K9,江東 花子,,1985-01-01,東陽4-1,新規\r\n".encode()
    )
    error = refused(tmp_path, data, municipality=municipality)
    assert 4 in {item.line for item in error.errors}
    assert any("CP932" in item.reason for item in error.errors if item.line == 4)
    nothing_written()


def test_an_empty_file_and_a_header_only_file_are_refused(tmp_path, venues, municipality):
    assert "空" in refused(tmp_path, b"", municipality=municipality).errors[0].reason
    only_header = refused(tmp_path, csv_bytes([]), municipality=municipality)
    assert "データ行がありません" in only_header.errors[0].reason
    nothing_written()


def test_notices_received_must_be_a_count(tmp_path, venues, municipality):
    path = write(tmp_path, csv_bytes(GOOD_LINES))
    with pytest.raises(ValidationError) as caught:
        import_targets(acting_user=None, municipality=municipality, path=path, notices_received=-1)
    assert "交付通知書の受領件数" in caught.value.messages[0]
    nothing_written()


def test_an_upload_is_imported_under_its_own_name(venues, municipality, staff):
    upload = SimpleUploadedFile("令和8年6月分.csv", csv_bytes(GOOD_LINES, encoding="cp932"))
    run = import_targets(
        acting_user=staff,
        municipality=municipality,
        file=upload,
        name=upload.name,
        notices_received=5,
    )
    assert (run.file_name, run.row_count, run.notices_received) == ("令和8年6月分.csv", 4, 5)


def test_a_role_without_the_import_permission_is_refused(
    tmp_path, venues, municipality, card_operator
):
    path = write(tmp_path, csv_bytes(GOOD_LINES))
    with pytest.raises(PermissionDenied):
        import_targets(
            acting_user=card_operator, municipality=municipality, path=path, notices_received=4
        )
    nothing_written()


def test_no_areas_in_the_database_refuses_the_file(tmp_path, municipality):
    error = refused(tmp_path, csv_bytes(GOOD_LINES), municipality=municipality)
    assert "setup-venues" in error.errors[0].reason


# --- the command ---------------------------------------------------------------------------------


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("cards", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as stop:
        code = stop.code
    return code, out.getvalue(), err.getvalue()


def test_import_targets_command_imports_and_reports(tmp_path, venues, municipality):
    path = write(tmp_path, csv_bytes(GOOD_LINES, encoding="cp932"))
    code, out, err = run_command("import-targets", str(path), "--notices", "4", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert (answer["rows"], answer["notices_received"], answer["file"]) == (4, 4, "koufu.csv")
    assert TargetImport.objects.get().pk == answer["import"]


def test_import_targets_command_prints_every_error_and_exits_1(tmp_path, venues, municipality):
    lines = [GOOD_LINES[0], "K9,江東 花子,,1985-01-01,東砂9-1-1,新規", "K10,江東,,x,東陽4-1,新規"]
    path = write(tmp_path, csv_bytes(lines))
    code, out, err = run_command("import-targets", str(path), "--notices", "3")
    assert out == ""
    assert code == 1
    assert "koufu.csv:3:住所: " in err
    assert "koufu.csv:4:生年月日: " in err
    assert "何も登録していません" in err
    nothing_written()


# --- move out -------------------------------------------------------------------------------


def booked(target, slot, channel=Channel.WEB):
    pool = "phone" if channel in (Channel.PHONE, Channel.FAX) else channel
    Slot.objects.filter(pk=slot.pk).update(**{f"booked_{pool}": 1})
    target.status = TargetStatus.RESERVED
    target.save()
    return Reservation.objects.create(target=target, slot=slot, channel=channel)


def test_move_out_cancels_the_reservation_and_gives_the_seat_back(venues, municipality, supervisor):
    target = CardTargetFactory(municipality=municipality)
    slot = SlotFactory(venue=target.venue)
    reservation = booked(target, slot, Channel.FAX)
    moved = record_move_out(acting_user=supervisor, target=target, note="転出届（6/9）")
    assert moved.status == TargetStatus.MOVED_OUT
    reservation.refresh_from_db()
    slot.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.ended_by == supervisor
    assert (slot.booked_phone, slot.booked_web) == (0, 0)
    event = TargetEvent.objects.get(target=target, kind=TargetEventKind.MOVED_OUT)
    assert event.by == supervisor and event.note.startswith("転出届（6/9）")
    entry = AccessLogEntry.objects.filter(object_type="cards.cardtarget").latest("seq")
    assert (entry.action, entry.object_id) == (AccessAction.CHANGE, str(target.pk))


def test_move_out_without_a_reservation_changes_no_slot(venues, municipality, supervisor):
    target = CardTargetFactory(municipality=municipality)
    slot = SlotFactory(venue=target.venue)
    Slot.objects.filter(pk=slot.pk).update(booked_web=2)
    record_move_out(acting_user=supervisor, target=target, note="")
    slot.refresh_from_db()
    assert slot.booked_web == 2


@pytest.mark.parametrize(
    "status", [TargetStatus.ISSUED, TargetStatus.MOVED_OUT, TargetStatus.FAILED]
)
def test_move_out_is_refused_for_a_closed_target(venues, municipality, supervisor, status):
    target = CardTargetFactory(municipality=municipality, status=status)
    with pytest.raises(ValidationError) as caught:
        record_move_out(acting_user=supervisor, target=target, note="")
    assert TargetStatus(status).label in caught.value.messages[0]
    assert not TargetEvent.objects.filter(kind=TargetEventKind.MOVED_OUT).exists()


def test_move_out_needs_the_change_permission(venues, municipality, staff):
    target = CardTargetFactory(municipality=municipality)
    with pytest.raises(PermissionDenied):
        record_move_out(acting_user=staff, target=target, note="")
    target.refresh_from_db()
    assert target.status == TargetStatus.NOTICE_RECEIVED


# --- search (the call center's: services.calls.find_targets) ---------------------------------


def test_find_by_reservation_number_is_exact(venues, municipality, card_operator):
    target = CardTargetFactory(municipality=municipality, reservation_no="K123")
    CardTargetFactory(municipality=municipality, reservation_no="K1234")
    assert find_targets(acting_user=card_operator, reservation_no=" K123 ") == [target]


def test_find_by_name_and_birth_date_folds_kana_and_is_logged(venues, municipality, card_operator):
    born = dt.date(1985, 4, 1)
    target = CardTargetFactory(
        municipality=municipality, name="江東 花子", kana="コウトウ ハナコ", birth_date=born
    )
    CardTargetFactory(municipality=municipality, name="江東 花子", birth_date=dt.date(1990, 1, 1))
    before = AccessLogEntry.objects.filter(action=AccessAction.SEARCH).count()
    for spelling in ("江東花子", "ｺｳﾄｳ ﾊﾅｺ", "こうとう はなこ", "江東　花子"):
        assert find_targets(acting_user=card_operator, name=spelling, birth_date=born) == [target]
    searches = AccessLogEntry.objects.filter(action=AccessAction.SEARCH)
    assert searches.count() == before + 4
    assert searches.latest("seq").actor == card_operator
    assert TargetEvent.objects.filter(target=target, kind=TargetEventKind.LOOKED_UP).count() == 4


def test_find_needs_both_name_and_birth_date(venues, municipality, card_operator):
    CardTargetFactory(municipality=municipality, name="江東 花子")
    with pytest.raises(CallError):
        find_targets(acting_user=card_operator, name="江東花子")


def test_find_is_refused_to_a_role_outside_the_call_center(venues, municipality, inspector):
    CardTargetFactory(municipality=municipality, reservation_no="K1")
    with pytest.raises(PermissionDenied):
        find_targets(acting_user=inspector, reservation_no="K1")


# --- under real concurrency (PostgreSQL) ------------------------------------------------------

concurrent = [
    pytest.mark.postgres_only(reason="row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.usefixtures("venues")
@concurrent[0]
@concurrent[1]
def test_two_move_outs_at_once_give_the_seat_back_once(municipality, supervisor):
    target = CardTargetFactory(municipality=municipality)
    slot = SlotFactory(venue=target.venue)
    booked(target, slot, Channel.WEB)
    Slot.objects.filter(pk=slot.pk).update(booked_web=2)  # another resident holds the other seat

    results, errors = run_threads(
        4, lambda _n: record_move_out(acting_user=supervisor, target=target, note="")
    )
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(error, ValidationError) for error in errors)
    slot.refresh_from_db()
    assert slot.booked_web == 1
    assert TargetEvent.objects.filter(target=target, kind=TargetEventKind.MOVED_OUT).count() == 1


@pytest.mark.usefixtures("venues")
@concurrent[0]
@concurrent[1]
def test_two_imports_of_the_same_numbers_at_once_take_one_file(tmp_path, municipality):
    paths = [write(tmp_path, csv_bytes(GOOD_LINES), name=f"koufu{n}.csv") for n in range(3)]

    def take(n):
        return import_targets(
            acting_user=None, municipality=municipality, path=paths[n], notices_received=4
        )

    results, errors = run_threads(3, take)
    assert len(results) == 1
    assert all(isinstance(error, TargetImportError) for error in errors) and len(errors) == 2
    assert TargetImport.objects.count() == 1
    assert CardTarget.objects.count() == 4
    assert TargetEvent.objects.count() == 4
