"""URL patterns of the alert inbox, included by privacy/urls.py (namespace ``privacy``)."""

from django.urls import path

from civicdesk.privacy import alert_views

urlpatterns = [
    path("alerts/", alert_views.alerts, name="alerts"),
    path("alerts/<int:pk>/", alert_views.alert, name="alert"),
]
