"""Reminder letters (催告書, issue 5 §3): a batch is one PDF (one letter per page) and an Excel
list; each letter is a contact with channel ``letter``.

``create_letter_batch`` checks everything first (targets, field policy, the center's phone,
the calendar) and raises one ``ValidationError`` naming every problem; then renders the PDF
(outside the transaction: 1,000 pages take half a minute and SQLite would be locked for
writers meanwhile) and finally writes, in one transaction, the batch, its letters, the
contacts (bulk: 1,000 letters), the work items, 催告書発送日 on the accounts, both files
(registered exports) and the access-log entry. A failure anywhere leaves no contacts, no
letters and no files (a web batch keeps its row, marked 失敗 with the reason).

Access log: one ``print`` entry per batch (the batch, every field printed, the reason) and
the export register's entries for the two files. Not one entry per letter: the batch's
ReminderLetter rows name every person, so "who printed this person's data" is answered by
the batch entry joined with its letters, and 1,000 chained entries would only repeat it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicdesk.audit.actors import system_actor_name
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import pdf
from civicdesk.core.calendar import TOKYO, CalendarError
from civicdesk.core.choices import RevenueType
from civicdesk.core.models import Municipality
from civicdesk.dunning import coverage
from civicdesk.dunning.choices import (
    CampaignChannel,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    LetterBatchStatus,
    LetterSource,
    WorkItemStatus,
)
from civicdesk.dunning.models import Contact, ContactAccount, LetterBatch, ReminderLetter, WorkItem
from civicdesk.dunning.selectors import letters as selectors
from civicdesk.dunning.services import letter_documents as documents
from civicdesk.dunning.services.letter_documents import Letter
from civicdesk.privacy.services import export_register as exports
from civicdesk.receivables.models import Account
from civicdesk.registry.selectors import scope_for

logger = logging.getLogger(__name__)

# The access log's name for work done by `civicdesk letters` without --user.
# The command without --user: the registers name the command and the OS account.
SYSTEM_USERNAME = system_actor_name("letters")
SKIP_LABELS = {
    "leased": "ほかの担当者が対応中",
    "paced": "催告間隔内（最近の接触・送付あり）",
    "nothing_unpaid": "未納なし",
}


@dataclass
class Plan:
    """What a batch will print, checked: the letters in page order, who was left out."""

    municipality: Municipality
    source: str
    campaign: object | None
    revenue_type: str
    resident_nos: list[str]
    letters: list[Letter]
    skipped: dict[str, int]
    reason: str
    hours_text: str

    @property
    def fields(self) -> list[str]:
        return sorted({name for letter in self.letters for name in letter.fields})


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


# --- Public use cases ------------------------------------------------------------------------


def create_letter_batch(
    *,
    acting_user,
    campaign=None,
    resident_nos=(),
    revenue_type=None,
    out_pdf=None,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> LetterBatch:
    """Print a batch now: ``campaign`` or ``resident_nos`` + ``revenue_type``.

    ``out_pdf``: where the PDF goes (the Excel list beside it, same name .xlsx); None: under
    MEDIA_ROOT/letters/<batch id>/. ``acting_user`` None: the system (the command).
    """
    now = now or timezone.now()
    _check_permission(acting_user)
    paths = _out_paths(out_pdf)
    plan = plan_letters(
        acting_user=acting_user,
        campaign=campaign,
        resident_nos=resident_nos,
        revenue_type=revenue_type,
        reason=reason,
        now=now,
    )
    return _issue(plan, acting_user=acting_user, batch=None, paths=paths, now=now)


def request_letter_batch(
    *, acting_user, campaign=None, resident_nos=(), revenue_type=None
) -> LetterBatch:
    """The web page's request: a pending batch, made by a background task (issue_letter_batch).

    The input is checked here as far as it can be without the work (campaign, numbers, type).
    """
    _check_permission(acting_user)
    municipality = Municipality.objects.for_user(acting_user)
    numbers = parse_resident_nos(resident_nos)
    errors = _Errors()
    _check_request(errors, acting_user, campaign, numbers, revenue_type)
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            municipality=municipality,
            source=LetterSource.CAMPAIGN if campaign else LetterSource.RESIDENTS,
            campaign=campaign,
            revenue_type="" if campaign else revenue_type,
            resident_nos=numbers,
            created_by=acting_user,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=batch,
            fields=[] if campaign else ["resident_no"],
            reason="催告書の作成を受付",
        )
        # dunning.tasks runs this module's run_letter_batch, so it is imported here, not above.
        from civicdesk.dunning import tasks  # noqa: PLC0415  (cycle: tasks imports this module)

        tasks.issue_letter_batch.enqueue(batch.pk)
    return batch


def run_letter_batch(batch_id: int, *, now: dt.datetime | None = None) -> LetterBatch:
    """The background task's work: make a pending batch, or mark it failed with the reason."""
    now = now or timezone.now()
    started = LetterBatch.objects.filter(pk=batch_id, status=LetterBatchStatus.PENDING).update(
        status=LetterBatchStatus.RUNNING
    )
    batch = LetterBatch.objects.select_related("campaign", "created_by").get(pk=batch_id)
    if not started:
        return batch  # made or failed already (a task run twice)
    try:
        plan = plan_letters(
            acting_user=batch.created_by,
            campaign=batch.campaign,
            resident_nos=batch.resident_nos,
            revenue_type=batch.revenue_type or None,
            reason=None,
            now=now,
        )
        return _issue(plan, acting_user=batch.created_by, batch=batch, paths=None, now=now)
    except ValidationError as error:
        message = "\n".join(error.messages)
    except Exception as error:  # the worker goes on; the page shows what happened
        logger.exception("letter batch %s failed", batch_id)
        message = f"作成できませんでした（{type(error).__name__}: {error}）"
    LetterBatch.objects.filter(pk=batch_id).update(
        status=LetterBatchStatus.FAILED, error=message, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch


def parse_resident_nos(values) -> list[str]:
    """'A,B C' or a list → ['A', 'B', 'C'], order kept, duplicates and blanks dropped."""
    if isinstance(values, str):
        values = [values]
    numbers: list[str] = []
    for value in values or ():
        for part in str(value).replace("、", ",").replace("\n", ",").replace(" ", ",").split(","):
            part = unicodedata.normalize("NFKC", part).strip()
            if part and part not in numbers:
                numbers.append(part)
    return numbers


def skipped_text(skipped: dict) -> str:
    """「ほかの担当者が対応中 2人、未納なし 1人」 (empty when nobody was left out)."""
    return "、".join(
        f"{SKIP_LABELS.get(key, key)} {count:,}人" for key, count in skipped.items() if count
    )


# --- Planning: targets, content, checks -----------------------------------------------------


def plan_letters(
    *, acting_user, campaign, resident_nos, revenue_type, reason, now: dt.datetime
) -> Plan:
    """Everything a batch will print, or one ValidationError naming every problem."""
    errors = _Errors()
    numbers = parse_resident_nos(resident_nos)
    _check_request(errors, acting_user, campaign, numbers, revenue_type)
    if errors:
        raise ValidationError(dict(errors))
    municipality = campaign.municipality if campaign else _municipality(acting_user)
    types = _revenue_types(acting_user)
    if campaign is not None:
        targets = selectors.campaign_targets(
            campaign, user=acting_user, revenue_types=types, now=now
        )
    else:
        found = selectors.resident_targets(
            municipality.pk, numbers, revenue_type, user=acting_user, now=now
        )
        label = RevenueType(revenue_type).label
        if found.unknown:
            errors.add("resident_nos", f"宛名番号が見つかりません: {'、'.join(found.unknown)}")
        if found.nothing_unpaid:
            errors.add(
                "resident_nos",
                f"{label}の未納がありません: {'、'.join(found.nothing_unpaid)}",
            )
        targets = found.targets
    letters = _letters(errors, targets)
    _check_center(errors, municipality)
    hours_text = _hours_text(errors, municipality, now)
    if not errors and not letters:
        left_out = skipped_text(targets.skipped)
        errors.add(
            "__all__",
            "印刷する催告書がありません" + (f"（対象外: {left_out}）" if left_out else "。"),
        )
    if errors:
        raise ValidationError(dict(errors))
    return Plan(
        municipality=municipality,
        source=LetterSource.CAMPAIGN if campaign else LetterSource.RESIDENTS,
        campaign=campaign,
        revenue_type="" if campaign else revenue_type,
        resident_nos=numbers,
        letters=letters,
        skipped=targets.skipped,
        reason=(reason or "").strip() or _default_reason(campaign, revenue_type),
        hours_text=hours_text,
    )


def _check_permission(acting_user) -> None:
    if acting_user is not None and not selectors.may_create_batches(acting_user):
        raise PermissionDenied("催告書を作成する権限がありません。")


def _check_request(errors: _Errors, acting_user, campaign, numbers, revenue_type) -> None:
    if campaign is not None:
        if numbers or revenue_type:
            errors.add("__all__", "催告計画か宛名番号のどちらか一方を指定してください。")
        elif selectors.campaign_for_letters(acting_user, campaign.pk) is None:
            errors.add("campaign", "催告計画が見つかりません。")
        elif campaign.channel != CampaignChannel.LETTER and not (
            selectors.campaign_items(campaign).exists()
        ):
            errors.add(
                "campaign",
                f"催告計画「{campaign.name}」: 催告書の対象（効果なしの案件で未送付の人）が"
                "ありません。",
            )
        return
    if not numbers:
        errors.add("resident_nos", "宛名番号を入力してください（複数はカンマ区切り）。")
    if revenue_type not in RevenueType.values:
        values = "・".join(f"{label}（{value}）" for value, label in RevenueType.choices)
        errors.add("revenue_type", f"税目を選んでください: {values}")
    elif revenue_type not in _revenue_types(acting_user):
        errors.add("revenue_type", "税目: 担当の税目・保険料ではありません。")


def _municipality(acting_user) -> Municipality:
    municipality = Municipality.objects.for_user(acting_user)
    if municipality is None:
        raise ValidationError({"__all__": ["自治体が登録されていません。"]})
    return municipality


def _revenue_types(acting_user) -> tuple[str, ...]:
    if acting_user is None:
        return tuple(RevenueType.values)  # the command acting as the system
    scope = scope_for(acting_user)
    return scope.revenue_types if scope else ()


def _default_reason(campaign, revenue_type) -> str:
    if campaign is not None:
        return f"催告書の印刷（{campaign.name}）"
    return f"催告書の印刷（個別: {RevenueType(revenue_type).label}）"


def _check_center(errors: _Errors, municipality: Municipality) -> None:
    """The letter tells people whom to call: no phone number, no letter."""
    if not (municipality.contact_center_phone or "").strip():
        errors.add(
            "__all__",
            f"{municipality.name}: 納付案内センターの電話番号が登録されていません"
            "（催告書に印字できません。管理画面の自治体で登録してください）。",
        )


def _letters(errors: _Errors, targets) -> list[Letter]:
    obligors, accounts, installments = selectors.letter_rows(targets.people)
    letters: list[Letter] = []
    for obligor_id, (item_id, account_ids) in targets.people.items():
        by_type: dict[str, list[dict]] = {}
        for account_id in account_ids:
            account = accounts[account_id]
            if installments.get(account_id):
                by_type.setdefault(account["revenue_type"], []).append(account)
        if not by_type:
            targets.skip("nothing_unpaid")
            continue
        for revenue_type in RevenueType.values:  # one order for every person
            if revenue_type in by_type:
                try:
                    letters.append(
                        documents.build_letter(
                            obligors[obligor_id],
                            item_id,
                            revenue_type,
                            by_type[revenue_type],
                            installments,
                        )
                    )
                except documents.LetterProblem as problem:
                    errors.add("__all__", str(problem))
    # Page order: by postal code and address, as the post office sorts (and people of one
    # building come together); one person's letters stay side by side.
    letters.sort(key=lambda x: (x.postal_code, x.address, x.resident_no))
    return letters


def _hours_text(errors: _Errors, municipality, now: dt.datetime) -> str:
    try:
        text = documents.hours_summary(municipality, timezone.localdate(now, TOKYO))
    except CalendarError as error:
        errors.add("__all__", f"電話催告の業務カレンダー: {error}")
        return ""
    if not text:
        errors.add("__all__", "電話催告の業務カレンダーに、今後の受付日がありません。")
    return text


# --- Writing ---------------------------------------------------------------------------------


def _out_paths(out_pdf) -> tuple[Path, Path] | None:
    if out_pdf is None:
        return None
    try:
        pdf_path = exports.checked_out_path(out_pdf)
        if pdf_path.suffix.lower() != ".pdf":
            raise exports.ExportError(f"出力先は .pdf のファイル名にしてください: {pdf_path}")
        list_path = exports.checked_out_path(pdf_path.with_suffix(".xlsx"))
    except exports.ExportError as error:
        raise ValidationError({"out": [str(error)]}) from None
    return pdf_path, list_path


def _media_paths(batch: LetterBatch) -> tuple[Path, Path]:
    """MEDIA_ROOT/letters/<batch id>/ (mode 0700; the files are 0600)."""
    folder = Path(settings.MEDIA_ROOT) / "letters" / str(batch.pk)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder / "letters.pdf", folder / "list.xlsx"


def _issue(plan: Plan, *, acting_user, batch, paths, now: dt.datetime) -> LetterBatch:
    issued_on = timezone.localdate(now, TOKYO)
    content = documents.render_letters(
        plan.letters,
        municipality=plan.municipality,
        hours_text=plan.hours_text,
        issued_on=issued_on,
    )
    pages = pdf.page_count(content)
    if pages != len(plan.letters):  # a letter ran over its page: a template fault
        raise RuntimeError(f"催告書 {len(plan.letters)} 通に対して PDF が {pages} ページです")
    listing = documents.letter_list_xlsx(plan.letters)
    published: list[Path] = []
    try:
        with transaction.atomic():
            _check_leases(plan, acting_user, now)
            batch = _save_batch(plan, batch, acting_user, now)
            contacts = _write_contacts(plan, batch, acting_user, now)
            ReminderLetter.objects.bulk_create(
                ReminderLetter(
                    batch=batch, obligor_id=letter.obligor_id, revenue_type=letter.revenue_type,
                    contact=contact, page=page, unpaid_total=letter.total,
                )
                for page, (letter, contact) in enumerate(
                    zip(plan.letters, contacts, strict=True), 1
                )
            )  # fmt: skip
            _settle_items(plan, now)
            Account.objects.filter(
                pk__in=[pk for letter in plan.letters for pk in letter.account_ids]
            ).update(reminder_on=issued_on)
            pdf_path, list_path = paths or _media_paths(batch)
            files = [
                (pdf_path, content, "pdf", "催告書"),
                (list_path, listing, "xlsx", "催告書一覧"),
            ]
            results = []
            for path, data, file_format, title in files:
                result = _register(acting_user, plan, path, data, file_format, title)
                published.append(result.path)
                results.append(result)
            batch.pdf_file, batch.pdf_sha256 = str(results[0].path), results[0].sha256
            batch.list_file, batch.list_sha256 = str(results[1].path), results[1].sha256
            batch.page_count = pages
            batch.status = LetterBatchStatus.DONE
            batch.finished_at = timezone.now()
            batch.save()
            record_access(
                acting_user=acting_user,
                action=AccessAction.PRINT,
                obj=batch,
                fields=plan.fields,
                reason=plan.reason,
                username="" if acting_user else SYSTEM_USERNAME,
            )
    except BaseException:
        for path in published:
            path.unlink(missing_ok=True)
        if paths is None and batch is not None and batch.pk:
            folder = Path(settings.MEDIA_ROOT) / "letters" / str(batch.pk)
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()  # the batch's own folder, made above
        raise
    return batch


def _check_leases(plan: Plan, acting_user, now: dt.datetime) -> None:
    """Rendering took a while: nobody may have taken one of these people meanwhile."""
    taken = selectors.people_leased_now(
        {letter.obligor_id for letter in plan.letters}, user=acting_user, now=now
    )
    if taken:
        raise ValidationError(
            {"__all__": [f"作成中に{len(taken)}人の案件をほかの担当者が対応し始めました。"
                         "もう一度作成してください（何も書き込んでいません）。"]}
        )  # fmt: skip


def _save_batch(plan: Plan, batch, acting_user, now) -> LetterBatch:
    if batch is None:
        batch = LetterBatch(
            municipality=plan.municipality,
            source=plan.source,
            campaign=plan.campaign,
            revenue_type=plan.revenue_type,
            resident_nos=plan.resident_nos,
            created_by=acting_user,
        )
    batch.letter_count = len(plan.letters)
    batch.skipped = plan.skipped
    batch.reason = plan.reason[: LetterBatch._meta.get_field("reason").max_length]
    batch.print_count = 1
    batch.error = ""
    batch.status = LetterBatchStatus.RUNNING
    batch.save()
    return batch


def _write_contacts(plan: Plan, batch, acting_user, now) -> list[Contact]:
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    lines = coverage.lines_of(i for letter in plan.letters for i in letter.account_ids)
    contacts = Contact.objects.bulk_create(
        Contact(
            obligor_id=letter.obligor_id,
            work_item_id=letter.work_item_id,
            campaign=plan.campaign,
            channel=ContactChannel.LETTER,
            party=ContactParty.NONE,
            outcome=ContactOutcome.SENT,
            at=now,
            user=user,
            note=f"催告書（{letter.revenue_type_label}）#{batch.pk} {page}頁",
            paces=True,
            night=False,  # letters have no business hours (contacts.is_night)
            coverage=coverage.coverage_of(lines[i] for i in letter.account_ids),
        )
        for page, letter in enumerate(plan.letters, 1)
    )
    ContactAccount.objects.bulk_create(
        ContactAccount(contact=contact, account_id=account_id, revenue_type=letter.revenue_type)
        for letter, contact in zip(plan.letters, contacts, strict=True)
        for account_id in letter.account_ids
    )
    return contacts


def _settle_items(plan: Plan, now) -> None:
    """Letter-campaign items are done; 効果なし items of a call campaign stay so (the letter
    is what was left to do) but note when the person was last contacted."""
    item_ids = sorted({letter.work_item_id for letter in plan.letters if letter.work_item_id})
    if not item_ids:
        return
    items = WorkItem.objects.filter(pk__in=item_ids)
    if plan.campaign.channel == CampaignChannel.LETTER:
        items.update(
            status=WorkItemStatus.DONE,
            last_outcome=ContactOutcome.SENT,
            last_contact_at=now,
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    else:
        items.update(last_contact_at=now, updated_at=timezone.now())


def _register(acting_user, plan: Plan, path: Path, data: bytes, file_format, title):
    def write(stream) -> int:
        stream.write(data)
        return len(plan.letters)

    signed_in = getattr(acting_user, "is_authenticated", False)
    return exports.write_registered_export(
        acting_user=acting_user,
        out=path,
        write=write,
        content=f"{title}（{len(plan.letters)}通）",
        file_format=file_format,
        reason=plan.reason,
        fields=plan.fields,
        system_actor="" if signed_in else SYSTEM_USERNAME,
    )
