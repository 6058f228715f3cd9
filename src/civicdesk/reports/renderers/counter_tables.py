"""The counter reports as tables: what the page, the Excel workbook, the PDF and the CSV show,
built once from the report data (reports.selectors.counter) so every format says the same
words and the same numbers.

A table has one or more label columns (手続, 請求者 …) and figure columns, each with a kind
that decides its format: a count (1,234), minutes (12.5), a rate (the fraction 0.25, shown as
25.0%), yen, or text. A figure that could not be computed (no ticket was called: no wait) is
None: an empty cell, "—" on paper, never 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from civicdesk.core.japanese import era_date, era_year
from civicdesk.reports.selectors.counter import CounterReportKind

TEXT, COUNT, MINUTES, RATE, YEN = "text", "count", "minutes", "rate", "yen"
TOTAL_LABEL = "合計"
WEEKDAYS = "月火水木金土日"
TITLES = dict(CounterReportKind.choices)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = COUNT


@dataclass
class Row:
    labels: list[str]
    values: list
    kinds: list[str] | None = None  # per value, when the columns' kinds do not apply
    total: bool = False


@dataclass
class Table:
    key: str  # the Excel sheet's name and the CSV's 表
    title: str
    label_headers: list[str]
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def kinds(self, row: Row) -> list[str]:
        return row.kinds or [column.kind for column in self.columns]


# The ticket figures of a queue, an hour or the total, in the order supervisors read them.
TICKET_COLUMNS = (
    Column("tickets", "発券"),
    Column("called", "呼出"),
    Column("done", "完了"),
    Column("no_shows", "不在"),
    Column("not_called", "未呼出"),
    Column("wait_p50", "待ち時間 中央値（分）", MINUTES),
    Column("wait_p90", "待ち時間 90%値（分）", MINUTES),
    Column("service_p50", "対応時間 中央値（分）", MINUTES),
    Column("service_p90", "対応時間 90%値（分）", MINUTES),
    Column("within_target", "目標時間内の呼出"),
    Column("within_target_share", "目標時間内の割合", RATE),
)

# One row per day (monthly) or month (annual).
SERIES_COLUMNS = (
    Column("tickets", "発券"),
    Column("done", "完了"),
    Column("no_shows", "不在"),
    Column("wait_p50", "待ち 中央値（分）", MINUTES),
    Column("wait_p90", "待ち 90%値（分）", MINUTES),
    Column("within_target_share", "目標内の割合", RATE),
    Column("evening", "夜間延長の発券"),
    Column("designated", "指定開庁日の発券"),
    Column("minutes_after_closing", "閉庁後の対応（分）"),
    Column("requests", "受付件数"),
    Column("approved", "審査 承認"),
    Column("returned", "審査 差戻し"),
    Column("fee_amount", "手数料（円）", YEN),
    Column("bereavement", "おくやみ"),
)


def title(data: dict) -> str:
    return TITLES[data["period"]["kind"]]


def tables(data: dict) -> list[Table]:
    """Every table of the report, in the order of the page and the PDF."""
    kind = data["period"]["kind"]
    result = [summary(data)]
    if kind == CounterReportKind.MONTHLY:
        result.append(due_dates(data["due"]))
    result += [by_queue(data), by_hour(data)]
    if kind != CounterReportKind.DAILY:
        result.append(series(data))
    result += [
        requests(data["requests"]),
        requester_kinds(data["requests"]),
        reviews(data["reviews"]),
        fees(data["fees"]),
        payment_kinds(data["fees"]),
        after_closing(data["hours"]),
        bereavement(data["bereavement"]),
    ]
    return result


# --- The tables --------------------------------------------------------------------------------


def summary(data: dict) -> Table:
    tickets, hours = data["tickets"], data["hours"]
    requests, reviews, fees = data["requests"], data["reviews"], data["fees"]
    lines = [
        ("発券数", tickets["tickets"], COUNT),
        ("呼出済み", tickets["called"], COUNT),
        ("未呼出", tickets["not_called"], COUNT),
        ("完了", tickets["done"], COUNT),
        ("不在", tickets["no_shows"], COUNT),
        ("待ち時間 中央値（分）", tickets["wait_p50"], MINUTES),
        ("待ち時間 90%値（分）", tickets["wait_p90"], MINUTES),
        ("対応時間 中央値（分）", tickets["service_p50"], MINUTES),
        ("対応時間 90%値（分）", tickets["service_p90"], MINUTES),
        ("目標時間内の呼出", tickets["within_target"], COUNT),
        ("目標時間内の割合", tickets["within_target_share"], RATE),
        ("開庁日数", hours["open_days"], COUNT),
        ("夜間延長の日数", hours["evening_days"], COUNT),
        ("夜間延長時間帯の発券", hours["evening_tickets"], COUNT),
        ("指定開庁日の日数", len(hours["designated_days"]), COUNT),
        ("指定開庁日の発券", hours["designated_tickets"], COUNT),
        ("閉庁後の対応（分）", hours["minutes_after_closing"], COUNT),
        ("受付件数", requests["count"], COUNT),
        ("受付通数", requests["quantity"], COUNT),
        ("審査 承認", reviews["approved"], COUNT),
        ("審査 差戻し", reviews["returned"], COUNT),
        ("差戻しの割合", reviews["return_share"], RATE),
        ("手数料 収納件数", fees["charges"], COUNT),
        ("手数料 取消件数", fees["reversals"], COUNT),
        ("手数料 通数（取消後）", fees["quantity"], COUNT),
        ("手数料 金額（取消後・円）", fees["amount"], YEN),
        ("おくやみコーナー 件数", data["bereavement"]["cases"], COUNT),
    ]
    return Table(
        key="概要",
        title="概要",
        label_headers=["項目"],
        columns=[Column("value", "値")],
        rows=[Row([label], [value], kinds=[kind]) for label, value, kind in lines],
    )


def due_dates(due: dict) -> Table:
    columns = [Column("covers", "対象", TEXT), Column("nominal", "定めの日", TEXT)]
    columns.append(Column("due", "提出期限", TEXT))
    rows = [
        Row(
            [item["title"]],
            [month_label(item["covers"]), date_label(item["nominal"]), _due_text(item)],
        )
        for item in (due["report"], due["roster"])
    ]
    return Table(
        key="提出期限",
        title="提出期限（仕様書10: 週休日の場合は翌開庁日）",
        label_headers=["書類"],
        columns=columns,
        rows=rows,
    )


def _due_text(item: dict) -> str:
    if item["due"] is None:
        return "（窓口の業務カレンダーがありません）"
    text = date_label(item["due"])
    return f"{text}（翌開庁日）" if item["moved"] else text


def by_queue(data: dict) -> Table:
    columns = [Column("target_wait_minutes", "目標（分）"), *TICKET_COLUMNS]
    rows = [
        Row([f"{queue['code']} {queue['name']}"], _values(queue, columns))
        for queue in data["by_queue"]
    ]
    total = {**data["tickets"], "target_wait_minutes": None}
    rows.append(Row([TOTAL_LABEL], _values(total, columns), total=True))
    return Table(
        key="待ち行列別",
        title="待ち行列別の待ち時間・対応時間",
        label_headers=["待ち行列"],
        columns=columns,
        rows=rows,
        note="待ち時間は発券から最初の呼出まで。対応時間は窓口での対応（対応開始または呼出から、"
        "審査依頼・会計へ・完了・転送・保留まで）の合計。中央値・90%値は分、"
        "目標時間内の割合は呼び出した番号札のうち待ち時間が目標以内のもの。",
    )


def by_hour(data: dict) -> Table:
    rows = [Row([f"{hour['hour']}時台"], _values(hour, TICKET_COLUMNS)) for hour in data["by_hour"]]
    rows.append(Row([TOTAL_LABEL], _values(data["tickets"], TICKET_COLUMNS), total=True))
    return Table(
        key="時間帯別",
        title="発券の時間帯別",
        label_headers=["時間帯"],
        columns=list(TICKET_COLUMNS),
        rows=rows,
    )


def series(data: dict) -> Table:
    monthly = data["period"]["kind"] == CounterReportKind.MONTHLY
    label = day_label if monthly else month_label
    rows = [Row([label(row["key"])], _values(row, SERIES_COLUMNS)) for row in data["series"]]
    totals = {
        **data["tickets"],
        "minutes_after_closing": data["hours"]["minutes_after_closing"],
        "requests": data["requests"]["count"],
        "approved": data["reviews"]["approved"],
        "returned": data["reviews"]["returned"],
        "fee_amount": data["fees"]["amount"],
        "bereavement": data["bereavement"]["cases"],
    }
    rows.append(Row([TOTAL_LABEL], _values(totals, SERIES_COLUMNS), total=True))
    return Table(
        key="日別" if monthly else "月別",
        title="日別の件数" if monthly else "月別の件数",
        label_headers=["日付" if monthly else "月"],
        columns=list(SERIES_COLUMNS),
        rows=rows,
    )


def requests(figures: dict) -> Table:
    columns = [Column("count", "件数"), Column("quantity", "通数")]
    rows = [
        Row([line["name"], line["requester_label"]], _values(line, columns))
        for line in figures["lines"]
    ]
    rows.append(Row([TOTAL_LABEL, ""], _values(figures, columns), total=True))
    return Table(
        key="受付",
        title="手続・請求者別の受付件数",
        label_headers=["手続", "請求者"],
        columns=columns,
        rows=rows,
        note="取下げは含みません。",
    )


def requester_kinds(figures: dict) -> Table:
    columns = [Column("count", "件数")]
    rows = [Row([line["label"]], [line["count"]]) for line in figures["by_requester_kind"]]
    rows.append(Row([TOTAL_LABEL], [figures["count"]], total=True))
    return Table(
        key="請求者別", title="請求者別の受付件数", label_headers=["請求者"], columns=columns,
        rows=rows,
    )  # fmt: skip


def reviews(figures: dict) -> Table:
    columns = [Column("approved", "承認"), Column("returned", "差戻し")]
    rows = [Row([line["name"]], _values(line, columns)) for line in figures["lines"]]
    rows.append(Row([TOTAL_LABEL], _values(figures, columns), total=True))
    return Table(
        key="審査", title="職員の審査（承認・差戻し）", label_headers=["手続"], columns=columns,
        rows=rows,
    )  # fmt: skip


def fees(figures: dict) -> Table:
    columns = [
        Column("charges", "収納件数"),
        Column("reversals", "取消件数"),
        Column("quantity", "通数"),
        Column("amount", "金額（円）", YEN),
    ]
    rows = [
        Row([line["name"], line["payment_label"]], _values(line, columns))
        for line in figures["lines"]
    ]
    rows.append(Row([TOTAL_LABEL, ""], _values(figures, columns), total=True))
    return Table(
        key="手数料",
        title="手続・納付方法別の手数料",
        label_headers=["手続", "納付方法"],
        columns=columns,
        rows=rows,
        note="通数と金額は取消を差し引いた額です（取消はその日の負の記録）。",
    )


def payment_kinds(figures: dict) -> Table:
    columns = [Column("amount", "金額（円）", YEN)]
    rows = [Row([line["label"]], [line["amount"]]) for line in figures["by_payment_kind"]]
    rows.append(Row([TOTAL_LABEL], [figures["amount"]], total=True))
    return Table(
        key="納付方法別", title="納付方法別の手数料", label_headers=["納付方法"],
        columns=columns, rows=rows,
    )  # fmt: skip


def after_closing(hours: dict) -> Table:
    columns = [
        Column("closing", "閉庁時刻", TEXT),
        Column("last_finished", "最後の完了・不在", TEXT),
        Column("minutes", "閉庁後（分）"),
    ]
    rows = [
        Row([day_label(row["date"])], _values(row, columns)) for row in hours["days_after_closing"]
    ]
    rows.append(Row([TOTAL_LABEL], ["", "", hours["minutes_after_closing"]], total=True))
    return Table(
        key="閉庁後の対応",
        title="閉庁後の対応（開庁時間内に受け付けた方への対応）",
        label_headers=["日付"],
        columns=columns,
        rows=rows,
        note="閉庁時刻から、その日の番号札の最後の完了・不在までの分（秒は切り捨て）。",
    )


def bereavement(figures: dict) -> Table:
    rows = [Row([line["label"]], [line["count"]]) for line in figures["by_status"]]
    rows.append(Row(["件数（取消を除く）"], [figures["cases"]], total=True))
    return Table(
        key="おくやみ", title="おくやみコーナー（予約日時で集計）", label_headers=["状態"],
        columns=[Column("count", "件数")], rows=rows,
    )  # fmt: skip


def _values(figures: dict, columns) -> list:
    return [figures.get(column.key) for column in columns]


# --- Labels ------------------------------------------------------------------------------------


def day_label(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def date_label(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{era_date(day)}（{WEEKDAYS[day.weekday()]}）"


def month_label(month: str) -> str:
    first = dt.date.fromisoformat(f"{month}-01")
    return f"{era_year(first)}{first.month}月"


# --- Numbers -----------------------------------------------------------------------------------

NOTHING = "—"


def formatted(value, kind: str) -> str:
    """The value as the page and the PDF print it."""
    if value is None or value == "":
        return NOTHING if kind != TEXT else ""
    if kind == TEXT:
        return str(value)
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == MINUTES:
        return f"{value:,.1f}"
    if kind == YEN:
        return f"{value:,}円"
    return f"{value:,}"
