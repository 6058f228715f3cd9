"""The paper and card pages (joined in urls/__init__.py, namespace ``cards``)."""

from django.urls import path

from civicdesk.cards.views import logistics as views

urlpatterns = [
    path("mailings/", views.mailing_list, name="mailings"),
    path("mailings/<int:pk>/", views.mailing_detail, name="mailing"),
    path("mailings/<int:pk>/download/", views.mailing_download, name="mailing_download"),
    path("mailings/<int:pk>/mailed/", views.mailing_mailed, name="mailing_mailed"),
    path("receipts/", views.receipt_list, name="receipts"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/ledger/", views.transfer_ledger, name="transfer_ledger"),
    path("transfers/<int:pk>/receive/", views.transfer_receive, name="transfer_receive"),
    path("desk/", views.venue_desk, name="venue_desk"),
    *(
        path(f"desk/<int:pk>/{action}/", views.venue_desk_action, {"action": action}, name=name)
        for action, name in (
            ("issue", "venue_desk_issue"),
            ("return", "venue_desk_return"),
            ("fail", "venue_desk_fail"),
        )
    ),
    path("venue-day/", views.venue_day_page, name="venue_day"),
    path("reconciliation/", views.reconciliation_page, name="reconciliation"),
]
