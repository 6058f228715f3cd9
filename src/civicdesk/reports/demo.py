"""The reports part of ``civicdesk demo``: the days of contact history before today
(reports.demo_history: calls, visits, letters, SMS, payments and the years' targets through
the real services), so that every report shows figures on first start. Made once; nothing
to remove (``--rebuild``: the apps below remove the contacts, letters, texts and payments)."""

from __future__ import annotations

from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped
from civicdesk.reports.demo_history import create_demo_history, has_demo_history

# Days of history `civicdesk demo` makes unless told (--history-days).
DEMO_HISTORY_DAYS = 90


def build(context: DemoContext) -> dict | Skipped:
    days = DEMO_HISTORY_DAYS if context.history_days is None else context.history_days
    if not days:
        return Skipped("対応履歴: 日数が 0 のため作成しません。")
    if has_demo_history(context.municipality, context.today):
        return Skipped("対応履歴: 作成済みのため作りません。")
    made = create_demo_history(
        municipality=context.municipality,
        today=context.today,
        days=days,
        seed=context.seed,
    )
    if made.get("skipped"):
        return Skipped("対応履歴: 対象者がいないため作成しません。")
    context.say(
        f"{days} 日分の対応履歴を作成しました"
        f"（架電 {made.get('outbound_call', 0):,} 件、訪問 {made.get('visit', 0):,} 件、"
        f"SMS {made.get('sms', 0):,} 件、文書 {made.get('letter', 0):,} 件、"
        f"入金 {made.get('payments', 0):,} 件）。"
    )
    return made


DEMO_PART = DemoPart(name="reports", order=90, build=build)
