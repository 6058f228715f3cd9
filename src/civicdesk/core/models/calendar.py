"""Business-calendar rules (業務カレンダー), kept as data and edited in the admin.

The rules are evaluated by ``civicdesk.core.calendar`` (precedence documented there).
National holidays are one table shared by every calendar, filled from ``jpholiday`` the
first time a year is asked for; a marker row per year keeps an admin's edits (even an
emptied year) from being overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import jpholiday
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from civicdesk.core.japanese import fiscal_year_label, fiscal_year_of

__all__ = [
    "MUNICIPALITY_SERVICES",
    "PER_SITE_SERVICES",
    "BusinessCalendar",
    "Closure",
    "DesignatedDay",
    "EveningExtension",
    "HolidayYear",
    "NationalHoliday",
    "NthWeekdayOpening",
    "Service",
    "Weekday",
    "WeeklyHours",
]

END_AFTER_START = "終了時刻は開始時刻より後にしてください。"


class Service(models.TextChoices):
    CALLS = "calls", "電話催告"
    VISITS = "visits", "訪問催告"
    SMS = "sms", "SMS催告"
    COUNTER = "counter", "窓口"
    CARDS = "cards", "カード交付会場"


# Services run at several sites, each with its own calendar (the card venues): they have no
# municipality-wide calendar.
PER_SITE_SERVICES = frozenset({Service.CARDS})
MUNICIPALITY_SERVICES = [service for service in Service if service not in PER_SITE_SERVICES]


class Weekday(models.IntegerChoices):
    # Same numbering as datetime.date.weekday().
    MONDAY = 0, "月曜日"
    TUESDAY = 1, "火曜日"
    WEDNESDAY = 2, "水曜日"
    THURSDAY = 3, "木曜日"
    FRIDAY = 4, "金曜日"
    SATURDAY = 5, "土曜日"
    SUNDAY = 6, "日曜日"


def _month_field(label: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )


def _day_field(label: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )


class BusinessCalendar(models.Model):
    """One service's calendar for one municipality; its rules hang off it."""

    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        related_name="calendars",
        verbose_name="自治体",
    )
    service = models.CharField("サービス", max_length=20, choices=Service.choices)
    site = models.CharField(
        "場所",
        max_length=30,
        blank=True,
        default="",
        help_text="複数の場所で行うサービスの場所の記号（例: カード交付会場）。空欄は自治体全体。",
    )
    closed_on_national_holidays = models.BooleanField("国民の祝日・休日は閉庁", default=True)
    year_end_closure = models.BooleanField("年末年始は閉庁", default=True)
    year_end_start_month = _month_field("年末年始の開始（月）", 12)
    year_end_start_day = _day_field("年末年始の開始（日）", 29)
    year_end_end_month = _month_field("年末年始の終了（月）", 1)
    year_end_end_day = _day_field("年末年始の終了（日）", 3)
    designated_day_limit = models.PositiveSmallIntegerField(
        "指定開庁日の上限（年度あたり）",
        default=6,
        help_text="4月から翌年3月までの1年度に指定できる開庁日の数（一関市仕様書 5(3): 年6日以内）",
    )

    class Meta:
        verbose_name = "業務カレンダー"
        verbose_name_plural = "業務カレンダー"
        ordering = ["municipality", "service", "site"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "service", "site"],
                name="core_calendar_one_per_service_site",
                violation_error_message="この自治体のこの場所のこのサービスの業務カレンダーは登録済みです。",
            )
        ]

    def __str__(self) -> str:
        site = f" {self.site}" if self.site else ""
        return f"{self.municipality} {self.get_service_display()}{site}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        for prefix in ("year_end_start", "year_end_end"):
            month = getattr(self, f"{prefix}_month")
            day = getattr(self, f"{prefix}_day")
            if month and day and not _is_calendar_date(month, day):
                errors[f"{prefix}_day"] = f"{month}月{day}日という日付はありません。"
        if errors:
            raise ValidationError(errors)

    def in_year_end(self, day: dt.date) -> bool:
        """Whether the day lies in the year-end closure (the range may wrap past 12/31)."""
        if not self.year_end_closure:
            return False
        start = (self.year_end_start_month, self.year_end_start_day)
        end = (self.year_end_end_month, self.year_end_end_day)
        key = (day.month, day.day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end


def _is_calendar_date(month: int, day: int) -> bool:
    try:
        dt.date(2024, month, day)  # a leap year, so 2/29 is allowed
    except ValueError:
        return False
    return True


def _end_after_start() -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(end__gt=models.F("start")),
        name="%(app_label)s_%(class)s_end_after_start",
        violation_error_message=END_AFTER_START,
    )


