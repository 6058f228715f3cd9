"""Card targets (交付対象者): the ward's file taken in whole, and a move out (転出).

The file (docs/data-formats.md, 交付対象者ファイル) is CSV in CP932 or UTF-8, read with the
receivables importer's reader (encoding detection, physical line numbers) and cell parsers
(和暦 dates, kana, no spreadsheet formulas). It is checked whole before anything is written:
every problem is reported as ``FILE:LINE:COLUMN: reason``, and one bad line means nothing is
written. Columns the layout does not know are dropped unread and named (minimum data,
別紙⑥ 1(1)①). Each target's venue comes from its address through the 町丁目 table.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.addresses import AddressError, AreaTable, table_in
from civicdesk.cards.choices import (
    CLOSED_TARGET_STATUSES,
    POOL_OF_CHANNEL,
    CardReason,
    CardState,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import CardTarget, Reservation, Slot, TargetEvent, TargetImport
from civicdesk.receivables.importers import bulk, values
from civicdesk.receivables.importers.errors import ErrorLog, ImportRowError
from civicdesk.receivables.importers.layouts import header_key
from civicdesk.receivables.importers.reader import Source, UnreadableFile, detect_encoding

BATCH = 1000
TARGET_FIELDS = ["予約管理番号", "氏名", "氏名カナ", "生年月日", "住所", "区分"]
_REASONS = {"新規": CardReason.NEW, "new": CardReason.NEW, "再交付": CardReason.REISSUE}
_REASONS |= {"reissue": CardReason.REISSUE, "1": CardReason.NEW, "2": CardReason.REISSUE}


def _reason(raw: str) -> str:
    found = _REASONS.get(header_key(raw))
    if found is None:
        raise ValueError(f"区分は 新規・再交付（new・reissue）のいずれかです: {raw}")
    return str(found)


def _birth_date(raw: str) -> dt.date:
    born = dt.date.fromisoformat(values.date_iso(raw))
    if born > timezone.localdate():
        raise ValueError(f"生年月日が未来の日付です: {raw}")
    return born


@dataclass(frozen=True)
class Column:
    field: str  # the CardTarget field, also the English alias in the file
    header: str
    required: bool
    parse: Callable[[str], object]
    alias: str = ""

    def header_keys(self) -> set[str]:
        return {header_key(self.header), header_key(self.alias or self.field)}


COLUMNS: tuple[Column, ...] = (
    Column("reservation_no", "予約管理番号", True, partial(values.identifier, max_length=20)),
    Column("name", "氏名", True, partial(values.text, max_length=100)),
    Column("kana", "氏名カナ", False, partial(values.kana, max_length=100), alias="name_kana"),
    Column("birth_date", "生年月日", True, _birth_date),
    Column("address", "住所", True, partial(values.text, max_length=200)),
    Column("reason", "区分", True, _reason),
)


class TargetImportError(ValidationError):
    """The file was refused and nothing was written: ``errors`` (the first 1,000, each
    ``FILE:LINE:COLUMN: reason``), ``count`` of all errors, and the ``dropped`` columns."""

    def __init__(self, errors: ErrorLog, dropped: list[str]):
        self.errors: list[ImportRowError] = list(errors.items)
        self.count = errors.count
        self.dropped = dropped
        first = str(self.errors[0]) if self.errors else ""
        super().__init__(f"交付対象者ファイルを取り込めません（エラー {errors.count} 件）: {first}")


@dataclass
class _Checked:
    rows: list[dict] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def import_targets(
    *,
    acting_user,
    municipality,
    notices_received: int,
    path: Path | str | None = None,
    file=None,
    name: str = "",
) -> TargetImport:
    """Take the ward's card-target file whole (``path``, or an uploaded ``file`` with its
    ``name``): every target with its area and venue, status 交付通知書受領, an event each, and
    one access-log entry; ``notices_received`` is the count of paper notices handed over.
    TargetImportError (nothing written) when any line is wrong."""
    if acting_user is not None and not acting_user.has_perm("cards.add_targetimport"):
        raise PermissionDenied("交付対象者を取り込む権限がありません。")
    if isinstance(notices_received, bool) or not isinstance(notices_received, int):
        raise ValidationError(
            {"notices_received": "交付通知書の受領件数を整数で入力してください。"}
        )
    if notices_received < 0:
        raise ValidationError({"notices_received": "交付通知書の受領件数は0以上です。"})
    if path is not None:
        return _import_path(acting_user, municipality, notices_received, Path(path), name)
    if file is None:
        raise ValueError("import_targets needs a path or a file")
    # The reader streams from a path: an upload is spooled to a private temporary file that
    # goes as soon as the import ends, whatever happens.
    with tempfile.NamedTemporaryFile(suffix=".csv") as spool:
        if getattr(file, "seekable", lambda: False)():
            file.seek(0)
        shutil.copyfileobj(file, spool)
        spool.flush()
        label = name or getattr(file, "name", "") or "upload.csv"
        return _import_path(acting_user, municipality, notices_received, Path(spool.name), label)


def _import_path(acting_user, municipality, notices_received, path: Path, name: str):
    label = Path(name or path.name).name
    errors = ErrorLog(label)
    table = table_in(municipality)
    if not table.rows:
        errors.add(1, None, "町丁目が登録されていません（civicdesk cards setup-venues）")
        raise TargetImportError(errors, [])
    try:
        source = Source(path, encoding=detect_encoding(path))
    except OSError as problem:
        errors.add(1, None, f"ファイルを読めません: {problem.strerror or problem}")
        raise TargetImportError(errors, []) from None
    checked = _check(source, table, municipality, errors)
    if errors:
        raise TargetImportError(errors, checked.dropped)
    try:
        return _write(acting_user, municipality, notices_received, label, source, checked)
    except IntegrityError:
        # Another import took one of these numbers between the check and the write.
        errors.add(
            1,
            "予約管理番号",
            "同じ予約管理番号が同時に取り込まれました。もう一度取り込んでください",
        )
        raise TargetImportError(errors, checked.dropped) from None


def _check(source: Source, table: AreaTable, municipality, errors: ErrorLog) -> _Checked:
    checked = _Checked()
    rows = source.rows()
    try:
        header = next(rows, None)
        if header is None:
            errors.add(1, None, "ファイルが空です（見出し行と1行以上のデータが必要です）")
            return checked
        positions = _header(header[1], header[0], errors, checked)
        if errors:
            return checked
        first_line: dict[str, int] = {}
        for line, cells in rows:
            row = _row(line, cells, positions, len(header[1]), table, errors)
            if row is None:
                continue
            number = row["reservation_no"]
            if number in first_line:
                errors.add(
                    line,
                    "予約管理番号",
                    f"予約管理番号 {number} が重複しています（{first_line[number]}行目と同じ）",
                )
                continue
            first_line[number] = line
            row["line"] = line
            checked.rows.append(row)
    except UnreadableFile as problem:
        errors.add(problem.line, None, problem.reason)
        return checked
    for line, reason in sorted(source.bad_lines.items()):
        errors.add(line, None, reason)
    if not checked.rows and not errors:
        errors.add(1, None, "データ行がありません")
    _known_numbers(municipality, first_line, errors)
    return checked


def _header(cells: list[str], line: int, errors: ErrorLog, checked: _Checked) -> dict:
    """{Column: position}; unknown columns are dropped (named in ``checked.dropped``)."""
    positions: dict[Column, int] = {}
    for position, text in enumerate(cells):
        key = header_key(text)
        column = next((column for column in COLUMNS if key in column.header_keys()), None)
        if column is None:
            if key:
                checked.dropped.append(text.strip())
            continue
        if column in positions:
            errors.add(line, text.strip(), f"列「{column.header}」が2回あります")
            continue
        positions[column] = position
    missing = [column.header for column in COLUMNS if column.required and column not in positions]
    if missing:
        errors.add(line, None, f"必須の列がありません: {'、'.join(missing)}")
    return positions


def _row(line, cells, positions, width, table: AreaTable, errors: ErrorLog) -> dict | None:
    if len(cells) != width:
        errors.add(
            line, None, f"列の数が見出しと違います（見出し {width} 列、この行 {len(cells)} 列）"
        )
        return None
    row: dict = {"kana": ""}
    ok = True
    for column, position in positions.items():
        raw = cells[position]
        if not raw.strip():
            if column.required:
                errors.add(line, column.header, "必須の項目が空です")
                ok = False
            continue
        try:
            row[column.field] = column.parse(raw)
        except ValueError as problem:
            errors.add(line, column.header, str(problem))
            ok = False
    if not ok:
        return None
    try:
        row["area"] = table.resolve(row["address"])
    except AddressError as problem:
        errors.add(
            line,
            "住所",
            f"住所が町丁目の一覧にありません: {row['address']}（{problem.reason.rstrip('。')}）",
        )
        return None
    return row


def _known_numbers(municipality, first_line: dict[str, int], errors: ErrorLog) -> None:
    numbers = list(first_line)
    for start in range(0, len(numbers), BATCH):
        taken = CardTarget.objects.filter(
            municipality=municipality, reservation_no__in=numbers[start : start + BATCH]
        ).values_list("reservation_no", flat=True)
        for number in sorted(taken, key=first_line.__getitem__):
            errors.add(first_line[number], "予約管理番号", f"予約管理番号 {number} は登録済みです")


def _write(acting_user, municipality, notices_received, label, source, checked) -> TargetImport:
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    now = timezone.now()
    with transaction.atomic():
        run = TargetImport.objects.create(
            municipality=municipality,
            file_name=label,
            sha256=source.sha256,
            row_count=len(checked.rows),
            notices_received=notices_received,
            imported_at=now,
            imported_by=actor,
        )
        count = _insert_targets(municipality, run, actor, now, label, checked.rows)
        dropped = f"、取り込まなかった列: {'、'.join(checked.dropped)}" if checked.dropped else ""
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=run,
            fields=TARGET_FIELDS,
            reason=(
                f"交付対象者の取込 {label}（{count}件、交付通知書 {notices_received}枚{dropped}）"
            ),
        )
    run.dropped_columns = checked.dropped
    return run


_TARGET_COLUMNS = (
    "municipality_id",
    "reservation_no",
    "name",
    "kana",
    "birth_date",
    "address",
    "area_id",
    "venue_id",
    "reason",
    "status",
    "card_state",
    "failure_reason",
    "imported_in_id",
    "created_at",
    "updated_at",
)
_EVENT_COLUMNS = ("target_id", "kind", "at", "by_id", "channel", "venue_id", "note")


def _insert_targets(municipality, run, actor, now, label, rows: list[dict]) -> int:
    """The targets and their 取込 events through the databases' bulk paths (COPY on
    PostgreSQL): model instances for thousands of rows cost most of an import."""
    at = connection.ops.adapt_datetimefield_value(now)
    bulk.insert(
        CardTarget,
        _TARGET_COLUMNS,
        [
            (
                municipality.pk,
                row["reservation_no"],
                row["name"],
                row["kana"],
                row["birth_date"].isoformat(),
                row["address"],
                row["area"].pk,
                row["area"].venue_id,
                row["reason"],
                TargetStatus.NOTICE_RECEIVED.value,
                CardState.NOT_RECEIVED.value,
                "",
                run.pk,
                at,
                at,
            )
            for row in rows
        ],
    )
    keys = bulk.ids_by_key(
        CardTarget, "reservation_no", [row["reservation_no"] for row in rows], imported_in=run.pk
    )
    bulk.insert(
        TargetEvent,
        _EVENT_COLUMNS,
        [
            (
                keys[row["reservation_no"]],
                TargetEventKind.IMPORTED.value,
                at,
                actor.pk if actor else None,
                "",
                row["area"].venue_id,
                f"{label} {row['line']}行目",
            )
            for row in rows
        ],
    )
    return len(rows)


# --- Move out (転出) -----------------------------------------------------------------------------


def record_move_out(*, acting_user, target: CardTarget, note: str = "") -> CardTarget:
    """The target moved out of the ward (転出): status 転出, an active reservation cancelled
    and its seat given back, event 転出, an access-log entry. Refused for a target whose card
    is issued or who is already moved out or failed."""
    if acting_user is not None and not acting_user.has_perm("cards.change_cardtarget"):
        raise PermissionDenied("交付対象者を変更する権限がありません。")
    note = (note or "").strip()
    if len(note) > 250:
        raise ValidationError(
            {"note": f"備考は250文字以内にしてください（{len(note)}文字あります）。"}
        )
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    with transaction.atomic():
        held = CardTarget.objects.select_for_update().get(pk=target.pk)
        if held.status in CLOSED_TARGET_STATUSES:
            label = TargetStatus(held.status).label
            raise ValidationError({"status": f"状況が「{label}」のため転出を記録できません。"})
        now = timezone.now()
        cancelled = _cancel_active_reservation(held, actor, now)
        held.status = TargetStatus.MOVED_OUT
        held.save(update_fields=["status", "updated_at"])
        extra = f"（予約 {cancelled} を取消）" if cancelled else ""
        TargetEvent.objects.create(
            target=held,
            kind=TargetEventKind.MOVED_OUT,
            at=now,
            by=actor,
            venue_id=held.venue_id,
            note=f"{note}{extra}"[:300],
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=held,
            fields=["状況", "交付予約"] if cancelled else ["状況"],
            reason=f"転出の記録{extra}",
        )
    return held


def _cancel_active_reservation(target: CardTarget, actor, now) -> str:
    """Cancel the target's booked reservation directly and free its seat in the same pool;
    '' when there is none, else the slot's label."""
    reservation = (
        Reservation.objects.select_for_update()
        .select_related("slot__venue")
        .filter(target=target, status=ReservationStatus.BOOKED)
        .first()
    )
    if reservation is None:
        return ""
    Reservation.objects.filter(pk=reservation.pk).update(
        status=ReservationStatus.CANCELLED, ended_at=now, ended_by=actor
    )
    column = f"booked_{POOL_OF_CHANNEL[reservation.channel].value}"
    # F() so a booking taken on the same slot meanwhile is not overwritten.
    Slot.objects.filter(pk=reservation.slot_id, **{f"{column}__gt": 0}).update(
        **{column: F(column) - 1}
    )
    return str(reservation.slot)
