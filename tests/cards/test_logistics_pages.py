"""The paper and card pages: who may open each (every role, anonymous too), and the work
through the pages: a print run and its download with a reason (CP932 read back), a receipt,
a transfer and its ledger PDF, the venue's receipt, the desk's identity check, the venue
day and the reconciliation closes."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.cards.choices import CardState, TargetStatus
from civicdesk.cards.models import (
    CardTarget,
    Mailing,
    ReconciliationClose,
    VenueDay,
    VenueTransfer,
)
from civicdesk.cards.services import mailings, stock
from civicdesk.privacy.models import ExportRecord
from tests.cards.factories import CardTargetFactory, TargetImportFactory
from tests.conftest import TEST_NOW, sign_in
from tests.factories import MunicipalityFactory
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db
TODAY = TEST_NOW.date()
ROLES = ["operator", "card_operator", "venue_clerk", "supervisor", "staff", "inspector", "admin"]

CENTER_READ = {"supervisor", "staff", "inspector"}
# GET pages: who gets 200 (everyone else signed in: 403; anonymous: redirect to sign-in).
PAGES = {
    "mailings": CENTER_READ,
    "mailing": CENTER_READ,
    "receipts": CENTER_READ,
    "transfers": CENTER_READ | {"venue_clerk"},
    "transfer": CENTER_READ | {"venue_clerk"},
    "venue_desk": {"venue_clerk"},
    "venue_day": CENTER_READ | {"venue_clerk"},
    "reconciliation": CENTER_READ,
}
# POST-only actions: who may (403 for the others).
ACTIONS = {
    "mailing_download": {"supervisor"},
    "mailing_mailed": {"supervisor"},
    "transfer_ledger": {"supervisor", "venue_clerk"},
    "transfer_receive": {"venue_clerk"},
    "venue_desk_issue": {"venue_clerk"},
    "venue_desk_return": {"venue_clerk"},
    "venue_desk_fail": {"venue_clerk"},
}


@pytest.fixture
def world(venues, municipality, supervisor):
    """A letter run and a transfer of one card to 本庁舎 (not yet received)."""
    target = CardTargetFactory(municipality=municipality, name="江東 花子")
    run, _ = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="1回目"
    )
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=TODAY,
        declared_count=1,
        reservation_nos=[target.reservation_no],
    )
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    return {"run": run, "transfer": transfer, "target": target}


def url_of(name, world):
    args = {
        "mailing": [world["run"].pk],
        "transfer": [world["transfer"].pk],
        "mailing_download": [world["run"].pk],
        "mailing_mailed": [world["run"].pk],
        "transfer_ledger": [world["transfer"].pk],
        "transfer_receive": [world["transfer"].pk],
        "venue_desk_issue": [world["target"].pk],
        "venue_desk_return": [world["target"].pk],
        "venue_desk_fail": [world["target"].pk],
    }.get(name, [])
    return reverse(f"cards:{name}", args=args)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


@pytest.mark.parametrize("name", sorted(PAGES))
def test_who_may_open_each_page(world, users_by_role, name):
    url = url_of(name, world)
    assert client_for(None).get(url).status_code == 302
    got = {role: client_for(users_by_role[role]).get(url).status_code for role in ROLES}
    assert got == {role: 200 if role in PAGES[name] else 403 for role in ROLES}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_who_may_post_each_action(world, users_by_role, name):
    url = url_of(name, world)
    refused = [role for role in ROLES if role not in ACTIONS[name]]
    for role in refused:
        assert client_for(users_by_role[role]).post(url, {}).status_code == 403, role
    assert client_for(users_by_role[sorted(ACTIONS[name])[0]]).get(url).status_code == 405


def test_another_municipalitys_run_is_not_found(world, supervisor):
    other = Mailing.objects.create(
        municipality=MunicipalityFactory(code="032093", name="一関市"),
        kind="letter",
        run_no=1,
        row_count=0,
        file_name="x.csv",
        sha256="0" * 64,
    )
    client = client_for(supervisor)
    assert client.get(reverse("cards:mailing", args=[other.pk])).status_code == 404


def test_a_run_is_made_and_downloaded_with_a_reason(venues, municipality, supervisor):
    target = CardTargetFactory(municipality=municipality)
    client = client_for(supervisor)
    response = client.post(reverse("cards:mailings"), {"kind": "letter", "reason": "第1回"})
    run = Mailing.objects.get()
    assert response.status_code == 302 and response.url == reverse("cards:mailing", args=[run.pk])
    download = reverse("cards:mailing_download", args=[run.pk])
    refused = client.post(download, {"reason": ""})
    assert refused.status_code == 400 and "持出しの理由を入力してください" in refused.text
    response = client.post(download, {"reason": "印刷業者へ再送"})
    assert response["Content-Type"] == "text/csv; charset=cp932"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("cp932"))))
    assert [row["予約管理番号"] for row in rows] == [target.reservation_no]
    assert ExportRecord.objects.filter(reason="印刷業者へ再送").count() == 1
    client.post(reverse("cards:mailing_mailed", args=[run.pk]), {"mailed_on": TODAY})
    target.refresh_from_db()
    assert target.status == TargetStatus.MAILED


def test_a_run_without_targets_shows_the_error(venues, supervisor):
    response = client_for(supervisor).post(
        reverse("cards:mailings"), {"kind": "letter", "reason": "x"}
    )
    assert response.status_code == 200 and "印刷対象者がいません" in response.text


def test_a_receipt_with_an_unknown_number_names_its_line(venues, municipality, supervisor):
    known = CardTargetFactory(municipality=municipality)
    client = client_for(supervisor)
    data = {
        "received_on": TODAY,
        "declared_count": 3,
        "reservation_nos": f"{known.reservation_no}\nNOPE",
    }
    response = client.post(reverse("cards:receipts"), data)
    assert "2件目" in response.text and "NOPE" in response.text
    data["reservation_nos"] = known.reservation_no
    assert client.post(reverse("cards:receipts"), data).status_code == 302
    page = client.get(reverse("cards:receipts")).text
    assert 'data-testid="receipt-difference"' in page  # 3 on the slip, 1 recorded


def test_a_transfer_through_the_page_then_the_ledger_and_the_venues_receipt(
    venues, municipality, supervisor, venue_clerk
):
    targets = CardTargetFactory.create_batch(2, municipality=municipality)
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=TODAY,
        declared_count=2,
        reservation_nos=[t.reservation_no for t in targets],
    )
    client = client_for(supervisor)
    too_many = {"venue": venues.honchosha.pk, "order": "reservation_no", "count": 3}
    assert "在庫を超えています" in client.post(reverse("cards:transfers"), too_many).text
    response = client.post(reverse("cards:transfers"), {**too_many, "count": 2})
    transfer = VenueTransfer.objects.get()
    assert response.url == reverse("cards:transfer", args=[transfer.pk])
    pdf = client.post(reverse("cards:transfer_ledger", args=[transfer.pk]), {"reason": ""})
    assert pdf["Content-Type"] == "application/pdf"
    text = pdftotext(pdf.content)
    assert all(text.count(t.reservation_no) == 2 for t in targets) and "控え" in text
    clerk = client_for(venue_clerk)
    clerk.post(reverse("cards:transfer_receive", args=[transfer.pk]), {"counted": 1})
    page = clerk.get(reverse("cards:transfer", args=[transfer.pk])).text
    assert 'data-testid="transfer-difference"' in page
    assert set(CardTarget.objects.values_list("card_state", flat=True)) == {CardState.AT_VENUE}


def test_the_inspector_sees_a_transfer_without_names(world, inspector, supervisor):
    url = reverse("cards:transfer", args=[world["transfer"].pk])
    assert "江東 花子" not in client_for(inspector).get(url).text
    assert "江東 花子" in client_for(supervisor).get(url).text
    assert AccessLogEntry.objects.filter(
        action="view", actor=supervisor, object_id=str(world["transfer"].pk)
    ).exists()


def test_the_desk_finds_logs_and_issues_only_with_the_identity_check(
    world, venue_clerk, supervisor
):
    transfer, target = world["transfer"], world["target"]
    stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=1)
    client = client_for(venue_clerk)
    page = client.get(reverse("cards:venue_desk"), {"reservation_no": target.reservation_no})
    assert "江東 花子" in page.text and 'data-testid="issue-form"' in page.text
    assert AccessLogEntry.objects.filter(
        action="view", actor=venue_clerk, object_id=str(target.pk)
    ).exists()
    issue = reverse("cards:venue_desk_issue", args=[target.pk])
    followed = client.post(issue, {}, follow=True)
    assert "本人確認が済んでいません" in followed.text
    target.refresh_from_db()
    assert target.card_state == CardState.AT_VENUE
    client.post(issue, {"identity_checked": "on"})
    target.refresh_from_db()
    assert (target.status, target.card_state) == (TargetStatus.ISSUED, CardState.ISSUED)
    missing = client.get(reverse("cards:venue_desk"), {"reservation_no": "NONE"})
    assert "見つかりません" in missing.text


def test_the_venue_day_closes_through_the_page(world, venues, venue_clerk):
    stock.receive_transfer(acting_user=venue_clerk, transfer=world["transfer"], counted=1)
    client = client_for(venue_clerk)
    url = f"{reverse('cards:venue_day')}?venue={venues.honchosha.pk}&day={TODAY}"
    response = client.post(url, {"counted": 0})
    assert "差異があります。説明を記入してください" in response.text
    assert client.post(url, {"counted": 1}).status_code == 302
    assert VenueDay.objects.get().counted == 1


def test_the_reconciliation_page_lists_a_difference_and_closes_with_an_explanation(
    world, municipality, supervisor
):
    TargetImportFactory(municipality=municipality, notices_received=5)
    client = client_for(supervisor)
    url = f"{reverse('cards:reconciliation')}?day={TODAY}"
    page = client.get(url).text
    assert "交付通知書の受領数と取込件数" in page
    assert "差異があります。説明を記入してください" in client.post(url, {}).text
    assert client.post(url, {"explanation": "区の件数誤り"}).status_code == 302
    assert ReconciliationClose.objects.get().explanation == "区の件数誤り"


def test_the_venue_day_page_says_when_no_venue_is_set_up(venue_clerk):
    response = client_for(venue_clerk).get(reverse("cards:venue_day"))
    assert response.status_code == 200 and "交付会場が登録されていません" in response.text


def test_the_desk_finds_a_target_by_the_letters_barcode(venues, municipality, venue_clerk):
    target = CardTargetFactory(municipality=municipality, reservation_no="20260001")
    scanned = mailings.barcode_value(target.reservation_no)
    page = client_for(venue_clerk).get(reverse("cards:venue_desk"), {"reservation_no": scanned})
    assert 'data-testid="desk-target"' in page.text and target.name in page.text
