"""Charts as SVG text: the same drawing on the page and in the PDF (WeasyPrint draws SVG).

Plain bars with axis labels: readable in black and white on a municipal printer, no script.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 28, 40
COLOURS = ("#1f4e79", "#9dc3e6", "#c55a11", "#7f7f7f")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int | float]


def nice_max(value: float) -> float:
    """The axis top: a round number at least the value, at least 4, whose quarters are
    whole."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    # Tops divisible by 4 so that the five ticks are whole numbers (0, 1, 2, 3, 4 · 10ⁿ).
    for step in (1, 2, 4, 6, 8, 10):
        if value <= step * power:
            return max(step * power, 4)
    return 10 * power


def bar_chart(title: str, labels: list[str], series: list[Series], *, unit: str = "件") -> str:
    """Grouped bars, one group per label (e.g. per day), one colour per series, a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_max(max((v for s in series for v in s.values), default=0))
    group = plot_w / max(len(labels), 1)
    bar = max(group * 0.8 / max(len(series), 1), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="Noto Sans CJK JP, sans-serif" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in range(5):
        value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>'
        )
    for index, label in enumerate(labels):
        x0 = LEFT + group * index + group * 0.1
        for number, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else 0
            height = plot_h * (value / top) if top else 0
            x = x0 + bar * number
            y = TOP + plot_h - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[number % len(COLOURS)]}"><title>{escape(label)} '
                f"{escape(one.label)}: {value:,}{unit}</title></rect>"
            )
        if len(labels) <= 12 or index % max(len(labels) // 10, 1) == 0:
            x = LEFT + group * index + group / 2
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for number, one in enumerate(series):
        x = LEFT + number * 140
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" '
            f'fill="{COLOURS[number % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 7}">{escape(one.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def daily_trend(days: list[dict]) -> str:
    """The monthly report's chart: calls, reached calls and promises per day."""
    labels = [row["date"][8:].lstrip("0") for row in days]
    return bar_chart(
        "日別の架電・対話・納付約束",
        labels,
        [
            Series("架電", [row["attempts"] for row in days]),
            Series("対話（架電）", [row["reached_calls"] for row in days]),
            Series("納付約束", [row["promises"] for row in days]),
        ],
    )


def monthly_trend(months: list[dict]) -> str:
    """The annual report's chart: calls, reached and promises per month."""
    labels = [f"{int(row['month'][5:])}月" for row in months]
    return bar_chart(
        "月別の架電・対話・納付約束",
        labels,
        [
            Series("架電", [row["total"]["attempts"] for row in months]),
            Series("対話（架電）", [row["total"]["reached_calls"] for row in months]),
            Series("納付約束", [row["total"]["promises"] for row in months]),
        ],
    )
