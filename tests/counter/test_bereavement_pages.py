"""The bereavement desk's pages: who opens which, booking through the form (errors beside
their fields, a resent form saving once), the reception list showing the visitor's family name
only, check-in and cancel, the case page and its questionnaire, notices, ticks and done, the
access-log entry of every page that shows personal data, and 404 for another municipality."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.counter.models import BereavementReservation, Ticket
from civicdesk.counter.services import bereavement as services
from tests.conftest import _user, sign_in
from tests.counter.bereavement_setup import SATURDAY, THURSDAY, answers, at, book, set_up
from tests.factories import MunicipalityFactory

TODAY = dt.date(2026, 6, 10)
ROLES = (
    "operator",
    "visitor",
    "reception",
    "counter_clerk",
    "cashier",
    "card_operator",
    "venue_clerk",
    "supervisor",
    "staff",
    "inspector",
    "admin",
)
SLOT_READERS = {"reception", "counter_clerk", "supervisor", "staff"}
CASE_READERS = {"counter_clerk", "supervisor", "staff"}


@pytest.fixture
def okuyami(municipality, calendars):
    return set_up(municipality)


@pytest.fixture
def case(okuyami, reception):
    """Booked for 14:00 today, checked in, answered (NHI, a funeral): three tasks in two
    sections."""
    booked = book(reception, at(TODAY, 14))
    checked = services.check_in(acting_user=reception, reservation=booked)
    services.record_answers(
        acting_user=_clerk(reception), reservation=checked, answers=answers(nhi=True, funeral=True)
    )
    return checked


def _clerk(reception):
    return _user("counter_clerk", reception.municipality, username="clerk_setup")


def _views(obj=None, action=AccessAction.VIEW):
    entries = AccessLogEntry.objects.filter(action=action).order_by("seq")
    if obj is not None:
        entries = entries.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(entries)


def _get_as(client, user, url):
    client.logout()
    sign_in(client, user)
    return client.get(url)


# --- Who opens what ------------------------------------------------------------------------------


def _expected(readers: set[str]) -> dict[str, int]:
    return {role: 200 if role in readers else 403 for role in ROLES}


@pytest.mark.parametrize(
    ("name", "readers"),
    [
        ("counter:bereavement_slots", SLOT_READERS),
        # Booking by phone or at the counter: reception and the counter clerks.
        ("counter:bereavement_book", {"reception", "counter_clerk"}),
        ("counter:bereavement_reception", {"reception", "counter_clerk"}),
        ("counter:bereavement_cases", CASE_READERS),
    ],
)
def test_the_pages_without_a_case_open_for_their_roles(
    client, okuyami, users_by_role, name, readers
):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    got = {role: _get_as(client, user, url).status_code for role, user in users_by_role.items()}
    assert got == _expected(readers)


@pytest.mark.parametrize(
    ("name", "readers"),
    [
        ("counter:bereavement_case", CASE_READERS),
        ("counter:bereavement_notices", CASE_READERS),
        ("counter:bereavement_answers", {"counter_clerk"}),
        ("counter:bereavement_pack", {"counter_clerk"}),
    ],
)
def test_the_case_pages_open_for_their_roles(client, case, users_by_role, name, readers):
    url = reverse(name, args=[case.pk])
    assert client.get(url).status_code == 302
    got = {role: _get_as(client, user, url).status_code for role, user in users_by_role.items()}
    assert got == _expected(readers)


@pytest.mark.parametrize(
    ("name", "workers"),
    [
        ("counter:bereavement_check_in", {"reception", "counter_clerk"}),
        ("counter:bereavement_cancel", {"reception", "counter_clerk"}),
        ("counter:bereavement_notify", {"counter_clerk"}),
        ("counter:bereavement_finish", {"counter_clerk"}),
    ],
)
def test_the_actions_take_post_from_their_roles_only(client, case, users_by_role, name, workers):
    url = reverse(name, args=[case.pk])
    for role, user in users_by_role.items():
        client.logout()
        sign_in(client, user)
        status = client.post(url, {"section": "市民課"}).status_code
        # Past the permission check every action answers with a redirect back.
        assert status == (302 if role in workers else 403), role
    assert client.get(url).status_code == 405


def test_a_case_of_another_municipality_answers_404(client, case):
    other = MunicipalityFactory(code="032093", name="一関市")
    set_up(other)
    outsider = _user("counter_clerk", other, username="clerk_other")
    sign_in(client, outsider)
    for name in ("bereavement_case", "bereavement_notices", "bereavement_answers"):
        assert client.get(reverse(f"counter:{name}", args=[case.pk])).status_code == 404
    response = client.post(reverse("counter:bereavement_finish", args=[case.pk]))
    assert response.status_code == 404
    assert _views(case) == []


# --- Slots and booking ---------------------------------------------------------------------------


def test_the_slots_page_shows_free_places_and_closed_days_without_names(client, okuyami, reception):
    book(reception, at(THURSDAY, 11))
    sign_in(client, reception)
    page = client.get(reverse("counter:bereavement_slots")).content.decode()
    assert "11:00（空き 1）" in page and "10:00（空き 2）" in page
    assert "閉庁（土曜日）" in page and "令和8年6月11日（木）" in page
    assert "?at=2026-06-11T11:00" in page
    assert "一関" not in page
    assert _views() == []


def test_booking_through_the_form_saves_once_and_names_the_number(client, okuyami, reception):
    sign_in(client, reception)
    form = client.get(reverse("counter:bereavement_book") + "?at=2026-06-11T11:00")
    assert form.context["form"].initial["slot_date"] == THURSDAY
    key = str(uuid.uuid4())
    data = {
        "slot_date": "2026-06-11",
        "slot_time": "11:00",
        "channel": "phone",
        "deceased_name": "一関 花子",
        "deceased_on": "2026-06-05",
        "visitor_name": "一関 太郎",
        "visitor_phone": "090-1234-5678",
        "visitor_relationship": "長男",
        "client_key": key,
    }
    first = client.post(reverse("counter:bereavement_book"), data, follow=True)
    assert "予約番号 OK-2026-0001（令和8年6月11日 11:00）" in first.content.decode()
    again = client.post(reverse("counter:bereavement_book"), data)
    assert again.status_code == 302
    assert BereavementReservation.objects.count() == 1


def test_a_refused_booking_shows_the_reason_beside_the_time(client, okuyami, reception):
    sign_in(client, reception)
    data = {
        "slot_date": SATURDAY.isoformat(),
        "slot_time": "10:00",
        "channel": "counter",
        "deceased_name": "一関 花子",
        "deceased_on": "2026-06-05",
        "visitor_name": "一関太郎",
        "visitor_phone": "090-1234-5678",
    }
    response = client.post(reverse("counter:bereavement_book"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "閉庁日（土曜日）" in form.errors["slot_time"][0]
    assert "姓と名の間に空白" in form.errors["visitor_name"][0]
    assert "入力内容を確認してください" in response.content.decode()
    assert BereavementReservation.objects.count() == 0


def test_an_empty_booking_form_names_each_missing_field(client, okuyami, reception):
    sign_in(client, reception)
    response = client.post(reverse("counter:bereavement_book"), {})
    errors = response.context["form"].errors
    assert errors["slot_date"] == ["予約日を入力してください。"]
    assert errors["deceased_name"] == ["亡くなった方の氏名を入力してください。"]
    assert errors["visitor_phone"] == ["来庁される方の電話番号を入力してください。"]


# --- Reception -----------------------------------------------------------------------------------


def test_the_reception_list_shows_the_family_name_only_and_is_logged(client, okuyami, reception):
    book(reception, at(TODAY, 14), visitor_name="平泉 次郎", deceased_name="平泉 三郎")
    book(reception, at(THURSDAY, 10))
    sign_in(client, reception)
    page = client.get(reverse("counter:bereavement_reception")).content.decode()
    assert "平泉 様" in page and "OK-2026-0001" in page
    # Neither the given name, the deceased, the phone nor another day's booking.
    for hidden in ("次郎", "三郎", "090", "OK-2026-0002"):
        assert hidden not in page
    (entry,) = _views()
    assert entry.fields == ["visitor_name"] and "1件" in entry.reason and "姓のみ" in entry.reason


def test_reception_finds_a_reservation_by_its_number_as_typed(client, okuyami, reception):
    book(reception, at(THURSDAY, 10))
    sign_in(client, reception)
    response = client.get(
        reverse("counter:bereavement_reception"), {"no": "ｏｋ－２０２６－０００１"}
    )
    assert response.context["found"].reservation_no == "OK-2026-0001"
    missing = client.get(reverse("counter:bereavement_reception"), {"no": "OK-2026-0099"})
    assert missing.context["found"] is None
    assert "該当する予約はありません" in missing.content.decode()


def test_checking_in_at_reception_hands_out_a_ticket(client, okuyami, reception):
    booked = book(reception, at(TODAY, 14))
    sign_in(client, reception)
    response = client.post(reverse("counter:bereavement_check_in", args=[booked.pk]), follow=True)
    assert "番号札 D-001 をお渡しください" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "checked_in" and booked.ticket.label == "D-001"


def test_a_refused_check_in_says_why(client, okuyami, reception):
    booked = book(reception, at(THURSDAY, 10))
    sign_in(client, reception)
    response = client.post(reverse("counter:bereavement_check_in", args=[booked.pk]), follow=True)
    assert "来庁受付は予約日当日にだけできます" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_cancelling_at_reception(client, okuyami, reception):
    booked = book(reception, at(THURSDAY, 10))
    sign_in(client, reception)
    response = client.post(reverse("counter:bereavement_cancel", args=[booked.pk]), follow=True)
    assert "OK-2026-0001 の予約を取り消しました" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "cancelled"


# --- The case ------------------------------------------------------------------------------------


def test_the_case_page_shows_the_case_and_logs_the_fields(client, case, clerk):
    sign_in(client, clerk)
    page = client.get(reverse("counter:bereavement_case", args=[case.pk])).content.decode()
    for shown in ("一関 花子", "一関 太郎", "090-1234-5678", "長男", "国保年金課", "D-001"):
        assert shown in page
    assert "国民健康保険 葬祭費の申請" in page and "未周知" in page
    (entry,) = _views(case)
    assert entry.actor == clerk
    assert set(entry.fields) == {
        "deceased_name",
        "deceased_on",
        "visitor_name",
        "visitor_phone",
        "visitor_relationship",
        "answers",
    }


def test_the_case_list_shows_open_cases_and_is_logged(client, case, reception, staff):
    other = book(reception, at(THURSDAY, 10), deceased_name="平泉 三郎")
    services.cancel_reservation(acting_user=reception, reservation=other)
    sign_in(client, staff)
    page = client.get(reverse("counter:bereavement_cases")).content.decode()
    assert "一関 花子" in page and "平泉 三郎" not in page
    everything = client.get(reverse("counter:bereavement_cases"), {"all": "1"}).content.decode()
    assert "平泉 三郎" in everything
    entries = _views()
    assert len(entries) == 2 and entries[0].fields == ["deceased_name", "visitor_name"]


def test_the_questionnaire_through_the_form(client, okuyami, reception, clerk):
    booked = services.check_in(acting_user=reception, reservation=book(reception, at(TODAY, 14)))
    sign_in(client, clerk)
    url = reverse("counter:bereavement_answers", args=[booked.pk])
    page = client.get(url).content.decode()
    assert "亡くなった方は国民健康保険に加入していましたか" in page
    given = {code: ("yes" if code in {"pension", "disability"} else "no") for code in answers()}
    incomplete = {k: v for k, v in given.items() if k != "seal"}
    refused = client.post(url, incomplete)
    assert refused.context["form"].errors["seal"] == [
        "「亡くなった方は印鑑登録をしていましたか」に答えてください。"
    ]
    response = client.post(url, given, follow=True)
    assert "該当する手続は 3 件です" in response.content.decode()
    booked.refresh_from_db()
    assert booked.answers["pension"] is True and booked.answers["seal"] is False
    names = set(booked.tasks.values_list("procedure__name", flat=True))
    assert names == {
        "住民票の除票・除籍謄本の請求（相続の手続に使う方）",
        "国民年金の死亡届・未支給年金の請求",
        "障害者手帳の返還",
    }
    # Reopening the questionnaire shows the answers given: a view of personal data.
    client.get(url)
    assert _views(booked)[-1].fields == ["answers"]


def test_notify_tick_and_finish_from_the_pages(client, case, clerk):
    sign_in(client, clerk)
    notices = reverse("counter:bereavement_notices", args=[case.pk])
    page = client.get(notices).content.decode()
    assert "国民健康保険の資格喪失届" in page and "一関 花子" in page
    assert set(_views(case)[-1].fields) == {"deceased_name", "deceased_on", "visitor_name"}
    refused = client.post(reverse("counter:bereavement_finish", args=[case.pk]), follow=True)
    assert "関係課への周知が済んでいません" in refused.content.decode()
    for section in ("市民課", "国保年金課"):
        response = client.post(
            reverse("counter:bereavement_notify", args=[case.pk]),
            {"section": section, "next": notices},
        )
        assert response["Location"] == notices
    task = case.tasks.first()
    client.post(reverse("counter:bereavement_task_done", args=[case.pk, task.pk]), {"done": "on"})
    task.refresh_from_db()
    assert task.done_by == clerk
    done = client.post(reverse("counter:bereavement_finish", args=[case.pk]), follow=True)
    assert "対応を完了しました" in done.content.decode()
    case.refresh_from_db()
    assert case.status == "done"


def test_a_foreign_next_address_is_not_followed(client, case, clerk):
    sign_in(client, clerk)
    response = client.post(
        reverse("counter:bereavement_notify", args=[case.pk]),
        {"section": "市民課", "next": "https://example.com/"},
    )
    assert response["Location"] == reverse("counter:bereavement_case", args=[case.pk])


def test_an_erased_case_shows_no_personal_data_and_logs_no_view(client, case, clerk, reception):
    for section in ("市民課", "国保年金課"):
        services.notify_section(acting_user=clerk, reservation=case, section=section)
    services.finish_case(acting_user=clerk, reservation=case)
    services.erase_ended_cases(acting_user=None, today=TODAY + dt.timedelta(days=400))
    sign_in(client, clerk)
    page = client.get(reverse("counter:bereavement_case", args=[case.pk])).content.decode()
    assert "保存期間を過ぎたため消去しました" in page
    assert "一関" not in page and "国民健康保険の資格喪失届" in page
    assert _views(case) == []
    assert "pack-link" not in page
