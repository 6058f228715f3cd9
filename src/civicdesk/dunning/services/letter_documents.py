"""What a reminder letter (催告書) looks like: the letter as data, its installments as aligned
lines, the center's hours from the calls calendar, the PDF (WeasyPrint, in parallel) and the
Excel list. No database writes here: services.letters decides whom and writes.

Layout speed (1,000 letters within 60 s on two cores, bench letters_pdf): WeasyPrint spends
most of a page on boxes, not glyphs. Measured on this machine, one process: a 12-row
``<table>`` ~160 ms/page, CSS grid ~130, absolutely placed cells ~90–180, and the same rows as
monospaced lines in one ``<pre>`` ~33 ms/page. So the installments are lines padded here by
display width (a full-width character is two half-width cells in Noto Sans Mono CJK).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from civicdesk.core import calendar, pdf
from civicdesk.core.calendar import Service
from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import era_date, fiscal_year_label, yen
from civicdesk.core.models.calendar import DesignatedDay, Weekday
from civicdesk.privacy.field_policy import allowed_fields

# At most this many installment rows on a letter; the rest is one 「ほか N 期」 row, so a
# letter is always one page.
MAX_LINES = 15
# Letters per HTML document handed to a PDF worker: big enough that the per-document cost
# (stylesheet, fonts) is small, small enough that the workers share the work evenly.
CHUNK_MAX = 100
CHUNK_MIN = 10
# How far ahead the calls calendar is read for the hours printed on the letters.
HOURS_WEEKS = 8
XLSX_HEADERS = ("番号/頁", "宛名番号", "氏名", "郵便番号", "住所", "税目", "未納額", "期数")
XLSX_WIDTHS = (9, 14, 22, 10, 48, 30, 14, 8)
# Fields every letter prints (besides the installments): without them it cannot be mailed.
ADDRESS_FIELDS = ("name", "address")


# --- A letter as data ------------------------------------------------------------------------


@dataclass
class Letter:
    """One letter: one person, one revenue type, only the fields its policy allows."""

    obligor_id: int
    work_item_id: int | None
    revenue_type: str
    resident_no: str
    name: str
    postal_code: str
    address: str
    address_extra: str
    account_ids: list[int]
    case_nos: list[str]
    insured_nos: list[str]
    lines_text: str
    total: int
    period_count: int
    show_amounts: bool
    fields: list[str] = field(default_factory=list)

    @property
    def revenue_type_label(self) -> str:
        return str(RevenueType(self.revenue_type).label)


class LetterProblem(ValueError):
    """This letter cannot be printed; the message names the person and why (Japanese)."""


def build_letter(obligor: dict, item_id, revenue_type: str, accounts, installments) -> Letter:
    """One letter from the selector's rows, with only the fields the revenue type's policy
    allows under purpose "calls" (the center's purpose; a letter is its written call)."""
    allowed = allowed_fields(revenue_type, "calls")
    label = RevenueType(revenue_type).label
    if any(name not in allowed for name in ADDRESS_FIELDS):
        raise LetterProblem(
            f"宛名番号 {obligor['resident_no']}（{label}）: 個人情報の取扱い方針で氏名・住所を"
            "印字できないため、催告書を作成できません。"
        )
    if not obligor["address"].strip():
        raise LetterProblem(f"宛名番号 {obligor['resident_no']}: 住所が登録されていません。")
    rows = [row for account in accounts for row in installments[account["pk"]]]
    rows.sort(key=lambda row: (row["fiscal_year"], row["due_date"], row["period"]))
    insured = []
    if "insured_no" in allowed:
        insured = [a["insured_no"] for a in accounts if a["insured_no"]]
    fields = ["resident_no", "case_no", "revenue_type", *ADDRESS_FIELDS]
    fields += [name for name in ("postal_code", "address_extra") if name in allowed]
    fields += [name for name in LINE_COLUMNS if name in allowed]
    fields += ["insured_no"] if insured else []
    return Letter(
        obligor_id=obligor["pk"],
        work_item_id=item_id,
        revenue_type=revenue_type,
        resident_no=obligor["resident_no"],
        name=obligor["name"],
        postal_code=obligor["postal_code"] if "postal_code" in allowed else "",
        address=obligor["address"],
        address_extra=obligor["address_extra"] if "address_extra" in allowed else "",
        account_ids=[a["pk"] for a in accounts],
        case_nos=[a["case_no"] for a in accounts],
        insured_nos=insured,
        lines_text=lines_text(rows, allowed),
        total=sum(row["unpaid"] for row in rows),
        period_count=len(rows),
        show_amounts="unpaid" in allowed,
        fields=fields,
    )


# --- The installments as aligned monospaced lines --------------------------------------------

# column → (heading, width in half-width cells, right-aligned)
LINE_COLUMNS = {
    "fiscal_year": ("年度", 12, False),
    "period": ("期別", 8, False),
    "due_date": ("納期限", 18, False),
    "unpaid": ("未納額", 14, True),
}


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "FW" else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * max(width - _cells(text), 0)
    return space + text if right else text + space


def _cell_value(name: str, row: dict) -> str:
    if name == "fiscal_year":
        return fiscal_year_label(row["fiscal_year"])
    if name == "period":
        period = str(row["period"])
        return f"第{period}期" if period.isdigit() else period
    if name == "due_date":
        return era_date(row["due_date"])
    return yen(row["unpaid"])


def lines_text(rows: list[dict], allowed) -> str:
    """Heading, a rule, at most MAX_LINES rows and 「ほか N 期」 with their sum: only the
    columns the policy allows (a column it does not is left out, heading and all)."""
    columns = [(name, *spec) for name, spec in LINE_COLUMNS.items() if name in allowed]
    if not columns:
        return f"未納 {len(rows)} 期"
    width = sum(spec_width for _n, _h, spec_width, _r in columns)
    lines = ["".join(_pad(heading, w, right) for _n, heading, w, right in columns)]
    lines.append("─" * (width // 2))
    for row in rows[:MAX_LINES]:
        lines.append("".join(_pad(_cell_value(n, row), w, r) for n, _h, w, r in columns))
    rest = rows[MAX_LINES:]
    if rest:
        label = f"ほか {len(rest)} 期"
        amount = yen(sum(row["unpaid"] for row in rest)) if "unpaid" in allowed else ""
        head_width = width - (14 if "unpaid" in allowed else 0)
        lines.append(_pad(label, head_width, False) + (_pad(amount, 14, True) if amount else ""))
    return "\n".join(line.rstrip() for line in lines)


# --- The calls calendar's hours, in one line -------------------------------------------------


def hours_summary(municipality, start: dt.date, *, weeks: int = HOURS_WEEKS) -> str:
    """「平日 8:30〜17:15（水曜日は19:00まで）・第二土曜日 9:00〜17:00（祝日・年末年始を除く）」
    from the calls calendar's days of the coming weeks (one-off designated days left out).

    Raises CalendarError when the municipality has no calls calendar.
    """
    end = start + dt.timedelta(days=weeks * 7 - 1)
    business = calendar.get_calendar(Service.CALLS, municipality)
    designated = set(
        DesignatedDay.objects.filter(calendar=business, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    groups: dict[str, list] = {}
    for info in calendar.days(Service.CALLS, start, end, municipality=municipality):
        if info.open and info.hours and info.date not in designated:
            groups.setdefault(info.reason, []).append(info)
    parts = [
        _group_text(label, infos)
        for label, infos in sorted(
            groups.items(), key=lambda pair: (min(i.date.weekday() for i in pair[1]), pair[0])
        )
    ]
    closed = [name for name, on in (("祝日", business.closed_on_national_holidays),
                                     ("年末年始", business.year_end_closure)) if on]  # fmt: skip
    text = "・".join(parts)
    return f"{text}（{'・'.join(closed)}を除く）" if closed and text else text


def _most_common(infos) -> tuple:
    return Counter(tuple(info.hours) for info in infos).most_common(1)[0][0]


def _group_text(label: str, infos) -> str:
    base = _most_common(infos)
    exceptions = []
    for weekday in sorted({info.date.weekday() for info in infos}):
        hours = _most_common([info for info in infos if info.date.weekday() == weekday])
        if hours == base:
            continue
        name = Weekday(weekday).label
        if len(hours) == 1 and len(base) == 1 and hours[0][0] == base[0][0]:
            exceptions.append(f"{name}は{calendar.format_time(hours[0][1])}まで")
        else:
            exceptions.append(f"{name}は{calendar.format_hours(list(hours))}")
    text = f"{label} {calendar.format_hours(list(base))}"
    return f"{text}（{'、'.join(exceptions)}）" if exceptions else text


# --- Rendering -------------------------------------------------------------------------------


def render_letters(
    letters: list[Letter],
    *,
    municipality,
    hours_text: str,
    issued_on: dt.date,
    workers: int | None = None,
) -> bytes:
    """The batch's PDF: one page per letter, in the given order (laid out in parallel)."""
    common = {
        "issued_on": issued_on,
        "municipality_name": municipality.name,
        "center_name": municipality.contact_center_name or municipality.name,
        "center_phone": municipality.contact_center_phone,
        "hours_text": hours_text,
    }
    pages = [
        render_to_string(f"print/letters/{letter.revenue_type}.html", {**common, "letter": letter})
        for letter in letters
    ]
    workers = workers or settings.PDF_WORKERS
    size = max(CHUNK_MIN, min(CHUNK_MAX, math.ceil(len(pages) / max(workers, 1))))
    documents = [
        render_to_string(
            "print/letters/document.html",
            {"letters": [mark_safe(page) for page in pages[start : start + size]]},
        )
        for start in range(0, len(pages), size)
    ]
    return pdf.render_pdf_parallel(documents, workers=workers)


def letter_list_xlsx(letters: list[Letter]) -> bytes:
    """The batch's list (one row per letter, its page) for the envelope work and the files."""
    book = Workbook()
    sheet = book.active
    sheet.title = "催告書一覧"
    sheet.append(list(XLSX_HEADERS))
    for page, letter in enumerate(letters, 1):
        address = " ".join(part for part in (letter.address, letter.address_extra) if part)
        sheet.append([
            page, letter.resident_no, letter.name, letter.postal_code, address,
            letter.revenue_type_label, letter.total if letter.show_amounts else None,
            letter.period_count,
        ])  # fmt: skip
    for index, width in enumerate(XLSX_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        row[0].number_format = "#,##0"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_HEADERS))}{len(letters) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
