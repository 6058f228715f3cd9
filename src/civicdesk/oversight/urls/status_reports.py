"""URL patterns of the semi-annual status report (namespace ``privacy``)."""

from django.urls import path

from civicdesk.oversight.views import status_reports as views

urlpatterns = [
    path("status-reports/", views.status_reports, name="status_reports"),
    path(
        "status-reports/<str:period>/make/",
        views.status_report_make,
        name="status_report_make",
    ),
    path("status-reports/<int:pk>/pdf/", views.status_report_pdf, name="status_report_pdf"),
]
