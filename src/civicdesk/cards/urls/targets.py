"""The card-target pages (joined in urls/__init__.py; namespace ``cards``)."""

from django.urls import path

from civicdesk.cards.views import targets

urlpatterns = [
    path("targets/", targets.target_list, name="targets"),
    path("targets/import/", targets.target_import, name="target_import"),
    path("targets/<int:pk>/", targets.target_detail, name="target"),
    path("targets/<int:pk>/move-out/", targets.target_move_out, name="target_move_out"),
]
