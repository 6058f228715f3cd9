"""The period of a report as it appears in a URL: 2025-05-12 (daily), 2025-05 (night, monthly),
2025 (annual: the fiscal year April 2025 – March 2026).

Anything else is a page that does not exist (404), not an error to explain: the pages only link
to periods they made themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from civicdesk.core.calendar import TOKYO, add_months
from civicdesk.core.japanese import era_date, era_year, fiscal_year_label, fiscal_year_of
from civicdesk.reports.choices import EDITABLE_KINDS, ReportKind

FIRST_YEAR, LAST_YEAR = 2000, 2099
PATTERNS = {
    ReportKind.DAILY: re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    ReportKind.NIGHT: re.compile(r"(\d{4})-(\d{2})"),
    ReportKind.MONTHLY: re.compile(r"(\d{4})-(\d{2})"),
    ReportKind.ANNUAL: re.compile(r"(\d{4})"),
}
# The file names staff see in their download folder (RFC 5987 keeps the Japanese).
FILE_TITLES = {
    ReportKind.DAILY: "日次報告書",
    ReportKind.NIGHT: "夜間件数票",
    ReportKind.MONTHLY: "月次報告書",
    ReportKind.ANNUAL: "年度報告書",
}


@dataclass(frozen=True)
class Period:
    kind: str
    # The day for a daily report, the 1st for a month, 1 April for a fiscal year: the key of
    # Report.period for the reports that have versions.
    start: dt.date

    @property
    def text(self) -> str:
        if self.kind == ReportKind.DAILY:
            return self.start.isoformat()
        if self.kind == ReportKind.ANNUAL:
            return str(self.start.year)
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        if self.kind == ReportKind.DAILY:
            return f"{era_date(self.start)}（{'月火水木金土日'[self.start.weekday()]}）"
        if self.kind == ReportKind.ANNUAL:
            return fiscal_year_label(self.start.year)
        return f"{era_year(self.start)}{self.start.month}月"

    @property
    def editable(self) -> bool:
        return self.kind in EDITABLE_KINDS

    @property
    def file_title(self) -> str:
        return FILE_TITLES[ReportKind(self.kind)]

    def shifted(self, steps: int) -> Period:
        """The previous (-1) or next (+1) day, month or fiscal year."""
        if self.kind == ReportKind.DAILY:
            return Period(self.kind, self.start + dt.timedelta(days=steps))
        if self.kind == ReportKind.ANNUAL:
            return Period(self.kind, self.start.replace(year=self.start.year + steps))
        return Period(self.kind, add_months(self.start, steps))


def parse(kind: str, text: str) -> Period:
    match = PATTERNS[ReportKind(kind)].fullmatch(text or "")
    if not match:
        raise Http404("期間の形式が正しくありません。")
    numbers = [int(part) for part in match.groups()]
    if not FIRST_YEAR <= numbers[0] <= LAST_YEAR:
        raise Http404("対象外の年です。")
    try:
        if kind == ReportKind.DAILY:
            return Period(kind, dt.date(*numbers))
        if kind == ReportKind.ANNUAL:
            return Period(kind, dt.date(numbers[0], 4, 1))
        return Period(kind, dt.date(numbers[0], numbers[1], 1))
    except ValueError:
        raise Http404("存在しない日付です。") from None


def today() -> dt.date:
    """Today in Japan (a report's day is a Tokyo day whatever the server's zone)."""
    return timezone.localdate(timezone.now(), TOKYO)


def default(kind: str, on: dt.date | None = None) -> Period:
    """Today / this month / this fiscal year: what the index offers first."""
    on = on or today()
    if kind == ReportKind.DAILY:
        return Period(kind, on)
    if kind == ReportKind.ANNUAL:
        return Period(kind, dt.date(fiscal_year_of(on), 4, 1))
    return Period(kind, on.replace(day=1))
