"""URLs: SMS batches (送信, issue 6 §3), under sms/."""

from django.urls import path

from civicdesk.sms.views import batches as views

urlpatterns = [
    path("", views.batches, name="batches"),
    path("new/", views.batch_new, name="batch_new"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("<int:pk>/pause/", views.batch_pause, name="batch_pause"),
    path("<int:pk>/resume/", views.batch_resume, name="batch_resume"),
    path("<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
]
