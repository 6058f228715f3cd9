"""URL patterns of the counter's bereavement pages (joined in counter/urls/__init__.py), under
counter/bereavement/."""

from django.urls import path

from civicdesk.counter.views import bereavement as views

urlpatterns = [
    path("bereavement/", views.slots, name="bereavement_slots"),
    path("bereavement/book/", views.book, name="bereavement_book"),
    path("bereavement/reception/", views.reception, name="bereavement_reception"),
    path("bereavement/cases/", views.cases, name="bereavement_cases"),
    path("bereavement/<int:pk>/", views.case, name="bereavement_case"),
    path("bereavement/<int:pk>/check-in/", views.check_in, name="bereavement_check_in"),
    path("bereavement/<int:pk>/cancel/", views.cancel, name="bereavement_cancel"),
    path("bereavement/<int:pk>/answers/", views.answers, name="bereavement_answers"),
    path("bereavement/<int:pk>/notices/", views.notices, name="bereavement_notices"),
    path("bereavement/<int:pk>/notify/", views.notify, name="bereavement_notify"),
    path(
        "bereavement/<int:pk>/tasks/<int:task_pk>/done/",
        views.task_done,
        name="bereavement_task_done",
    ),
    path("bereavement/<int:pk>/finish/", views.finish, name="bereavement_finish"),
    path("bereavement/<int:pk>/pack.pdf", views.pack, name="bereavement_pack"),
]
