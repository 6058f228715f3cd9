"""Database functions the models share."""

from __future__ import annotations

from django.db import models


class TokyoDate(models.Func):
    """The calendar day in Tokyo of an aware datetime column.

    Immutable on both databases, so it can be a stored generated column and be indexed:
    PostgreSQL's timezone(text, timestamptz) is immutable, and SQLite keeps datetimes as UTC
    text, to which Tokyo's fixed +09:00 (no daylight saving since 1951) is added.
    """

    template = "(timezone('Asia/Tokyo', %(expressions)s))::date"
    output_field = models.DateField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s, '+9 hours')", **extra_context
        )


class DaysBefore(models.Func):
    """A date column minus a whole number of days, in each database's own date arithmetic
    (Django's date − interval runs a Python function per row on SQLite)."""

    output_field = models.DateField()
    arity = 1

    def __init__(self, expression, days: int, **extra):
        if not isinstance(days, int) or days < 0:
            raise ValueError("days must be a non-negative int")
        self.days = days
        super().__init__(expression, template=f"(%(expressions)s - {days})", **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"date(%(expressions)s, '-{self.days} days')",
            **extra_context,
        )
