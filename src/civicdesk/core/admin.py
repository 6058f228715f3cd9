"""Admin pages of the core app: municipalities, business calendars and national holidays."""

from __future__ import annotations

from django.contrib import admin, messages

from civicdesk.audit.admin import AccessLoggedAdmin
from civicdesk.core.forms import DesignatedDayFormSet
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import (
    BusinessCalendar,
    Closure,
    DesignatedDay,
    EveningExtension,
    HolidayYear,
    NationalHoliday,
    NthWeekdayOpening,
    WeeklyHours,
    fill_holiday_year,
)


@admin.register(Municipality)
class MunicipalityAdmin(AccessLoggedAdmin):
    list_display = ["code", "name", "is_default"]
    search_fields = ["code", "name"]


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class NthWeekdayOpeningInline(admin.TabularInline):
    model = NthWeekdayOpening
    extra = 0


class EveningExtensionInline(admin.TabularInline):
    model = EveningExtension
    extra = 0


class DesignatedDayInline(admin.TabularInline):
    model = DesignatedDay
    formset = DesignatedDayFormSet
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AccessLoggedAdmin):
    list_display = ["municipality", "service", "closed_on_national_holidays", "year_end"]
    list_filter = ["municipality", "service"]
    fieldsets = [
        (None, {"fields": ["municipality", "service", "closed_on_national_holidays"]}),
        (
            "年末年始",
            {
                "fields": [
                    "year_end_closure",
                    ("year_end_start_month", "year_end_start_day"),
                    ("year_end_end_month", "year_end_end_day"),
                ]
            },
        ),
        ("指定開庁日", {"fields": ["designated_day_limit"]}),
    ]
    inlines = [
        WeeklyHoursInline,
        NthWeekdayOpeningInline,
        EveningExtensionInline,
        DesignatedDayInline,
        ClosureInline,
    ]

    @admin.display(description="年末年始")
    def year_end(self, calendar: BusinessCalendar) -> str:
        if not calendar.year_end_closure:
            return "開庁"
        return (
            f"{calendar.year_end_start_month}/{calendar.year_end_start_day}〜"
            f"{calendar.year_end_end_month}/{calendar.year_end_end_day} 閉庁"
        )


@admin.register(NationalHoliday)
class NationalHolidayAdmin(AccessLoggedAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """Deleting a year makes the next look-up fill it again from jpholiday."""

    list_display = ["year", "filled_at"]
    actions = ["refill"]

    def has_add_permission(self, request) -> bool:
        # A year is marked by filling it; a bare marker would hide its holidays for good.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="選択した年の祝日を jpholiday から補充する（既存の行は変更しない）")
    def refill(self, request, queryset):
        years = list(queryset.values_list("year", flat=True))
        for year in years:
            fill_holiday_year(year)
        self.message_user(request, f"{len(years)} 年分を補充しました。", messages.SUCCESS)
