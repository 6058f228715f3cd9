"""URLs of the reports (issue 7), mounted at /reports/: the four report pages, the remarks /
finalise / correct actions, the files, the yearly targets and the live dashboard.

A period is text in the URL (2025-05-12, 2025-05, 2025) and is read by the view for its kind
(views.periods), so one download URL serves every report.
"""

from django.urls import path, register_converter

from civicdesk.reports.urls import cards as cards_urls
from civicdesk.reports.urls import counter as counter_urls
from civicdesk.reports.urls import dashboard as dashboard_urls
from civicdesk.reports.views import downloads, pages, targets


class ReportKindConverter:
    regex = "daily|night|monthly|annual"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class EditableKindConverter(ReportKindConverter):
    # The reports a supervisor writes remarks on (choices.EDITABLE_KINDS).
    regex = "daily|monthly"


class ReportFormatConverter(ReportKindConverter):
    regex = "xlsx|pdf|csv|json"


register_converter(ReportKindConverter, "report_kind")
register_converter(EditableKindConverter, "editable_report_kind")
register_converter(ReportFormatConverter, "report_format")

app_name = "reports"

urlpatterns = [
    path("", pages.index, name="index"),
    path("daily/<str:period>/", pages.daily, name="daily"),
    path("night/<str:period>/", pages.night, name="night"),
    path("monthly/<str:period>/", pages.monthly, name="monthly"),
    path("annual/<str:period>/", pages.annual, name="annual"),
    path("<editable_report_kind:kind>/<str:period>/save/", pages.save, name="save"),
    path("<editable_report_kind:kind>/<str:period>/finalise/", pages.finalise, name="finalise"),
    path("<editable_report_kind:kind>/<str:period>/correct/", pages.correct, name="correct"),
    path(
        "<report_kind:kind>/<str:period>/<report_format:fmt>/",
        downloads.download,
        name="download",
    ),
    path("targets/<int:fiscal_year>/", targets.targets, name="targets"),
    *dashboard_urls.urlpatterns,
    *counter_urls.urlpatterns,
    *cards_urls.urlpatterns,
]
