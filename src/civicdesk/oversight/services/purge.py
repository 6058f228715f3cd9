"""Retention and purge (issue 8 §4, seed 004 別紙⑦ 第12条): plan, approve, execute, verify.

What a purge removes: the residents' rows (obligors, phones, households, accounts and
everything recorded about them: work items, contacts, promises, hand-overs, requests, visits,
letters, SMS, replies, opt-outs, inbound calls), the uploaded import files and the generated
letter PDFs / lists. What it keeps: finalised reports (anonymous aggregates), the registers
(ExportRecord, HandOverRecord), the access log (ids, never names), campaigns, users and teams.

The rows go in one transaction; files are first moved aside into a staging folder, put back if
anything fails, and overwritten and removed only after the transaction committed. The
resident numbers and names that went are kept only as SHA-256(salt + value), so that
``verify_purge`` can recognise them wherever they are left and nobody can read them back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import normalize_name
from civicdesk.oversight.models import PurgePlan, PurgeScope, PurgeStatus
from civicdesk.privacy.selectors import may

DEFAULT_MEDIA = "CivicDesk サーバのデータベース及びファイル領域（取込みファイル・作成文書）"
DEFAULT_METHOD = (
    "データベースの行を一つのトランザクションで削除し、領域を再編成（VACUUM）して判読不能とする。"
    "ファイルはゼロで上書きしてから削除する。確定済みの業務報告書（集計値）・持出記録・"
    "受渡し記録・アクセスログは残す。消去後、宛名番号と氏名の残存を検索して検証する。"
)

# (key, label) in the order the certificate lists them and the rows go.
ITEMS: list[tuple[str, str]] = [
    ("obligors", "納付義務者（氏名・住所・生年月日等）"),
    ("phones", "電話番号"),
    ("households", "世帯"),
    ("household_members", "世帯員"),
    ("accounts", "口座（整理番号）"),
    ("installments", "期別（調定・納付状況）"),
    ("payments", "納付"),
    ("work_items", "案件"),
    ("contacts", "折衝記録"),
    ("promises", "納付約束"),
    ("hand_overs", "引継ぎ"),
    ("staff_requests", "職員への依頼"),
    ("visit_lists", "訪問リスト"),
    ("visit_records", "訪問結果"),
    ("letter_batches", "催告書の作成"),
    ("reminder_letters", "催告書"),
    ("sms_batches", "SMS 送信"),
    ("sms_messages", "SMS（1通ごと）"),
    ("sms_replies", "SMS 返信"),
    ("opt_outs", "SMS 受信拒否"),
    ("inbound_calls", "受電"),
    ("import_runs", "取込み記録"),
    ("draft_reports", "未確定の業務報告書"),
    ("files", "ファイル（取込みファイル・催告書 PDF／一覧）"),
]
ITEM_LABELS = dict(ITEMS)
# Rows go children first, so that nothing is left pointing at a removed parent.
DELETE_ORDER = [
    "sms_replies", "opt_outs", "inbound_calls", "reminder_letters", "letter_batches",
    "sms_messages", "sms_batches", "visit_records", "promises", "hand_overs", "staff_requests",
    "contacts", "work_items", "visit_lists", "payments", "installments", "accounts", "phones",
    "obligors", "household_members", "households", "import_runs", "draft_reports",
]  # fmt: skip
CHUNK = 500
STAGING = ".purge-staging"
MIN_NAME_LENGTH = 2  # one character would match half the text in the database


class PurgeError(Exception):
    """A refusal or a failure, worded for the person who asked (Japanese)."""


# ---------------------------------------------------------------------------------------------
# What a scope covers


@dataclass
class Targets:
    """Every item of a scope as a queryset (evaluated before anything is removed)."""

    querysets: dict[str, models.QuerySet]
    files: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = {key: qs.count() for key, qs in self.querysets.items()}
        found["files"] = sum(_file_count(path) for path in self.files)
        return {key: found.get(key, 0) for key, _label in ITEMS}


def targets(*, municipality, scope: str, revenue_type: str = "") -> Targets:
    from civicdesk.dunning.models import (
        Contact,
        HandOver,
        InboundCall,
        LetterBatch,
        Promise,
        ReminderLetter,
        StaffRequest,
        VisitList,
        VisitRecord,
        VisitStop,
        WorkItem,
    )
    from civicdesk.receivables.models import Account, ImportRun, Installment, Payment
    from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone
    from civicdesk.reports.choices import ReportStatus
    from civicdesk.reports.models import Report
    from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage, SmsReply

    m = municipality
    everything = scope == PurgeScope.ALL
    accounts = Account.objects.filter(municipality=m)
    obligors = Obligor.objects.filter(municipality=m)
    if not everything:
        # People owing only this revenue type go entirely; others keep their record and their
        # contact history (the center still works their other types) and lose these accounts.
        others = accounts.exclude(revenue_type=revenue_type).values("obligor_id")
        accounts = accounts.filter(revenue_type=revenue_type)
        obligors = obligors.filter(pk__in=accounts.values("obligor_id")).exclude(pk__in=others)
    kept = Obligor.objects.filter(municipality=m).exclude(pk__in=obligors.values("pk"))
    numbers = (
        Phone.objects.filter(obligor__in=obligors)
        .exclude(number__in=Phone.objects.filter(obligor__in=kept).values("number"))
        .values("number")
    )
    households = Household.objects.filter(municipality=m)
    letter_batches = LetterBatch.objects.filter(municipality=m)
    sms_batches = SmsBatch.objects.filter(municipality=m)
    replies = SmsReply.objects.filter(municipality=m)
    opt_outs = OptOut.objects.filter(municipality=m)
    calls = InboundCall.objects.filter(municipality=m)
    visit_lists = VisitList.objects.filter(municipality=m)
    if not everything:
        households = households.filter(pk__in=obligors.values("household_id")).exclude(
            pk__in=kept.filter(household__isnull=False).values("household_id")
        )
        letters_of_scope = ReminderLetter.objects.filter(
            Q(revenue_type=revenue_type) | Q(obligor__in=obligors)
        )
        # A batch is one PDF: a page of this scope takes the whole document with it.
        letter_batches = letter_batches.filter(
            Q(revenue_type=revenue_type) | Q(pk__in=letters_of_scope.values("batch_id"))
        )
        sms_batches = sms_batches.filter(revenue_type=revenue_type)
        replies = replies.filter(
            Q(obligor__in=obligors)
            | Q(message__batch__in=sms_batches)
            | Q(message__obligor__in=obligors)
            | Q(number__in=numbers)
        )
        opt_outs = opt_outs.filter(number__in=numbers)
        matched = InboundCall.matches.through.objects.filter(obligor__in=obligors)
        calls = calls.filter(Q(pk__in=matched.values("inboundcall_id")) | Q(caller__in=numbers))
        visit_lists = visit_lists.filter(
            pk__in=VisitStop.objects.filter(work_item__obligor__in=obligors).values("visit_list_id")
        ).exclude(
            pk__in=VisitStop.objects.exclude(work_item__obligor__in=obligors).values(
                "visit_list_id"
            )
        )
    contacts = Contact.objects.filter(obligor__in=obligors)
    imports = ImportRun.objects.filter(municipality=m)
    querysets = {
        "obligors": obligors,
        "phones": Phone.objects.filter(obligor__in=obligors),
        "households": households,
        "household_members": HouseholdMember.objects.filter(household__in=households),
        "accounts": accounts,
        "installments": Installment.objects.filter(account__in=accounts),
        "payments": Payment.objects.filter(installment__account__in=accounts),
        "work_items": WorkItem.objects.filter(obligor__in=obligors),
        "contacts": contacts,
        "promises": Promise.objects.filter(obligor__in=obligors),
        "hand_overs": HandOver.objects.filter(obligor__in=obligors),
        "staff_requests": StaffRequest.objects.filter(obligor__in=obligors),
        "visit_lists": visit_lists,
        "visit_records": VisitRecord.objects.filter(contact__in=contacts),
        "letter_batches": letter_batches,
        "reminder_letters": ReminderLetter.objects.filter(
            Q(batch__in=letter_batches) | Q(obligor__in=obligors)
        ),
        "sms_batches": sms_batches,
        "sms_messages": SmsMessage.objects.filter(
            Q(batch__in=sms_batches) | Q(obligor__in=obligors)
        ),
        "sms_replies": replies,
        "opt_outs": opt_outs,
        "inbound_calls": calls,
        # One revenue type keeps the import records (counts, hash) but loses their files.
        "import_runs": imports if everything else imports.none(),
        "draft_reports": Report.objects.filter(municipality=m, status=ReportStatus.DRAFT)
        if everything
        else Report.objects.none(),
    }
    files = [
        Path(settings.MEDIA_ROOT) / name
        for name in imports.exclude(upload="").values_list("upload", flat=True)
    ]
    files += [
        Path(settings.MEDIA_ROOT) / "letters" / str(pk)
        for pk in letter_batches.values_list("pk", flat=True)
    ]
    return Targets(querysets=querysets, files=[path for path in files if path.exists()])


def _file_count(path: Path) -> int:
    if path.is_dir():
        return sum(1 for item in path.rglob("*") if item.is_file())
    return 1 if path.exists() else 0


# ---------------------------------------------------------------------------------------------
# Plan and approval


def may_draft(user) -> bool:
    return may(user, "privacy.add_purgeplan")


def may_approve(user, plan: PurgePlan | None = None) -> bool:
    if not may(user, "privacy.approve_purgeplan"):
        return False
    return plan is None or plan.drafted_by_id != user.pk


def may_execute(user) -> bool:
    return may(user, "privacy.execute_purgeplan")


def today() -> dt.date:
    return timezone.localdate(timezone.now(), TOKYO)


def plan_purge(
    *,
    acting_user,
    scope: str,
    revenue_type: str = "",
    planned_on: dt.date,
    reason: str,
    media: str = DEFAULT_MEDIA,
    method: str = DEFAULT_METHOD,
) -> PurgePlan:
    """A supervisor or staff drafts a plan (第12条 2); the counts are those of now."""
    if not may_draft(acting_user):
        raise PermissionDenied("消去計画を作成する権限がありません。")
    municipality = acting_user.municipality
    errors = _plan_errors(scope, revenue_type, planned_on, reason, municipality)
    if errors:
        raise ValidationError(errors)
    if scope == PurgeScope.ALL:
        revenue_type = ""
    found = targets(municipality=municipality, scope=scope, revenue_type=revenue_type)
    with transaction.atomic():
        plan = PurgePlan.objects.create(
            municipality=municipality,
            scope=scope,
            revenue_type=revenue_type,
            media=media.strip() or DEFAULT_MEDIA,
            method=method.strip() or DEFAULT_METHOD,
            planned_on=planned_on,
            reason=reason.strip(),
            planned_counts=found.counts(),
            drafted_by=acting_user,
            drafted_at=timezone.now(),
        )
        record_access(
            acting_user=acting_user, action=AccessAction.CREATE, obj=plan, reason="消去計画の申請"
        )
    return plan


def _plan_errors(scope, revenue_type, planned_on, reason, municipality) -> dict[str, str]:
    errors = {}
    if municipality is None:
        errors["scope"] = "自治体が設定されていない利用者は消去計画を作成できません。"
    if scope not in PurgeScope.values:
        errors["scope"] = "範囲を選んでください。"
    elif scope == PurgeScope.REVENUE_TYPE and revenue_type not in RevenueType.values:
        errors["revenue_type"] = "消去する税目・保険料を選んでください。"
    if planned_on < today():
        errors["planned_on"] = "処理予定日には今日以降の日を指定してください。"
    if not reason.strip():
        errors["reason"] = "理由を入力してください（例: 委託契約の終了）。"
    return errors


def approve_purge_plan(*, acting_user, plan: PurgePlan) -> PurgePlan:
    """Municipal staff approve (第12条 2: 承諾), never the person who drafted it."""
    if not may_approve(acting_user):
        raise PermissionDenied("消去計画を承認できるのは自治体職員だけです。")
    with transaction.atomic():
        plan = PurgePlan.objects.select_for_update().get(pk=plan.pk)
        if plan.municipality_id != acting_user.municipality_id:
            raise PermissionDenied("他の自治体の消去計画は承認できません。")
        if plan.drafted_by_id == acting_user.pk:
            raise PurgeError("申請した本人は承認できません。別の職員が承認してください。")
        if plan.status != PurgeStatus.DRAFT:
            raise PurgeError(f"この計画は承認できません（{plan.get_status_display()}）。")
        plan.status = PurgeStatus.APPROVED
        plan.approved_by = acting_user
        plan.approved_at = timezone.now()
        plan.save(update_fields=["status", "approved_by", "approved_at"])
        record_access(
            acting_user=acting_user, action=AccessAction.CHANGE, obj=plan, reason="消去計画の承認"
        )
    return plan


# ---------------------------------------------------------------------------------------------
# Execution


def execution_refusal(plan: PurgePlan, on: dt.date | None = None) -> str:
    """Why the plan cannot be executed now ('' if it can)."""
    if plan.status == PurgeStatus.DRAFT:
        return "この消去計画はまだ承認されていません。自治体職員の承認が必要です。"
    if plan.status != PurgeStatus.APPROVED:
        return f"この消去計画は実行済みです（{plan.executed_at:%Y-%m-%d %H:%M}）。"
    if (on or today()) < plan.planned_on:
        return f"処理予定日（{plan.planned_on:%Y-%m-%d}）より前には実行できません。"
    return _work_in_progress(plan)


def _work_in_progress(plan: PurgePlan) -> str:
    """Background work the worker would finish after the purge: an import's rows would arrive,
    a letter batch would write its PDF, an SMS batch would text purged numbers."""
    from civicdesk.dunning.choices import LetterBatchStatus
    from civicdesk.dunning.models import LetterBatch
    from civicdesk.receivables.models import ImportRun, ImportStatus
    from civicdesk.sms.choices import SmsBatchStatus
    from civicdesk.sms.models import SmsBatch

    mine = {"municipality": plan.municipality}
    imports = (ImportStatus.PENDING, ImportStatus.RUNNING)
    if ImportRun.objects.filter(**mine, status__in=imports).exists():
        return "取込みが待機中または実行中です。取込みが終わってから実行してください。"
    letters = (LetterBatchStatus.PENDING, LetterBatchStatus.RUNNING)
    if LetterBatch.objects.filter(**mine, status__in=letters).exists():
        return "催告書の作成が待機中または実行中です。作成が終わってから実行してください。"
    sending = (SmsBatchStatus.QUEUED, SmsBatchStatus.SENDING, SmsBatchStatus.WAITING)
    if SmsBatch.objects.filter(**mine, status__in=sending).exists():
        return (
            "SMSの一括送信が送信待ち・送信中・待機中です。完了するか中止してから実行してください。"
        )
    return ""


def execute_purge(*, acting_user, plan: PurgePlan, system_name: str = "") -> PurgePlan:
    """Remove the plan's personal data: rows in one transaction, files moved aside first and
    destroyed after the commit. ``acting_user`` None: the command without --user."""
    if acting_user is not None and not may_execute(acting_user):
        raise PermissionDenied("消去を実行する権限がありません。")
    with transaction.atomic():
        plan = PurgePlan.objects.select_for_update().get(pk=plan.pk)
        refusal = execution_refusal(plan)
        if refusal:
            raise PurgeError(refusal)
        found = targets(
            municipality=plan.municipality, scope=plan.scope, revenue_type=plan.revenue_type
        )
        counts = found.counts()
        staged = _stage(found.files, plan)
        try:
            _execute_rows(plan, found, counts, acting_user=acting_user, system_name=system_name)
        except BaseException:
            _unstage(staged)
            raise
    _destroy(staged)
    _vacuum()
    return plan


def _execute_rows(
    plan: PurgePlan, found: Targets, counts: dict[str, int], *, acting_user, system_name: str
) -> None:
    from civicdesk.oversight.services.certificate import render_certificate

    plan.salt = secrets.token_hex(16)
    numbers, names = _purged_values(found)
    plan.number_digests = sorted({digest(plan.salt, value) for value in numbers})
    plan.name_digests = sorted({digest(plan.salt, value) for value in names})
    plan.name_lengths = sorted({len(value) for value in names})
    pks = {key: list(found.querysets[key].values_list("pk", flat=True)) for key in DELETE_ORDER}
    recount = _contacts_losing_accounts(found, pks)
    _clear_import_files(plan)
    for key in DELETE_ORDER:
        model = found.querysets[key].model
        for start in range(0, len(pks[key]), CHUNK):
            model._base_manager.filter(pk__in=pks[key][start : start + CHUNK]).delete()
    _recount_coverage(recount)
    plan.executed_counts = counts
    plan.executed_at = timezone.now()
    plan.executed_by = acting_user
    plan.executed_by_system = "" if acting_user else system_name
    plan.status = PurgeStatus.EXECUTED
    plan.certificate_pdf = render_certificate(plan)
    plan.certificate_sha256 = hashlib.sha256(plan.certificate_pdf).hexdigest()
    plan.save()
    for key, label in ITEMS:
        if counts[key]:
            record_access(
                acting_user=acting_user,
                action=AccessAction.DELETE,
                obj=plan,
                fields=[key],
                reason=f"消去計画 #{plan.pk}: {label} {counts[key]}件"[:500],
                username=plan.executed_by_system,
            )


def _purged_values(found: Targets) -> tuple[set[str], set[str]]:
    numbers: set[str] = set()
    names: set[str] = set()
    people = found.querysets["obligors"].values_list(
        "resident_no", "name", "name_kana", "alias_name"
    )
    members = found.querysets["household_members"].values_list("resident_no", "name", "name_kana")
    for resident_no, *person_names in [*people, *members]:
        numbers.add(normalize_number(resident_no))
        names.update(n for n in map(normalize_name, person_names) if len(n) >= MIN_NAME_LENGTH)
    numbers.discard("")
    return numbers, names


def _contacts_losing_accounts(found: Targets, pks: dict[str, list[int]]) -> list[int]:
    """Contacts that stay but lose covered accounts of a purged revenue type: their coverage
    bits (ADR 0011) are counted again afterwards."""
    from civicdesk.dunning.models import ContactAccount

    going = found.querysets["accounts"]
    ids = set(ContactAccount.objects.filter(account__in=going).values_list("contact_id", flat=True))
    return sorted(ids - set(pks["contacts"]))


def _recount_coverage(contact_ids: list[int]) -> None:
    from civicdesk.dunning.coverage import recount
    from civicdesk.dunning.models import Contact

    for contact_id in contact_ids:
        Contact.objects.filter(pk=contact_id).update(coverage=recount(contact_id))


def _clear_import_files(plan: PurgePlan) -> None:
    """One revenue type keeps its import records; their files and quoted errors go."""
    from civicdesk.receivables.models import ImportRun

    if plan.scope == PurgeScope.REVENUE_TYPE:
        ImportRun.objects.filter(municipality=plan.municipality).update(upload="", errors=[])


# Files: moved into a staging folder inside the transaction, so that a failure puts them back.


def _staging_dir(plan: PurgePlan) -> Path:
    return Path(settings.MEDIA_ROOT) / STAGING / str(plan.pk)


def _stage(paths: list[Path], plan: PurgePlan) -> list[tuple[Path, Path]]:
    staging = _staging_dir(plan)
    moved: list[tuple[Path, Path]] = []
    try:
        for number, path in enumerate(paths):
            target = staging / f"{number:06d}"
            target.parent.mkdir(parents=True, exist_ok=True)
            _move(path, target)
            moved.append((path, target))
    except OSError as error:
        _unstage(moved)
        raise PurgeError(
            f"ファイルを削除できないため中止しました（データベースは変更していません）: "
            f"{_relative(path)}（{error.strerror or error}）"
        ) from error
    return moved


def _move(source: Path, target: Path) -> None:
    os.replace(source, target)


def _unstage(moved: list[tuple[Path, Path]]) -> None:
    for original, staged in reversed(moved):
        original.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, original)


def _destroy(moved: list[tuple[Path, Path]]) -> None:
    """Overwrite every staged file with zeros, then remove it (第12条 4: 判読不可能)."""
    for _original, staged in moved:
        files = [staged] if staged.is_file() else [p for p in staged.rglob("*") if p.is_file()]
        for path in files:
            size = path.stat().st_size
            with path.open("r+b") as stream:
                stream.write(b"\0" * size)
                stream.flush()
                os.fsync(stream.fileno())
        if staged.is_dir():
            shutil.rmtree(staged)
        else:
            staged.unlink()
    if moved:
        shutil.rmtree(moved[0][1].parent, ignore_errors=True)


def _vacuum() -> None:
    """Rewrite the database files so that deleted rows do not linger in free pages. Inside an
    outer transaction (tests) it cannot run and is skipped."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" or connection.vendor == "postgresql":
            cursor.execute("VACUUM")


