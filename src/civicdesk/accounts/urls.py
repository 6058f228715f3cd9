from django.urls import path

from civicdesk.accounts import roster_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("logout/", views.logout, name="logout"),
    # 業務従事者名簿 (issue 8 §3)
    path("rosters/", roster_views.rosters, name="rosters"),
    path("rosters/new/", roster_views.roster_new, name="roster_new"),
    path("rosters/<int:pk>/", roster_views.roster, name="roster"),
    path("rosters/<int:pk>/entries/", roster_views.roster_entry_add, name="roster_entry_add"),
    path(
        "rosters/<int:pk>/entries/<int:entry_pk>/remove/",
        roster_views.roster_entry_remove,
        name="roster_entry_remove",
    ),
    path("rosters/<int:pk>/submit/", roster_views.roster_submit, name="roster_submit"),
    path("rosters/<int:pk>/changes/", roster_views.roster_change_add, name="roster_change_add"),
    path(
        "rosters/<int:pk>/changes/reported/",
        roster_views.roster_changes_reported,
        name="roster_changes_reported",
    ),
]
