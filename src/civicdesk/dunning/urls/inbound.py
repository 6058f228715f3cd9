"""URLs: inbound calls (受電), under dunning/inbound/."""

from django.urls import path

from civicdesk.dunning.views import inbound as views

urlpatterns = [
    path("", views.inbound, name="inbound"),
    path("pops/", views.inbound_pops, name="inbound_pops"),
    path("banner/", views.inbound_banner, name="inbound_banner"),
    path("record/<int:obligor_pk>/", views.inbound_record, name="inbound_record"),
]
