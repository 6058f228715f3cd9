"""URLs of the live dashboard, included by the reports app's urls (app_name "reports")."""

from django.urls import path

from civicdesk.reports.views import dashboard as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/panel/", views.dashboard_panel, name="dashboard_panel"),
]
