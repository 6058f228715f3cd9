"""The four reports as data (JSON-ready dicts): the pages, the files (xlsx, PDF, CSV) and
``civicdesk report`` all render these.

- 日次報告書 (daily): the day's figures per revenue type, calls by result, visits, SMS, inbound
  calls, letters, hand-overs, hot-voice lines, and the supervisor's remarks (Report rows).
- 夜間電話・訪問催告件数票 (night): per day of the month, night calls and visits reached and not.
- 月次報告書 (monthly): the month's figures, the daily trend, the previous month and the same
  month last year, targets (予定件数) with pacing and a forecast, hand-overs by reason, the
  効果なし count, remarks and proposals.
- 年度報告書 (annual): the fiscal year (April–March) by month, and the targets.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt

from django.db.models import Count, Q

from civicdesk.core.calendar import TOKYO, add_months, day_bounds
from civicdesk.core.choices import ContactChannel
from civicdesk.core.japanese import era_date, era_year, fiscal_year_of
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import WorkItemStatus
from civicdesk.dunning.coverage import line_mask
from civicdesk.dunning.models import Contact, WorkItem
from civicdesk.reports import kpis
from civicdesk.reports.choices import EDITABLE_KINDS, ReportKind, ReportStatus, TargetChannel
from civicdesk.reports.models import Report, Target

VIEW_REPORTS = "reports.view_report"
CHANGE_REPORTS = "reports.change_report"
TARGET_CHANNELS = {
    TargetChannel.CALL: ContactChannel.OUTBOUND_CALL,
    TargetChannel.VISIT: ContactChannel.VISIT,
}
HOT_VOICE_LIMIT = 50
# How far back the index looks for daily reports that had contacts but were never finalised.
AWAITING_DAYS = 14


def may_view_reports(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_REPORTS))


def may_edit_reports(user) -> bool:
    """The center's supervisors write remarks and finalise (staff read)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(CHANGE_REPORTS))


