"""The card reports as tables: what the page, the Excel workbook, the PDF and the CSV show,
built once from the report data (reports.selectors.cards) so every format says the same words
and the same numbers. The table shapes (Column, Row, Table) and number formats are the counter
reports' (counter_tables): one look for every report of the center.
"""

from __future__ import annotations

from civicdesk.cards.choices import Channel, SeatPool
from civicdesk.reports.renderers.counter_tables import (
    RATE,
    TEXT,
    TOTAL_LABEL,
    Column,
    Row,
    Table,
    day_label,
)
from civicdesk.reports.selectors.cards import CardsReportKind

TITLES = dict(CardsReportKind.choices)
CLOSED, NOT_CLOSED, NO_OPENING = "締め済", "未締め", "閉場日"

BOOKING_COLUMNS = (
    *(Column(f"bookings_{value}", f"予約 {label}") for value, label in Channel.choices),
    Column("bookings", "予約 計"),
    Column("changed", "予約変更"),
    Column("cancelled", "予約取消"),
)
SLOT_COLUMNS = (
    Column("slots", "枠数"),
    *(Column(f"capacity_{value}", f"席数 {label}") for value, label in SeatPool.choices),
    Column("capacity", "席数 計"),
    *(Column(f"booked_{value}", f"予約席 {label}") for value, label in SeatPool.choices),
    Column("booked", "予約席 計"),
    Column("use_share", "予約率", RATE),
    Column("attended", "来場"),
    Column("no_shows", "不来場"),
)
CARD_COLUMNS = (
    Column("issued", "交付"),
    Column("returned", "区へ返却"),
    Column("failed", "交付不可"),
)
# A row per day: the figures staff follow through the month.
DAY_COLUMNS = (
    Column("bookings", "予約"),
    Column("changed", "予約変更"),
    Column("cancelled", "予約取消"),
    Column("capacity", "席数"),
    Column("booked", "予約席"),
    Column("attended", "来場"),
    Column("no_shows", "不来場"),
    Column("issued", "交付"),
    Column("returned", "区へ返却"),
    Column("failed", "交付不可"),
)


def title(data: dict) -> str:
    return TITLES[data["period"]["kind"]]


def tables(data: dict) -> list[Table]:
    """Every table of the report, in the order of the page and the PDF."""
    daily = data["period"]["kind"] == CardsReportKind.DAILY
    result = [
        by_venue(data, "予約", "会場別の予約（予約を受け付けた日で集計）", BOOKING_COLUMNS),
        by_venue(data, "枠と来場", "会場別の予約枠・来場（枠の日で集計）", SLOT_COLUMNS),
        by_venue(data, "カード", "会場別のカードの交付・返却・交付不可", CARD_COLUMNS),
        venue_day(data) if daily else venue_days(data),
        reissued_and_calls(data),
        reconciliation(data) if daily else reconciliation_days(data),
    ]
    if not daily:
        result.append(series(data, None))
        result += [series(data, venue) for venue in data["venues"]]
    return result


def by_venue(data: dict, key: str, heading: str, columns) -> Table:
    rows = [Row([venue["short_name"]], _values(venue, columns)) for venue in data["by_venue"]]
    rows.append(Row([TOTAL_LABEL], _values(data["total"], columns), total=True))
    note = ""
    if key == "枠と来場":
        note = "予約率は予約席（取消後）を席数で割ったもの。来場・不来場はその日の枠の予約の結果。"
    return Table(
        key=key, title=heading, label_headers=["会場"], columns=list(columns), rows=rows, note=note
    )


def venue_day(data: dict) -> Table:
    columns = [
        Column("state", "日締め", TEXT),
        Column("difference", "差異（実数－帳簿）"),
        Column("explained", "差異の説明", TEXT),
    ]
    rows = []
    for venue in data["by_venue"]:
        state = venue["venue_day"]
        rows.append(
            Row(
                [venue["short_name"]],
                [
                    _venue_day_text(state),
                    state["difference"],
                    _explained(state),
                ],
            )
        )
    return Table(
        key="会場の日締め",
        title="会場の日締め（前日残＋受領－交付－返却－交付不可＝実数）",
        label_headers=["会場"],
        columns=columns,
        rows=rows,
    )


def venue_days(data: dict) -> Table:
    columns = [
        Column("open_days", "開場日数"),
        Column("open_days_not_closed", "開場日のうち未締め"),
        Column("closed_days", "締めた日数"),
        Column("days_with_difference", "差異のあった日数"),
        Column("difference", "差異の合計"),
    ]
    rows = [Row([venue["short_name"]], _values(venue["venue_days"], columns))
            for venue in data["by_venue"]]  # fmt: skip
    return Table(
        key="会場の日締め",
        title="会場の日締め（前日残＋受領－交付－返却－交付不可＝実数）",
        label_headers=["会場"],
        columns=columns,
        rows=rows,
    )


