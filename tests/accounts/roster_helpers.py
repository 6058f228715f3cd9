"""Set-up shared by the roster tests: rosters written directly, so each test states its month."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicdesk.accounts.models import Roster, RosterChange, RosterEntry, RosterStatus

TOKYO = dt.timezone(dt.timedelta(hours=9))


def tokyo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def roster(municipality, month: dt.date, users=(), *, submitted=True) -> Roster:
    made = Roster.objects.create(
        municipality=municipality,
        month=month,
        status=RosterStatus.SUBMITTED if submitted else RosterStatus.DRAFT,
        submitted_at=timezone.now() if submitted else None,
    )
    for user in users:
        RosterEntry.objects.create(roster=made, user=user)
    return made


def change(made: Roster, user, kind: str, day: dt.date, by) -> RosterChange:
    return RosterChange.objects.create(
        roster=made,
        user=user,
        kind=kind,
        effective_from=day,
        reason="テスト",
        recorded_by=by,
        recorded_at=timezone.now(),
    )
