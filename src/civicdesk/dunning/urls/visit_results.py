"""URLs: visit results on the tablet (issue 5 §2), under dunning/visits/."""

from django.urls import path

from civicdesk.dunning.views import visit_results

urlpatterns: list = [
    path("stops/<int:pk>/", visit_results.visit_stop, name="visit_stop"),
]
