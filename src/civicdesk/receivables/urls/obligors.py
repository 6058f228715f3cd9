"""/obligors/: the obligor search and the obligor page (名寄せ).

The namespace stays ``registry``: the pages moved here from the registry app (they show
accounts), and ``registry:search`` / ``registry:obligor`` are what the menu, the templates and
the tests reverse; the address and the names did not change with the move."""

from django.urls import path

from civicdesk.receivables.views import obligors as views

app_name = "registry"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.obligor_detail, name="obligor"),
]
