"""The public reservation pages, namespace ``yoyaku``. Includable: the staff site of a
single-host install mounts them at /yoyaku/ (``path("yoyaku/", include(…))``); the public
host's own URLconf (site_urls) mounts them at the same place and holds nothing else."""

from django.urls import path

from civicdesk.cards.public import views

app_name = "yoyaku"

urlpatterns = [
    path("", views.sign_in, name="signin"),
    path("menu/", views.home, name="home"),
    path("slots/", views.slots, name="slots"),
    path("book/", views.book_slot, name="book"),
    path("change/", views.change_slot, name="change"),
    path("cancel/", views.cancel_reservation, name="cancel"),
    path("signout/", views.sign_out, name="signout"),
]
