"""The receivables pages under /receivables/ (the staff imports). The obligor search and page
keep their own address, /obligors/, and URL names (``urls/obligors.py``)."""

from django.urls import include, path

from civicdesk.receivables.urls import imports

app_name = "receivables"

urlpatterns = [
    path("", include(imports.urlpatterns)),
]
