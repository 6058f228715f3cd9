"""The staff pages of card issuance, namespace ``cards``: one module per subdomain. The public
reservation site has its own URLconf (civicdesk.cards.public.urls) and never appears here."""

from civicdesk.cards.urls import logistics, recordings, reservations, targets

app_name = "cards"

urlpatterns = [
    *targets.urlpatterns,
    *reservations.urlpatterns,
    *logistics.urlpatterns,
    *recordings.urlpatterns,
]
