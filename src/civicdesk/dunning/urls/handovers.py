"""URLs: hand-overs to staff (引継ぎ) and requests for staff (納付書再発行等)."""

from django.urls import path

from civicdesk.dunning.views import handovers as views

urlpatterns = [
    path("hand-overs/", views.hand_overs, name="hand_overs"),
    path("hand-overs/<int:pk>/", views.hand_over, name="hand_over"),
    path("obligors/<int:obligor_pk>/hand-over/", views.hand_over_new, name="hand_over_new"),
    path("staff-requests/", views.staff_requests, name="staff_requests"),
    path("staff-requests/export/", views.staff_requests_export, name="staff_requests_export"),
    path("staff-requests/<int:pk>/done/", views.staff_request_done, name="staff_request_done"),
]
