"""The counters in ``civicdesk demo`` (filled in by the demo work of issue 17)."""

from __future__ import annotations

from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped


def build(context: DemoContext) -> Skipped:
    return Skipped("窓口: デモデータはまだありません。")


DEMO_PART = DemoPart(name="counter", order=75, build=build)
