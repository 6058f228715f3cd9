"""`civicdesk report`: a report to stdout or a file.

    civicdesk report daily --date 2025-05-12 --format json
    civicdesk report night --month 2025-05 --format csv --out 夜間.csv
    civicdesk report monthly --month 2025-05 --format xlsx --out 月次.xlsx
    civicdesk report annual --year 2025 --format pdf --out 年度.pdf
    civicdesk report counter-daily --date 2026-06-10 --format json
    civicdesk report counter-monthly --month 2026-06 --format xlsx --out 窓口月次.xlsx
    civicdesk report counter-annual --year 2026 --format csv --out 窓口年度.csv
    civicdesk report cards-daily --date 2026-06-10 --format json
    civicdesk report cards-monthly --month 2026-06 --format csv --encoding utf-8

JSON: {"period": …, "by_revenue_type": {"nhi": {…}, …}, "total": {…}} (docs/reports.md); rates
are fractions. The counter reports (counter-daily | counter-monthly | counter-annual) carry the
counter's figures (docs/counter.md: tickets, waits, requests, reviews, fees); the card reports
(cards-daily | cards-monthly) the card issuance's figures per venue (bookings, slots, visits,
cards, calls, reconciliation), their CSV in CP932 or, with --encoding utf-8, UTF-8. Binary formats
need --out; an existing file is never overwritten. Errors go to stderr in Japanese with exit
status 1.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys

from django.core.management.base import BaseCommand, CommandError

from civicdesk.core.models import Municipality
from civicdesk.reports import renderers
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.renderers import cards as cards_renderers
from civicdesk.reports.renderers import counter as counter_renderers
from civicdesk.reports.selectors import cards as cards_selectors
from civicdesk.reports.selectors import counter as counter_selectors
from civicdesk.reports.selectors import reports as selectors

FORMATS = ("json", "xlsx", "pdf", "csv")
TEXT_FORMATS = ("json", "csv")
YEARS = (2000, 2100)
COUNTER_KINDS = counter_selectors.CounterReportKind
CARDS_KINDS = cards_selectors.CardsReportKind
KINDS = [*ReportKind.values, *COUNTER_KINDS.values, *CARDS_KINDS.values]
ENCODINGS = ("cp932", "utf-8")


class Command(BaseCommand):
    help = (
        "業務報告書を出力します（日次・夜間・月次・年度、窓口業務の日次・月次・年度、"
        "マイナンバーカード交付の日次・月次。"
        "JSON / Excel / PDF / CSV）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help=" | ".join(KINDS))
        parser.add_argument("--date", help="日次: 対象日（例 2025-05-12）")
        parser.add_argument("--month", help="夜間・月次: 対象月（例 2025-05）")
        parser.add_argument("--year", help="年度: 対象年度（例 2025 = 令和7年度）")
        parser.add_argument("--format", choices=FORMATS, default="json", help="出力形式")
        parser.add_argument("--out", help="出力するファイル（json・csv は省略時に標準出力）")
        parser.add_argument(
            "--encoding",
            choices=ENCODINGS,
            default="cp932",
            help="CSV の文字コード（カード交付の報告書のみ。既定 cp932）",
        )

    def handle(self, *args, kind, format, out, encoding, **options):
        municipality = Municipality.objects.default()
        if municipality is None:
            raise CommandError("自治体が登録されていません。")
        data = build(municipality, kind, options)
        if format == "json":
            content = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
        elif kind in CARDS_KINDS.values:
            content = cards_renderers.render(
                data, format, municipality_name=municipality.name, encoding=encoding
            )
        elif kind in COUNTER_KINDS.values:
            content = counter_renderers.render(data, format, municipality_name=municipality.name)
        else:
            content = renderers.render(data, format)
        write(content, format, out, self.stdout)


def build(municipality, kind: str, options) -> dict:
    if kind == CARDS_KINDS.DAILY:
        return cards_selectors.cards_daily_report(municipality, _date(options["date"]))
    if kind == CARDS_KINDS.MONTHLY:
        return cards_selectors.cards_monthly_report(municipality, *_month(options["month"]))
    if kind == COUNTER_KINDS.DAILY:
        return counter_selectors.counter_daily_report(municipality, _date(options["date"]))
    if kind == COUNTER_KINDS.MONTHLY:
        return counter_selectors.counter_monthly_report(municipality, *_month(options["month"]))
    if kind == COUNTER_KINDS.ANNUAL:
        return counter_selectors.counter_annual_report(municipality, _year(options["year"]))
    if kind == ReportKind.DAILY:
        return selectors.daily_report(municipality, _date(options["date"]))
    if kind in (ReportKind.NIGHT, ReportKind.MONTHLY):
        year, month = _month(options["month"])
        builder = selectors.night_report if kind == ReportKind.NIGHT else selectors.monthly_report
        return builder(municipality, year, month)
    return selectors.annual_report(municipality, _year(options["year"]))


def _date(value: str | None) -> dt.date:
    try:
        day = dt.date.fromisoformat(value or "")
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValueError(value)
        return day
    except ValueError:
        raise CommandError(f"--date は 2025-05-12 の形で指定してください（{value!r}）。") from None


def _year(value: str | None) -> int:
    if value is None:
        raise CommandError("--year（年度。例 2025）を指定してください。")
    if not re.fullmatch(r"\d{4}", value) or not YEARS[0] <= int(value) <= YEARS[1]:
        raise CommandError(
            f"--year は 2025 の形（年度の始まりの西暦年）で指定してください（{value!r}）。"
        )
    return int(value)


def _month(value: str | None) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value or "")
    if (
        not match
        or not 1 <= int(match.group(2)) <= 12
        or not YEARS[0] <= int(match.group(1)) <= YEARS[1]
    ):
        raise CommandError(f"--month は 2025-05 の形で指定してください（{value!r}）。")
    return int(match.group(1)), int(match.group(2))


def write(content: bytes, format: str, out: str | None, stdout) -> None:
    if out is None:
        if format not in TEXT_FORMATS:
            raise CommandError(f"--format {format} には --out（出力ファイル）が必要です。")
        stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    try:
        with open(out, "xb") as handle:
            handle.write(content)
    except FileExistsError:
        raise CommandError(f"{out} は既にあります（上書きしません）。") from None
    except OSError as error:
        raise CommandError(f"{out} に書き込めません（{error.strerror}）。") from None
