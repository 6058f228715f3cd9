"""URLs: campaigns (mounted under /dunning/campaigns/)."""

from django.urls import path

from civicdesk.dunning.views import campaigns as views

urlpatterns: list = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/rebuild/", views.campaign_rebuild, name="campaign_rebuild"),
    path("<int:pk>/status/", views.campaign_status, name="campaign_status"),
]
