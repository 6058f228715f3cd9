"""People to text: obligors with unpaid installments, a work item in an sms campaign and a
phone each, made in bulk (the letters tests' ``make_people`` plus phones)."""

from __future__ import annotations

import datetime as dt

from civicdesk.core.japanese import PhoneKind
from civicdesk.registry.models import Phone
from tests.dunning.test_letters_batch import make_people

# A Tuesday morning in Tokyo: the demo sms calendar (weekdays 9:00–20:00) is open.
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def mobile(index: int) -> tuple[str, str]:
    """(E.164, display) of a distinct 090 number."""
    digits = f"{index:08d}"
    return f"+8190{digits}", f"090-{digits[:4]}-{digits[4:]}"


def sms_people(municipality, campaign, count: int, *, start: int = 0, kind=PhoneKind.MOBILE):
    """``count`` people with an nhi account (2 unpaid installments), an open item in
    ``campaign`` and one phone of ``kind`` each. Returns (obligors, numbers)."""
    obligors = make_people(municipality, count, campaign=campaign, start=start)
    numbers = []
    phones = []
    for index, obligor in enumerate(obligors, start):
        number, display = mobile(index) if kind == PhoneKind.MOBILE else _landline(index)
        numbers.append(number)
        phones.append(Phone(obligor=obligor, number=number, display=display, kind=kind))
    Phone.objects.bulk_create(phones)
    return obligors, numbers


def _landline(index: int) -> tuple[str, str]:
    digits = f"{index:08d}"
    return f"+813{digits}", f"03-{digits[:4]}-{digits[4:]}"
