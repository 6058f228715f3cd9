"""The dunning center's pages; each subdomain keeps its own URL module."""

from django.urls import include, path

from civicdesk.dunning.urls import (
    campaigns,
    cases,
    handovers,
    inbound,
    letters,
    live,
    queue,
    visit_results,
    visits,
)

app_name = "dunning"

urlpatterns = [
    path("campaigns/", include(campaigns.urlpatterns)),
    path("", include(queue.urlpatterns)),
    path("", include(cases.urlpatterns)),
    path("", include(handovers.urlpatterns)),
    path("inbound/", include(inbound.urlpatterns)),
    path("live/", include(live.urlpatterns)),
    path("visits/", include(visits.urlpatterns)),
    path("visits/", include(visit_results.urlpatterns)),
    path("letters/", include(letters.urlpatterns)),
]
