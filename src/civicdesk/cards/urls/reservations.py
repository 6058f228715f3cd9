"""The call center's pages and the venues' slots (joined in urls/__init__.py; namespace
``cards``)."""

from django.urls import path

from civicdesk.cards.views import reservations as views

urlpatterns = [
    path("call-center/", views.call_center, name="call_center"),
    path("call-center/call/", views.call_center_call, name="call_center_call"),
    path("call-center/<int:pk>/", views.call_center_target, name="call_center_target"),
    path("call-center/<int:pk>/reserve/", views.call_center_reserve, name="call_center_reserve"),
    path("call-center/<int:pk>/cancel/", views.call_center_cancel, name="call_center_cancel"),
    path("call-center/<int:pk>/call/", views.call_center_call, name="call_center_target_call"),
    path("calls/", views.calls_page, name="calls"),
    path("slots/", views.slots_page, name="slots"),
    path("slots/open/", views.slots_open, name="slots_open"),
    path("slots/<int:pk>/capacity/", views.slot_capacity, name="slot_capacity"),
]
