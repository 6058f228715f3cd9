"""業務従事者名簿 (issue 8 §3). Its export page is privacy's (privacy:roster_export)."""

from django.urls import path

from civicdesk.accounts.views import roster as views

urlpatterns = [
    path("rosters/", views.rosters, name="rosters"),
    path("rosters/new/", views.roster_new, name="roster_new"),
    path("rosters/<int:pk>/", views.roster, name="roster"),
    path("rosters/<int:pk>/entries/", views.roster_entry_add, name="roster_entry_add"),
    path(
        "rosters/<int:pk>/entries/<int:entry_pk>/remove/",
        views.roster_entry_remove,
        name="roster_entry_remove",
    ),
    path("rosters/<int:pk>/submit/", views.roster_submit, name="roster_submit"),
    path("rosters/<int:pk>/changes/", views.roster_change_add, name="roster_change_add"),
    path(
        "rosters/<int:pk>/changes/reported/",
        views.roster_changes_reported,
        name="roster_changes_reported",
    ),
]
