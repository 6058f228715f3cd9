"""Pages everyone opens all day keep a flat, small number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.services import setup_demo_calendars
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_home_page_query_count_is_flat(client, operator, municipality):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    sign_in(client, operator)
    queries_for(client, "/")  # the first look at a year copies its national holidays
    # session, user, TOTP device, municipality, team, 4 services' calendars in one go
    # (calendar, 3 rule sets, designated days, closures, holiday year, holidays), session save
    assert queries_for(client, "/") <= 16


def test_access_log_page_does_not_query_per_entry(client, inspector, operator):
    sign_in(client, inspector)
    record_access(acting_user=operator, action=AccessAction.VIEW, obj=operator)
    few = queries_for(client, "/privacy/access-log/")  # one entry (and its actor) to show
    for _ in range(40):
        record_access(acting_user=operator, action=AccessAction.VIEW, obj=operator)
    assert queries_for(client, "/privacy/access-log/") == few
