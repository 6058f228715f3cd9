"""The venue day (§7): at the end of a day each venue counts its cards. The figures come from
the day's events at that venue, never from numbers typed in:

    opening (the previous closed day's count, 0 before the first close)
    + received (ARRIVED) − issued (ISSUED) − returned (RETURNED) − failed (FAILED) = counted

A day whose count differs closes only with a written explanation; one close per venue and day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import TargetEventKind
from civicdesk.cards.models import TargetEvent, Venue, VenueDay
from civicdesk.core.calendar import TOKYO

CLOSE_DAY = "cards.add_venueday"
MAX_COUNT = 100_000
DIFFERENCE = "差異があります。説明を記入してください（計算上 {expected}枚・実数 {counted}枚）。"
ALREADY_CLOSED = "{venue}の{day}は締め済みです。"


def may_close_venue_day(user) -> bool:
    if user is None:
        return True
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(CLOSE_DAY)


@dataclass(frozen=True)
class DayFigures:
    """A venue's day as the events say (before or without a close)."""

    venue: Venue
    day: dt.date
    opening: int
    received: int
    issued: int
    returned: int
    failed: int

    @property
    def expected(self) -> int:
        return self.opening + self.received - self.issued - self.returned - self.failed


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=TOKYO)
    return start, start + dt.timedelta(days=1)


def day_figures(venue: Venue, day: dt.date) -> DayFigures:
    start, end = day_bounds(day)
    previous = VenueDay.objects.filter(venue=venue, date__lt=day).order_by("-date").first()
    kinds = {
        "received": TargetEventKind.ARRIVED,
        "issued": TargetEventKind.ISSUED,
        "returned": TargetEventKind.RETURNED,
        "failed": TargetEventKind.FAILED,
    }
    counts = TargetEvent.objects.filter(venue=venue, at__gte=start, at__lt=end).aggregate(
        **{name: Count("pk", filter=Q(kind=kind)) for name, kind in kinds.items()}
    )
    return DayFigures(venue=venue, day=day, opening=previous.counted if previous else 0, **counts)


def close_venue_day(
    *, acting_user, venue: Venue, day: dt.date, counted: int, explanation: str = ""
) -> VenueDay:
    """Close ``venue``'s ``day`` with the cards ``counted`` at the venue."""
    if not may_close_venue_day(acting_user):
        raise PermissionDenied("会場の日締めを行う権限がありません。")
    if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_COUNT:
        raise ValidationError({"counted": f"実数は0〜{MAX_COUNT:,}の整数で入力してください。"})
    explanation = (explanation or "").strip()
    now = timezone.now()
    if day > now.astimezone(TOKYO).date():
        raise ValidationError({"day": "まだ来ていない日は締められません。"})
    with transaction.atomic():
        # The venue row orders closes of one venue; the unique constraint backs it up.
        Venue.objects.select_for_update().filter(pk=venue.pk).first()
        if VenueDay.objects.filter(venue=venue, date=day).exists():
            raise ValidationError({"day": ALREADY_CLOSED.format(venue=venue.short_name, day=day)})
        if VenueDay.objects.filter(venue=venue, date__gt=day).exists():
            raise ValidationError({"day": f"{venue.short_name}は{day}より後の日が締め済みです。"})
        figures = day_figures(venue, day)
        if counted != figures.expected and not explanation:
            raise ValidationError(
                {"explanation": DIFFERENCE.format(expected=figures.expected, counted=counted)}
            )
        try:
            with transaction.atomic():
                closed = VenueDay.objects.create(
                    venue=venue,
                    date=day,
                    opening=figures.opening,
                    received=figures.received,
                    issued=figures.issued,
                    returned=figures.returned,
                    failed=figures.failed,
                    counted=counted,
                    explanation=explanation,
                    closed_at=now,
                    closed_by=acting_user,
                )
        except IntegrityError:
            raise ValidationError(
                {"day": ALREADY_CLOSED.format(venue=venue.short_name, day=day)}
            ) from None
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=closed,
            reason=f"{venue.short_name} {day} 日締め（差異 {closed.difference:+d}枚）",
        )
    return closed
