from django.urls import path

from civicdesk.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("healthz", views.healthz, name="healthz"),
]
