"""The export register (持出記録, DESIGN rule 7): every file with personal data that leaves.

``record_export`` is called by every exporter once its file is complete, inside the exporter's
own flow: the register row and its access-log entry are written in one transaction.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.tabular import ExportError
from civicdesk.privacy.models import ExportRecord

REASON_MAX_LENGTH = ExportRecord._meta.get_field("reason").max_length
_SHA256 = re.compile(r"[0-9a-f]{64}")


def clean_reason(reason: str | None) -> str:
    """The reason as it will be registered; refuses an empty one (data leaves on purpose)."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ExportError("持出しの理由を入力してください")
    if len(cleaned) > REASON_MAX_LENGTH:
        raise ExportError(f"持出しの理由は{REASON_MAX_LENGTH}文字以内で入力してください")
    return cleaned


def record_export(
    *,
    acting_user,
    content: str,
    file_name: str,
    file_format: str,
    reason: str,
    count: int,
    sha256: str,
    fields: Iterable[str] = (),
    system_actor: str = "",
    encrypted: bool = False,
    return_due_on=None,
) -> ExportRecord:
    """Register one exported file and log the export (action ``export``, the file's columns).

    ``fields`` are the columns the file holds (the layout's English aliases): the access log
    says which personal fields left, the register says which file, how many rows and why.
    ``system_actor`` names a command run from the server shell without a user (see
    ``system_actor_name``); otherwise the register must name a signed-in person.
    ``encrypted``: the file is a password-protected archive (hash and count are of it as
    delivered); ``return_due_on``: when its return or erasure is due (返却確認).
    """
    signed_in = getattr(acting_user, "is_authenticated", False)
    if not signed_in and not system_actor:
        # The register must name someone; an anonymous export cannot be accounted for.
        raise ExportError("持出しを行う利用者を指定してください")
    reason = clean_reason(reason)
    if count < 0:
        raise ValueError(f"count must not be negative: {count}")
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"sha256 must be 64 lower-case hex digits: {sha256!r}")
    with transaction.atomic():
        record = ExportRecord.objects.create(
            content=content,
            file_name=file_name,
            file_format=file_format,
            reason=reason,
            count=count,
            sha256=sha256,
            at=timezone.now(),
            exported_by=acting_user if signed_in else None,
            exported_by_system="" if signed_in else system_actor,
            encrypted=encrypted,
            return_due_on=return_due_on,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.EXPORT,
            obj=record,
            fields=fields,
            reason=reason,
            username="" if signed_in else system_actor,
        )
    return record


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def publish_file(temporary: Path, out: Path) -> None:
    """Give a finished export file its name, never replacing an existing file."""
    # A hard link fails if ``out`` appeared meanwhile (another export), where a rename would
    # silently replace it. Some file systems (SMB shares) have no hard links: rename there.
    try:
        os.link(temporary, out)
    except FileExistsError:
        raise ExportError(f"出力先のファイルが既にあります（上書きはしません）: {out}") from None
    except OSError:
        os.replace(temporary, out)
    else:
        temporary.unlink()


@dataclass(frozen=True)
class ExportResult:
    count: int
    sha256: str
    path: Path
    record: ExportRecord


def checked_out_path(out) -> Path:
    """The absolute path an export may write to: its folder exists and it does not (an
    existing file is never overwritten: its hash may already be in the register)."""
    out = Path(out).absolute()
    if not out.parent.is_dir():
        raise ExportError(f"出力先のフォルダがありません: {out.parent}")
    if out.exists():
        raise ExportError(f"出力先のファイルが既にあります（上書きはしません）: {out}")
    return out


def write_registered_export(
    *,
    acting_user,
    out: Path,
    write: Callable,
    content: str,
    file_format: str,
    reason: str,
    fields: Iterable[str] | Callable[[], Iterable[str]],
    system_actor: str = "",
    encrypted: bool = False,
    return_due_on=None,
) -> ExportResult:
    """Write an export file and register it, or leave neither.

    ``write(stream) -> count`` writes the file under a temporary name next to ``out``; the file
    is hashed and registered (record_export), and only then given its name, inside the
    register's transaction. ``fields`` may be a callable, for writers that learn while writing
    which columns they filled.
    """
    out = checked_out_path(out)
    descriptor, temporary_name = tempfile.mkstemp(
        dir=out.parent, prefix=f".{out.name}.", suffix=".part"
    )
    temporary = Path(temporary_name)
    published = False
    try:
        with os.fdopen(descriptor, "wb") as stream:
            count = write(stream)
        sha256 = file_sha256(temporary)
        with transaction.atomic():
            record = record_export(
                acting_user=acting_user,
                content=content,
                file_name=out.name,
                file_format=file_format,
                reason=reason,
                count=count,
                sha256=sha256,
                fields=fields() if callable(fields) else fields,
                system_actor=system_actor,
                encrypted=encrypted,
                return_due_on=return_due_on,
            )
            # Named inside the transaction: if the file cannot take its name, nothing is
            # registered; if the register cannot be written, the file is removed below.
            publish_file(temporary, out)
            published = True
    except BaseException:
        temporary.unlink(missing_ok=True)
        if published:
            out.unlink(missing_ok=True)
        raise
    return ExportResult(count=count, sha256=sha256, path=out, record=record)
