"""The staff roster (業務従事者名簿) as an Excel file for the municipality: an exporter of the
export requests (staff names are personal data, so the file leaves like any other export)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicdesk.accounts.models import Roster, User
from civicdesk.accounts.selectors import roster as accounts_selectors
from civicdesk.core.japanese import era_month
from civicdesk.core.tabular import write_xlsx
from civicdesk.privacy.services import export_requests
from civicdesk.privacy.services.export_register import (
    ExportError,
    ExportResult,
    clean_reason,
    write_registered_export,
)
from civicdesk.privacy.services.export_requests import ExportPlan

LAYOUT = (
    # alias, header, width
    ("section", "区分", 10),
    ("month", "対象月", 12),
    ("username", "ユーザーID", 14),
    ("display_name", "氏名", 16),
    ("role", "役割", 12),
    ("team", "チーム", 14),
    ("duty", "従事する業務", 24),
    ("kind", "変更", 8),
    ("effective_from", "適用日", 14),
    ("reason", "理由", 30),
    ("recorded_by", "記録者", 14),
    ("recorded_at", "記録日時", 18),
    ("reported_at", "自治体への報告日時", 18),
)
HEADERS = tuple(header for _alias, header, _width in LAYOUT)
COLUMN_WIDTHS = tuple(width for _alias, _header, width in LAYOUT)
# The people's own data in the file (the access log names these); the rest is the register's.
EXPORTER = "accounts.roster"
PERSONAL_FIELDS = ("username", "display_name", "role", "team", "duty")


def export_file_name(roster: Roster) -> str:
    return f"roster-{roster.month:%Y-%m}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


def roster_export_plan(*, acting_user, roster: Roster) -> ExportPlan:
    """The month's roster and its temporary changes as xlsx for the municipality (staff names
    are personal data): a plan of the export requests, made only when the request is."""
    if not accounts_selectors.may_export_rosters(acting_user):
        raise PermissionDenied("業務従事者名簿を出力する権限がありません。")
    if acting_user.municipality_id != roster.municipality_id:
        raise PermissionDenied("他の自治体の名簿は出力できません。")
    label = era_month(roster.month)
    return ExportPlan(
        content=f"業務従事者名簿（{label}・{roster.get_status_display()}）Excel（xlsx）",
        file_name=export_file_name(roster),
        file_format="xlsx",
        write=lambda stream: write_xlsx(
            _export_rows(roster, label), HEADERS, stream, "業務従事者名簿", COLUMN_WIDTHS
        ),
        fields=[*PERSONAL_FIELDS, "kind", "effective_from", "reason"],
    )


def export_roster(*, acting_user, roster: Roster, reason: str, out: Path) -> ExportResult:
    """The roster's xlsx written to ``out`` and entered in the export register (for a command
    or a test; the pages go through the export requests)."""
    reason = clean_reason(reason)
    plan = roster_export_plan(acting_user=acting_user, roster=roster)
    return write_registered_export(
        acting_user=acting_user,
        out=out,
        write=plan.write,
        content=plan.content,
        file_format=plan.file_format,
        reason=reason,
        fields=plan.fields,
    )


def _prepare_export(*, acting_user, params: dict) -> ExportPlan:
    roster = accounts_selectors.rosters_for(acting_user).filter(pk=params.get("roster")).first()
    if roster is None:
        raise ExportError("業務従事者名簿が見つかりません。")
    return roster_export_plan(acting_user=acting_user, roster=roster)


def register_exporter() -> None:
    export_requests.register_exporter(
        export_requests.Exporter(
            key=EXPORTER,
            label="業務従事者名簿（Excel）",
            prepare=_prepare_export,
            may_use=accounts_selectors.may_export_rosters,
        )
    )


def _export_rows(roster: Roster, label: str) -> Iterator[list]:
    for entry in accounts_selectors.roster_entries(roster):
        yield [
            "名簿",
            label,
            *_person(entry.user),
            entry.duty,
            "",
            roster.month,
            "",
            "",
            None,
            None,
        ]
    for change in accounts_selectors.roster_changes(roster):
        yield [
            "臨時変更",
            label,
            *_person(change.user),
            change.duty,
            change.get_kind_display(),
            change.effective_from,
            change.reason,
            change.recorded_by.username,
            change.recorded_at,
            change.reported_at,
        ]


def _person(user: User) -> list[str]:
    return [user.username, user.display_name, user.get_role_display(), str(user.team or "")]
