"""持出し申請 (issue 8 §2; seed 000 別紙1 第10条, seed 004 別紙⑦ 第9条): every download of
personal data goes through one flow.

request (a reason; staff approval first when EXPORT_APPROVAL_REQUIRED) → make (the file is
written once, registered with hash and count, optionally as an AES-256 zip whose password is
returned once and never stored) → one-time download (30 minutes) → 返却確認 (returned or
erased, confirmed later) and, for files handed to the municipality, the hand-over register
with the receiver's confirmation.

Apps plug their downloads in with ``register_exporter`` (dunning: dunning/exporters.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyzipper
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.privacy.models.registers import (
    ExportRecord,
    ExportRequest,
    ExportRequestStatus,
    HandOverDirection,
    HandOverRecord,
    ReturnMethod,
)
from civicdesk.privacy.selectors.exports import (
    may_confirm_receipt,
    may_confirm_return,
    may_decide,
    may_export,
    may_hand_over,
    same_municipality,
)
from civicdesk.privacy.services.export_register import (
    ExportError,
    clean_reason,
    write_registered_export,
)
from civicdesk.privacy.services.hand_overs import record_hand_over

# The file waits this long for its one download, then it is erased (and the export with it).
DOWNLOAD_MINUTES = 30
# When nobody says otherwise, a file is due back (or erased) within a week; never beyond 90 days.
DEFAULT_RETURN_DAYS = 7
MAX_RETURN_DAYS = 90
# No 0/O, 1/l/I: the password is read off a screen and typed in by hand.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 16
NOTE_MAX_LENGTH = 500
SYSTEM_ERASED_NOTE = "ダウンロードされないまま期限切れとなり、システムが消去しました"


# --- The exporters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPlan:
    """What an exporter will write: ``write(stream) -> count`` runs only when the file is made.

    ``after(record)`` runs in the same transaction as the register row (e.g. count a reprint).
    """

    content: str
    file_name: str
    file_format: str
    write: Callable[[BinaryIO], int]
    fields: Iterable[str] | Callable[[], Iterable[str]]
    after: Callable[[ExportRecord], None] | None = None


@dataclass(frozen=True)
class Exporter:
    """``prepare(acting_user=, params=)`` checks the parameters and returns the plan; it raises
    ExportError (Japanese, shown as it is) or PermissionDenied."""

    key: str
    label: str
    prepare: Callable[..., ExportPlan]
    may_use: Callable[[object], bool]


_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(exporter: Exporter) -> None:
    _EXPORTERS[exporter.key] = exporter


def exporter_for(key: str) -> Exporter:
    try:
        return _EXPORTERS[key]
    except KeyError:
        raise ExportError(f"出力の種類が正しくありません: {key}") from None


def exporter_label(key: str) -> str:
    exporter = _EXPORTERS.get(key)
    return exporter.label if exporter else key


# --- Request and approval --------------------------------------------------------------------


def needs_approval(user) -> bool:
    """Staff approve the contractor's exports when the setting asks; staff's own exports need
    no approval. Inspectors audit: they never approve their own either."""
    if not settings.EXPORT_APPROVAL_REQUIRED:
        return False
    return user.role != Role.STAFF


def must_encrypt(asked: bool) -> bool:
    return bool(asked) or settings.EXPORT_ENCRYPTION == "required"


def default_return_due_on(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=DEFAULT_RETURN_DAYS)


def request_export(
    *,
    acting_user,
    exporter: str,
    params: dict,
    reason: str,
    encrypt: bool = False,
    return_due_on: dt.date | None = None,
) -> ExportRequest:
    """Ask for one export. Approved at once when no approval is needed; else 承認待ち."""
    chosen = exporter_for(exporter)
    if not (may_export(acting_user) and chosen.may_use(acting_user)):
        raise PermissionDenied("この出力を行う権限がありません。")
    errors: dict[str, list[str]] = {}
    try:
        reason = clean_reason(reason)
    except ExportError as error:
        errors["reason"] = [str(error)]
    today = timezone.localdate()
    return_due_on = return_due_on or default_return_due_on(today)
    if not today <= return_due_on <= today + dt.timedelta(days=MAX_RETURN_DAYS):
        errors["return_due_on"] = [
            f"返却・消去の予定日は今日から{MAX_RETURN_DAYS}日以内で指定してください。"
        ]
    try:
        plan = chosen.prepare(acting_user=acting_user, params=params)
    except ExportError as error:
        errors["__all__"] = [str(error)]
    if errors:
        raise ValidationError(errors)
    approval = needs_approval(acting_user)
    now = timezone.now()
    with transaction.atomic():
        created = ExportRequest.objects.create(
            requested_by=acting_user,
            requested_at=now,
            exporter=chosen.key,
            params=params,
            content=plan.content[:200],
            reason=reason,
            encrypt=must_encrypt(encrypt),
            return_due_on=return_due_on,
            status=ExportRequestStatus.PENDING if approval else ExportRequestStatus.APPROVED,
            approved_at=None if approval else now,
            note="" if approval else _no_approval_note(acting_user),
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=created,
            reason=f"持出し申請: {reason}",
        )
    return created


def _no_approval_note(user) -> str:
    if settings.EXPORT_APPROVAL_REQUIRED:
        return "職員の持出しのため承認不要"
    return "承認不要（設定）"


def approve_export(*, acting_user, export_request: ExportRequest, note: str = ""):
    return _decide(acting_user, export_request, ExportRequestStatus.APPROVED, note)


def reject_export(*, acting_user, export_request: ExportRequest, note: str):
    if not (note or "").strip():
        raise ValidationError({"note": ["却下の理由を入力してください。"]})
    return _decide(acting_user, export_request, ExportRequestStatus.REJECTED, note)


def _decide(acting_user, export_request, target, note) -> ExportRequest:
    if not may_decide(acting_user):
        raise PermissionDenied("持出し申請の承認は自治体職員のみ行えます。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": [f"所見は{NOTE_MAX_LENGTH}文字以内で入力してください。"]})
    with transaction.atomic():
        locked = ExportRequest.objects.select_for_update().get(pk=export_request.pk)
        if not same_municipality(acting_user, locked.requested_by):
            raise PermissionDenied("他の自治体の申請です。")
        if locked.requested_by_id == acting_user.pk:
            # Separation of duties: whoever asks to take data out never approves it.
            raise ValidationError({"__all__": ["申請者本人は承認・却下できません。"]})
        if locked.status != ExportRequestStatus.PENDING:
            raise ValidationError(
                {"__all__": [f"この申請は「{locked.get_status_display()}」です。"]}
            )
        locked.status = target
        locked.approved_by = acting_user
        locked.approved_at = timezone.now()
        locked.note = note
        locked.save(update_fields=["status", "approved_by", "approved_at", "note"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            reason=f"持出し申請を{locked.get_status_display()}",
        )
    return locked


# --- Making the file and the one-time download -----------------------------------------------


@dataclass(frozen=True)
class MadeExport:
    """Returned once to the requester: the token of the one-time link and, for an encrypted
    file, its password. Neither is stored (the request keeps the token's hash only)."""

    request: ExportRequest
    record: ExportRecord
    token: str
    password: str


def make_export(*, acting_user, export_request: ExportRequest) -> MadeExport:
    """Write the approved request's file into a private folder and register it (hash and count
    of the file as delivered: the archive when encrypted). A failure leaves neither."""
    if export_request.requested_by_id != acting_user.pk:
        raise PermissionDenied("出力できるのは申請者本人だけです。")
    discard_expired_downloads()
    # One folder per attempt, named by the link's hash: a refused second attempt never
    # touches the file still waiting for the first one's download.
    token = secrets.token_urlsafe(32)
    folder = _download_folder(token_hash(token))
    try:
        with transaction.atomic():
            return _make_locked(acting_user, export_request, folder, token)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _make_locked(acting_user, export_request, folder: Path, token: str) -> MadeExport:
    locked = ExportRequest.objects.select_for_update().get(pk=export_request.pk)
    if locked.status != ExportRequestStatus.APPROVED:
        raise ValidationError(
            {"__all__": [f"この申請は「{locked.get_status_display()}」のため出力できません。"]}
        )
    exporter = exporter_for(locked.exporter)
    if not (may_export(acting_user) and exporter.may_use(acting_user)):
        raise PermissionDenied("この出力を行う権限がありません。")
    plan = exporter.prepare(acting_user=acting_user, params=locked.params)
    encrypted = must_encrypt(locked.encrypt)
    password = new_password() if encrypted else ""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    result = write_registered_export(
        acting_user=acting_user,
        out=folder / (_archive_name(plan.file_name) if encrypted else plan.file_name),
        write=_encrypting(plan, password) if encrypted else plan.write,
        content=plan.content[:200],
        file_format=f"zip({plan.file_format})" if encrypted else plan.file_format,
        reason=locked.reason,
        fields=plan.fields,
        encrypted=encrypted,
        return_due_on=locked.return_due_on,
    )
    if plan.after:
        plan.after(result.record)
    locked.status = ExportRequestStatus.EXPORTED
    locked.record = result.record
    locked.download_token_sha256 = token_hash(token)
    locked.download_expires_at = timezone.now() + dt.timedelta(minutes=DOWNLOAD_MINUTES)
    locked.save(update_fields=["status", "record", "download_token_sha256", "download_expires_at"])
    return MadeExport(request=locked, record=result.record, token=token, password=password)


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _archive_name(file_name: str) -> str:
    return f"{Path(file_name).stem}.zip"


def _encrypting(plan: ExportPlan, password: str) -> Callable[[BinaryIO], int]:
    """The plan's file inside an AES-256 zip (WinZip AES: 7-Zip, Lhaplus and WinZip open it;
    Windows Explorer's own zip support does not, see the ADR)."""

    def write(stream: BinaryIO) -> int:
        inner = io.BytesIO()
        count = plan.write(inner)
        with pyzipper.AESZipFile(
            stream, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode())
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            archive.writestr(plan.file_name, inner.getvalue())
        return count

    return write


def downloads_root() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def _download_folder(name: str) -> Path:
    root = downloads_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root / name


class DownloadGone(ExportError):
    """The one-time link was used, has expired, or never existed."""


@dataclass(frozen=True)
class Download:
    stream: BinaryIO
    file_name: str
    request: ExportRequest


def take_download(*, acting_user, token: str) -> Download:
    """The file behind a one-time link, for its requester, once: it is deleted as it is opened
    (the open handle streams it)."""
    found = ExportRequest.objects.filter(download_token_sha256=token_hash(token or "")).first()
    if found is None:
        raise DownloadGone("ダウンロードのリンクが正しくありません。")
    if found.requested_by_id != acting_user.pk:
        raise PermissionDenied("ダウンロードできるのは申請者本人だけです。")
    now = timezone.now()
    if found.downloaded_at is None and found.download_expires_at <= now:
        discard_expired_downloads(now=now)
    # One claim wins: the row changes from "not downloaded" to "downloaded" once.
    claimed = ExportRequest.objects.filter(
        pk=found.pk,
        status=ExportRequestStatus.EXPORTED,
        downloaded_at__isnull=True,
        download_expires_at__gt=now,
    ).update(downloaded_at=now)
    if not claimed:
        raise DownloadGone("このリンクは使用済みか、期限が切れています。")
    folder = _download_folder(found.download_token_sha256)
    record = found.record
    path = folder / record.file_name
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise DownloadGone("ファイルがありません（期限切れで消去された可能性）。") from None
    shutil.rmtree(folder, ignore_errors=True)
    found.refresh_from_db()
    return Download(stream=stream, file_name=record.file_name, request=found)


def discard_expired_downloads(*, now: dt.datetime | None = None) -> int:
    """Erase files whose link expired unused: the request becomes 期限切れ and its register row
    is confirmed as erased by the system. Also removes folders left by a crash."""
    now = now or timezone.now()
    expired = ExportRequest.objects.filter(
        status=ExportRequestStatus.EXPORTED,
        downloaded_at__isnull=True,
        download_expires_at__lte=now,
    )
    count = 0
    for item in expired:
        with transaction.atomic():
            changed = ExportRequest.objects.filter(
                pk=item.pk, status=ExportRequestStatus.EXPORTED, downloaded_at__isnull=True
            ).update(status=ExportRequestStatus.EXPIRED)
            if not changed:
                continue
            ExportRecord.objects.filter(pk=item.record_id, returned_at__isnull=True).update(
                returned_at=now, return_method=ReturnMethod.ERASED, return_note=SYSTEM_ERASED_NOTE
            )
        shutil.rmtree(_download_folder(item.download_token_sha256), ignore_errors=True)
        count += 1
    _remove_stray_folders(now)
    return count


def _remove_stray_folders(now: dt.datetime) -> None:
    root = downloads_root()
    if not root.is_dir():
        return
    waiting = set(
        ExportRequest.objects.filter(
            status=ExportRequestStatus.EXPORTED, downloaded_at__isnull=True
        ).values_list("download_token_sha256", flat=True)
    )
    # Only old folders: a younger one may belong to an export being written right now.
    cutoff = (now - dt.timedelta(minutes=DOWNLOAD_MINUTES)).timestamp()
    for folder in root.iterdir():
        if folder.name not in waiting and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


# --- 返却確認 and the hand-over register ------------------------------------------------------


def confirm_return(
    *, acting_user, record: ExportRecord, method: str, note: str = ""
) -> ExportRecord:
    """The exported file came back or was erased: confirmed by its exporter or by staff."""
    if not may_confirm_return(acting_user, record):
        raise PermissionDenied("返却確認は出力した本人か自治体職員が行います。")
    if method not in ReturnMethod.values:
        raise ValidationError({"method": ["返却か消去かを選んでください。"]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": [f"備考は{NOTE_MAX_LENGTH}文字以内で入力してください。"]})
    with transaction.atomic():
        locked = ExportRecord.objects.select_for_update().get(pk=record.pk)
        if locked.returned_at is not None:
            raise ValidationError({"__all__": ["返却確認は済んでいます。"]})
        locked.returned_at = timezone.now()
        locked.returned_by = acting_user
        locked.return_method = method
        locked.return_note = note
        locked.save(update_fields=["returned_at", "returned_by", "return_method", "return_note"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            reason=f"返却確認: {locked.get_return_method_display()}",
        )
    return locked


def hand_over_export(
    *, acting_user, record: ExportRecord, receiver: str, note: str = ""
) -> HandOverRecord:
    """受渡し記録 of an exported file handed to the municipality (seed 004 別紙⑦ 第11条)."""
    if not may_hand_over(acting_user, record):
        raise PermissionDenied("受渡しを記録する権限がありません。")
    return record_hand_over(
        acting_user=acting_user,
        direction=HandOverDirection.DELIVERED,
        content=record.content,
        file_name=record.file_name,
        sha256=record.sha256,
        count=record.count,
        export_record=record,
        receiver=receiver,
        note=note,
    )


def confirm_receipt(*, acting_user, hand_over: HandOverRecord) -> HandOverRecord:
    """Staff confirm that a hand-over (an import received or a file delivered) arrived."""
    if not may_confirm_receipt(acting_user):
        raise PermissionDenied("受領確認は自治体職員のみ行えます。")
    with transaction.atomic():
        locked = HandOverRecord.objects.select_for_update().get(pk=hand_over.pk)
        if locked.handler is not None and not same_municipality(acting_user, locked.handler):
            raise PermissionDenied("他の自治体の受渡しです。")
        if locked.handler_id == acting_user.pk:
            raise ValidationError({"__all__": ["受け渡した本人は受領確認できません。"]})
        if locked.receiver_confirmed_at is not None:
            raise ValidationError({"__all__": ["受領確認は済んでいます。"]})
        locked.receiver_confirmed_at = timezone.now()
        locked.receiver_confirmed_by = acting_user
        locked.save(update_fields=["receiver_confirmed_at", "receiver_confirmed_by"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            reason="受渡しの受領確認",
        )
    return locked
