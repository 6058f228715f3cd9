"""The staff pages of card issuance, namespace ``cards``: one module per subdomain. The public
reservation site has its own URLconf (civicdesk.cards.public.urls) and never appears here."""

from django.urls import path

from civicdesk.cards.urls import logistics, recordings, reservations, targets
from civicdesk.cards.views import index

app_name = "cards"

urlpatterns = [
    path("", index.index, name="index"),
    *targets.urlpatterns,
    *reservations.urlpatterns,
    *logistics.urlpatterns,
    *recordings.urlpatterns,
]
