"""URLs: the live page (稼働状況), under dunning/live/."""

from django.urls import path

from civicdesk.dunning.views import live as views

urlpatterns = [
    path("", views.live, name="live"),
    path("panel/", views.live_panel, name="live_panel"),
]
