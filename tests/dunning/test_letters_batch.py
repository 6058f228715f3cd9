"""Reminder-letter batches (issue 5 §3): whom, what is printed, what is written, what is not.

The helpers at the top make many people fast (bulk creation); test_letters_pages and
test_letters_command import them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from openpyxl import load_workbook

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import BusinessCalendar, EveningExtension, Weekday
from civicdesk.dunning.choices import (
    CampaignChannel,
    ContactChannel,
    LetterBatchStatus,
    NoEffectReason,
    WorkItemStatus,
)
from civicdesk.dunning.models import Contact, LetterBatch, ReminderLetter, WorkItem
from civicdesk.dunning.selectors.cases import case_view
from civicdesk.dunning.services import letter_prints, letters
from civicdesk.dunning.services.letter_documents import hours_summary
from civicdesk.privacy import field_policy
from civicdesk.privacy.models import ExportRecord
from civicdesk.receivables.models import Account, Installment
from civicdesk.registry.models import Obligor
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory
from tests.pdf import pdftotext
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

# A weekday morning (Tuesday) in Tokyo: calendars open, nothing paced by accident.
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
FAMILY = "佐藤鈴木高橋田中伊藤渡辺山本中村小林加藤吉田山田佐々木松本井上木村林斎藤清水山崎"
GIVEN = ("太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔太", "直美", "大輔", "由美")
DATE = re.compile(r"令和\d+年\d+月\d+日")


def person_name(index: int) -> str:
    """A distinct name per index (family name, given name and a kanji-number suffix)."""
    family = FAMILY[(index % 20) * 1 : (index % 20) * 1 + 2]
    suffix = "".join("〇一二三四五六七八九"[int(d)] for d in str(index))
    return f"{family} {GIVEN[index % 10]}{suffix}"


def amount_for(index: int, row: int) -> int:
    return 10_000 + index * 7 + row * 1_001


def make_people(
    municipality,
    count: int,
    *,
    revenue_types=("nhi",),
    installments: int = 2,
    campaign=None,
    item_status=WorkItemStatus.OPEN,
    start: int = 0,
):
    """``count`` obligors with one account per revenue type and unpaid installments, in bulk
    (and a work item each when ``campaign`` is given). Returns the obligors."""
    obligors = Obligor.objects.bulk_create(
        ObligorFactory.build(
            municipality=municipality,
            resident_no=f"{500000 + start + i:09d}",
            name=person_name(start + i),
            postal_code=f"135-{(start + i) % 9000 + 1000:04d}",
            address=f"東京都江東区東陽{(start + i) % 7 + 1}丁目{(start + i) % 30 + 1}番{i % 9 + 1}",
        )
        for i in range(count)
    )
    accounts = Account.objects.bulk_create(
        AccountFactory.build(
            obligor=obligor,
            municipality=municipality,
            revenue_type=revenue_type,
            case_no=f"{revenue_type[:2].upper()}{start + i:08d}",
            insured_no=f"{7000000 + start + i}" if revenue_type in ("late_elderly", "ltc") else "",
        )
        for i, obligor in enumerate(obligors)
        for revenue_type in revenue_types
    )
    Installment.objects.bulk_create(
        InstallmentFactory.build(
            account=account,
            fiscal_year=2022 + row // 10,
            period=str(row % 10 + 1),
            due_date=dt.date(2022 + row // 10, 6, 30) + dt.timedelta(days=31 * (row % 10)),
            assessed=amount_for(start + index // len(revenue_types), row),
        )
        for index, account in enumerate(accounts)
        for row in range(installments)
    )
    if campaign is not None:
        items = WorkItem.objects.bulk_create(
            WorkItem(
                campaign=campaign,
                obligor=obligor,
                revenue_types=list(revenue_types),
                status=item_status,
                no_effect_reason=NoEffectReason.NO_PHONE
                if item_status == WorkItemStatus.NO_EFFECT
                else "",
            )
            for obligor in obligors
        )
        by_obligor = {item.obligor_id: item for item in items}
        WorkItem.accounts.through.objects.bulk_create(
            WorkItem.accounts.through(workitem_id=by_obligor[a.obligor_id].pk, account_id=a.pk)
            for a in accounts
        )
    return obligors


@pytest.fixture
def center(municipality, calendars):
    Municipality.objects.filter(pk=municipality.pk).update(
        contact_center_name="江東区納付案内センター（テスト）", contact_center_phone="03-0000-0000"
    )
    municipality.refresh_from_db()
    return municipality


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def letter_campaign(center):
    return CampaignFactory(municipality=center, channel=CampaignChannel.LETTER, name="催告書6月")


def pdf_pages(path) -> list[str]:
    """pdftotext of the file, one string per page (form feeds), whitespace removed."""
    text = pdftotext(Path(path).read_bytes())
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [re.sub(r"\s+", "", page) for page in pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- A campaign batch, end to end ------------------------------------------------------------


def test_letter_campaign_batch_prints_one_page_per_letter_with_every_name_and_amount(
    supervisor, letter_campaign, media
):
    obligors = make_people(letter_campaign.municipality, 30, campaign=letter_campaign)
    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)
    assert batch.status == LetterBatchStatus.DONE
    assert batch.letter_count == batch.page_count == 30
    pages = pdf_pages(batch.pdf_file)
    assert len(pages) == 30
    text = "".join(pages)
    for index, obligor in enumerate(obligors):
        assert squeeze(obligor.name) + "様" in text
        for row in range(2):
            assert f"{amount_for(index, row):,}円" in text
        total = amount_for(index, 0) + amount_for(index, 1)
        assert f"{total:,}円" in text


# --- 1,000 people, several revenue types, a policy without some fields -----------------------

LTC_WITHOUT_DUE_DATE = """
groups:
  identity: [name, name_kana, sex, birth_date, relationship]
  address: [postal_code, address, address_extra]
  installments: [fiscal_year, period, due_date, assessed, paid, unpaid, last_paid_on]
