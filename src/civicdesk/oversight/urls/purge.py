"""URL patterns of purge plans (namespace ``privacy``)."""

from django.urls import path

from civicdesk.oversight.views import purge as purge_views

urlpatterns = [
    path("purge/", purge_views.purge_plans, name="purge_plans"),
    path("purge/new/", purge_views.purge_plan_new, name="purge_plan_new"),
    path("purge/<int:pk>/", purge_views.purge_plan, name="purge_plan"),
    path("purge/<int:pk>/approve/", purge_views.purge_plan_approve, name="purge_plan_approve"),
    path("purge/<int:pk>/certificate.pdf", purge_views.purge_certificate, name="purge_certificate"),
]
