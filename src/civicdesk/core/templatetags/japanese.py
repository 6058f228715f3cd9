"""Template filters for Japanese formatting: ``{% load japanese %}``.

``{{ due_date|wareki }}`` → 令和7年4月1日, ``|wareki_month`` → 令和7年4月, ``|wareki_short`` →
R7.4.1, ``{{ amount|yen }}`` → 12,345円, ``|number`` → 12,345, ``{{ tel|phone }}`` →
090-1234-5678, ``{{ 2025|fiscal_year }}`` → 令和7年度. None shows as nothing; a value the filter
cannot format shows as it is, because a page must never fail over one odd value (wrong data is
better seen than hidden behind a 500).
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from django import template

from civicdesk.core import japanese

register = template.Library()


def _lenient(format_value):
    """None → "", and a value that cannot be formatted → the value as text."""

    @functools.wraps(format_value)
    def wrapper(value):
        if value is None:
            return ""
        try:
            return format_value(value)
        except (ValueError, TypeError, ArithmeticError):
            return str(value)

    return wrapper


def _as_number(value):
    # Amounts may arrive as text (GET parameters, CSV previews): read them as Decimal.
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return value
    return value


# expects_localtime: Django hands over an aware datetime in Japan time, not UTC.
@register.filter(expects_localtime=True)
@_lenient
def wareki(value):
    """令和7年4月1日."""
    return japanese.era_date(value, "long")


@register.filter(expects_localtime=True)
@_lenient
def wareki_month(value):
    """令和7年5月."""
    return japanese.era_month(value)


@register.filter(expects_localtime=True)
@_lenient
def wareki_short(value):
    """R7.4.1."""
    return japanese.era_date(value, "short")


@register.filter
@_lenient
def yen(value):
    """12,345円."""
    return japanese.yen(_as_number(value))


@register.filter
@_lenient
def number(value):
    """12,345."""
    return japanese.number(_as_number(value))


@register.filter
@_lenient
def phone(value):
    """090-1234-5678."""
    return japanese.format_phone(value)


@register.filter
@_lenient
def fiscal_year(value):
    """令和7年度 for 2025 (an int or its digits)."""
    return japanese.fiscal_year_label(int(value) if isinstance(value, str) else value)
