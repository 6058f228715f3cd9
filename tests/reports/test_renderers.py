"""The report files (Excel, PDF, CSV) read back: the numbers in them are the report's numbers.

One day of contacts (2025-05-12, a Monday) whose figures are worked out by hand below, plus one
call the next day so the month has two days with calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from civicdesk.core.calendar import TOKYO
from civicdesk.core.choices import ContactChannel, ContactParty, RevenueType
from civicdesk.dunning.choices import ContactOutcome, HandOverReason, PromiseStatus
from civicdesk.dunning.models import HandOver
from civicdesk.reports import renderers
from civicdesk.reports.choices import TargetChannel
from civicdesk.reports.models import Target
from civicdesk.reports.selectors import reports as selectors
from civicdesk.reports.services.reports import finalise_report, save_report_remarks
from tests.dunning.factories import ContactFactory, cover, make_promise
from tests.pdf import pdftotext
from tests.registry.factories import AccountFactory, ObligorFactory

DAY = dt.date(2025, 5, 12)
NEXT_DAY = dt.date(2025, 5, 13)
HOT_VOICE_NOTE = "=来週まとめて払うと言っていた"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


@pytest.fixture
def contacts(municipality, operator):
    """Four contacts on DAY (three calls, one visit) and one call on NEXT_DAY.

    by hand, DAY: calls 3 (nhi 3, resident tax 2), reached calls 2 (nhi 2, resident tax 1),
    reached contacts 3 (with the visit, ltc), one promise (nhi), due and kept the same day;
    one hand-over (納付困難).
    """
    a, b, c, d = (ObligorFactory(municipality=municipality) for _ in range(4))
    a_nhi = AccountFactory(obligor=a, revenue_type=RevenueType.NHI)
    b_nhi = AccountFactory(obligor=b, revenue_type=RevenueType.NHI)
    b_tax = AccountFactory(obligor=b, revenue_type=RevenueType.RESIDENT_TAX)
    c_ltc = AccountFactory(obligor=c, revenue_type=RevenueType.LTC)
    d_nhi = AccountFactory(obligor=d, revenue_type=RevenueType.NHI)
    promised = cover(
        ContactFactory(obligor=a, party=ContactParty.SELF, outcome=ContactOutcome.PROMISE,
                       at=at(DAY, 10)),
        a_nhi,
    )  # fmt: skip
    make_promise(promised, a_nhi, promised_on=DAY, status=PromiseStatus.KEPT)
    cover(
        ContactFactory(obligor=b, party=ContactParty.NONE, outcome=ContactOutcome.NO_ANSWER,
                       at=at(DAY, 11)),
        b_nhi, b_tax,
    )  # fmt: skip
    cover(
        ContactFactory(obligor=b, party=ContactParty.FAMILY, outcome=ContactOutcome.MESSAGE_LEFT,
                       at=at(DAY, 18), night=True, hot_voice=True, note=HOT_VOICE_NOTE),
        b_nhi, b_tax,
    )  # fmt: skip
    cover(
        ContactFactory(obligor=c, channel=ContactChannel.VISIT, party=ContactParty.SELF,
                       outcome=ContactOutcome.WILL_PAY, at=at(DAY, 14)),
        c_ltc,
    )  # fmt: skip
    cover(
        ContactFactory(obligor=d, party=ContactParty.SELF, outcome=ContactOutcome.REFUSAL,
                       at=at(NEXT_DAY, 10)),
        d_nhi,
    )  # fmt: skip
    hand_over = HandOver.objects.create(
        municipality=municipality, obligor=b, reason=HandOverReason.HARDSHIP,
        note="収入が途絶えたとのこと", created_by=operator,
    )  # fmt: skip
    HandOver.objects.filter(pk=hand_over.pk).update(created_at=at(DAY, 18, 5))
    return municipality


# --- Excel ---------------------------------------------------------------------------------------


def _workbook(data: dict):
    return load_workbook(io.BytesIO(renderers.render(data, "xlsx")))


def _table(sheet) -> tuple[list, dict]:
    """The headers (row 3) and label → row values, read from the sheet."""
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    return list(rows[0]), {row[0]: list(row) for row in rows[1:] if row[0] is not None}


def test_daily_workbook_figures_are_numbers_and_rates_are_the_json_fractions(contacts):
    data = selectors.daily_report(contacts, DAY)
    sheet = _workbook(data)["概要"]
    headers, rows = _table(sheet)
    total = dict(zip(headers, rows["合計"], strict=True))
    nhi = dict(zip(headers, rows[RevenueType.NHI.label], strict=True))
    assert total["架電件数"] == 3 and isinstance(total["架電件数"], int)
    assert total["対話（架電）"] == 2
    assert total["対話率"] == pytest.approx(2 / 3, abs=1e-4) == data["total"]["reach_rate"]
    assert total["対話（全区分）"] == 3
    assert total["納付約束"] == 1
    assert total["納付約束率"] == pytest.approx(1 / 3, abs=1e-4)
    assert total["納付約束率"] == data["total"]["promise_rate"]
    assert total["履行率"] == 1.0
    assert nhi["架電件数"] == 3 and nhi["納付約束率"] == 0.5


def test_rates_are_formatted_as_percentages_and_counts_as_numbers(contacts):
    sheet = _workbook(selectors.daily_report(contacts, DAY))["概要"]
    headers = [cell.value for cell in sheet[3]]
    total_row = next(row for row in sheet.iter_rows(min_row=4) if row[0].value == "合計")
    rate = total_row[headers.index("対話率")]
    count = total_row[headers.index("架電件数")]
    assert rate.number_format == "0.0%"
    assert count.data_type == "n" and count.number_format == "#,##0"


def test_a_rate_of_nothing_is_an_empty_cell_not_zero(contacts):
    # ltc had a visit and no call: its reach rate (calls reached ÷ calls) has no denominator.
    headers, rows = _table(_workbook(selectors.daily_report(contacts, DAY))["概要"])
    ltc = dict(zip(headers, rows[RevenueType.LTC.label], strict=True))
    assert ltc["対話率"] is None
    assert ltc["訪問"] == 1


def test_daily_workbook_has_calls_by_result_hot_voice_and_remarks(contacts, supervisor):
    save_report_remarks(acting_user=supervisor, kind="daily", period=DAY, remarks="架電は順調。")
    workbook = _workbook(selectors.daily_report(contacts, DAY))
    assert {"概要", "架電結果", "引継ぎ", "ホットボイス", "所感"} <= set(workbook.sheetnames)
    headers, outcomes = _table(workbook["架電結果"])
    total_column = headers.index("合計")
    assert outcomes[ContactOutcome.PROMISE.label][total_column] == 1
    assert outcomes[ContactOutcome.NO_ANSWER.label][total_column] == 1
    assert outcomes[ContactOutcome.MESSAGE_LEFT.label][total_column] == 1
    hot_voice = list(workbook["ホットボイス"].iter_rows(min_row=4, values_only=True))
    # A resident's words never become a formula in Excel.
    assert hot_voice == [("18:00", "架電", "'" + HOT_VOICE_NOTE)]
    _headers, hand_overs = _table(workbook["引継ぎ"])
    assert hand_overs[HandOverReason.HARDSHIP.label][1] == 1
    remarks = {row[0]: row[1] for row in workbook["所感"].iter_rows(min_row=3, values_only=True)}
    assert remarks["所感・特記事項"] == "架電は順調。"


def test_monthly_workbook_has_a_chart_on_the_daily_sheet_and_the_days_add_up(contacts):
    data = selectors.monthly_report(contacts, 2025, 5)
    workbook = _workbook(data)
    days = workbook["日別"]
    assert len(days._charts) == 1
    headers, rows = _table(days)
    assert len(rows) == 31
    attempts = headers.index("架電件数")
    assert rows[dt.datetime(2025, 5, 12)][attempts] == 3
    assert rows[dt.datetime(2025, 5, 13)][attempts] == 1
    assert sum(row[attempts] for row in rows.values()) == 4 == data["total"]["attempts"]
    summary_headers, summary = _table(workbook["概要"])
    assert summary["合計"][summary_headers.index("架電件数")] == 4
    assert summary["前月（合計）"][summary_headers.index("架電件数")] == 0


def test_monthly_workbook_targets_show_plan_done_pacing_achieved_and_forecast(contacts):
    Target.objects.create(
        municipality=contacts, fiscal_year=2025, label="国民健康保険料", revenue_types=["nhi"],
        channel=TargetChannel.CALL, count=1_200,
    )  # fmt: skip
    data = selectors.monthly_report(contacts, 2025, 5)
    headers, rows = _table(_workbook(data)["目標"])
    line = dict(zip(headers, rows["国民健康保険料"], strict=True))
    # May is the second month of the fiscal year: 1,200 × 2 / 12 = 200 by its end.
    assert line["予定件数"] == 1_200
    assert line["実績"] == 4  # the four nhi calls
    assert line["月割り"] == 200
    assert line["達成率"] == pytest.approx(4 / 1_200, abs=1e-4)
    # 4 calls in the 61 days to 31 May, over the 365 days of the fiscal year.
    assert line["見込み"] == round(4 * 365 / 61)


def test_annual_workbook_has_a_chart_of_the_months(contacts):
    data = selectors.annual_report(contacts, 2025)
    workbook = _workbook(data)
    months = workbook["月別"]
    assert len(months._charts) == 1
    headers, rows = _table(months)
    assert next(iter(rows)) == "令和7年4月" and len(rows) == 12
    assert rows["令和7年5月"][headers.index("架電件数")] == 4


def test_night_workbook_has_one_row_per_day_and_a_total(contacts):
    headers, rows = _table(_workbook(selectors.night_report(contacts, 2025, 5))["夜間"])
    assert len(rows) == 32  # 31 days and 合計
    night_calls = headers.index("夜間架電（対話）")
    assert rows[dt.datetime(2025, 5, 12)][night_calls] == 1
    assert rows[dt.datetime(2025, 5, 12)][headers.index("曜日")] == "月"
    assert rows["合計"][night_calls] == 1


# --- PDF -----------------------------------------------------------------------------------------


def test_daily_pdf_names_municipality_period_figures_and_finalised_version(contacts, supervisor):
    save_report_remarks(acting_user=supervisor, kind="daily", period=DAY, remarks="夜間に対話あり")
    finalise_report(acting_user=supervisor, kind="daily", period=DAY)
    text = pdftotext(renderers.render(selectors.daily_report(contacts, DAY), "pdf"))
    assert "令和7年5月12日" in text
    assert contacts.name in text
    assert "日次報告書" in text
    assert "第1版（確定）" in text
    assert "66.7%" in text  # the reach rate, 2 of 3 calls
    assert "夜間に対話あり" in text
    assert HOT_VOICE_NOTE in text


def test_a_draft_report_is_marked_in_progress(contacts):
    text = pdftotext(renderers.render(selectors.daily_report(contacts, DAY), "pdf"))
    assert "作成中" in text
    assert "確定）" not in text


def test_monthly_pdf_has_the_chart_targets_and_proposals(contacts, supervisor):
    save_report_remarks(
        acting_user=supervisor, kind="monthly", period=dt.date(2025, 5, 1),
        remarks="月の所感", proposals="夜間架電を増やす",
    )  # fmt: skip
    text = pdftotext(renderers.render(selectors.monthly_report(contacts, 2025, 5), "pdf"))
    assert "令和7年5月" in text and "月次報告書" in text
    assert "日別の架電・対話・納付約束" in text  # the SVG chart's title, drawn as text
    assert "前年同月" in text
    assert "夜間架電を増やす" in text
    assert "作成中" in text


def test_night_and_annual_pdfs_carry_their_period_and_no_version_mark(contacts):
    night = pdftotext(renderers.render(selectors.night_report(contacts, 2025, 5), "pdf"))
    annual = pdftotext(renderers.render(selectors.annual_report(contacts, 2025), "pdf"))
    assert "夜間電話・訪問催告件数票" in night and "令和7年5月" in night
    assert "R7.5.12" in night
    assert "令和7年度" in annual and "月別の架電・対話・納付約束" in annual
    assert "作成中" not in night + annual


# --- CSV -----------------------------------------------------------------------------------------


def _csv_rows(content: bytes) -> list[list[str]]:
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(content.decode("cp932"), newline="")))


def _number(text: str):
    return None if text == "" else float(text) if "." in text else int(text)


def test_daily_csv_is_cp932_with_a_row_per_revenue_type_and_a_total_equal_to_the_json(contacts):
    data = selectors.daily_report(contacts, DAY)
    header, *rows = _csv_rows(renderers.render(data, "csv"))
    assert header[:4] == ["税目・保険料", "架電件数", "対話（架電）", "対話率"]
    assert [row[0] for row in rows] == [*RevenueType.labels, "合計"]
    total = dict(zip(header, rows[-1], strict=True))
    assert _number(total["架電件数"]) == 3 == data["total"]["attempts"]
    assert _number(total["対話率"]) == data["total"]["reach_rate"]
    assert _number(total["納付約束率"]) == data["total"]["promise_rate"]
    assert _number(total["履行率"]) == data["total"]["kept_rate"]


def test_monthly_and_annual_csv_totals_equal_the_json(contacts):
    for data in (
        selectors.monthly_report(contacts, 2025, 5),
        selectors.annual_report(contacts, 2025),
    ):
        header, *rows = _csv_rows(renderers.render(data, "csv"))
        total = dict(zip(header, rows[-1], strict=True))
        assert total["税目・保険料"] == "合計"
        assert _number(total["架電件数"]) == 4 == data["total"]["attempts"]
        assert _number(total["対話（全区分）"]) == data["total"]["reached"] == 4


def test_night_csv_has_one_row_per_day_and_the_total(contacts):
    header, *rows = _csv_rows(renderers.render(selectors.night_report(contacts, 2025, 5), "csv"))
    assert header == ["日付", "曜日", "夜間架電（対話）", "夜間架電（不通）", "夜間訪問（面談）",
                      "夜間訪問（不在）"]  # fmt: skip
    assert len(rows) == 32
    assert rows[11] == ["2025-05-12", "月", "1", "0", "0", "0"]
    assert rows[-1] == ["合計", "", "1", "0", "0", "0"]


# --- Dispatch ------------------------------------------------------------------------------------


def test_an_unknown_format_or_kind_is_refused(contacts):
    data = selectors.daily_report(contacts, DAY)
    with pytest.raises(ValueError, match="format"):
        renderers.render(data, "docx")
    with pytest.raises(ValueError, match="kind"):
        renderers.render({**data, "period": {**data["period"], "kind": "weekly"}}, "csv")
