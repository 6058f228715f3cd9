"""URLs of the counter reports, under /reports/counter/ (joined in reports/urls/__init__.py):
the index, the three report pages and their files (xlsx, pdf, csv, json)."""

from django.urls import path, register_converter

from civicdesk.reports.views import counter


class CounterKindConverter:
    regex = "daily|monthly|annual"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class CounterFormatConverter(CounterKindConverter):
    regex = "xlsx|pdf|csv|json"


register_converter(CounterKindConverter, "counter_report_kind")
register_converter(CounterFormatConverter, "counter_report_format")

urlpatterns = [
    path("counter/", counter.index, name="counter_index"),
    path("counter/daily/<str:period>/", counter.daily, name="counter_daily"),
    path("counter/monthly/<str:period>/", counter.monthly, name="counter_monthly"),
    path("counter/annual/<str:period>/", counter.annual, name="counter_annual"),
    path(
        "counter/<counter_report_kind:kind>/<str:period>/<counter_report_format:fmt>/",
        counter.download,
        name="counter_download",
    ),
]
