"""Retention and purge (issue 8 §4): plans, approval, execution, verification, certificate,
the command and the pages.

The world: in the default municipality 佐藤 一郎 owes only 国保 (a purge of 国保 removes him
entirely), 鈴木 次郎 owes 国保 and 住民税 (he stays and loses his 国保 account), 高橋 三郎 owes
only 住民税 (untouched by a 国保 purge). Another municipality has 田中 四郎 (国保), whom no purge
of the first may touch.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.pdf import html_to_pdf
from civicdesk.dunning.coverage import bit
from civicdesk.dunning.models import (
    Contact,
    HandOver,
    InboundCall,
    LetterBatch,
    Promise,
    ReminderLetter,
    StaffRequest,
    WorkItem,
)
from civicdesk.oversight.models import PurgePlan, PurgeStatus
from civicdesk.oversight.services import purge
from civicdesk.oversight.services import verification as purge_verification
from civicdesk.privacy.models import ExportRecord, HandOverRecord
from civicdesk.receivables.models import Account, ImportRun, Installment, Payment
from civicdesk.registry.models import Household, HouseholdMember, Obligor
from civicdesk.reports.models import Report
from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage, SmsReply
from tests.dunning.factories import CampaignFactory, ContactFactory, cover, make_promise
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import (
    AccountFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)
from tests.sms.factories import SmsBatchFactory, SmsMessageFactory, SmsTemplateFactory

SATO = ("100000001", "佐藤 一郎", "サトウ イチロウ", "090-1111-0001")
SATO_WIFE = ("800000001", "佐藤 花子", "サトウ ハナコ")
SUZUKI = ("100000002", "鈴木 次郎", "スズキ ジロウ", "090-1111-0002")
TAKAHASHI = ("100000003", "高橋 三郎", "タカハシ サブロウ", "090-1111-0003")
TANAKA = ("100000004", "田中 四郎", "タナカ シロウ", "090-1111-0004")


def _person(municipality, campaign, user, who, revenue_types, household=None):
    resident_no, name, kana, phone = who
    person = ObligorFactory(
        municipality=municipality,
        resident_no=resident_no,
        name=name,
        name_kana=kana,
        household=household,
    )
    PhoneFactory(obligor=person, display=phone)
    accounts = [AccountFactory(obligor=person, revenue_type=t) for t in revenue_types]
    for account in accounts:
        installment = InstallmentFactory(account=account, paid=1_000)
        Payment.objects.create(installment=installment, amount=1_000, paid_on=dt.date(2024, 8, 1))
    item = WorkItem.objects.create(campaign=campaign, obligor=person, revenue_types=revenue_types)
    item.accounts.set(accounts)
    contact = cover(
        ContactFactory(obligor=person, work_item=item, campaign=campaign, note="本人と話した"),
        *accounts,
    )
    make_promise(contact, *accounts, promised_on=dt.date(2026, 12, 10))
    HandOver.objects.create(
        municipality=municipality,
        obligor=person,
        contact=contact,
        revenue_types=revenue_types,
        reason="hardship",
        note="納付が難しいとの申し出",
        created_by=user,
    )
    request = StaffRequest.objects.create(
        municipality=municipality,
        kind="slip_reissue",
        obligor=person,
        contact=contact,
        created_by=user,
    )
    request.accounts.set(accounts)
    return person


def _letters(municipality, people, revenue_type, media: Path) -> LetterBatch:
    batch = LetterBatch.objects.create(
        municipality=municipality,
        source="residents",
        revenue_type=revenue_type,
        resident_nos=[p.resident_no for p in people],
        status="done",
        letter_count=len(people),
    )
    for page, person in enumerate(people, start=1):
        ReminderLetter.objects.create(
            batch=batch, obligor=person, revenue_type=revenue_type, page=page, unpaid_total=9_000
        )
    folder = media / "letters" / str(batch.pk)
    folder.mkdir(parents=True)
    (folder / "letters.pdf").write_bytes(b"%PDF-1.7 " + " ".join(p.name for p in people).encode())
    (folder / "list.xlsx").write_bytes(b"not really excel")
    return batch


def _import(municipality, media: Path, people, name: str) -> ImportRun:
    path = media / "imports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{p.resident_no},{p.name}" for p in people]
    path.write_bytes("\n".join(lines).encode("cp932"))
    return ImportRun.objects.create(
        municipality=municipality,
        kind="receivables",
        file_name=name,
        sha256="0" * 64,
        status="done",
        upload=f"imports/{name}",
        errors=[{"line": 2, "value": people[0].name}],
    )


def _sms(municipality, campaign, people):
    template = SmsTemplateFactory(municipality=municipality, revenue_type="nhi")
    batch = SmsBatchFactory(
        municipality=municipality, campaign=campaign, template=template, status="done"
    )
    for person in people:
        phone = person.phones.get()
        message = SmsMessageFactory(batch=batch, obligor=person, phone=phone, number=phone.number)
        SmsReply.objects.create(
            municipality=municipality,
            number=phone.number,
            display=phone.display,
            text="払います",
            received_at=timezone.now(),
            message=message,
            obligor=person,
        )
        OptOut.objects.create(
            municipality=municipality, number=phone.number, display=phone.display, source="staff"
        )
        call = InboundCall.objects.create(
            municipality=municipality,
            caller=phone.number,
            caller_display=phone.display,
            received_at=timezone.now(),
        )
        call.matches.set([person])
    return batch


@pytest.fixture
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.STATIC_ROOT = tmp_path / "var" / "static"
    settings.MEDIA_ROOT.mkdir(parents=True)
    return settings.MEDIA_ROOT


@pytest.fixture
def world(municipality, supervisor, media):
    campaign = CampaignFactory(municipality=municipality)
    household = HouseholdFactory(municipality=municipality)
    resident_no, name, kana = SATO_WIFE
    HouseholdMemberFactory(household=household, resident_no=resident_no, name=name, name_kana=kana)
    sato = _person(municipality, campaign, supervisor, SATO, ["nhi"], household=household)
    suzuki = _person(municipality, campaign, supervisor, SUZUKI, ["nhi", "resident_tax"])
    takahashi = _person(municipality, campaign, supervisor, TAKAHASHI, ["resident_tax"])
    other = MunicipalityFactory(code="132012", name="別区")
    other_campaign = CampaignFactory(municipality=other)
    tanaka = _person(other, other_campaign, supervisor, TANAKA, ["nhi"])
    _letters(municipality, [sato, suzuki], "nhi", media)
    _letters(municipality, [takahashi], "resident_tax", media)
    _letters(other, [tanaka], "nhi", media)
    _import(municipality, media, [sato, suzuki, takahashi], "koto.csv")
    _import(other, media, [tanaka], "other.csv")
    _sms(municipality, campaign, [sato, suzuki])
    _sms(other, other_campaign, [tanaka])
    Report.objects.create(municipality=municipality, kind="daily", period=dt.date(2026, 11, 30))
    Report.objects.create(
        municipality=municipality, kind="daily", period=dt.date(2026, 11, 27), status="final"
    )
    ExportRecord.objects.create(
        content="折衝記録", file_name="x.csv", file_format="csv", reason="月次提出", count=3,
        sha256="1" * 64, at=timezone.now(), exported_by=supervisor,
    )  # fmt: skip
    HandOverRecord.objects.create(
        direction="received", content="滞納データ", count=3, at=timezone.now(), handler=supervisor
    )
    return {
        "sato": sato,
        "suzuki": suzuki,
        "takahashi": takahashi,
        "tanaka": tanaka,
        "other": other,
    }


@pytest.fixture
def other_staff(municipality):
    return UserFactory(username="staff2", role="staff", municipality=municipality)


def suzuki_municipality(world):
    return world["suzuki"].municipality


def _today():
    return timezone.localdate()


def _approved(supervisor, other_staff, scope="revenue_type", revenue_type="nhi", on=None):
    plan = purge.plan_purge(
        acting_user=supervisor,
        scope=scope,
        revenue_type=revenue_type,
        planned_on=on or _today(),
        reason="国保の委託終了",
    )
    return purge.approve_purge_plan(acting_user=other_staff, plan=plan)


# --- plans and their counts -------------------------------------------------------------------


def test_a_revenue_type_plan_counts_people_owing_only_that_type_and_the_type_s_accounts(
    world, supervisor
):
    plan = purge.plan_purge(
        acting_user=supervisor,
        scope="revenue_type",
        revenue_type="nhi",
        planned_on=_today(),
        reason="国保の委託終了",
    )
    # Counted by hand from the world: 佐藤 (nhi only) goes with everything; 鈴木 loses one
    # account; both 国保 letter pages sit in one batch, which goes whole (2 files).
    assert plan.planned_counts == {
        "obligors": 1,
        "phones": 1,
        "households": 1,
        "household_members": 1,
        "accounts": 2,
        "installments": 2,
        "payments": 2,
        "work_items": 1,
        "contacts": 1,
        "promises": 1,
        "hand_overs": 1,
        "staff_requests": 1,
        "visit_lists": 0,
        "visit_records": 0,
        "letter_batches": 1,
        "reminder_letters": 2,
        "sms_batches": 1,
        "sms_messages": 2,
        # Both replies answered the 国保 batch, which goes; only 佐藤's number goes.
        "sms_replies": 2,
        "opt_outs": 1,
        "inbound_calls": 1,
        "import_runs": 0,
        "draft_reports": 0,
        # The counters hold nobody of the dunning register: a revenue type's purge leaves them.
        "counter_reviews": 0,
        "counter_plate_loans": 0,
        "counter_requests": 0,
        "bereavement_tasks": 0,
        "bereavement_cases": 0,
        # Nor does card issuance.
        "card_recordings": 0,
        "card_calls": 0,
        "card_reservations": 0,
        "card_transfer_items": 0,
        "card_target_events": 0,
        "card_targets": 0,
        "library_cards": 0,  # the test-only app (tests/settings.py) keeps no revenue type
        "files": 3,
    }
    assert plan.status == PurgeStatus.DRAFT
    assert plan.drafted_by == supervisor


def test_a_contract_end_plan_counts_every_row_of_the_municipality_and_nothing_of_another(
    world, supervisor, municipality
):
    plan = purge.plan_purge(
        acting_user=supervisor, scope="all", planned_on=_today(), reason="委託契約の終了"
    )
    mine = {"municipality": municipality}
    counts = plan.planned_counts
    assert counts["obligors"] == Obligor.objects.filter(**mine).count() == 3
    assert counts["accounts"] == Account.objects.filter(**mine).count() == 4
    assert (
        counts["installments"]
        == Installment.objects.filter(account__municipality=municipality).count()
    )
    assert counts["contacts"] == Contact.objects.filter(obligor__municipality=municipality).count()
    assert counts["letter_batches"] == LetterBatch.objects.filter(**mine).count() == 2
    assert counts["sms_replies"] == SmsReply.objects.filter(**mine).count() == 2
    assert counts["import_runs"] == 1
    assert counts["draft_reports"] == 1
    # Two batch folders of two files each, and one import file.
    assert counts["files"] == 5


def test_the_planned_date_may_not_be_in_the_past_and_a_reason_is_required(world, supervisor):
    with pytest.raises(ValidationError) as error:
        purge.plan_purge(
            acting_user=supervisor,
            scope="revenue_type",
            revenue_type="",
            planned_on=_today() - dt.timedelta(days=1),
            reason=" ",
        )
    assert set(error.value.message_dict) == {"planned_on", "reason", "revenue_type"}
    assert not PurgePlan.objects.exists()


@pytest.mark.parametrize("role", ["operator", "visitor", "inspector", "admin"])
def test_only_supervisors_and_staff_draft_plans(users_by_role, role):
    with pytest.raises(PermissionDenied):
        purge.plan_purge(
            acting_user=users_by_role[role], scope="all", planned_on=_today(), reason="終了"
        )


def test_only_staff_other_than_the_drafter_approve(world, supervisor, staff, other_staff):
    plan = purge.plan_purge(acting_user=staff, scope="all", planned_on=_today(), reason="終了")
    with pytest.raises(PermissionDenied):
        purge.approve_purge_plan(acting_user=supervisor, plan=plan)
    with pytest.raises(purge.PurgeError, match="申請した本人は承認できません"):
        purge.approve_purge_plan(acting_user=staff, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.DRAFT
    purge.approve_purge_plan(acting_user=other_staff, plan=plan)
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PurgeStatus.APPROVED, other_staff)
    with pytest.raises(purge.PurgeError):
        purge.approve_purge_plan(acting_user=staff, plan=plan)


def test_staff_of_another_municipality_cannot_approve(world, supervisor):
    stranger = UserFactory(username="staff_other", role="staff", municipality=world["other"])
    plan = purge.plan_purge(acting_user=supervisor, scope="all", planned_on=_today(), reason="終了")
    with pytest.raises(PermissionDenied):
        purge.approve_purge_plan(acting_user=stranger, plan=plan)


# --- execution --------------------------------------------------------------------------------


def test_executing_a_draft_a_future_or_an_executed_plan_is_refused(world, supervisor, other_staff):
    draft = purge.plan_purge(
        acting_user=supervisor, scope="all", planned_on=_today(), reason="終了"
    )
    with pytest.raises(purge.PurgeError, match="承認されていません"):
        purge.execute_purge(acting_user=supervisor, plan=draft)
    future = _approved(supervisor, other_staff, on=_today() + dt.timedelta(days=1))
    with pytest.raises(purge.PurgeError, match="処理予定日"):
        purge.execute_purge(acting_user=supervisor, plan=future)
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    with pytest.raises(purge.PurgeError, match="実行済み"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert Obligor.objects.filter(resident_no=SUZUKI[0]).exists()


def test_a_purge_waits_for_a_running_import(world, supervisor, other_staff):
    plan = _approved(supervisor, other_staff)
    ImportRun.objects.filter(file_name="koto.csv").update(status="running")
    with pytest.raises(purge.PurgeError, match="取込みが待機中または実行中"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    ImportRun.objects.filter(file_name="koto.csv").update(status="done")
    purge.execute_purge(acting_user=supervisor, plan=plan)
    assert not Obligor.objects.filter(resident_no=SATO[0]).exists()


@pytest.mark.parametrize(
    ("model", "busy", "finished", "reason"),
    [
        (LetterBatch, "pending", "done", "催告書の作成が待機中または実行中"),
        (LetterBatch, "running", "failed", "催告書の作成が待機中または実行中"),
        (SmsBatch, "queued", "done", "SMSの一括送信が送信待ち・送信中・待機中"),
        (SmsBatch, "sending", "cancelled", "SMSの一括送信が送信待ち・送信中・待機中"),
        (SmsBatch, "waiting", "done", "SMSの一括送信が送信待ち・送信中・待機中"),
    ],
)
def test_a_purge_waits_for_letters_being_made_and_texts_being_sent(
    world, supervisor, other_staff, model, busy, finished, reason
):
    """The worker would write a letter PDF, or text a purged number, after the purge."""
    plan = _approved(supervisor, other_staff)
    batch = model.objects.filter(municipality=world["sato"].municipality).first()
    model.objects.filter(pk=batch.pk).update(status=busy)
    assert reason in purge.execution_refusal(plan)
    with pytest.raises(purge.PurgeError, match=reason):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert Obligor.objects.filter(resident_no=SATO[0]).exists()
    # Another municipality's work does not hold this one back.
    model.objects.filter(pk=batch.pk).update(status=finished)
    assert model.objects.filter(municipality=world["other"]).update(status=busy) == 1
    purge.execute_purge(acting_user=supervisor, plan=plan)
    assert not Obligor.objects.filter(resident_no=SATO[0]).exists()


def test_staff_do_not_execute(world, supervisor, other_staff):
    plan = _approved(supervisor, other_staff)
    with pytest.raises(PermissionDenied):
        purge.execute_purge(acting_user=other_staff, plan=plan)


def test_a_revenue_type_purge_removes_that_type_only(world, supervisor, other_staff, media):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    plan.refresh_from_db()

    assert not Obligor.objects.filter(resident_no=SATO[0]).exists()
    assert not HouseholdMember.objects.filter(resident_no=SATO_WIFE[0]).exists()
    assert not Household.objects.filter(municipality=suzuki_municipality(world)).exists()
    suzuki = Obligor.objects.get(resident_no=SUZUKI[0])
    assert list(suzuki.accounts.values_list("revenue_type", flat=True)) == ["resident_tax"]
    # 鈴木's contact stays, covering 住民税 only now (coverage counted again: ADR 0011).
    contact = suzuki.contacts.get()
    assert contact.coverage == bit("resident_tax")
    assert Promise.objects.filter(obligor=suzuki).count() == 1
    assert Account.objects.filter(obligor__resident_no=TAKAHASHI[0]).count() == 1
    # The other municipality is untouched, rows and files.
    tanaka = Obligor.objects.get(resident_no=TANAKA[0])
    assert tanaka.accounts.get().revenue_type == "nhi"
    assert SmsReply.objects.filter(municipality=world["other"]).count() == 1
    assert (media / "imports" / "other.csv").exists()
    other_batch = LetterBatch.objects.get(municipality=world["other"])
    assert (media / "letters" / str(other_batch.pk) / "letters.pdf").exists()
    # 高橋's 住民税 letters stay; the 国保 batch and every import file of this municipality go.
    kept_batch = LetterBatch.objects.get(municipality=world["sato"].municipality)
    assert kept_batch.revenue_type == "resident_tax"
    assert (media / "letters" / str(kept_batch.pk) / "letters.pdf").exists()
    assert not (media / "imports" / "koto.csv").exists()
    koto_import = ImportRun.objects.get(file_name="koto.csv")
    assert (koto_import.upload.name, koto_import.errors) == ("", [])
    assert not SmsBatch.objects.filter(municipality=world["sato"].municipality).exists()
    # 鈴木 still has his number: his wish not to be texted stays; 佐藤's goes.
    kept_opt_outs = OptOut.objects.filter(municipality=suzuki.municipality)
    assert list(kept_opt_outs.values_list("number", flat=True)) == [suzuki.phones.get().number]
    assert plan.status == PurgeStatus.EXECUTED
    assert plan.executed_counts == plan.planned_counts
    assert not (media / purge.STAGING).exists() or not any((media / purge.STAGING).rglob("*"))


def test_a_contract_end_purge_keeps_final_reports_registers_and_the_access_log(
    world, supervisor, other_staff, municipality, media
):
    log_before = AccessLogEntry.objects.count()
    plan = _approved(supervisor, other_staff, scope="all", revenue_type="")
    purge.execute_purge(acting_user=supervisor, plan=plan)

    for model in (Obligor, Account, LetterBatch, SmsReply, OptOut, InboundCall, ImportRun):
        assert not model.objects.filter(municipality=municipality).exists(), model
    assert not Contact.objects.filter(obligor__municipality=municipality).exists()
    assert not Household.objects.filter(municipality=municipality).exists()
    assert list(
        Report.objects.filter(municipality=municipality).values_list("status", flat=True)
    ) == ["final"]
    assert ExportRecord.objects.count() == 1 and HandOverRecord.objects.count() == 1
    assert Obligor.objects.filter(municipality=world["other"]).count() == 1
    assert AccessLogEntry.objects.count() > log_before
    remaining = sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())
    other_batch = LetterBatch.objects.get(municipality=world["other"]).pk
    assert remaining == [
        "imports/other.csv",
        f"letters/{other_batch}/letters.pdf",
        f"letters/{other_batch}/list.xlsx",
    ]


def test_the_access_log_gets_a_delete_entry_per_item_with_counts_and_no_names(
    world, supervisor, other_staff
):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    plan.refresh_from_db()
    entries = AccessLogEntry.objects.filter(action=AccessAction.DELETE, object_id=str(plan.pk))
    nonzero = {key for key, count in plan.executed_counts.items() if count}
    assert {entry.fields[0] for entry in entries} == nonzero
    obligors = next(e for e in entries if e.fields == ["obligors"])
    assert obligors.reason.endswith("1件")
    text = json.dumps([[e.reason, e.fields, e.object_id] for e in entries], ensure_ascii=False)
    for secret in (SATO[0], SATO[1], SATO_WIFE[1], SATO[3]):
        assert secret not in text


def test_the_plan_keeps_what_was_purged_only_as_salted_digests(world, supervisor, other_staff):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    plan.refresh_from_db()
    stored = json.dumps(
        [plan.salt, plan.number_digests, plan.name_digests, plan.name_lengths], ensure_ascii=False
    )
    assert SATO[0] not in stored and "佐藤" not in stored
    expected = hashlib.sha256((plan.salt + SATO[0]).encode()).hexdigest()
    assert plan.number_digests == sorted(
        [expected, hashlib.sha256((plan.salt + SATO_WIFE[0]).encode()).hexdigest()]
    )
    # Names normalised like every name search (no spaces, hiragana): 佐藤一郎, さとういちろう, …
    assert hashlib.sha256((plan.salt + "佐藤一郎").encode()).hexdigest() in plan.name_digests
    assert hashlib.sha256((plan.salt + "さとうはなこ").encode()).hexdigest() in plan.name_digests


def test_a_file_that_cannot_be_moved_leaves_database_and_files_as_they_were(
    world, supervisor, other_staff, media, monkeypatch
):
    plan = _approved(supervisor, other_staff)
    files_before = sorted(p for p in media.rglob("*") if p.is_file())
    moved = []
    real_move = purge._move

    def second_fails(source, target):
        if moved:
            raise PermissionError(13, "Permission denied")
        real_move(source, target)
        moved.append(source)

    monkeypatch.setattr(purge, "_move", second_fails)
    with pytest.raises(purge.PurgeError, match="ファイルを削除できないため中止"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert moved  # one file had gone aside and came back
    assert sorted(p for p in media.rglob("*") if p.is_file()) == files_before
    assert Obligor.objects.filter(resident_no=SATO[0]).exists()
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.APPROVED


def test_an_error_midway_rolls_every_row_back_and_puts_the_files_back(
    world, supervisor, other_staff, media, monkeypatch
):
    plan = _approved(supervisor, other_staff)
    files_before = sorted(p for p in media.rglob("*") if p.is_file())
    counts_before = {m: m.objects.count() for m in (Obligor, Account, Contact, SmsMessage)}

    def broken(_plan):
        raise RuntimeError("disk full")

    # The certificate is made after every row went, inside the same transaction.
    monkeypatch.setattr(purge, "render_certificate", broken)
    with pytest.raises(RuntimeError):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert {m: m.objects.count() for m in counts_before} == counts_before
    assert sorted(p for p in media.rglob("*") if p.is_file()) == files_before
    plan.refresh_from_db()
    assert (plan.status, plan.executed_at, plan.salt) == (PurgeStatus.APPROVED, None, "")
    assert not AccessLogEntry.objects.filter(action=AccessAction.DELETE).exists()


# --- certificate ------------------------------------------------------------------------------


def test_the_certificate_states_when_who_what_how_many_and_the_approval(
    world, supervisor, other_staff
):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    plan.refresh_from_db()
    pdf = purge.certificate_download(acting_user=other_staff, plan=plan)
    assert hashlib.sha256(pdf).hexdigest() == plan.certificate_sha256
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = text.replace(" ", "").replace("\n", "")
    executed = timezone.localtime(plan.executed_at)
    assert "個人情報消去証明書" in flat
    assert (
        f"{executed:%Y}年{executed.month}月{executed.day}日{executed:%H}時{executed:%M}分" in flat
    )
    assert supervisor.username in flat and other_staff.username in flat
    assert "国民健康保険料" in flat and "国保の委託終了" in flat
    assert "納付義務者（氏名・住所・生年月日等）1件" in flat
    assert "口座（整理番号）2件" in flat
    assert SATO[1].replace(" ", "") not in flat and SATO[0] not in flat
    assert AccessLogEntry.objects.filter(action=AccessAction.PRINT, object_id=str(plan.pk)).exists()


# --- verification -----------------------------------------------------------------------------


def test_verification_after_a_purge_finds_nothing_and_marks_the_plan_verified(
    world, supervisor, other_staff
):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.findings == []
    assert check.ok
    assert check.values_scanned > 0 and check.files_scanned >= 2
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.VERIFIED


def test_verification_finds_a_name_left_in_a_note_and_a_number_left_in_a_file(
    world, supervisor, other_staff, settings
):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    # Another person's contact note names 佐藤 in half-width kana; a CSV in CP932 under
    # VAR_DIR still has his resident number.
    contact = Contact.objects.get(obligor__resident_no=TAKAHASHI[0])
    Contact.objects.filter(pk=contact.pk).update(note="ｻﾄｳ ｲﾁﾛｳ様の件で電話あり")
    leftover = Path(settings.VAR_DIR) / "exports" / "old.csv"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(f"宛名番号,{SATO[0]}\n".encode("cp932"))

    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert not check.ok
    assert {(f["place"], f["kind"]) for f in check.findings} == {
        (f"dunning_contact.note #{contact.pk}", "name"),
        ("VAR_DIR/exports/old.csv", "resident_no"),
    }
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.EXECUTED
    assert SATO[0] not in json.dumps(check.findings)


def test_verification_reads_the_text_of_a_left_pdf(world, supervisor, other_staff, settings):

    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    pdf = html_to_pdf('<html lang="ja"><body><p>宛名: 佐藤 花子 様</p></body></html>')
    (Path(settings.MEDIA_ROOT) / "stray.pdf").write_bytes(pdf)
    check = purge_verification.verify_purge(acting_user=None, plan=plan, system_name="test")
    assert check.findings == [{"place": "MEDIA_ROOT/stray.pdf", "kind": "name"}]


def test_verification_looks_inside_a_gzipped_backup(world, supervisor, other_staff, settings):

    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    backup = Path(settings.VAR_DIR) / "backups" / "dump.sql.gz"
    backup.parent.mkdir(parents=True)
    backup.write_bytes(gzip.compress(f"INSERT INTO x VALUES ('{SATO_WIFE[0]}');".encode()))
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.findings == [{"place": "VAR_DIR/backups/dump.sql.gz", "kind": "resident_no"}]


def test_a_namesake_of_another_person_is_listed_apart_not_as_a_leftover(
    world, supervisor, other_staff
):
    namesake = ObligorFactory(
        municipality=world["other"], resident_no="100000099", name=SATO[1], name_kana=SATO[2]
    )
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.ok
    assert {
        f"registry_obligor.name #{namesake.pk}",
        f"registry_obligor.name_key #{namesake.pk}",
    } <= {h["place"] for h in check.homonyms}


def test_only_executed_plans_are_verified_and_not_by_inspectors(
    world, supervisor, other_staff, inspector
):
    plan = _approved(supervisor, other_staff)
    with pytest.raises(purge.PurgeError):
        purge_verification.verify_purge(acting_user=supervisor, plan=plan)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    with pytest.raises(PermissionDenied):
        purge_verification.verify_purge(acting_user=inspector, plan=plan)


# --- the command ------------------------------------------------------------------------------


def _run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("purge", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def test_the_command_shows_a_plan_with_today_s_counts(world, supervisor):
    plan = purge.plan_purge(
        acting_user=supervisor,
        scope="revenue_type",
        revenue_type="nhi",
        planned_on=_today(),
        reason="国保の委託終了",
    )
    code, out, _ = _run("--plan", str(plan.pk))
    assert code == 0
    assert "納付義務者（氏名・住所・生年月日等）\t1\t1" in out
    assert "承認されていません" in out
    assert Obligor.objects.filter(resident_no=SATO[0]).exists()


def test_the_command_refuses_in_japanese_with_exit_status_1(world, supervisor, other_staff):
    draft = purge.plan_purge(
        acting_user=supervisor, scope="all", planned_on=_today(), reason="終了"
    )
    assert _run("--plan", str(draft.pk), "--execute")[::2] == (
        1,
        "この消去計画はまだ承認されていません。自治体職員の承認が必要です。",
    )
    future = _approved(supervisor, other_staff, on=_today() + dt.timedelta(days=3))
    code, _, message = _run("--plan", str(future.pk), "--execute")
    assert code == 1 and "処理予定日" in message
    assert _run("--plan", "99999")[0] == 1
    assert _run("--plan", str(future.pk), "--execute", "--user", "nobody")[0] == 1
    assert _run("--plan", str(future.pk), "--execute", "--user", other_staff.username)[0] == 1


def test_the_command_executes_then_refuses_again_and_verifies(
    world, supervisor, other_staff, settings
):
    plan = _approved(supervisor, other_staff)
    code, out, _ = _run("--plan", str(plan.pk), "--execute", "--user", supervisor.username)
    assert code == 0, out
    plan.refresh_from_db()
    assert plan.executed_by == supervisor
    assert f"消去証明書の SHA-256: {plan.certificate_sha256}" in out
    code, _, message = _run("--plan", str(plan.pk), "--execute")
    assert code == 1 and "実行済み" in message
    assert _run("--verify", str(plan.pk))[0] == 0
    (Path(settings.VAR_DIR) / "left.txt").write_text(f"{SATO[1]}\n")
    code, _, message = _run("--verify", str(plan.pk))
    assert code == 3 and "残存あり" in message


def test_the_command_without_user_records_the_command_as_handler(world, supervisor, other_staff):
    plan = _approved(supervisor, other_staff)
    assert _run("--plan", str(plan.pk), "--execute")[0] == 0
    plan.refresh_from_db()
    assert plan.executed_by is None
    assert plan.executed_by_system.startswith("コマンド purge")


# --- pages ------------------------------------------------------------------------------------

LIST_STATUS = {
    "operator": 403,
    "visitor": 403,
    "supervisor": 200,
    "staff": 200,
    "inspector": 200,
    "admin": 403,
}
NEW_STATUS = {**LIST_STATUS, "inspector": 403}


@pytest.mark.parametrize("role", sorted(LIST_STATUS))
def test_pages_per_role(users_by_role, role, signed_in, supervisor, other_staff, media):
    plan = _approved(supervisor, other_staff, scope="all", revenue_type="")
    client = signed_in(users_by_role[role])
    assert client.get("/privacy/purge/").status_code == LIST_STATUS[role]
    assert client.get(f"/privacy/purge/{plan.pk}/").status_code == LIST_STATUS[role]
    assert client.get("/privacy/purge/new/").status_code == NEW_STATUS[role]


def test_anonymous_visitors_are_sent_to_sign_in(client, municipality):
    response = client.get("/privacy/purge/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["supervisor", "inspector", "operator"])
def test_only_staff_approve_on_the_page(users_by_role, role, signed_in, staff, media):
    plan = purge.plan_purge(acting_user=staff, scope="all", planned_on=_today(), reason="終了")
    response = signed_in(users_by_role[role]).post(f"/privacy/purge/{plan.pk}/approve/")
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.DRAFT


def test_staff_approve_a_supervisor_s_plan_on_its_page(world, supervisor, staff, signed_in):
    plan = purge.plan_purge(acting_user=supervisor, scope="all", planned_on=_today(), reason="終了")
    client = signed_in(staff)
    page = client.get(f"/privacy/purge/{plan.pk}/").content.decode()
    assert "承認する" in page
    response = client.post(f"/privacy/purge/{plan.pk}/approve/")
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PurgeStatus.APPROVED, staff)


def test_the_drafter_sees_no_approve_button_and_cannot_approve(world, staff, signed_in):
    plan = purge.plan_purge(acting_user=staff, scope="all", planned_on=_today(), reason="終了")
    client = signed_in(staff)
    assert "承認する" not in client.get(f"/privacy/purge/{plan.pk}/").content.decode()
    response = client.post(f"/privacy/purge/{plan.pk}/approve/", follow=True)
    assert "申請した本人は承認できません" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.DRAFT


def test_a_supervisor_drafts_a_plan_on_the_page(world, supervisor, signed_in):
    client = signed_in(supervisor)
    response = client.post(
        "/privacy/purge/new/",
        {
            "scope": "revenue_type",
            "revenue_type": "nhi",
            "planned_on": _today().isoformat(),
            "reason": "国保の委託終了",
            "media": purge.DEFAULT_MEDIA,
            "method": purge.DEFAULT_METHOD,
        },
    )
    plan = PurgePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/privacy/purge/{plan.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert (
        'data-item="obligors"><td>納付義務者（氏名・住所・生年月日等）</td><td class="num">1<'
        in page
    )
    assert f"civicdesk purge --plan {plan.pk}" not in page  # not approved yet


def test_a_plan_in_the_past_is_refused_on_the_page(world, supervisor, signed_in):
    response = signed_in(supervisor).post(
        "/privacy/purge/new/",
        {
            "scope": "all",
            "planned_on": (_today() - dt.timedelta(days=1)).isoformat(),
            "reason": "終了",
            "media": "x",
            "method": "y",
        },
    )
    assert response.status_code == 200
    assert "今日以降の日" in response.content.decode()
    assert not PurgePlan.objects.exists()


def test_the_certificate_downloads_after_execution_only(
    world, supervisor, other_staff, inspector, signed_in
):
    plan = _approved(supervisor, other_staff)
    client = signed_in(inspector)
    assert client.get(f"/privacy/purge/{plan.pk}/certificate.pdf").status_code == 404
    purge.execute_purge(acting_user=supervisor, plan=plan)
    plan.refresh_from_db()
    response = client.get(f"/privacy/purge/{plan.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == plan.certificate_sha256


def test_the_plan_page_shows_the_verification_places_without_values(
    world, supervisor, other_staff, inspector, signed_in
):
    plan = _approved(supervisor, other_staff)
    purge.execute_purge(acting_user=supervisor, plan=plan)
    contact = Contact.objects.get(obligor__resident_no=TAKAHASHI[0])
    Contact.objects.filter(pk=contact.pk).update(note=f"{SATO[0]} の件")
    purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    page = signed_in(inspector).get(f"/privacy/purge/{plan.pk}/").content.decode()
    assert f"dunning_contact.note #{contact.pk}（宛名番号）" in page
    assert "残存あり（1件）" in page
    assert SATO[0] not in page


def test_plans_of_another_municipality_are_not_shown(world, supervisor, signed_in):
    stranger = UserFactory(username="sv_other", role="supervisor", municipality=world["other"])
    plan = purge.plan_purge(acting_user=supervisor, scope="all", planned_on=_today(), reason="終了")
    client = signed_in(stranger)
    assert client.get(f"/privacy/purge/{plan.pk}/").status_code == 404
    assert f"第{plan.pk}号" not in client.get("/privacy/purge/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_committed_purge_rewrites_the_database_files_afterwards(world, supervisor, other_staff):

    plan = _approved(supervisor, other_staff)
    with CaptureQueriesContext(connection) as queries:
        purge.execute_purge(acting_user=supervisor, plan=plan)
    statements = [q["sql"].strip().upper() for q in queries.captured_queries]
    assert statements[-1] == "VACUUM"
    assert not Obligor.objects.filter(resident_no=SATO[0]).exists()
