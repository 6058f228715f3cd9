"""URL patterns of the alert inbox (namespace ``privacy``)."""

from django.urls import path

from civicdesk.oversight.views import alerts as alert_views

urlpatterns = [
    path("alerts/", alert_views.alerts, name="alerts"),
    path("alerts/<int:pk>/", alert_views.alert, name="alert"),
]
