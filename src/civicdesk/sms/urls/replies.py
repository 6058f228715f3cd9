"""URLs: SMS replies (返信), under sms/replies/."""

from django.urls import path

from civicdesk.sms.views import replies as views

urlpatterns = [
    path("", views.replies, name="replies"),
]
