"""The semi-annual privacy status report (個人情報の取扱状況報告, seed 000 §15(2), 別紙1 第11条).

Half-years follow the fiscal year: 上半期 April–September, 下半期 October–March. Every figure is
one query over the registers the system keeps anyway (users, rosters, exports, hand-overs, the
access log, its alerts, incidents); ``figures`` returns them as JSON-ready data, which a
generated report keeps as its snapshot, so that a re-print shows what was reported.

Registers without a municipality (exports, hand-overs, the access log, alerts) count for the
municipality of the person in the row; rows without one (commands, failed sign-ins of unknown
names) count for the installation's default municipality, as in the access-log analysis.
Who may read or make reports, and which a user sees, are in ``status_report_selectors``.

What the apps hold of people (``holding_figures``) is not a figure of the period: it is counted
when the report is made, over every item the apps declare (privacy.personal_data, through
``inventory``), so an app added later appears in the report with no line added here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from civicdesk.accounts.models import (
    Role,
    Roster,
    RosterChange,
    RosterChangeKind,
    RosterStatus,
    User,
    roster_due_date,
)
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO, add_months, day_bounds
from civicdesk.core.japanese import era_date, fiscal_year_label
from civicdesk.core.models import Municipality
from civicdesk.core.pdf import render_pdf
from civicdesk.oversight.models import (
    AccessAlert,
    AlertKind,
    AlertStatus,
    PrivacyStatusReport,
    PurgeScope,
)
from civicdesk.oversight.selectors.status_report import may_make, may_read
from civicdesk.oversight.services import inventory
from civicdesk.privacy.models import ExportRecord, HandOverDirection, HandOverRecord, Incident

TEMPLATE = "print/privacy_status_report.html"
_PERIOD = re.compile(r"(\d{4})-([12])")


# --- Half-years --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HalfYear:
    fiscal_year: int
    half: int  # 1: April–September (上半期), 2: October–March (下半期)

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        """「2025-1」 (上半期 of fiscal 2025) or 「2025-2」; anything else is a ValueError."""
        match = _PERIOD.fullmatch(text or "")
        if not match:
            raise ValueError(f"not a half-year: {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: dt.date) -> HalfYear:
        if day.month >= 10:
            return cls(day.year, 2)
        if day.month >= 4:
            return cls(day.year, 1)
        return cls(day.year - 1, 2)

    @property
    def start(self) -> dt.date:
        return dt.date(self.fiscal_year, 4 if self.half == 1 else 10, 1)

    @property
    def end(self) -> dt.date:
        if self.half == 1:
            return dt.date(self.fiscal_year, 9, 30)
        return dt.date(self.fiscal_year + 1, 3, 31)

    @property
    def text(self) -> str:
        return f"{self.fiscal_year}-{self.half}"

    @property
    def label(self) -> str:
        half = "上半期（4月〜9月）" if self.half == 1 else "下半期（10月〜3月）"
        return f"{fiscal_year_label(self.fiscal_year)}{half}"

    def previous(self) -> HalfYear:
        return (
            HalfYear(self.fiscal_year, 1) if self.half == 2 else HalfYear(self.fiscal_year - 1, 2)
        )

    def months(self) -> list[dt.date]:
        return [add_months(self.start, i) for i in range(6)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return day_bounds(self.start, self.end)


def last_ended(today: dt.date) -> HalfYear:
    """The half-year a report is due for now: the last one that has ended."""
    return HalfYear.containing(today).previous()


def choices(today: dt.date, count: int = 6) -> list[HalfYear]:
    """The current half-year and the ones before it, newest first (the page's picker)."""
    found = [HalfYear.containing(today)]
    while len(found) < count:
        found.append(found[-1].previous())
    return found


def has_ended(half_year: HalfYear, today: dt.date) -> bool:
    return half_year.end < today


# --- The figures --------------------------------------------------------------------------------


def figures(municipality: Municipality, half_year: HalfYear) -> dict:
    """Every figure of the report for one municipality and half-year, JSON-ready."""
    start, end = half_year.bounds()
    return {
        "period": {
            "text": half_year.text,
            "label": half_year.label,
            "start": half_year.start.isoformat(),
            "end": half_year.end.isoformat(),
        },
        "municipality": municipality.name,
        "users": user_figures(municipality, start, end),
        "roster": roster_figures(municipality, half_year),
        "exports": export_figures(municipality, start, end),
        "hand_overs": hand_over_figures(municipality, start, end),
        "access_log": access_log_figures(municipality, start, end),
        "alerts": alert_figures(municipality, half_year),
        "incidents": incident_figures(municipality, start, end),
        "holdings": holding_figures(municipality),
    }


def _people_of(municipality: Municipality, person: str) -> Q:
    """Rows whose ``person`` (a user foreign key) belongs to the municipality; rows without a
    person, or with a person of no municipality, belong to the default municipality."""
    mine = Q(**{f"{person}__municipality": municipality})
    if municipality.is_default or Municipality.objects.default() == municipality:
        mine |= Q(**{f"{person}__isnull": True}) | Q(**{f"{person}__municipality__isnull": True})
    return mine


def _users_of(municipality: Municipality):
    mine = Q(municipality=municipality)
    if municipality.is_default or Municipality.objects.default() == municipality:
        mine |= Q(municipality__isnull=True)
    return User.objects.filter(mine)


def user_figures(municipality: Municipality, start: dt.datetime, end: dt.datetime) -> dict:
    """Accounts per role: active at the period's end, made and deactivated in the period.

    The User row only knows whether it is active now. Every change of ``is_active`` goes
    through the admin's save_user, which logs a 変更 entry naming the field; each such entry
    flips the state, so the state at a moment is today's state flipped once per later entry.
    """
    users = list(_users_of(municipality).values("pk", "role", "is_active", "date_joined"))
    flips = _is_active_changes([user["pk"] for user in users])
    rows = {
        role: {"role": role, "label": label, "active": 0, "joined": 0, "deactivated": 0}
        for role, label in Role.choices
    }
    for user in users:
        row = rows[user["role"]]
        moments = flips.get(user["pk"], [])
        if user["date_joined"] < end and _active_at(user["is_active"], moments, end):
            row["active"] += 1
        if start <= user["date_joined"] < end:
            row["joined"] += 1
        row["deactivated"] += sum(
            1
            for moment in moments
            if start <= moment < end
            and not _active_at(user["is_active"], moments, moment, after=True)
        )
    by_role = list(rows.values())
    return {"by_role": by_role, "total": _totals(by_role, ("active", "joined", "deactivated"))}


def _is_active_changes(user_pks: list[int]) -> dict[int, list[dt.datetime]]:
    entries = AccessLogEntry.objects.filter(
        action=AccessAction.CHANGE,
        object_type=User._meta.label_lower,
        object_id__in=[str(pk) for pk in user_pks],
    ).values_list("object_id", "at", "fields")
    found: dict[int, list[dt.datetime]] = {}
    for object_id, at, fields in entries:
        # JSON "contains" on a list is not portable to SQLite: the few user edits are read here.
        if "is_active" in (fields or []):
            found.setdefault(int(object_id), []).append(at)
    return found


def _active_at(
    now_active: bool, flips: list[dt.datetime], moment: dt.datetime, *, after: bool = False
) -> bool:
    """Whether the account was active at ``moment`` (just after it, with ``after``: the
    state a change made)."""
    later = sum(1 for flip in flips if flip > moment or (flip == moment and not after))
    return now_active if later % 2 == 0 else not now_active


def _totals(rows: list[dict], keys) -> dict:
    return {key: sum(row[key] for row in rows) for key in keys}


def roster_figures(municipality: Municipality, half_year: HalfYear) -> dict:
    """The six months' rosters (submitted, late, missing) and the temporary changes that took
    effect in the period, per kind and how many are not yet reported."""
    rosters = {
        roster.month: roster
        for roster in Roster.objects.filter(
            municipality=municipality, month__gte=half_year.start, month__lte=half_year.end
        )
    }
    months = [_roster_month(month, rosters.get(month)) for month in half_year.months()]
    changes = RosterChange.objects.filter(
        roster__municipality=municipality,
        effective_from__gte=half_year.start,
        effective_from__lte=half_year.end,
    )
    per_kind = dict(changes.order_by().values_list("kind").annotate(n=Count("pk")))
    return {
        "months": months,
        "submitted": sum(1 for month in months if month["submitted"]),
        "late": sum(1 for month in months if month["late"]),
        "missing": sum(1 for month in months if not month["submitted"]),
        "changes": [
            {"kind": kind, "label": label, "count": per_kind.get(kind, 0)}
            for kind, label in RosterChangeKind.choices
        ],
        "changes_total": sum(per_kind.values()),
        "changes_unreported": changes.filter(reported_at__isnull=True).count(),
    }


def _roster_month(month: dt.date, roster: Roster | None) -> dict:
    due = roster_due_date(month)
    submitted = roster is not None and roster.status == RosterStatus.SUBMITTED
    submitted_at = roster.submitted_at if submitted else None
    late = bool(submitted_at and due and submitted_at >= day_bounds(due)[1])
    return {
        "month": month.isoformat(),
        "due": due.isoformat() if due else "",
        "submitted": submitted,
        "submitted_on": submitted_at.astimezone(TOKYO).date().isoformat() if submitted_at else "",
        "late": late,
    }


def export_figures(municipality: Municipality, start: dt.datetime, end: dt.datetime) -> dict:
    records = ExportRecord.objects.filter(
        _people_of(municipality, "exported_by"), at__gte=start, at__lt=end
    )
    # Aliases other than "count": the registers' own column is called count (rows per file).
    totals = records.aggregate(
        files=Count("pk"),
        rows=Sum("count"),
        encrypted=Count("pk", filter=Q(encrypted=True)),
        returned=Count("pk", filter=Q(returned_at__isnull=False)),
        outstanding=Count("pk", filter=Q(return_due_on__isnull=False, returned_at__isnull=True)),
    )
    by_content = (
        records.order_by()
        .values("content")
        .annotate(files=Count("pk"), rows=Sum("count"))
        .order_by("content")
    )
    totals = {key: value or 0 for key, value in totals.items()}
    return {
        "count": totals.pop("files"),
        **totals,
        "by_content": [
            {"content": row["content"], "count": row["files"], "rows": row["rows"] or 0}
            for row in by_content
        ],
    }


def hand_over_figures(municipality: Municipality, start: dt.datetime, end: dt.datetime) -> dict:
    records = HandOverRecord.objects.filter(
        _people_of(municipality, "handler"), at__gte=start, at__lt=end
    )
    per_direction = {
        row["direction"]: row
        for row in records.order_by()
        .values("direction")
        .annotate(files=Count("pk"), rows=Sum("count"))
    }
    return {
        "by_direction": [
            {
                "direction": direction,
                "label": label,
                "count": per_direction.get(direction, {}).get("files", 0),
                "rows": per_direction.get(direction, {}).get("rows") or 0,
            }
            for direction, label in HandOverDirection.choices
        ],
        "count": records.count(),
        "confirmed": records.filter(receiver_confirmed_at__isnull=False).count(),
    }


def access_log_figures(municipality: Municipality, start: dt.datetime, end: dt.datetime) -> dict:
    entries = AccessLogEntry.objects.filter(
        _people_of(municipality, "actor"), at__gte=start, at__lt=end
    )
    per_action = dict(entries.order_by().values_list("action").annotate(n=Count("pk")))
    return {
        "by_action": [
            {"action": action, "label": label, "count": per_action.get(action, 0)}
            for action, label in AccessAction.choices
        ],
        "total": sum(per_action.values()),
        "login_failed": per_action.get(AccessAction.LOGIN_FAILED, 0),
        "lockouts": per_action.get(AccessAction.LOCKOUT, 0),
        "users": entries.exclude(actor__isnull=True).values("actor").distinct().count(),
    }


def alert_figures(municipality: Municipality, half_year: HalfYear) -> dict:
    alerts = AccessAlert.objects.filter(
        _people_of(municipality, "user"), day__gte=half_year.start, day__lte=half_year.end
    )
    reviewed = Q(status=AlertStatus.REVIEWED)
    per_kind = {
        row["kind"]: row
        for row in alerts.order_by()
        .values("kind")
        .annotate(count=Count("pk"), reviewed=Count("pk", filter=reviewed))
    }
    by_kind = [
        {
            "kind": kind,
            "label": label,
            "count": per_kind.get(kind, {}).get("count", 0),
            "reviewed": per_kind.get(kind, {}).get("reviewed", 0),
        }
        for kind, label in AlertKind.choices
    ]
    return {"by_kind": by_kind, **_totals(by_kind, ("count", "reviewed"))}


def incident_figures(municipality: Municipality, start: dt.datetime, end: dt.datetime) -> dict:
    """Incidents that occurred in the period, each with what the report may show."""
    incidents = Incident.objects.filter(
        municipality=municipality, occurred_at__gte=start, occurred_at__lt=end
    )
    items = [
        {
            "pk": incident.pk,
            "occurred_at": incident.occurred_at.isoformat(),
            "place": incident.place,
            "content": incident.content,
            "affected_count": incident.affected_count,
            "status": incident.status,
            "status_label": incident.get_status_display(),
        }
        for incident in incidents.order_by("occurred_at", "pk")
    ]
    return {
        "count": len(items),
        "affected": sum(item["affected_count"] for item in items),
        "reported": sum(1 for item in items if item["status"] != "recorded"),
        "items": items,
    }


def holding_figures(municipality: Municipality) -> dict:
    """What the apps hold of the municipality's people now, item by item as they declare it
    (the rows a purge of everything would remove, and their files), with the labels of the
    purge certificate. Stored in the snapshot: a re-print shows the counts of its making."""
    counts = inventory.targets(municipality=municipality, scope=PurgeScope.ALL).counts()
    return {
        "lines": [
            {"key": key, "label": label, "count": counts[key]} for key, label in inventory.items()
        ]
    }


# --- The report ---------------------------------------------------------------------------------


def render(
    snapshot: dict, *, generated_at: dt.datetime | None, generated_by: str, version: int | None
) -> bytes:
    """The report's PDF from a figures snapshot (a stored one for a re-print)."""
    return render_pdf(
        TEMPLATE,
        print_context(
            snapshot, generated_at=generated_at, generated_by=generated_by, version=version
        ),
    )


def print_context(snapshot: dict, *, generated_at, generated_by: str, version: int | None) -> dict:
    """What the page and the PDF show: the snapshot plus its dates in 和暦."""
    period = snapshot["period"]
    return {
        "figures": snapshot,
        "period_label": period["label"],
        "period_range": f"{_era(period['start'])}〜{_era(period['end'])}",
        "generated_on": era_date(generated_at.astimezone(TOKYO).date()) if generated_at else "",
        "generated_by": generated_by,
        "version": version,
        "rosters": [_roster_row(month) for month in snapshot["roster"]["months"]],
        "incidents": [
            {**item, "occurred_label": era_date(_tokyo_day(item["occurred_at"]))}
            for item in snapshot["incidents"]["items"]
        ],
    }


def _era(iso_day: str, style: str = "long") -> str:
    return era_date(dt.date.fromisoformat(iso_day), style)


def _tokyo_day(iso_moment: str) -> dt.date:
    return dt.datetime.fromisoformat(iso_moment).astimezone(TOKYO).date()


def _roster_row(month: dict) -> dict:
    return {
        **month,
        "label": f"{dt.date.fromisoformat(month['month']).month}月",
        "due_label": _era(month["due"], "short") if month["due"] else "契約締結後速やかに",
        "submitted_label": _era(month["submitted_on"], "short")
        if month["submitted_on"]
        else "未提出",
    }


def make_report(*, acting_user, half_year: HalfYear) -> PrivacyStatusReport:
    """Make (or make again, as the next version) the report of an ended half-year."""
    if not may_make(acting_user):
        raise PermissionDenied("取扱状況報告を作成する権限がありません。")
    today = timezone.localdate()
    if not has_ended(half_year, today):
        raise ValidationError(
            {"period": "終了した半期の報告だけを作成できます（集計の確認は画面でできます）。"}
        )
    municipality = Municipality.objects.for_user(acting_user)
    with transaction.atomic():
        # Locked: two supervisors pressing the button at once make versions 1 and 2, not a clash.
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        latest = PrivacyStatusReport.objects.filter(
            municipality=municipality, period_start=half_year.start
        ).aggregate(v=Max("version"))["v"]
        snapshot = figures(municipality, half_year)
        report = PrivacyStatusReport(
            municipality=municipality,
            period_start=half_year.start,
            period_end=half_year.end,
            version=(latest or 0) + 1,
            generated_at=timezone.now(),
            generated_by=acting_user,
            figures=snapshot,
        )
        pdf = render(
            snapshot,
            generated_at=report.generated_at,
            generated_by=_name(acting_user),
            version=report.version,
        )
        report.sha256 = hashlib.sha256(pdf).hexdigest()
        report.save()
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=report,
            reason=f"個人情報取扱状況報告の作成（{half_year.label} 第{report.version}版）",
        )
    return report


def print_report(*, acting_user, report: PrivacyStatusReport) -> bytes:
    """The stored report as PDF again, logged as a print. It holds counts and the names of the
    center's own staff only, no resident's data: a print, not an export (持出し)."""
    if not may_read(acting_user):
        raise PermissionDenied("取扱状況報告を表示する権限がありません。")
    pdf = render(
        report.figures,
        generated_at=report.generated_at,
        generated_by=_name(report.generated_by),
        version=report.version,
    )
    with transaction.atomic():
        record_access(
            acting_user=acting_user,
            action=AccessAction.PRINT,
            obj=report,
            reason="個人情報取扱状況報告の印刷",
        )
    return pdf


def _name(user) -> str:
    return user.display_name or user.get_username()


def file_name(report: PrivacyStatusReport) -> str:
    half_year = HalfYear.containing(report.period_start)
    return f"個人情報取扱状況報告_{half_year.text}_第{report.version}版.pdf"
