"""URLs: visit lists (issue 5 §1), under dunning/visits/."""

from django.urls import path

from civicdesk.dunning.views import visits as views

urlpatterns: list = [
    path("", views.visit_lists, name="visit_lists"),
    path("new/", views.visit_list_new, name="visit_list_new"),
    path("<int:pk>/", views.visit_list, name="visit_list"),
    path("<int:pk>/sheet.pdf", views.visit_list_sheet, name="visit_list_sheet"),
    path("<int:pk>/release/", views.visit_list_release, name="visit_list_release"),
]
