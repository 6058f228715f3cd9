"""core.calendar.add_months and core.japanese.era_month: the one month arithmetic and label."""

import datetime as dt

import pytest

from civicdesk.core.calendar import add_months
from civicdesk.core.japanese import era_month


@pytest.mark.parametrize(
    ("first", "months", "expected"),
    [
        (dt.date(2025, 4, 1), 0, dt.date(2025, 4, 1)),
        (dt.date(2025, 12, 1), 1, dt.date(2026, 1, 1)),
        (dt.date(2026, 1, 1), -1, dt.date(2025, 12, 1)),
        (dt.date(2025, 4, 1), 23, dt.date(2027, 3, 1)),
        (dt.date(2025, 4, 15), 1, dt.date(2025, 5, 1)),  # always the 1st
    ],
)
def test_add_months_crosses_years_both_ways(first, months, expected):
    assert add_months(first, months) == expected


def test_era_month_names_the_month_in_the_era_calendar():
    assert era_month(dt.date(2025, 5, 20)) == "令和7年5月"
    assert era_month(dt.date(2019, 4, 1)) == "平成31年4月"
