"""URLs: SMS templates (本文テンプレート, issue 6 §2), under sms/templates/."""

from django.urls import path

from civicdesk.sms.views import templates as views

urlpatterns = [
    path("", views.template_list, name="templates"),
    path("new/", views.template_new, name="template_new"),
    path("<int:pk>/", views.template_edit, name="template_edit"),
    path("preview/", views.template_preview, name="template_preview"),
]
