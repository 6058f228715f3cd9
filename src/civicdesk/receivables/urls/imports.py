from django.urls import path

from civicdesk.receivables.views import imports as views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_run, name="import_run"),
    path("imports/<int:pk>/execute/", views.import_execute, name="import_execute"),
]