class TimeRange(models.Model):
    """An opening interval; the end is exclusive and must come after the start."""

    start = models.TimeField("開始時刻")
    end = models.TimeField("終了時刻")

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError(
                {"end": f"{END_AFTER_START}（開始 {self.start:%H:%M}、終了 {self.end:%H:%M}）"}
            )

    @property
    def interval(self) -> tuple[dt.time, dt.time]:
        return (self.start, self.end)


class WeeklyHours(TimeRange):
    """Hours on every given weekday (seed 000: Monday–Friday 8:30–17:15)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="weekly_hours",
        verbose_name="業務カレンダー",
    )
    weekday = models.PositiveSmallIntegerField("曜日", choices=Weekday.choices)
    label = models.CharField("表示名", max_length=30, default="平日")

    class Meta:
        verbose_name = "曜日ごとの業務時間"
        verbose_name_plural = "曜日ごとの業務時間"
        ordering = ["calendar", "weekday", "start"]
        constraints = [_end_after_start()]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}〜{self.end:%H:%M}"


class NthWeekdayOpening(TimeRange):
    """Opening on the nth given weekday of each month (seed 000: the second Saturday)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="nth_weekday_openings",
        verbose_name="業務カレンダー",
    )
    nth = models.PositiveSmallIntegerField(
        "第何週", choices=[(n, f"第{n}") for n in range(1, 6)], default=2
    )
    weekday = models.PositiveSmallIntegerField(
        "曜日", choices=Weekday.choices, default=Weekday.SATURDAY
    )
    label = models.CharField("表示名", max_length=30, default="第二土曜日")

    class Meta:
        verbose_name = "第n曜日の開庁"
        verbose_name_plural = "第n曜日の開庁"
        ordering = ["calendar", "nth", "weekday"]
        constraints = [_end_after_start()]

    def __str__(self) -> str:
        return f"第{self.nth}{self.get_weekday_display()} {self.start:%H:%M}〜{self.end:%H:%M}"

    def matches(self, day: dt.date) -> bool:
        return day.weekday() == self.weekday and (day.day - 1) // 7 + 1 == self.nth