def _relative(path: Path) -> str:
    for root, label in file_roots():
        try:
            return f"{label}/{path.resolve().relative_to(root)}"
        except ValueError:
            continue
    return str(path)


# --- What verification shares with execution ---------------------------------------------------


def normalize_number(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", value or "").upper())


def digest(salt: str, value: str) -> str:
    return hashlib.sha256((salt + value).encode()).hexdigest()


def file_roots() -> list[tuple[Path, str]]:
    return [
        (Path(settings.MEDIA_ROOT).resolve(), "MEDIA_ROOT"),
        (Path(settings.VAR_DIR).resolve(), "VAR_DIR"),
    ]


def item_rows(plan: PurgePlan) -> list[tuple[str, str, int, int | None]]:
    """(key, label, planned count, executed count or None) for the plan page and certificate."""
    executed = plan.executed_counts if plan.executed_at else None
    return [
        (
            key,
            label,
            plan.planned_counts.get(key, 0),
            None if executed is None else executed.get(key, 0),
        )
        for key, label in ITEMS
    ]


def certificate_download(*, acting_user, plan: PurgePlan) -> bytes:
    """The certificate as it was issued at execution (its SHA-256 is on the plan page)."""
    from civicdesk.oversight.selectors.purge import certificate_of, may_view_plans

    if not may_view_plans(acting_user):
        raise PermissionDenied("消去証明書を見る権限がありません。")
    pdf = certificate_of(plan)
    if not pdf:
        raise PurgeError("この計画はまだ実行されていないため、消去証明書はありません。")
    with transaction.atomic():
        record_access(
            acting_user=acting_user, action=AccessAction.PRINT, obj=plan, reason="消去証明書の出力"
        )
    return pdf
