"""URLs: SMS opt-outs (受信拒否), under sms/opt-outs/."""

from django.urls import path

from civicdesk.sms.views import optouts as views

urlpatterns = [
    path("", views.opt_outs, name="optouts"),
    path("<int:pk>/delete/", views.opt_out_delete, name="optout_delete"),
]
