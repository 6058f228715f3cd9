"""The SMS pages; each subdomain keeps its own URL module."""

from django.urls import include, path

from civicdesk.sms.urls import batches, optouts, replies, templates

app_name = "sms"

urlpatterns = [
    path("", include(batches.urlpatterns)),
    path("templates/", include(templates.urlpatterns)),
    path("opt-outs/", include(optouts.urlpatterns)),
    path("replies/", include(replies.urlpatterns)),
]
