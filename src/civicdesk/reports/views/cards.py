"""The card report pages (マイナンバーカード交付 日次・月次報告書) and their files, for the readers
of every report (supervisors, staff, inspectors: reports.view_report). The figures are counts
only; a file that leaves is still logged as an export (DESIGN rule 7), as every report file.

A period is text in the URL as for the other reports (2026-06-10, 2026-06); anything else is a
page that does not exist (404). The CSV is CP932 unless ?encoding=utf-8 asks for UTF-8.
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
from civicdesk.reports.renderers import cards as renderers
from civicdesk.reports.renderers import cards_tables
from civicdesk.reports.renderers.counter_pdf import printed
from civicdesk.reports.selectors.cards import CardsReportKind, cards_report
from civicdesk.reports.views.counter import view_required
from civicdesk.reports.views.data import municipality_for
from civicdesk.reports.views.downloads import CONTENT_TYPES
from civicdesk.reports.views.periods import Period, default, parse, today

KINDS = {"daily": CardsReportKind.DAILY, "monthly": CardsReportKind.MONTHLY}
FILE_TITLES = {"daily": "カード交付日次報告書", "monthly": "カード交付月次報告書"}
# (format, encoding, label): the links under a report.
DOWNLOADS = (
    ("xlsx", "", "Excel"),
    ("pdf", "", "PDF"),
    ("csv", "", "CSV（Shift_JIS）"),
    ("csv", "utf-8", "CSV（UTF-8）"),
    ("json", "", "JSON"),
)
CSV_ENCODINGS = {"cp932": "text/csv; charset=Shift_JIS", "utf-8": "text/csv; charset=utf-8"}
EXPORT_REASON = "マイナンバーカード交付報告書の出力"


def page_url(period: Period) -> str:
    return reverse(f"reports:cards_{period.kind}", args=[period.text])


@never_cache
@require_GET
@view_required
def index(request):
    """The two card reports with the period to open; ?kind=… opens one."""
    now = today()
    error = ""
    kind = request.GET.get("kind")
    if kind in KINDS:
        text = request.GET.get("date" if kind == "daily" else "month", "")
        try:
            return redirect(page_url(parse(kind, text.strip())))
        except Http404:
            error = f"「{text}」は開ける期間ではありません（例: 2026-06-10、2026-06）。"
    context = {
        "error": error,
        "today": now,
        "this_month": default("monthly", now).text,
        "links": [
            (CardsReportKind.DAILY.label, "本日", page_url(default("daily", now))),
            (CardsReportKind.MONTHLY.label, "今月", page_url(default("monthly", now))),
        ],
    }
    return render(request, "reports/cards_index.html", context)


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


def _page(request, period: Period):
    data = cards_report(municipality_for(request.user), KINDS[period.kind], period.start)
    context = {
        "title": cards_tables.title(data),
        "period": period,
        "data": data,
        "tables": [printed(table) for table in cards_tables.tables(data)],
        "previous_url": page_url(period.shifted(-1)),
        "next_url": page_url(period.shifted(1)),
        "downloads": [
            (label, _download_url(period, fmt, encoding)) for fmt, encoding, label in DOWNLOADS
        ],
    }
    return render(request, "reports/cards_report.html", context)


def _download_url(period: Period, fmt: str, encoding: str) -> str:
    url = reverse("reports:cards_download", args=[period.kind, period.text, fmt])
    return f"{url}?encoding={encoding}" if encoding else url


@never_cache
@require_GET
@view_required
def download(request, kind: str, period: str, fmt: str):
    period = parse(kind, period)
    encoding = request.GET.get("encoding") or "cp932"
    if encoding not in CSV_ENCODINGS or (fmt != "csv" and encoding != "cp932"):
        raise Http404("出力形式が正しくありません。")
    municipality = municipality_for(request.user)
    data = cards_report(municipality, KINDS[kind], period.start)
    if fmt == "json":
        content = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    else:
        content = renderers.render(
            data, fmt, municipality_name=municipality.name, encoding=encoding
        )
    record_access(
        acting_user=request.user,
        action=AccessAction.EXPORT,
        obj=municipality,
        fields=[],
        reason=f"{EXPORT_REASON}（{cards_tables.title(data)} {period.text} {fmt}）",
    )
    content_type = CSV_ENCODINGS[encoding] if fmt == "csv" else CONTENT_TYPES[fmt]
    response = HttpResponse(content, content_type=content_type)
    name = f"{FILE_TITLES[kind]}_{period.text}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
