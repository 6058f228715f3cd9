"""URL patterns of the counter's requests, review, cashier, day close, paper and plate pages
(joined in counter/urls/__init__.py; namespace ``counter``)."""

from django.urls import path

from civicdesk.counter.views import cashier, day_close, paper, plates, requests

urlpatterns = [
    # Requests (窓口の請求・届出) and the staff review.
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_new, name="request_new_postal"),
    path("tickets/<int:ticket>/requests/new/", requests.request_new, name="request_new"),
    path("requests/<int:pk>/", requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", requests.request_edit, name="request_edit"),
    path("requests/<int:pk>/submit/", requests.request_submit, name="request_submit"),
    path("requests/<int:pk>/issue/", requests.request_issue, name="request_issue"),
    path("requests/<int:pk>/withdraw/", requests.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/review/", requests.request_review, name="request_review"),
    path("reviews/", requests.review_queue, name="reviews"),
    # The cashier (会計) and receipts.
    path("cashier/", cashier.cashier, name="cashier"),
    path("cashier/tickets/<int:ticket>/", cashier.cashier_ticket, name="cashier_ticket"),
    path(
        "cashier/tickets/<int:ticket>/receipts.pdf",
        cashier.ticket_receipts,
        name="ticket_receipts",
    ),
    path("requests/<int:pk>/settle/", cashier.request_settle, name="request_settle"),
    path("fees/<int:pk>/receipt.pdf", cashier.fee_receipt, name="fee_receipt"),
    path("fees/<int:pk>/reverse/", cashier.fee_reverse, name="fee_reverse"),
    # The day close (日計・精算).
    path("day-close/", day_close.day_close, name="day_close"),
    path("day-close/<int:pk>/confirm/", day_close.day_close_confirm, name="day_close_confirm"),
    path("day-close/day-total.pdf", day_close.day_total_pdf, name="day_total_pdf"),
    # Tamper-proof paper and the temporary-plate ledger.
    path("paper/", paper.paper, name="paper"),
    path("plates/", plates.plates, name="plates"),
    path("requests/<int:pk>/plate/", plates.plate_lend, name="plate_lend"),
    path("plates/loans/<int:pk>/return/", plates.plate_return, name="plate_return"),
]
