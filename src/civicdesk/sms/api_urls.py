"""The machine API of SMS (/api/sms/): delivery receipts and replies from the provider.

The provider signs its requests (sms.api): the view is exempt from the sign-in page
(login_not_required) and, being a DRF view without session authentication, from CSRF.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from civicdesk.sms.api import SmsReceiptsView

urlpatterns = [
    path(
        "receipts",
        login_not_required(SmsReceiptsView.as_view()),
        name="api-sms-receipts",
    ),
]
