"""The page tests' fast sign-in (tests/conftest.py::sign_in) writes the session the real
two-step sign-in leaves: if the sign-in starts keeping something else, these fail."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from civicdesk.accounts.models import RosterEntry
from tests.accounts.roster_helpers import tokyo
from tests.conftest import sign_in, sign_in_through_forms

pytestmark = pytest.mark.django_db

MOMENT = tokyo(2030, 6, 12, 9, 30)


def session_of(client) -> dict:
    return dict(client.session.items())


@pytest.mark.parametrize("role", ["operator", "staff"])  # on the roster, and not bound to it
def test_the_fast_sign_in_leaves_the_session_the_two_step_sign_in_leaves(users_by_role, role):
    user = users_by_role[role]
    through_forms, fast = Client(), Client()
    with time_machine.travel(MOMENT, tick=False):
        real_device = sign_in_through_forms(through_forms, user)
        fast_device = sign_in(fast, user)
    assert fast_device == real_device
    assert session_of(fast) == session_of(through_forms)
    assert session_of(fast)  # not two empty sessions


def test_the_fast_sign_in_passes_the_second_factor_check_with_the_users_device(operator):
    client = Client()
    with time_machine.travel(MOMENT, tick=False):
        device = sign_in(client, operator)
        response = client.get("/")
    assert response.status_code == 200
    request_user = response.wsgi_request.user
    assert request_user == operator and request_user.is_verified()
    assert request_user.otp_device == device


def test_a_fast_session_is_rechecked_against_the_roster_like_a_real_one(operator):
    client = Client()
    with time_machine.travel(MOMENT, tick=False):
        sign_in(client, operator)
        RosterEntry.objects.filter(user=operator).delete()
        assert client.get("/").status_code == 200  # checked at most every few minutes
    with time_machine.travel(MOMENT + dt.timedelta(minutes=6), tick=False):
        response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
