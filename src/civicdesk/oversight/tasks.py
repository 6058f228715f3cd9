"""Background work of the privacy app (Django Tasks; `civicdesk worker` runs them)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from civicdesk.core.calendar import TOKYO
from civicdesk.oversight.models import AlertKind
from civicdesk.oversight.services.analysis import analyse_access


@task()
def analyse_access_log(day: str | None = None) -> dict:
    """Daily: analyse yesterday's access log (Tokyo) into the inspectors' inbox.

    ``day`` (YYYY-MM-DD) re-runs another day; the alerts of a day are updated, never doubled.
    Returns the number of alerts per kind.
    """
    if day is None:
        target = timezone.localdate(timezone.now(), TOKYO) - dt.timedelta(days=1)
    else:
        target = dt.date.fromisoformat(day)
    alerts = analyse_access(acting_user=None, day=target)
    return counts_per_kind(target, alerts)


def counts_per_kind(day: dt.date, alerts) -> dict:
    counts = {kind: 0 for kind in AlertKind.values}
    for alert in alerts:
        counts[alert.kind] += 1
    return {"day": day.isoformat(), "alerts": counts, "total": len(alerts)}
