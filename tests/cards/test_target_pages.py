"""The card-target pages: who may open each (every role), names only for the roles with
cards.view_cardtarget, views logged, filters and pages, the upload with errors by line, the
move out, and another municipality's target answering 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.cards.choices import TargetEventKind, TargetStatus
from civicdesk.cards.models import CardTarget, TargetEvent, TargetImport
from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.services import setup_demo_calendars
from tests.cards.factories import CardTargetFactory
from tests.conftest import _user, sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

NAME = "江東 花子"
ROLES = [
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
]
# GET status per role; a POST-only page lists its POST answer (302 = done, back to the page).
EXPECTED = {
    "targets": {"card_operator", "venue_clerk", "supervisor", "staff", "inspector"},
    "target": {"card_operator", "venue_clerk", "supervisor", "staff"},
    "target_import": {"supervisor", "staff"},
    "target_move_out": {"supervisor"},
}
NAMES_SHOWN = {"card_operator", "venue_clerk", "supervisor", "staff"}


@pytest.fixture
def target(venues, municipality):
    return CardTargetFactory(municipality=municipality, name=NAME, reservation_no="K000000001")


def url_of(name: str, target) -> str:
    return reverse(
        f"cards:{name}", args=[target.pk] if name in ("target", "target_move_out") else []
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_target_pages_it_may_open(client, users_by_role, target, role):
    sign_in(client, users_by_role[role])
    for name, allowed in EXPECTED.items():
        if name == "target_move_out":
            response = client.post(url_of(name, target), {"note": ""})
            expected = 302 if role in allowed else 403
        else:
            response = client.get(url_of(name, target))
            expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, name)
    target.refresh_from_db()
    moved = role in EXPECTED["target_move_out"]
    assert (target.status == TargetStatus.MOVED_OUT) is moved


def test_anonymous_visitors_are_sent_to_sign_in(client, target):
    for name in EXPECTED:
        url = url_of(name, target)
        response = client.post(url) if name == "target_move_out" else client.get(url)
        assert response.status_code == 302, name
        assert "/login" in response.url or "sign" in response.url or "accounts" in response.url


def test_move_out_answers_405_to_a_get(client, supervisor, target):
    sign_in(client, supervisor)
    assert client.get(url_of("target_move_out", target)).status_code == 405


@pytest.mark.parametrize(
    "role", ["card_operator", "venue_clerk", "supervisor", "staff", "inspector"]
)
def test_the_list_shows_names_only_to_roles_with_target_access(client, users_by_role, target, role):
    sign_in(client, users_by_role[role])
    page = client.get(reverse("cards:targets")).content.decode()
    assert "K000000001" in page
    assert (NAME in page) is (role in NAMES_SHOWN)
    entry = AccessLogEntry.objects.filter(action=AccessAction.VIEW).latest("seq")
    assert entry.actor == users_by_role[role]
    assert ("氏名" in entry.fields) is (role in NAMES_SHOWN)


def test_the_list_filters_by_venue_status_and_number(client, venues, municipality, card_operator):
    honcho = CardTargetFactory(municipality=municipality, reservation_no="A1")
    toyosu = CardTargetFactory(municipality=municipality, reservation_no="A2", town="豊洲", chome=2)
    CardTargetFactory(municipality=municipality, reservation_no="A3", status=TargetStatus.MAILED)
    sign_in(client, card_operator)

    def shown(**params) -> set[str]:
        page = client.get(reverse("cards:targets"), params).content.decode()
        return {no for no in ("A1", "A2", "A3") if f">{no}<" in page}

    assert shown() == {"A1", "A2", "A3"}
    assert shown(venue=venues.toyosu.pk) == {"A2"}
    assert shown(venue=venues.honchosha.pk) == {"A1", "A3"}
    assert shown(status=TargetStatus.MAILED) == {"A3"}
    assert shown(reservation_no="A1") == {"A1"}
    assert honcho.venue == venues.honchosha and toyosu.venue == venues.toyosu


def test_the_list_is_paginated_and_keeps_the_filters(client, venues, municipality, card_operator):
    for number in range(1, 53):
        CardTargetFactory(municipality=municipality, reservation_no=f"B{number:03d}")
    sign_in(client, card_operator)
    first = client.get(reverse("cards:targets"), {"status": "notice_received"}).content.decode()
    assert "1 / 2" in first and "B050" in first and "B051" not in first
    assert "status=notice_received&amp;page=2" in first
    second = client.get(reverse("cards:targets"), {"page": 2}).content.decode()
    assert "B051" in second and "B052" in second and "B001" not in second


def test_the_detail_shows_the_target_with_events_and_logs_the_view(client, target, venue_clerk):
    TargetEvent.objects.create(target=target, kind=TargetEventKind.IMPORTED, note="取込の記録")
    sign_in(client, venue_clerk)
    page = client.get(url_of("target", target)).content.decode()
    assert NAME in page and "東京都江東区東陽4丁目1番1号" in page and "本庁舎" in page
    assert "取込の記録" in page
    assert "昭和55年4月1日" in page  # 1980-04-01 in 和暦
    assert "転出を記録" not in page  # only the lead records a move out
    entry = AccessLogEntry.objects.filter(action=AccessAction.VIEW).latest("seq")
    assert (entry.object_type, entry.object_id) == ("cards.cardtarget", str(target.pk))
    assert "生年月日" in entry.fields and "住所" in entry.fields


def test_another_municipalitys_target_answers_404(client, target):
    elsewhere = MunicipalityFactory(code="032093", name="一関市（テスト）")
    setup_demo_calendars(acting_user=None, municipality=elsewhere)
    setup_venues(acting_user=None, municipality=elsewhere)
    lead = _user("supervisor", elsewhere, username="supervisor_elsewhere")
    sign_in(client, lead)
    assert client.get(url_of("target", target)).status_code == 404
    assert client.post(url_of("target_move_out", target)).status_code == 404
    assert "K000000001" not in client.get(reverse("cards:targets")).content.decode()
    target.refresh_from_db()
    assert target.status == TargetStatus.NOTICE_RECEIVED


def test_the_lead_records_a_move_out_from_the_detail_page(client, target, supervisor):
    sign_in(client, supervisor)
    page = client.get(url_of("target", target)).content.decode()
    assert "転出を記録" in page
    response = client.post(url_of("target_move_out", target), {"note": "転出届を確認"}, follow=True)
    assert "転出を記録しました" in response.content.decode()
    target.refresh_from_db()
    assert target.status == TargetStatus.MOVED_OUT
    again = client.post(url_of("target_move_out", target), {"note": ""}, follow=True)
    assert "転出」のため転出を記録できません" in again.content.decode()
    assert TargetEvent.objects.filter(target=target, kind=TargetEventKind.MOVED_OUT).count() == 1


def upload(text: str, encoding="cp932", name="koufu.csv"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


GOOD = (
    "予約管理番号,氏名,氏名カナ,生年月日,住所,区分,性別\r\n"
    "C1,江東 花子,コウトウ ハナコ,1985-04-01,江東区東砂五丁目3-5,新規,女\r\n"
    "C2,砂町 一郎,スナマチ イチロウ,S50.5.6,東砂6-1-1,再交付,男\r\n"
)


def test_staff_upload_the_wards_file(client, venues, staff):
    sign_in(client, staff)
    url = reverse("cards:target_import")
    response = client.post(url, {"file": upload(GOOD), "notices_received": 2}, follow=True)
    page = response.content.decode()
    assert "交付対象者 2 件を取り込みました" in page
    assert "取り込まなかった列: 性別" in page
    run = TargetImport.objects.get()
    assert (run.row_count, run.notices_received, run.imported_by) == (2, 2, staff)
    assert dict(CardTarget.objects.values_list("reservation_no", "venue__code")) == {
        "C1": "sogo",
        "C2": "honchosha",
    }


def test_a_refused_upload_lists_errors_by_line_and_writes_nothing(client, venues, supervisor):
    bad = (
        GOOD
        + "C3,江東 三郎,,1990-01-01,東砂9-1-1,新規,男\r\n"
        + "C4,江東 四郎,,1990-02-30,東陽4-1,新規,男\r\n"
    )
    sign_in(client, supervisor)
    response = client.post(
        reverse("cards:target_import"), {"file": upload(bad), "notices_received": 4}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "取り込みませんでした（エラー 2 件）" in page
    assert '<td class="num">4</td><td>住所</td>' in page
    assert "東砂9-1-1" in page
    assert '<td class="num">5</td><td>生年月日</td>' in page
    assert not CardTarget.objects.exists()
    assert not TargetImport.objects.exists()


def test_the_upload_form_names_missing_fields(client, venues, staff):
    sign_in(client, staff)
    response = client.post(reverse("cards:target_import"), {"notices_received": ""})
    page = response.content.decode()
    assert "ファイルを選んでください。" in page
    assert "交付通知書の受領枚数を入力してください。" in page
    assert not TargetImport.objects.exists()


def test_the_import_page_lists_recent_imports(client, venues, municipality, staff):
    CardTargetFactory(municipality=municipality)
    sign_in(client, staff)
    page = client.get(reverse("cards:target_import")).content.decode()
    assert "koufu-taishou.csv" in page


def test_birth_date_shown_in_wareki_matches_the_stored_date(client, venues, municipality, staff):
    target = CardTargetFactory(municipality=municipality, birth_date=dt.date(2019, 5, 1))
    sign_in(client, staff)
    assert "令和元年5月1日" in client.get(url_of("target", target)).content.decode()
