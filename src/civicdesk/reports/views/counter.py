"""The counter report pages (窓口業務 日次・月次・年度報告書) and their files, for the readers of
every report (supervisors, staff, inspectors: reports.view_report). The figures are counts
only; a file that leaves is still logged as an export (DESIGN rule 7), as every report file.

A period is text in the URL as for the other reports (2026-06-10, 2026-06, 2026 = the fiscal
year April 2026 – March 2027); anything else is a page that does not exist (404).
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.http import require
from civicdesk.core.japanese import fiscal_year_label
from civicdesk.reports.renderers import counter as renderers
from civicdesk.reports.renderers import counter_tables
from civicdesk.reports.renderers.counter_pdf import printed
from civicdesk.reports.selectors.counter import CounterReportKind, counter_report
from civicdesk.reports.selectors.reports import may_view_reports
from civicdesk.reports.views.data import municipality_for
from civicdesk.reports.views.downloads import CONTENT_TYPES
from civicdesk.reports.views.periods import Period, default, parse, today

KINDS = {
    "daily": CounterReportKind.DAILY,
    "monthly": CounterReportKind.MONTHLY,
    "annual": CounterReportKind.ANNUAL,
}
FILE_TITLES = {
    "daily": "窓口業務日次報告書",
    "monthly": "窓口業務月次報告書",
    "annual": "窓口業務年度報告書",
}
FORMAT_LABELS = {"xlsx": "Excel", "pdf": "PDF", "csv": "CSV", "json": "JSON"}
EXPORT_REASON = "窓口業務報告書の出力"
INDEX_YEARS = 6

view_required = require(may_view_reports, message="業務報告書を閲覧する権限がありません。")


def page_url(period: Period) -> str:
    return reverse(f"reports:counter_{period.kind}", args=[period.text])


@never_cache
@require_GET
@view_required
def index(request):
    """The three counter reports with the period to open; ?kind=… opens one."""
    now = today()
    error = ""
    kind = request.GET.get("kind")
    if kind in KINDS:
        text = request.GET.get({"daily": "date", "monthly": "month"}.get(kind, "year"), "")
        try:
            return redirect(page_url(parse(kind, text.strip())))
        except Http404:
            error = f"「{text}」は開ける期間ではありません（例: 2026-06-10、2026-06、2026）。"
    this_year = default("annual", now).start.year
    context = {
        "error": error,
        "today": now,
        "this_month": default("monthly", now).text,
        "years": [
            (year, fiscal_year_label(year))
            for year in range(this_year, this_year - INDEX_YEARS, -1)
        ],
        "links": [
            (CounterReportKind.DAILY.label, page_url(default("daily", now))),
            (CounterReportKind.MONTHLY.label, page_url(default("monthly", now))),
            (CounterReportKind.ANNUAL.label, page_url(default("annual", now))),
        ],
    }
    return render(request, "reports/counter/index.html", context)


@never_cache
@require_GET
@view_required
def daily(request, period: str):
    return _page(request, parse("daily", period))


@never_cache
@require_GET
@view_required
def monthly(request, period: str):
    return _page(request, parse("monthly", period))


@never_cache
@require_GET
@view_required
def annual(request, period: str):
    return _page(request, parse("annual", period))


def _page(request, period: Period):
    data = counter_report(municipality_for(request.user), KINDS[period.kind], period.start)
    context = {
        "title": counter_tables.title(data),
        "period": period,
        "data": data,
        "tables": [printed(table) for table in counter_tables.tables(data)],
        "previous_url": page_url(period.shifted(-1)),
        "next_url": page_url(period.shifted(1)),
        "downloads": [
            (label, reverse("reports:counter_download", args=[period.kind, period.text, fmt]))
            for fmt, label in FORMAT_LABELS.items()
        ],
    }
    return render(request, "reports/counter/report.html", context)


@never_cache
@require_GET
@view_required
def download(request, kind: str, period: str, fmt: str):
    period = parse(kind, period)
    municipality = municipality_for(request.user)
    data = counter_report(municipality, KINDS[kind], period.start)
    if fmt == "json":
        content = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    else:
        content = renderers.render(data, fmt, municipality_name=municipality.name)
    record_access(
        acting_user=request.user,
        action=AccessAction.EXPORT,
        obj=municipality,
        fields=[],
        reason=f"{EXPORT_REASON}（{counter_tables.title(data)} {period.text}）",
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = f"{FILE_TITLES[kind]}_{period.text}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