revenue_types:
  resident_tax: {calls: [identity, address, installments], visits: [identity, address]}
  light_vehicle_tax: {calls: [identity, address, installments], visits: [identity, address]}
  nhi: {calls: [identity, address, installments], visits: [identity, address]}
  late_elderly:
    calls: [identity, address, installments, insured_no]
    visits: [name, address]
  ltc:
    calls: [identity, address, fiscal_year, period, assessed, paid, unpaid]
    visits: [name, address]
"""


@pytest.fixture
def test_policy(settings, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(LTC_WITHOUT_DUE_DATE, encoding="utf-8")
    settings.FIELD_POLICY_FILE = str(path)
    field_policy._load.cache_clear()
    yield path
    field_policy._load.cache_clear()


def test_thousand_letters_every_name_and_amount_one_page_each_and_only_policy_fields(
    supervisor, letter_campaign, media, test_policy
):
    municipality = letter_campaign.municipality
    groups = {
        "nhi": make_people(municipality, 500, campaign=letter_campaign),
        "late_elderly": make_people(
            municipality, 250, campaign=letter_campaign, revenue_types=("late_elderly",),
            start=500,
        ),
        "ltc": make_people(
            municipality, 250, campaign=letter_campaign, revenue_types=("ltc",), start=750
        ),
    }  # fmt: skip
    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    assert batch.letter_count == batch.page_count == 1000
    pages = pdf_pages(batch.pdf_file)
    assert len(pages) == 1000
    by_page = {
        letter.page: letter
        for letter in ReminderLetter.objects.filter(batch=batch).select_related("obligor")
    }
    start = {"nhi": 0, "late_elderly": 500, "ltc": 750}
    index_of = {
        o.pk: start[revenue_type] + i
        for revenue_type, obligors in groups.items()
        for i, o in enumerate(obligors)
    }
    for number, text in enumerate(pages, 1):
        letter = by_page[number]
        index = index_of[letter.obligor_id]
        assert squeeze(letter.obligor.name) + "様" in text
        for row in range(2):
            assert f"{amount_for(index, row):,}円" in text
        assert f"{amount_for(index, 0) + amount_for(index, 1):,}円" in text
        insured = f"{7000000 + index}"
        due_dates = set(DATE.findall(text)) - {"令和7年6月10日"}  # the letter's own date
        if letter.revenue_type == "ltc":  # neither due dates nor insured numbers allowed
            assert "期別納期限" not in text and not due_dates
            assert insured not in text and "被保険者番号" not in text
        elif letter.revenue_type == "late_elderly":  # both allowed: printed
            assert "期別納期限" in text and "令和4年6月30日" in due_dates and insured in text
        else:
            assert "期別納期限" in text and due_dates and "被保険者番号" not in text
        assert "介護保険料" not in text or letter.revenue_type == "ltc"


# --- Whom a batch is for ---------------------------------------------------------------------


def test_call_campaign_prints_only_no_effect_items_without_a_letter_yet_and_keeps_them_no_effect(
    supervisor, center, media
):
    campaign = CampaignFactory(municipality=center, channel=CampaignChannel.CALL)
    no_effect = make_people(center, 3, campaign=campaign, item_status=WorkItemStatus.NO_EFFECT)
    make_people(center, 2, campaign=campaign, item_status=WorkItemStatus.OPEN, start=10)

    first = letters.create_letter_batch(acting_user=supervisor, campaign=campaign, now=NOW)

    assert first.letter_count == 3
    assert set(ReminderLetter.objects.filter(batch=first).values_list("obligor", flat=True)) == {
        o.pk for o in no_effect
    }
    items = WorkItem.objects.filter(campaign=campaign, obligor__in=no_effect)
    assert set(items.values_list("status", flat=True)) == {WorkItemStatus.NO_EFFECT}
    assert set(items.values_list("last_contact_at", flat=True)) == {NOW}
    # A second run finds nobody new: every 効果なし person has had this campaign's letter.
    later = NOW + dt.timedelta(days=30)
    with pytest.raises(ValidationError):
        letters.create_letter_batch(acting_user=supervisor, campaign=campaign, now=later)


def test_people_held_by_another_user_or_paced_are_left_out_and_counted(
    supervisor, operator, letter_campaign, media
):
    held, paced, free = make_people(letter_campaign.municipality, 3, campaign=letter_campaign)
    call = CampaignFactory(municipality=letter_campaign.municipality)
    WorkItemFactory(
        campaign=call, obligor=held, lease_owner=operator,
        lease_expires_at=NOW + dt.timedelta(minutes=5),
    )  # fmt: skip
    ContactFactory(obligor=paced, at=NOW - dt.timedelta(days=1), paces=True)  # reached yesterday

    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    assert list(ReminderLetter.objects.filter(batch=batch).values_list("obligor", flat=True)) == [
        free.pk
    ]
    assert batch.skipped == {"leased": 1, "paced": 1}
    assert letters.skipped_text(batch.skipped) == (
        "ほかの担当者が対応中 1人、催告間隔内（最近の接触・送付あり） 1人"
    )
    assert WorkItem.objects.get(campaign=letter_campaign, obligor=held).status == "open"


def test_one_off_letters_are_not_paced_and_cover_only_the_requested_revenue_type(
    supervisor, center, media
):
    (person,) = make_people(center, 1, revenue_types=("nhi", "resident_tax"))
    ContactFactory(obligor=person, at=NOW - dt.timedelta(hours=1), paces=True)

    batch = letters.create_letter_batch(
        acting_user=supervisor, resident_nos=[person.resident_no], revenue_type="nhi", now=NOW
    )

    (letter,) = ReminderLetter.objects.filter(batch=batch)
    assert (letter.obligor_id, letter.revenue_type) == (person.pk, "nhi")
    text = pdf_pages(batch.pdf_file)[0]
    assert "国民健康保険料催告書" in text and "特別区民税" not in text
    covered = set(letter.contact.covered.values_list("revenue_type", flat=True))
    assert covered == {"nhi"}


def test_unknown_numbers_and_people_with_nothing_unpaid_are_all_named_and_nothing_is_written(
    supervisor, center, media
):
    (owes,) = make_people(center, 1)
    (paid_up,) = make_people(center, 1, start=5)
    Installment.objects.filter(account__obligor=paid_up).update(paid=F_assessed())

    with pytest.raises(ValidationError) as raised:
        letters.create_letter_batch(
            acting_user=supervisor,
            resident_nos=f"{owes.resident_no},999999999,{paid_up.resident_no},888888888",
            revenue_type="nhi",
            now=NOW,
        )

    messages = " ".join(raised.value.messages)
    assert "999999999" in messages and "888888888" in messages and paid_up.resident_no in messages
    assert_nothing_written(media)


def F_assessed():

    return F("assessed")


def assert_nothing_written(media) -> None:
    assert not LetterBatch.objects.exists()
    assert not Contact.objects.filter(channel=ContactChannel.LETTER).exists()
    assert not ExportRecord.objects.exists()
    assert not AccessLogEntry.objects.filter(action=AccessAction.PRINT).exists()
    assert not Account.objects.filter(reminder_on__isnull=False).exists()
    assert not [path for path in Path(media).rglob("*") if path.is_file()]
    assert not list(Path(media).glob("letters/*"))


def test_missing_center_phone_is_refused_with_a_clear_error(supervisor, letter_campaign, media):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    Municipality.objects.filter(pk=letter_campaign.municipality_id).update(contact_center_phone="")
    letter_campaign.municipality.refresh_from_db()

    with pytest.raises(ValidationError) as raised:
        letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    assert "納付案内センターの電話番号が登録されていません" in " ".join(raised.value.messages)
    assert_nothing_written(media)


def test_a_revenue_type_whose_policy_allows_no_address_cannot_be_printed(
    supervisor, center, media, settings, tmp_path
):
    (person,) = make_people(center, 1)
    path = tmp_path / "no_address.yaml"
    path.write_text(
        LTC_WITHOUT_DUE_DATE.replace(
            "nhi: {calls: [identity, address, ", "nhi: {calls: [identity, "
        ),
        encoding="utf-8",
    )
    settings.FIELD_POLICY_FILE = str(path)
    field_policy._load.cache_clear()
    try:
        with pytest.raises(ValidationError) as raised:
            letters.create_letter_batch(
                acting_user=supervisor, resident_nos=[person.resident_no], revenue_type="nhi",
                now=NOW,
            )  # fmt: skip
    finally:
        field_policy._load.cache_clear()
    message = " ".join(raised.value.messages)
    assert person.resident_no in message and "住所" in message
    assert_nothing_written(media)


def test_a_render_failure_leaves_no_contacts_no_batch_and_no_files(
    supervisor, letter_campaign, media, monkeypatch
):
    make_people(letter_campaign.municipality, 2, campaign=letter_campaign)

    def broken(*_args, **_kwargs):
        raise OSError("font missing")

    monkeypatch.setattr("civicdesk.core.pdf.render_pdf_parallel", broken)
    with pytest.raises(OSError):
        letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)
    assert_nothing_written(media)
    assert set(WorkItem.objects.values_list("status", flat=True)) == {"open"}


def test_a_failure_after_the_pdf_is_published_removes_it(
    supervisor, letter_campaign, media, monkeypatch
):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    real_register = letters._register
    calls = []

    def register_then_fail(*args, **kwargs):
        calls.append(args[2])  # the path
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_register(*args, **kwargs)

    monkeypatch.setattr(letters, "_register", register_then_fail)
    with pytest.raises(RuntimeError):
        letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)
    assert calls and not calls[0].exists()
    assert_nothing_written(media)


# --- What a batch writes ---------------------------------------------------------------------


def test_each_letter_is_a_letter_contact_in_the_persons_history_and_items_are_done(
    supervisor, letter_campaign, media
):
    people = make_people(letter_campaign.municipality, 2, campaign=letter_campaign)

    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    for person in people:
        contact = Contact.objects.get(obligor=person)
        assert (contact.channel, contact.outcome, contact.party) == ("letter", "sent", "none")
        assert contact.paces and not contact.night and contact.at == NOW
        assert contact.reminder_letter.batch == batch
        assert set(contact.covered.values_list("account__obligor", flat=True)) == {person.pk}
        history = case_view(supervisor, person, now=NOW).history
        assert [entry.contact.pk for entry in history] == [contact.pk]
        item = WorkItem.objects.get(campaign=letter_campaign, obligor=person)
        assert (item.status, item.last_outcome, item.last_contact_at) == ("done", "sent", NOW)
        assert set(
            Account.objects.filter(obligor=person).values_list("reminder_on", flat=True)
        ) == {NOW.date()}


def test_files_are_registered_with_their_hashes_and_the_print_is_logged_once(
    supervisor, letter_campaign, media
):
    make_people(letter_campaign.municipality, 3, campaign=letter_campaign)

    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    folder = Path(media) / "letters" / str(batch.pk)
    assert Path(batch.pdf_file) == folder / "letters.pdf"
    assert Path(batch.list_file) == folder / "list.xlsx"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert Path(batch.pdf_file).stat().st_mode & 0o777 == 0o600
    records = {r.file_name: r for r in ExportRecord.objects.all()}
    assert records["letters.pdf"].sha256 == sha256(batch.pdf_file) == batch.pdf_sha256
    assert records["list.xlsx"].sha256 == sha256(batch.list_file) == batch.list_sha256
    assert {r.reason for r in records.values()} == {"催告書の印刷（催告書6月）"}
    assert {r.count for r in records.values()} == {3}
    (entry,) = AccessLogEntry.objects.filter(action=AccessAction.PRINT)
    assert (entry.object_id, entry.actor_id, entry.reason) == (
        str(batch.pk),
        supervisor.pk,
        "催告書の印刷（催告書6月）",
    )
    assert {"name", "address", "postal_code", "unpaid", "due_date"} <= set(entry.fields)
    assert "insured_no" not in entry.fields  # nhi letters print none
    assert batch.print_count == 1


def test_the_excel_list_has_one_row_per_letter_with_header_widths_and_filter(
    supervisor, letter_campaign, media
):

    people = make_people(letter_campaign.municipality, 2, campaign=letter_campaign)
    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    sheet = load_workbook(batch.list_file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("番号/頁", "宛名番号", "氏名", "郵便番号", "住所", "税目", "未納額", "期数")
    by_resident = {row[1]: row for row in rows[1:]}
    for index, person in enumerate(people):
        row = by_resident[person.resident_no]
        assert row[2] == person.name and row[6] == amount_for(index, 0) + amount_for(index, 1)
        assert row[7] == 2
    assert sorted(row[0] for row in rows[1:]) == [1, 2]
    assert sheet.auto_filter.ref == "A1:H3"
    assert sheet.column_dimensions["E"].width >= 40


def test_reprint_counts_and_logs_and_a_changed_file_is_refused(supervisor, letter_campaign, media):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    path = letter_prints.reprint_letter_batch(acting_user=supervisor, batch=batch)
    letter_prints.reprint_letter_batch(acting_user=supervisor, batch=batch)

    assert path == Path(batch.pdf_file)
    batch.refresh_from_db()
    assert batch.print_count == 3
    reprints = AccessLogEntry.objects.filter(action=AccessAction.PRINT, reason="再印刷")
    assert reprints.count() == 2 and {e.object_id for e in reprints} == {str(batch.pk)}
    Path(batch.pdf_file).write_bytes(b"%PDF-1.7 changed")
    with pytest.raises(ValidationError):
        letter_prints.reprint_letter_batch(acting_user=supervisor, batch=batch)
    batch.refresh_from_db()
    assert batch.print_count == 3


def test_more_than_fifteen_installments_end_in_one_other_periods_row_on_one_page(
    supervisor, letter_campaign, media
):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign, installments=19)

    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)

    assert batch.page_count == 1
    text = pdf_pages(batch.pdf_file)[0]
    rest = sum(amount_for(0, row) for row in range(15, 19))
    assert f"ほか4期{rest:,}円" in text
    assert f"{amount_for(0, 14):,}円" in text and f"{amount_for(0, 15):,}円" not in text
    assert f"{sum(amount_for(0, row) for row in range(19)):,}円（19期分）" in text


# --- The hours come from the calendar ----------------------------------------------------------


def test_hours_are_summarised_from_the_calls_calendar_and_follow_its_changes(center):

    start = NOW.date()
    assert hours_summary(center, start) == (
        "平日 8:30〜17:15（水曜日は19:00まで）・第二土曜日 9:00〜17:00（祝日・年末年始を除く）"
    )
    calls = BusinessCalendar.objects.get(municipality=center, service="calls")
    EveningExtension.objects.filter(calendar=calls).update(weekday=Weekday.THURSDAY, until="20:00")
    calls.nth_weekday_openings.all().delete()
    assert (
        hours_summary(center, start)
        == "平日 8:30〜17:15（木曜日は20:00まで）（祝日・年末年始を除く）"
    )


def test_the_letter_prints_the_center_phone_and_the_calendar_hours(
    supervisor, letter_campaign, media
):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    batch = letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)
    text = pdf_pages(batch.pdf_file)[0]
    assert "電話03-0000-0000" in text
    assert squeeze("平日 8:30〜17:15（水曜日は19:00まで）") in text
    assert "令和7年6月10日" in text
    assert timezone.localdate(NOW) == dt.date(2025, 6, 10)
