"""The {% load japanese %} filters, rendered through Django's template engine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template


def render(filter_name: str, value) -> str:
    template = Template("{% load japanese %}{{ value|" + filter_name + " }}")
    return template.render(Context({"value": value}))


@pytest.mark.parametrize(
    ("filter_name", "value", "shown"),
    [
        ("wareki", date(2025, 4, 1), "令和7年4月1日"),
        ("wareki", date(2019, 5, 1), "令和元年5月1日"),
        ("wareki", date(2019, 4, 30), "平成31年4月30日"),
        ("wareki", datetime(2025, 4, 1, 9, 30), "令和7年4月1日"),
        # 15:00 UTC on 30 April is midnight in Tokyo: already 令和.
        ("wareki", datetime(2019, 4, 30, 15, 0, tzinfo=UTC), "令和元年5月1日"),
        ("wareki_short", date(2025, 4, 1), "R7.4.1"),
        ("wareki_short", date(1989, 1, 7), "S64.1.7"),
        ("wareki_short", datetime(2019, 4, 30, 14, 59, tzinfo=UTC), "H31.4.30"),
        ("yen", 12345, "12,345円"),
        ("yen", -12345, "-12,345円"),
        ("yen", Decimal("1000000.00"), "1,000,000円"),
        ("yen", "12345", "12,345円"),
        ("yen", 0, "0円"),
        ("number", 12345, "12,345"),
        ("number", Decimal("1234.5"), "1,234.5"),
        ("number", "9876543", "9,876,543"),
        ("phone", "0312345678", "03-1234-5678"),
        ("phone", "+819012345678", "090-1234-5678"),
        ("phone", "０１２０－４４４－４４４", "0120-444-444"),
        ("fiscal_year", 2025, "令和7年度"),
        ("fiscal_year", 2019, "令和元年度"),
        ("fiscal_year", "2018", "平成30年度"),
    ],
)
def test_filters_format(filter_name, value, shown):
    assert render(filter_name, value) == shown


@pytest.mark.parametrize(
    "filter_name", ["wareki", "wareki_short", "yen", "number", "phone", "fiscal_year"]
)
def test_none_shows_as_nothing(filter_name):
    assert render(filter_name, None) == ""


@pytest.mark.parametrize(
    ("filter_name", "value", "shown"),
    [
        ("wareki", "not a date", "not a date"),
        ("wareki", date(1872, 12, 31), "1872-12-31"),
        ("wareki_short", 20250401, "20250401"),
        ("yen", Decimal("12345.5"), "12345.5"),
        ("yen", "1,2,3円", "1,2,3円"),
        ("yen", 1.5, "1.5"),
        ("yen", Decimal("NaN"), "NaN"),
        ("number", "たくさん", "たくさん"),
        ("phone", "0312345", "0312345"),
        ("phone", "不明", "不明"),
        ("fiscal_year", "来年度", "来年度"),
        ("fiscal_year", 1800, "1800"),
    ],
)
def test_bad_values_show_as_they_are(filter_name, value, shown):
    assert render(filter_name, value) == shown


def test_values_shown_as_they_are_are_still_escaped():
    assert render("phone", "<b>03</b>") == "&lt;b&gt;03&lt;/b&gt;"
