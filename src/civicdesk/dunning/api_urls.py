"""The machine API (/api/): PBX/CTI and, later, SMS receipts and core-system links.

Machines sign in with tokens, not sessions: every view here is exempt from the sign-in page
(login_not_required) and, being DRF views without session authentication, from CSRF.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from civicdesk.dunning.api import InboundCallView

urlpatterns = [
    path(
        "calls/inbound",
        login_not_required(InboundCallView.as_view()),
        name="api-calls-inbound",
    ),
]
