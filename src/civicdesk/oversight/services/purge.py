"""Retention and purge (issue 8 §4, seed 004 別紙⑦ 第12条): plan, approve, execute, verify.

What a purge removes is what the apps declare (``privacy.personal_data``; each app's
``personal_data.py``): today the residents' rows (obligors, phones, households, accounts and
everything recorded about them: work items, contacts, promises, hand-overs, requests, visits,
letters, SMS, replies, opt-outs, inbound calls), the uploaded import files and the generated
letter PDFs / lists. What it keeps: finalised reports (anonymous aggregates), the registers
(ExportRecord, HandOverRecord), the access log (ids, never names), campaigns, users and teams.
This module imports no domain app.

The rows go in one transaction; files are first moved aside into a staging folder, put back if
anything fails, and overwritten and removed only after the transaction committed. The
resident numbers and names that went are kept only as SHA-256(salt + value), so that
``verify_purge`` can recognise them wherever they are left and nobody can read them back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.core.choices import RevenueType
from civicdesk.oversight.models import PurgePlan, PurgeScope, PurgeStatus
from civicdesk.oversight.selectors.purge import certificate_of, may_view_plans
from civicdesk.oversight.services.certificate import render_certificate
from civicdesk.oversight.services.inventory import Targets, items, targets
from civicdesk.privacy.personal_data import declarations
from civicdesk.privacy.selectors import may

DEFAULT_MEDIA = "CivicDesk サーバのデータベース及びファイル領域（取込みファイル・作成文書）"
DEFAULT_METHOD = (
    "データベースの行を一つのトランザクションで削除し、領域を再編成（VACUUM）して判読不能とする。"
    "ファイルはゼロで上書きしてから削除する。確定済みの業務報告書（集計値）・持出記録・"
    "受渡し記録・アクセスログは残す。消去後、宛名番号と氏名の残存を検索して検証する。"
)

CHUNK = 500
STAGING = ".purge-staging"


class PurgeError(Exception):
    """A refusal or a failure, worded for the person who asked (Japanese)."""


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
    """Background work the worker would finish after the purge (an import's rows would arrive,
    a letter batch would write its PDF, an SMS batch would text purged numbers): each app says
    what of its own work holds a purge back."""
    for declaration in declarations():
        if declaration.busy is not None:
            refusal = declaration.busy(plan.municipality)
            if refusal:
                return refusal
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
    plan.salt = secrets.token_hex(16)
    numbers, names = _purged_values(found)
    plan.number_digests = sorted({digest(plan.salt, value) for value in numbers})
    plan.name_digests = sorted({digest(plan.salt, value) for value in names})
    plan.name_lengths = sorted({len(value) for value in names})
    order = found.delete_order()
    pks = {key: list(found.querysets[key].values_list("pk", flat=True)) for key in order}
    afterwards = [
        after
        for d in declarations()
        if d.before_delete is not None
        and (after := d.before_delete(found.selection, found.querysets)) is not None
    ]
    for key in order:
        model = found.querysets[key].model
        for start in range(0, len(pks[key]), CHUNK):
            model._base_manager.filter(pk__in=pks[key][start : start + CHUNK]).delete()
    for after in afterwards:
        after()
    plan.executed_counts = counts
    plan.executed_at = timezone.now()
    plan.executed_by = acting_user
    plan.executed_by_system = "" if acting_user else system_name
    plan.status = PurgeStatus.EXECUTED
    plan.certificate_pdf = render_certificate(plan)
    plan.certificate_sha256 = hashlib.sha256(plan.certificate_pdf).hexdigest()
    plan.save()
    for key, label in items():
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
    for declaration in declarations():
        if declaration.purged_values is not None:
            more_numbers, more_names = declaration.purged_values(found.querysets)
            numbers |= more_numbers
            names |= more_names
    return numbers, names


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
        for key, label in items()
    ]


def certificate_download(*, acting_user, plan: PurgePlan) -> bytes:
    """The certificate as it was issued at execution (its SHA-256 is on the plan page)."""
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