def reissued_and_calls(data: dict) -> Table:
    rows = [Row(["交付通知書の再発行"], [data["notices_reissued"]])]
    rows += [Row([f"受電 {line['label']}"], [line["count"]]) for line in data["calls"]["by_type"]]
    rows.append(Row(["受電 計"], [data["calls"]["total"]], total=True))
    return Table(
        key="再発行・受電",
        title="交付通知書の再発行とコールセンターの受電（区全体）",
        label_headers=["項目"],
        columns=[Column("count", "件数")],
        rows=rows,
        note="受電の種別は別紙④ 第2条(1) ア～オ。",
    )


RECONCILIATION_LINES = (
    ("notices_received", "交付通知書 受領数"),
    ("notices_mailed", "交付通知書 発送数"),
    ("notices_pending", "交付通知書 発送前"),
    ("notices_difference", "交付通知書 差異"),
    ("cards_received", "カード 受領数"),
    ("cards_transferred", "カード 会場への送付数"),
    ("cards_in_stock", "カード 事務センター保管数"),
    ("cards_difference", "カード 差異"),
)


def reconciliation(data: dict) -> Table:
    state = data["reconciliation"]["day"]
    rows = [Row(["突合の日締め"], [CLOSED if state["closed"] else NOT_CLOSED], kinds=[TEXT])]
    rows += [Row([label], [state[key]]) for key, label in RECONCILIATION_LINES]
    rows.append(Row(["差異の説明"], [_explained(state)], kinds=[TEXT]))
    return Table(
        key="突合",
        title="事務センターの突合（受領＝発送＋発送前、受領＝会場への送付＋保管）",
        label_headers=["項目"],
        columns=[Column("value", "値")],
        rows=rows,
    )


def reconciliation_days(data: dict) -> Table:
    figures = data["reconciliation"]
    rows = [
        Row(["突合を締めた日数"], [figures["closed_days"]]),
        Row(["差異のあった日数"], [figures["days_with_difference"]]),
    ]
    return Table(
        key="突合",
        title="事務センターの突合（受領＝発送＋発送前、受領＝会場への送付＋保管）",
        label_headers=["項目"],
        columns=[Column("value", "値")],
        rows=rows,
    )


def series(data: dict, venue: dict | None) -> Table:
    """A row per day: all venues (with the city's figures), or one venue with its day close."""
    if venue is None:
        columns = [
            *DAY_COLUMNS,
            Column("notices_reissued", "通知再発行"),
            Column("calls", "受電"),
            Column("reconciliation", "突合", TEXT),
        ]
        rows = [Row([day_label(day["date"])], _day_values(day, columns)) for day in data["series"]]
        total = {**data["total"], "notices_reissued": data["notices_reissued"],
                 "calls": data["calls"]["total"], "reconciliation": ""}  # fmt: skip
        rows.append(Row([TOTAL_LABEL], _values(total, columns), total=True))
        return Table(
            key="日別", title="日別の件数（全会場）", label_headers=["日付"], columns=columns,
            rows=rows,
        )  # fmt: skip
    columns = [*DAY_COLUMNS, Column("closed", "日締め", TEXT), Column("difference", "差異")]
    code = venue["code"]
    rows = []
    for day in data["series"]:
        figures = day["by_venue"][code]
        state = figures["venue_day"]
        values = _values(figures, DAY_COLUMNS)
        values += [_venue_day_text(state), state["difference"]]
        rows.append(Row([day_label(day["date"])], values))
    summed = next(row for row in data["by_venue"] if row["code"] == code)
    total = [*_values(summed, DAY_COLUMNS), "", summed["venue_days"]["difference"]]
    rows.append(Row([TOTAL_LABEL], total, total=True))
    return Table(
        key=f"日別（{venue['short_name']}）",
        title=f"日別の件数（{venue['name']}）",
        label_headers=["日付"],
        columns=columns,
        rows=rows,
    )


def _day_values(day: dict, columns) -> list:
    state = day["reconciliation"]
    figures = {
        **day["total"],
        "notices_reissued": day["notices_reissued"],
        "calls": day["calls"]["total"],
        "reconciliation": _reconciliation_text(state),
    }
    return _values(figures, columns)


def _venue_day_text(state: dict) -> str:
    """締め済 / 未締め (an open day not closed yet) / 閉場日 (nothing to close)."""
    if state["closed"]:
        return CLOSED
    return NOT_CLOSED if state["open"] else NO_OPENING


def _reconciliation_text(state: dict) -> str:
    if not state["closed"]:
        return NOT_CLOSED
    if state["notices_difference"] or state["cards_difference"]:
        return f"{CLOSED}（差異あり）"
    return CLOSED


def _explained(state: dict) -> str:
    """あり / なし for a close with a difference; nothing to say otherwise."""
    if not state["closed"]:
        return ""
    differs = any(
        state.get(key) for key in ("difference", "notices_difference", "cards_difference")
    )
    if not differs:
        return ""
    return "あり" if state["explained"] else "なし"


def _values(figures: dict, columns) -> list:
    return [figures.get(column.key) for column in columns]