class EveningExtension(models.Model):
    """Later closing on one weekday (seed 000: Wednesday calls; seed 003: Monday counter)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="evening_extensions",
        verbose_name="業務カレンダー",
    )
    weekday = models.PositiveSmallIntegerField("曜日", choices=Weekday.choices)
    until = models.TimeField("延長後の終了時刻")
    shift_when_closed = models.BooleanField(
        "閉庁日なら翌開庁日に延長",
        default=False,
        help_text="その曜日が休日などで閉庁のとき、次の開庁日の終了時刻を延長する",
    )

    class Meta:
        verbose_name = "夜間延長"
        verbose_name_plural = "夜間延長"
        ordering = ["calendar", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "weekday"],
                name="core_extension_one_per_weekday",
                violation_error_message="この曜日の夜間延長は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.until:%H:%M}まで"


class DesignatedDay(TimeRange):
    """An extra opening chosen by the municipality (seed 003 §5(3): max 6 a year)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="designated_days",
        verbose_name="業務カレンダー",
    )
    date = models.DateField("日付")
    label = models.CharField("表示名", max_length=30, default="土日開庁")

    class Meta:
        verbose_name = "指定開庁日"
        verbose_name_plural = "指定開庁日"
        ordering = ["calendar", "date"]
        constraints = [
            _end_after_start(),
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="core_designated_day_unique_date",
                violation_error_message="この日は指定開庁日として登録済みです。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}"

    def clean(self) -> None:
        super().clean()
        if self.date is None or self.calendar_id is None:
            return
        others = (
            DesignatedDay.objects.filter(calendar_id=self.calendar_id)
            .filter(date__range=fiscal_year_range(fiscal_year_of(self.date)))
            .exclude(pk=self.pk)
            .exclude(date=self.date)  # a duplicate date is the unique constraint's message
        )
        if others.count() >= self.calendar.designated_day_limit:
            raise ValidationError(
                {"date": designated_limit_message(self.calendar.designated_day_limit, self.date)}
            )


def fiscal_year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def designated_limit_message(limit: int, day: dt.date) -> str:
    year = fiscal_year_of(day)
    return (
        f"指定開庁日は1年度（4月〜翌年3月）に{limit}日までです。"
        f"{fiscal_year_label(year)}（{year}年4月1日〜{year + 1}年3月31日）はすでに{limit}日"
        "指定されているため、"
        f"{day.year}年{day.month}月{day.day}日は追加できません。"
    )


class Closure(models.Model):
    """A one-off closed day (臨時休業), e.g. a system change-over or a disaster."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="closures",
        verbose_name="業務カレンダー",
    )
    date = models.DateField("日付")
    reason = models.CharField("理由", max_length=50, default="臨時休業")

    class Meta:
        verbose_name = "臨時休業日"
        verbose_name_plural = "臨時休業日"
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="core_closure_unique_date",
                violation_error_message="この日は臨時休業日として登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class NationalHolidayQuerySet(models.QuerySet):
    def names_between(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        """Holiday names by date in [start, end], filling missing years from jpholiday first."""
        ensure_holiday_years(range(start.year, end.year + 1))
        return dict(self.filter(date__range=(start, end)).values_list("date", "name"))


class NationalHoliday(models.Model):
    """A national holiday (国民の祝日), substitute holiday (振替休日) or citizens' holiday."""

    date = models.DateField("日付", unique=True)
    name = models.CharField("名称", max_length=30)

    objects = NationalHolidayQuerySet.as_manager()

    class Meta:
        verbose_name = "国民の祝日・休日"
        verbose_name_plural = "国民の祝日・休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class HolidayYear(models.Model):
    """Marks a year whose holidays were taken from jpholiday, so it is never refilled."""

    year = models.PositiveSmallIntegerField("年", unique=True)
    filled_at = models.DateTimeField("取り込み日時", auto_now_add=True)

    class Meta:
        verbose_name = "祝日を取り込んだ年"
        verbose_name_plural = "祝日を取り込んだ年"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


def official_holiday_name(name: str) -> str:
    """jpholiday says e.g. '天皇誕生日 振替休日'; the calendar shows '振替休日'."""
    return "振替休日" if name.endswith("振替休日") else name


def ensure_holiday_years(years: Iterable[int]) -> None:
    years = list(years)
    known = set(HolidayYear.objects.filter(year__in=years).values_list("year", flat=True))
    for year in years:
        if year not in known:
            fill_holiday_year(year)


def fill_holiday_year(year: int) -> None:
    """Add the year's holidays from jpholiday; existing rows (admin edits) are kept."""
    rows = [
        NationalHoliday(date=day, name=official_holiday_name(name))
        for day, name in jpholiday.year_holidays(year)
    ]
    # ignore_conflicts: two requests filling the same year at once both succeed.
    with transaction.atomic():
        NationalHoliday.objects.bulk_create(rows, ignore_conflicts=True)
        HolidayYear.objects.bulk_create([HolidayYear(year=year)], ignore_conflicts=True)
