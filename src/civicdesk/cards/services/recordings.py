"""Call recordings of the card call center (別紙④ 第6条): registered with their file's SHA-256,
kept until the end of the month after the call or longer with the 区民課長's agreement, held
against erasure when the law needs them, played (never copied) with every playback logged, and
erased by the end of the month after retention with a certificate (別紙⑦ 第12条5).

Files live under ``selectors.recordings_dir()`` / YYYY-MM / <uuid>.<ext>, read-only (0o400).
Erasure overwrites each file with zeros, flushes the disks, then deletes it; the row keeps its
metadata (call type, dates, SHA-256) and points at the erasure run that took it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from civicdesk.audit.actors import system_actor_name
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import CallType
from civicdesk.cards.models import CallRecording, CardCall, RecordingErasure
from civicdesk.cards.selectors import recordings as selectors
from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.core.pdf import render_pdf
from civicdesk.privacy.services.export_register import record_export

ERASURE_METHOD = (
    "保存用サーバ上の録音ファイルを0で上書きしてディスクへ書き出した後に削除（別紙④ 第6条6・8）"
)
CERTIFICATE_TEMPLATE = "print/cards_erasure.html"
AUDIO_FIELDS = ["audio"]
REASON_MAX = 300
NOT_YET = "保管期限前のため消去できません"
HELD = "消去停止中です"
ERASED = "この通話録音は消去済みです"
_CHUNK = 2000
# Deleting a file whose blocks were just flushed waits for the disk to free them (a discard on
# SSD-backed volumes, ~1-3 ms): the deletions run side by side, as the kernel allows.
_DELETE_WORKERS = 16


def _refuse(user, check, message: str) -> None:
    """Commands run without a user (None); a person must hold the permission."""
    if user is not None and not check(user):
        raise PermissionDenied(message)


def _actor(acting_user, command: str) -> str:
    return "" if getattr(acting_user, "is_authenticated", False) else system_actor_name(command)


# --- Registration ---------------------------------------------------------------------------------


def register_recording(
    *,
    acting_user,
    municipality,
    call_type: str,
    recorded_at: dt.datetime,
    source_path: Path | str | None = None,
    file: BinaryIO | None = None,
    file_name: str = "",
    call: CardCall | None = None,
    duration_seconds: int = 0,
) -> CallRecording:
    """Copy a recorder's export in (read-only, 0o400), hash it and register it, or leave
    nothing. ``file`` with ``file_name`` (for the extension) instead of ``source_path``."""
    _refuse(
        acting_user,
        lambda user: user.has_perm(selectors.ADD_RECORDING),
        "通話録音を登録する権限がありません。",
    )
    source_name = str(source_path) if source_path is not None else file_name
    extension = Path(source_name).suffix.lower()
    errors = _registration_problems(municipality, call_type, recorded_at, extension, call)
    if source_path is None and file is None:
        errors.setdefault("file", []).append("ファイル: 録音ファイルを指定してください。")
    if source_path is not None and not Path(source_path).is_file():
        errors.setdefault("file", []).append(f"ファイル: 見つかりません（{source_path}）。")
    if errors:
        raise ValidationError(errors)
    month = recorded_at.astimezone(TOKYO).strftime("%Y-%m")
    relative = f"{month}/{uuid.uuid4().hex}{extension}"
    target = selectors.recordings_dir() / relative
    if source_path is not None:
        with Path(source_path).open("rb") as stream:
            sha256, size = _copy_in(stream, target)
    else:
        sha256, size = _copy_in(file, target)
    try:
        with transaction.atomic():
            recording = CallRecording.objects.create(
                municipality=municipality,
                call=call,
                call_type=call_type,
                recorded_at=recorded_at,
                file_name=relative,
                sha256=sha256,
                size_bytes=size,
                content_type=selectors.CONTENT_TYPES[extension],
                duration_seconds=duration_seconds,
                keep_until=selectors.keep_until_for(recorded_at),
                registered_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
            record_access(
                acting_user=acting_user,
                action=AccessAction.CREATE,
                obj=recording,
                fields=["audio", "call_type", "recorded_at", "sha256"],
                reason="通話録音の登録（別紙④ 第6条1）",
                username=_actor(acting_user, "cards recordings register"),
            )
    except BaseException:
        _remove(target)
        raise
    return recording


def _registration_problems(municipality, call_type, recorded_at, extension, call) -> dict:
    errors: dict[str, list[str]] = {}
    if call_type not in CallType.values:
        errors["call_type"] = ["通話の種別: ア〜オのいずれかを指定してください。"]
    if recorded_at is None or timezone.is_naive(recorded_at):
        errors["recorded_at"] = ["録音日時: 時差（+09:00 など）付きの日時を指定してください。"]
    elif recorded_at > timezone.now():
        errors["recorded_at"] = ["録音日時: 未来の日時は登録できません。"]
    if extension not in selectors.CONTENT_TYPES:
        allowed = "・".join(sorted(selectors.CONTENT_TYPES))
        errors["file"] = [f"ファイル: 録音ファイルの形式は {allowed} のいずれかです。"]
    if call is not None and call.municipality_id != municipality.pk:
        errors["call"] = ["受電記録: 別の自治体の受電記録です。"]
    return errors


def _copy_in(stream: BinaryIO, target: Path) -> tuple[str, int]:
    """Write the stream next to ``target`` under a temporary name, hash it while copying,
    make it read-only and give it its name."""
    # The folders are the CivicDesk user's alone (別紙④ 第6条5: kept where no one else reaches).
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    digest, size = _hashing_copy(stream, descriptor)
    try:
        os.chmod(temporary, 0o400)
        os.link(temporary, target)
    finally:
        os.unlink(temporary)
    return digest, size


def _hashing_copy(stream: BinaryIO, descriptor: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(descriptor, "wb") as out:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _remove(path: Path) -> None:
    try:
        path.chmod(0o600)
        path.unlink()
    except FileNotFoundError:
        pass


# --- Retention and holds --------------------------------------------------------------------------


def _clean_reason(reason: str | None, label: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [f"{label}: 入力してください。"]})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": [f"{label}: {REASON_MAX}文字以内で入力してください。"]})
    return text


def _locked_kept(recording: CallRecording) -> CallRecording:
    locked = CallRecording.objects.select_for_update().get(pk=recording.pk)
    if locked.erased_at is not None:
        raise ValidationError(ERASED)
    return locked


def extend_retention(
    *, acting_user, recording: CallRecording, keep_until: dt.date, reason: str
) -> CallRecording:
    """A longer retention agreed with the 区民課長 (第6条2): only later dates, with the
    agreement recorded as the reason."""
    _refuse(acting_user, selectors.may_change_retention, "保管期間を延長する権限がありません。")
    reason = _clean_reason(reason, "延長の理由（区民課長との協議）")
    with transaction.atomic():
        locked = _locked_kept(recording)
        if keep_until is None or keep_until <= locked.keep_until:
            raise ValidationError(
                {
                    "keep_until": [
                        f"保管期限: 現在の期限（{locked.keep_until:%Y-%m-%d}）より後の日付を"
                        "指定してください。"
                    ]
                }
            )
        before = locked.keep_until
        locked.keep_until = keep_until
        locked.extended_reason = reason
        locked.extended_by = acting_user if getattr(acting_user, "pk", None) else None
        locked.save(update_fields=["keep_until", "extended_reason", "extended_by"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["keep_until"],
            reason=f"保管期間の延長 {before:%Y-%m-%d} → {keep_until:%Y-%m-%d}: {reason}",
            username=_actor(acting_user, "cards recordings"),
        )
    return locked


def set_legal_hold(*, acting_user, recording: CallRecording, reason: str) -> CallRecording:
    """Stop erasure (a request under the law, a complaint being handled) until released."""
    _refuse(acting_user, selectors.may_change_retention, "消去停止を設定する権限がありません。")
    reason = _clean_reason(reason, "消去停止の理由")
    with transaction.atomic():
        locked = _locked_kept(recording)
        if locked.legal_hold:
            raise ValidationError("この通話録音は既に消去停止中です。")
        locked.legal_hold = True
        locked.hold_reason = reason
        locked.save(update_fields=["legal_hold", "hold_reason"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["legal_hold"],
            reason=f"消去停止: {reason}",
            username=_actor(acting_user, "cards recordings"),
        )
    return locked


def release_legal_hold(*, acting_user, recording: CallRecording, reason: str) -> CallRecording:
    """Lift the hold: the recording is erased at the next run if its retention has ended."""
    _refuse(acting_user, selectors.may_change_retention, "消去停止を解除する権限がありません。")
    reason = _clean_reason(reason, "解除の理由")
    with transaction.atomic():
        locked = _locked_kept(recording)
        if not locked.legal_hold:
            raise ValidationError("この通話録音は消去停止中ではありません。")
        held_for = locked.hold_reason
        locked.legal_hold = False
        locked.hold_reason = ""
        locked.save(update_fields=["legal_hold", "hold_reason"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["legal_hold"],
            reason=f"消去停止の解除: {reason}（停止の理由: {held_for}）",
            username=_actor(acting_user, "cards recordings"),
        )
    return locked


# --- Playback -------------------------------------------------------------------------------------


def open_for_playback(*, acting_user, recording: CallRecording) -> Path:
    """The kept file's path for one playback request, logged (閲覧, the person and the
    recording) before a byte is sent. No copy is made (第6条4)."""
    if not selectors.may_play(acting_user):
        raise PermissionDenied("通話録音を再生する権限がありません。")
    if recording.erased_at is not None:
        raise ValidationError(ERASED)
    path = selectors.recording_path(recording)
    if not path.is_file():
        raise ValidationError("録音ファイルが見つかりません。管理者に連絡してください。")
    with transaction.atomic():
        record_access(
            acting_user=acting_user,
            action=AccessAction.VIEW,
            obj=recording,
            fields=AUDIO_FIELDS,
            reason="通話録音の再生（別紙④ 第6条）",
        )
    return path


# --- Erasure --------------------------------------------------------------------------------------


def erase_due_recordings(
    *, acting_user, municipality, as_of: dt.date, system_name: str = ""
) -> RecordingErasure | None:
    """Erase every kept recording whose retention ended before ``as_of`` and which no hold
    stops (第6条6); one certificate for the run. None when nothing was due."""
    _refuse(acting_user, selectors.may_erase, "通話録音を消去する権限がありません。")
    with transaction.atomic():
        due = selectors.due_for_erasure(municipality, as_of)
        return _erase(
            acting_user, municipality, as_of, due, "保管期間の満了", system_name, required=False
        )


def erase_recording(*, acting_user, recording: CallRecording) -> RecordingErasure:
    """Erase one recording now: only after its retention and never under a hold."""
    _refuse(acting_user, selectors.may_erase, "通話録音を消去する権限がありません。")
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked_kept(recording)
        if locked.legal_hold:
            raise ValidationError(HELD)
        if locked.keep_until >= today:
            raise ValidationError(f"{NOT_YET}（保管期限 {locked.keep_until:%Y-%m-%d}）。")
        chosen = CallRecording.objects.filter(pk=locked.pk)
        return _erase(
            acting_user, locked.municipality, today, chosen, "保管期間の満了（個別）", "", True
        )


def erase_all_recordings(
    *, acting_user, municipality, system_name: str = ""
) -> RecordingErasure | None:
    """At the end of the contract (第6条8): every kept recording whatever its retention, except
    those under a legal hold, which stay until the hold is released (a hold is a duty under the
    law that the contract cannot end; the caller reports them: ``held_recordings``)."""
    _refuse(acting_user, selectors.may_erase, "通話録音を消去する権限がありません。")
    with transaction.atomic():
        chosen = selectors.kept(municipality).filter(legal_hold=False)
        return _erase(
            acting_user,
            municipality,
            timezone.localdate(),
            chosen,
            "委託業務の終了（別紙④ 第6条8）",
            system_name,
            required=False,
        )


def held_recordings(municipality) -> int:
    """How many kept recordings a hold keeps from erasure (for the contract-end purge)."""
    return selectors.kept(municipality).filter(legal_hold=True).count()


def _erase(acting_user, municipality, as_of, chosen, why, system_name, required):
    """Inside the caller's transaction: lock the chosen rows, mark them erased under one
    RecordingErasure, overwrite their files with zeros, flush, delete, certify. A failure
    before the files are deleted rolls the rows back."""
    rows = list(
        chosen.select_for_update()
        .filter(erased_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "file_name", "sha256", "size_bytes")
    )
    if not rows and not required:
        return None
    actor = system_name or _actor(acting_user, "cards recordings purge")
    now = timezone.now()
    paths = [selectors.recordings_dir() / file_name for _, file_name, _, _ in rows]
    erasure = RecordingErasure.objects.create(
        municipality=municipality,
        as_of=as_of,
        erased_count=len(rows),
        erased_bytes=sum(size for *_, size in rows),
        method=ERASURE_METHOD,
        digest=selectors.erasure_digest(sha256 for _, _, sha256, _ in rows),
        executed_at=now,
        executed_by=acting_user if getattr(acting_user, "pk", None) else None,
        executed_by_system="" if getattr(acting_user, "pk", None) else actor,
    )
    ids = [pk for pk, *_ in rows]
    for start in range(0, len(ids), _CHUNK):
        CallRecording.objects.filter(pk__in=ids[start : start + _CHUNK]).update(
            erased_at=now, erasure=erasure, call=None
        )
    record_access(
        acting_user=acting_user,
        action=AccessAction.DELETE,
        obj=erasure,
        fields=AUDIO_FIELDS,
        reason=f"通話録音 {len(rows)}件の消去（{why}、基準日 {as_of:%Y-%m-%d}）",
        username=actor,
    )
    certificate = _certify(acting_user, erasure, why, actor)
    try:
        _overwrite_all(paths)
    except OSError as error:
        certificate.unlink(missing_ok=True)
        raise ValidationError(f"録音ファイルを消去できませんでした: {error}") from error
    _delete_all(paths)
    return erasure


def _overwrite_all(paths: Iterable[Path]) -> None:
    """Zeros over every byte of every file, then one flush of the disks for all of them (one
    sync per file would take minutes for a month of calls)."""
    zeros = bytes(1 << 16)
    for path in paths:
        try:
            path.chmod(0o600)
        except FileNotFoundError:
            continue  # the check reports missing files; nothing is left to erase
        with path.open("r+b", buffering=0) as stream:
            left = stream.seek(0, os.SEEK_END)
            stream.seek(0)
            while left > 0:
                left -= stream.write(zeros[: min(left, len(zeros))])
    os.sync()


def _delete_all(paths: Iterable[Path]) -> None:
    with ThreadPoolExecutor(_DELETE_WORKERS) as pool:
        for _ in pool.map(_delete, paths):
            pass


def _delete(path: Path) -> None:
    path.unlink(missing_ok=True)


def _certify(acting_user, erasure: RecordingErasure, why: str, actor: str) -> Path:
    """The 消去証明書 (別紙⑦ 第12条5) written beside the recordings and entered in the export
    register (its SHA-256, the count, the reason)."""
    pdf = render_pdf(CERTIFICATE_TEMPLATE, certificate_context(erasure, why))
    path = selectors.certificate_path(erasure)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    try:
        record_export(
            acting_user=acting_user,
            content=f"通話録音の消去証明書 第{erasure.pk}号（{erasure.erased_count}件）",
            file_name=path.name,
            file_format="pdf",
            reason=f"通話録音の消去の証明（{why}）",
            count=erasure.erased_count,
            sha256=hashlib.sha256(pdf).hexdigest(),
            fields=["call_type", "recorded_at", "sha256"],
            system_actor=actor,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def certificate_context(erasure: RecordingErasure, why: str = "") -> dict:
    executed_at = timezone.localtime(erasure.executed_at, TOKYO)
    recordings = erasure.recordings.all()
    first = recordings.order_by("recorded_at").values_list("recorded_at", flat=True).first()
    last = recordings.order_by("-recorded_at").values_list("recorded_at", flat=True).first()
    by_type = {
        row["call_type"]: row["n"]
        for row in recordings.order_by().values("call_type").annotate(n=Count("pk"))
    }
    return {
        "erasure": erasure,
        "municipality": erasure.municipality,
        "executed_at": executed_at,
        "executed_on_era": era_date(executed_at.date()),
        "handler": _name(erasure.executed_by) or erasure.executed_by_system,
        "why": why,
        "first": timezone.localtime(first, TOKYO) if first else None,
        "last": timezone.localtime(last, TOKYO) if last else None,
        "rows": [(label, by_type.get(value, 0)) for value, label in CallType.choices],
    }


def certificate_pdf(*, acting_user, erasure: RecordingErasure) -> bytes:
    """The certificate as issued (the file entered in the export register), logged as a
    print."""
    if not (selectors.may_view_erasures(acting_user) or selectors.may_view_recordings(acting_user)):
        raise PermissionDenied("消去証明書を見る権限がありません。")
    path = selectors.certificate_path(erasure)
    if not path.is_file():
        raise ValidationError("消去証明書のファイルが見つかりません。管理者に連絡してください。")
    with transaction.atomic():
        record_access(
            acting_user=acting_user,
            action=AccessAction.PRINT,
            obj=erasure,
            reason=f"通話録音の消去証明書 第{erasure.pk}号の出力",
        )
    return path.read_bytes()


def _name(user) -> str:
    if user is None:
        return ""
    return getattr(user, "display_name", "") or user.username


__all__ = [
    "ERASURE_METHOD",
    "certificate_pdf",
    "erase_all_recordings",
    "erase_due_recordings",
    "erase_recording",
    "extend_retention",
    "held_recordings",
    "open_for_playback",
    "register_recording",
    "release_legal_hold",
    "set_legal_hold",
]
