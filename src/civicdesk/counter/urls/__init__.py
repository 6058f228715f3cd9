"""The counter's pages, namespace ``counter``: one module per subdomain."""

from civicdesk.counter.urls import bereavement, catalogue, hours, requests, tickets

app_name = "counter"

urlpatterns = [
    *tickets.urlpatterns,
    *requests.urlpatterns,
    *bereavement.urlpatterns,
    *hours.urlpatterns,
    *catalogue.urlpatterns,
]
