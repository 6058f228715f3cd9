"""URL patterns of the counter's hours pages (joined in counter/urls/__init__.py)."""

from django.urls import path

from civicdesk.counter.views import hours

urlpatterns: list = [
    path("hours/", hours.hours, name="hours"),
]
