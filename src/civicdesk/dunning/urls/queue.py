"""URLs: the work queue (「次の案件」) and the 「効果なし」 list."""

from django.urls import path

from civicdesk.dunning.views import queue as views

urlpatterns = [
    path("work/", views.work, name="work"),
    path("work/next/", views.work_next, name="work_next"),
    path("work/<int:pk>/release/", views.work_release, name="work_release"),
    path("no-effect/", views.no_effect, name="no_effect"),
]
