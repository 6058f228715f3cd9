"""Contact results out (layout 4 in docs/formats, ``contacts``) and their export service.

The contact records themselves belong to the dunning app, which plugs them in with
``register_contact_source``: a source is ``func(*, start, end) -> Iterable[ContactRow]`` giving
the contacts made from ``start`` to ``end`` (both included, local dates), one row per contact
and revenue type, ordered by time. This module only knows the layout, who may export what,
and how the file leaves: written under a temporary name, hashed, registered (持出記録) and
only then given its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicdesk.core.choices import (
    REVENUE_TYPE_FILE_LABELS,
    ContactChannel,
    ContactParty,
    RevenueType,
)
from civicdesk.core.japanese import era_date
from civicdesk.core.tabular import ENCODING_LABELS, ENCODINGS, write_csv, write_xlsx
from civicdesk.privacy.services.export_register import (
    ExportError,
    ExportResult,
    checked_out_path,
    clean_reason,
    write_registered_export,
)

# Whoever may add to the export register may export (granted per role in accounts/roles.py).
EXPORT_PERMISSION = "privacy.add_exportrecord"
FORMATS = ("csv", "xlsx")
SHEET_TITLE = "折衝記録"


# Layout 4 writes these words for the party (相手); the screens say 不通 for "nobody".
PARTY_FILE_WORDS = {
    ContactParty.SELF: "本人",
    ContactParty.FAMILY: "家族",
    ContactParty.OTHER: "その他",
    ContactParty.NONE: "なし",
}


# (English alias, Japanese header, xlsx column width), in the order of layout 4.
LAYOUT = (
    ("contact_id", "番号", 10),
    ("at", "日時", 20),
    ("revenue_type", "税目", 12),
    ("resident_no", "宛名番号", 14),
    ("case_no", "整理番号", 14),
    ("channel", "区分", 8),
    ("party", "相手", 8),
    ("outcome", "結果", 16),
    ("promised_on", "約束日", 16),
    ("promised_amount", "約束額", 12),
    ("user", "担当者", 14),
    ("note", "内容", 60),
)
FIELDS = tuple(alias for alias, _header, _width in LAYOUT)
HEADERS = tuple(header for _alias, header, _width in LAYOUT)
COLUMN_WIDTHS = tuple(width for _alias, _header, width in LAYOUT)


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One line of layout 4: one contact for one revenue type. Codes, not labels."""

    contact_id: int
    at: dt.datetime
    revenue_type: str
    resident_no: str
    case_no: str
    channel: str
    party: str
    outcome: str
    promised_on: dt.date | None
    promised_amount: int | None
    user: str
    note: str

    def __post_init__(self) -> None:
        # A bad row is a bug in its source: fail at the source, not as a wrong line in a file.
        if not isinstance(self.at, dt.datetime) or timezone.is_naive(self.at):
            raise ValueError(f"ContactRow.at must be an aware datetime: {self.at!r}")
        if self.revenue_type not in RevenueType.values:
            raise ValueError(f"unknown revenue type: {self.revenue_type!r}")
        if self.channel not in ContactChannel.values:
            raise ValueError(f"unknown channel: {self.channel!r}")
        if self.party not in ContactParty.values:
            raise ValueError(f"unknown party: {self.party!r}")

    def cells(self) -> list:
        """The row's cells in layout order, codes turned into the file's Japanese words."""
        return [
            self.contact_id,
            self.at,
            REVENUE_TYPE_FILE_LABELS[self.revenue_type],
            self.resident_no,
            self.case_no,
            ContactChannel(self.channel).label,
            PARTY_FILE_WORDS[self.party],
            self.outcome,
            self.promised_on,
            self.promised_amount,
            self.user,
            self.note,
        ]


ContactSource = Callable[..., Iterable[ContactRow]]
_sources: list[ContactSource] = []


def register_contact_source(source: ContactSource) -> ContactSource:
    """Add a provider of contact rows (usable as a decorator; registering twice is harmless)."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister_contact_source(source: ContactSource) -> None:
    if source in _sources:
        _sources.remove(source)


def contact_sources() -> tuple[ContactSource, ...]:
    return tuple(_sources)


def contact_rows_for(user, *, start: dt.date, end: dt.date) -> Iterator[ContactRow]:
    """The rows of every source the user may see: a team sees only its revenue types."""
    scope = set(user.team.revenue_types) if user.team_id else None
    for source in contact_sources():
        for row in source(start=start, end=end):
            if not isinstance(row, ContactRow):
                raise TypeError(f"a contact source gave {type(row).__name__}, not ContactRow")
            if scope is None or row.revenue_type in scope:
                yield row


def export_contacts(
    *,
    acting_user,
    start: dt.date,
    end: dt.date,
    reason: str,
    file_format: str = "csv",
    encoding: str = "cp932",
    out: Path,
) -> ExportResult:
    """Write the contacts of ``start``–``end`` to ``out`` and register the export.

    Refuses (ExportError, PermissionDenied) before anything is written; if writing fails (a
    character CP932 lacks, …) no file is left. An existing ``out`` is never overwritten: its
    hash may already be in the register. A period without contacts still gives a file (the
    header line) and a register entry with count 0: that file has left the system too.
    """
    reason = clean_reason(reason)
    if not acting_user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied("折衝記録を出力する権限がありません。")
    if start > end:
        raise ExportError(
            f"開始日（{start.isoformat()}）は終了日（{end.isoformat()}）以前の日付にしてください。"
        )
    if file_format not in FORMATS:
        raise ExportError(f"形式は csv または xlsx を指定してください: {file_format}")
    if file_format == "csv" and encoding not in ENCODINGS:
        raise ExportError(f"文字コードは cp932 または utf-8 を指定してください: {encoding}")
    out = checked_out_path(out)

    cells = (row.cells() for row in contact_rows_for(acting_user, start=start, end=end))
    if file_format == "csv":
        content_note = f" CSV・{ENCODING_LABELS[encoding]}"

        def write(stream) -> int:
            return write_csv(cells, HEADERS, stream, encoding)
    else:
        content_note = " Excel（xlsx）"

        def write(stream) -> int:
            return write_xlsx(cells, HEADERS, stream, SHEET_TITLE, COLUMN_WIDTHS)

    content = f"折衝記録 {era_date(start)}〜{era_date(end)}{content_note}"
    return write_registered_export(
        acting_user=acting_user,
        out=out,
        write=write,
        content=content,
        file_format=file_format,
        reason=reason,
        fields=FIELDS,
    )
