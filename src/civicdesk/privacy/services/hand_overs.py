"""The hand-over register (受渡し記録, seed 000 §18(3)②; seed 004 別紙⑦ 第11条): personal data
handed between the municipality and the contractor.

``record_hand_over`` is the one writer of the register: an import records the file it received
(receivables), an export request the file it delivered (``export_requests.hand_over_export``).
Who may hand data over is the caller's rule (the import page, the export request); this checks
what is written, writes the row and its access-log entry in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.privacy.models.registers import ExportRecord, HandOverDirection, HandOverRecord

CONTENT_MAX_LENGTH = HandOverRecord._meta.get_field("content").max_length
FILE_NAME_MAX_LENGTH = HandOverRecord._meta.get_field("file_name").max_length
RECEIVER_MAX_LENGTH = HandOverRecord._meta.get_field("receiver").max_length
NOTE_MAX_LENGTH = HandOverRecord._meta.get_field("note").max_length
_SHA256 = re.compile(r"[0-9a-f]{64}")


def record_hand_over(
    *,
    acting_user,
    direction: str,
    content: str,
    count: int,
    file_name: str = "",
    sha256: str = "",
    at: dt.datetime | None = None,
    export_record: ExportRecord | None = None,
    receiver: str = "",
    note: str = "",
) -> HandOverRecord:
    """Register one hand-over and log it (action ``create`` on the register row).

    ``direction``: received from or delivered to the municipality; a delivery names its
    receiver (所属・氏名) and may name the export it came from. ``count`` is the number of
    records handed over, ``sha256`` the file's hash (64 lower-case hex digits) when there is a
    file. ``acting_user`` is the handler; a command run without a user records none.
    Raises ValidationError (Japanese, by field) before anything is written.
    """
    content = (content or "").strip()
    file_name = (file_name or "").strip()
    receiver = (receiver or "").strip()
    note = (note or "").strip()
    sha256 = sha256 or ""
    errors = _problems(direction, content, count, file_name, sha256, export_record, receiver, note)
    if errors:
        raise ValidationError(errors)
    signed_in = getattr(acting_user, "is_authenticated", False)
    with transaction.atomic():
        made = HandOverRecord.objects.create(
            direction=direction,
            content=content,
            file_name=file_name,
            sha256=sha256,
            count=count,
            at=at or timezone.now(),
            handler=acting_user if signed_in else None,
            export_record=export_record,
            receiver=receiver,
            note=note,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=made,
            reason=f"受渡し記録 {made.get_direction_display()}: {content}",
        )
    return made


def _problems(
    direction, content, count, file_name, sha256, export_record, receiver, note
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if direction not in HandOverDirection.values:
        errors["direction"] = ["受領か引渡しかを選んでください。"]
    if not content:
        errors["content"] = ["個人情報の内容を入力してください。"]
    elif len(content) > CONTENT_MAX_LENGTH:
        errors["content"] = [f"個人情報の内容は{CONTENT_MAX_LENGTH}文字以内で入力してください。"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        errors["count"] = ["件数は0以上の整数で入力してください。"]
    if len(file_name) > FILE_NAME_MAX_LENGTH:
        errors["file_name"] = [f"ファイル名は{FILE_NAME_MAX_LENGTH}文字以内にしてください。"]
    if sha256 and not _SHA256.fullmatch(sha256):
        errors["sha256"] = ["SHA-256は16進数（小文字）64桁で指定してください。"]
    delivered = direction == HandOverDirection.DELIVERED
    if delivered and not receiver:
        errors["receiver"] = ["受領者（所属・氏名）を入力してください。"]
    elif len(receiver) > RECEIVER_MAX_LENGTH:
        errors["receiver"] = [f"受領者は{RECEIVER_MAX_LENGTH}文字以内で入力してください。"]
    if export_record is not None and not delivered:
        errors["__all__"] = ["持出記録を付けられるのは引渡し（自治体へ）だけです。"]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [f"備考は{NOTE_MAX_LENGTH}文字以内で入力してください。"]
    return errors
