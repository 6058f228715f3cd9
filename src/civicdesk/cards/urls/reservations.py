"""The call center's pages and the venues' slots (joined in urls/__init__.py; namespace
``cards``)."""

from django.urls import path

from civicdesk.cards.views import reservations as views

urlpatterns = [
    path("call-center/", views.call_center, name="call-center"),
    path("call-center/call/", views.call_center_call, name="call-center-call"),
    path("call-center/<int:pk>/", views.call_center_target, name="call-center-target"),
    path("call-center/<int:pk>/reserve/", views.call_center_reserve, name="call-center-reserve"),
    path("call-center/<int:pk>/cancel/", views.call_center_cancel, name="call-center-cancel"),
    path("call-center/<int:pk>/call/", views.call_center_call, name="call-center-target-call"),
    path("calls/", views.calls_page, name="calls"),
    path("slots/", views.slots_page, name="slots"),
    path("slots/open/", views.slots_open, name="slots-open"),
    path("slots/<int:pk>/capacity/", views.slot_capacity, name="slot-capacity"),
]
