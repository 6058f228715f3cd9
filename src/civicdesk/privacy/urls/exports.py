"""URL patterns of the export requests and the hand-over register (namespace ``privacy``)."""

from django.urls import path

from civicdesk.privacy.views import exports as export_views

urlpatterns = [
    path("exports/", export_views.export_requests, name="export_requests"),
    path("exports/inbox/", export_views.export_inbox, name="export_inbox"),
    path("exports/<int:pk>/", export_views.export_request, name="export_request"),
    path("exports/<int:pk>/approve/", export_views.export_approve, name="export_approve"),
    path("exports/<int:pk>/reject/", export_views.export_reject, name="export_reject"),
    path("exports/<int:pk>/make/", export_views.export_make, name="export_make"),
    path("exports/<int:pk>/return/", export_views.export_return, name="export_return"),
    path("exports/<int:pk>/hand-over/", export_views.export_hand_over, name="export_hand_over"),
    path("exports/download/<str:token>/", export_views.export_download, name="export_download"),
    path("handovers/", export_views.handover_register, name="handover_register"),
    path("handovers/<int:pk>/confirm/", export_views.handover_confirm, name="handover_confirm"),
]
