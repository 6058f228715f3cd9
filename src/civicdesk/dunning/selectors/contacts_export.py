"""Contacts for the contacts export (receivables.exporters.contacts, layout 4).

One row per contact and covered account, in time order. A contact with several promises
writes the earliest in 約束日 / 約束額 and says how many more there are in 内容.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Prefetch
from django.utils import timezone

from civicdesk.dunning.models import Contact, ContactAccount, Promise
from civicdesk.receivables.exporters.contacts import ContactRow, register_contact_source

CHUNK = 2000


def contact_rows(*, start: dt.date, end: dt.date) -> Iterator[ContactRow]:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    contacts = (
        Contact.objects.filter(at__gte=since, at__lt=until)
        .select_related("obligor", "user")
        .prefetch_related(
            Prefetch(
                "covered",
                queryset=ContactAccount.objects.select_related("account").order_by(
                    "revenue_type", "account__case_no"
                ),
            ),
            Prefetch("promises", queryset=Promise.objects.order_by("promised_on", "pk")),
        )
        .order_by("at", "pk")
    )
    for contact in contacts.iterator(chunk_size=CHUNK):
        promises = list(contact.promises.all())
        first = promises[0] if promises else None
        note = contact.note
        if len(promises) > 1:
            note = f"{note}（ほかに納付約束 {len(promises) - 1} 件）".strip()
        user = contact.user
        for covered in contact.covered.all():
            yield ContactRow(
                contact_id=contact.pk,
                at=contact.at,
                revenue_type=covered.revenue_type,
                resident_no=contact.obligor.resident_no,
                case_no=covered.account.case_no,
                channel=contact.channel,
                party=contact.party,
                outcome=contact.get_outcome_display(),
                promised_on=first.promised_on if first else None,
                promised_amount=first.amount if first else None,
                user=(user.display_name or user.username) if user else "",
                note=note,
            )


def connect() -> None:
    register_contact_source(contact_rows)
