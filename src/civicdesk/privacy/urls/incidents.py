"""URL patterns of incidents (namespace ``privacy``)."""

from django.urls import path

from civicdesk.privacy.views import incidents as incident_views

urlpatterns = [
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/new/", incident_views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", incident_views.incident_detail, name="incident"),
    path("incidents/<int:pk>/edit/", incident_views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/report/", incident_views.incident_report, name="incident_report"),
    path("incidents/<int:pk>/close/", incident_views.incident_close, name="incident_close"),
    path("incidents/<int:pk>/report.pdf", incident_views.incident_pdf, name="incident_pdf"),
]