# --- Periods -------------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    last = month_calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last)


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def _period(kind: str, start: dt.date, end: dt.date, label: str) -> dict:
    return {"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "label": label}


# --- The reports ---------------------------------------------------------------------------------


def daily_report(municipality: Municipality, day: dt.date, *, live: bool = False) -> dict:
    """The day's report; once its latest version is final, the figures it was finalised with
    (``live``: always recompute — what finalising stores)."""
    state = report_state(municipality, ReportKind.DAILY, day)
    frozen = None if live else _frozen(municipality, ReportKind.DAILY, day)
    if frozen is not None:
        return {**frozen, "municipality": municipality_data(municipality), "report": state}
    figures = kpis.period_figures(municipality.pk, day, day)
    return {
        "period": _period(ReportKind.DAILY, day, day, era_date(day)),
        "municipality": municipality_data(municipality),
        **figures,
        "hot_voice": hot_voice_lines(municipality.pk, day),
        "report": state,
    }


def night_report(municipality: Municipality, year: int, month: int) -> dict:
    start, end = month_bounds(year, month)
    days = kpis.count_by_day(municipality.pk, start, end)
    series = kpis.daily_series(days, start, end)
    rows = [{"date": row["date"], **row["night"]} for row in series]
    totals = {
        name: {
            "reached": sum(row[name]["reached"] for row in rows),
            "not_reached": sum(row[name]["not_reached"] for row in rows),
        }
        for name in ("calls", "visits")
    }
    return {
        "period": _period(ReportKind.NIGHT, start, end, f"{era_year(start)}{month}月"),
        "municipality": municipality_data(municipality),
        "days": rows,
        "total": totals,
    }


def monthly_report(
    municipality: Municipality, year: int, month: int, *, live: bool = False
) -> dict:
    """The month's report (frozen figures once final, as daily_report)."""
    start, end = month_bounds(year, month)
    state = report_state(municipality, ReportKind.MONTHLY, start)
    frozen = None if live else _frozen(municipality, ReportKind.MONTHLY, start)
    if frozen is not None:
        return {**frozen, "municipality": municipality_data(municipality), "report": state}
    days = kpis.count_by_day(municipality.pk, start, end)
    figures = kpis.period_figures(municipality.pk, start, end, days=days)
    previous = month_bounds(*_year_month(add_months(start, -1)))
    last_year = month_bounds(year - 1, month)
    return {
        "period": _period(ReportKind.MONTHLY, start, end, f"{era_year(start)}{month}月"),
        **figures,
        "days": kpis.daily_series(days, start, end),
        "previous_month": kpis.period_figures(municipality.pk, *previous)["total"],
        "same_month_last_year": kpis.period_figures(municipality.pk, *last_year)["total"],
        "targets": target_progress(municipality.pk, fiscal_year_of(start), end),
        "no_effect": no_effect_count(municipality.pk, start, end),
        "municipality": municipality_data(municipality),
        "report": state,
    }


def annual_report(municipality: Municipality, fiscal_year: int) -> dict:
    start, end = fiscal_year_bounds(fiscal_year)
    figures = kpis.period_figures(municipality.pk, start, end)
    months = []
    first = start
    while first <= end:
        month_end = month_bounds(first.year, first.month)[1]
        month = kpis.period_figures(municipality.pk, first, month_end)
        months.append({"month": first.strftime("%Y-%m"), **month})
        first = add_months(first, 1)
    return {
        "period": _period(
            ReportKind.ANNUAL, start, end, f"{era_year(start).removesuffix('年')}年度"
        ),
        "municipality": municipality_data(municipality),
        **figures,
        "months": months,
        "targets": target_progress(municipality.pk, fiscal_year, end),
    }


def _year_month(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def municipality_data(municipality: Municipality) -> dict:
    return {"code": municipality.code, "name": municipality.name}


def _frozen(municipality: Municipality, kind: str, period: dt.date) -> dict | None:
    """The figures of the latest version when it is final (a finalised report never changes,
    even when contacts of its day are added or corrected later)."""
    latest = (
        Report.objects.filter(municipality=municipality, kind=kind, period=period)
        .order_by("-version")
        .values("status", "figures")
        .first()
    )
    if latest is None or latest["status"] != ReportStatus.FINAL or not latest["figures"]:
        return None
    return latest["figures"]


# --- Parts ---------------------------------------------------------------------------------------


def hot_voice_lines(municipality_id: int, day: dt.date) -> list[dict]:
    """The day's ホットボイス: time, channel and what was said (no name, no number)."""
    low, high = day_bounds(day)
    rows = (
        Contact.objects.filter(
            obligor__municipality_id=municipality_id, at__gte=low, at__lt=high, hot_voice=True
        )
        .order_by("at", "pk")
        .values_list("at", "channel", "note")[:HOT_VOICE_LIMIT]
    )
    return [
        {
            "time": at.astimezone(TOKYO).strftime("%H:%M"),
            "channel": ContactChannel(channel).label,
            "note": note,
        }
        for at, channel, note in rows
    ]


def no_effect_count(municipality_id: int, start: dt.date, end: dt.date) -> int:
    """Items that became 効果なし in the period (their last change fell in it)."""
    low, high = day_bounds(start, end)
    return WorkItem.objects.filter(
        campaign__municipality_id=municipality_id,
        status=WorkItemStatus.NO_EFFECT,
        updated_at__gte=low,
        updated_at__lt=high,
    ).count()


def target_progress(municipality_id: int, fiscal_year: int, as_of: dt.date) -> list[dict]:
    """Each target line of the fiscal year: done so far, pacing, achieved and a forecast."""
    start, end = fiscal_year_bounds(fiscal_year)
    as_of = min(max(as_of, start), end)
    elapsed = (as_of - start).days + 1
    length = (end - start).days + 1
    months_elapsed = (as_of.year - start.year) * 12 + as_of.month - start.month + 1
    done_by_line = _contacts_by_coverage(municipality_id, start, as_of)
    result = []
    for target in Target.objects.filter(municipality_id=municipality_id, fiscal_year=fiscal_year):
        channel = TARGET_CHANNELS[target.channel]
        bits = line_mask(target.revenue_types, target.collection_kind)
        done = sum(n for (one, mask), n in done_by_line.items() if one == channel and mask & bits)
        pacing = round(target.count * months_elapsed / 12)
        result.append(
            {
                "label": target.label,
                "channel": target.channel,
                "collection_kind": target.collection_kind,
                "target": target.count,
                "done": done,
                "pacing": pacing,
                "achieved": kpis.rate(done, target.count),
                "against_pacing": kpis.rate(done, pacing),
                "forecast": round(done * length / elapsed),
            }
        )
    return result


def _contacts_by_coverage(municipality_id: int, start: dt.date, end: dt.date) -> dict:
    """(channel, coverage) → contacts of the target channels in the period: one grouped scan
    for every target line (a contact counts once in each line it covered)."""
    rows = (
        kpis.scoped_contacts(municipality_id)
        .filter(day__range=(start, end), channel__in=list(TARGET_CHANNELS.values()))
        .values_list("channel", "coverage")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(channel, mask): n for channel, mask, n in rows}


def report_state(municipality: Municipality, kind: str, period: dt.date) -> dict | None:
    """The latest version of an editable report (remarks, state), None before the first."""
    if kind not in EDITABLE_KINDS:
        return None
    latest = (
        Report.objects.filter(municipality=municipality, kind=kind, period=period)
        .order_by("-version")
        .first()
    )
    return version_state(latest)


def version_state(report: Report | None) -> dict | None:
    """A version's state and remarks as the report data carries them (None: no version)."""
    if report is None:
        return None
    return {
        "version": report.version,
        "status": report.status,
        "remarks": report.remarks,
        "proposals": report.proposals,
        "finalised_at": report.finalised_at.isoformat() if report.finalised_at else None,
        "correction_reason": report.correction_reason,
    }


def targets_of(municipality: Municipality, fiscal_year: int) -> list[Target]:
    """The year's target lines, in the order target_progress reads them."""
    return list(Target.objects.filter(municipality=municipality, fiscal_year=fiscal_year))


def awaiting_finalisation(municipality: Municipality, today: dt.date) -> list[dict]:
    """Reports a supervisor still owes, newest first: the days of the last AWAITING_DAYS (before
    today) and the previous month that had contacts but no final version, and every report whose
    latest version is a draft (a draft is always the latest version)."""
    contacts = kpis.scoped_contacts(municipality.pk)
    owed = {
        (ReportKind.DAILY, day)
        for day in (today - dt.timedelta(days=back) for back in range(1, AWAITING_DAYS + 1))
        if contacts.filter(day=day).exists()
    }
    last_month = add_months(today.replace(day=1), -1)
    if contacts.filter(day__range=month_bounds(last_month.year, last_month.month)).exists():
        owed.add((ReportKind.MONTHLY, last_month))
    keys = Q(status=ReportStatus.DRAFT)
    for kind, period in owed:
        keys |= Q(kind=kind, period=period)
    latest: dict[tuple, Report] = {}
    for report in Report.objects.filter(keys, municipality=municipality).order_by("version"):
        latest[(report.kind, report.period)] = report
    rows = []
    for key in owed | set(latest):
        report = latest.get(key)
        if report is not None and report.status == ReportStatus.FINAL:
            continue
        kind, period = key
        rows.append({"kind": ReportKind(kind), "period": period, "version": report})
    return sorted(rows, key=lambda row: (row["period"], row["kind"] == ReportKind.MONTHLY))[::-1]


def versions(municipality: Municipality, kind: str, period: dt.date) -> list[Report]:
    return list(
        Report.objects.filter(municipality=municipality, kind=kind, period=period)
        .select_related("finalised_by", "created_by")
        .order_by("-version")
    )
