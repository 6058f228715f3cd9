"""URL patterns of the counter's catalogue pages (procedures and fees)."""

from django.urls import path

from civicdesk.counter.views import catalogue, index

urlpatterns = [
    path("", index.index, name="index"),
    path("procedures/", catalogue.procedures, name="procedures"),
    path("procedures/<int:pk>/", catalogue.procedure, name="procedure"),
    path("procedures/<int:pk>/fees/", catalogue.fee_add, name="fee_add"),
]
