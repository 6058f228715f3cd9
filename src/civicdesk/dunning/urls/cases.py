"""URLs: cases (the operator's case screen and its result form)."""

from django.urls import path

from civicdesk.dunning.views import cases

urlpatterns: list = [
    path("cases/<int:pk>/", cases.case, name="case"),
]
