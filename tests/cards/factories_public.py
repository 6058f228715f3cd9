"""Helpers of the public-site tests: the public host's settings on the test client, a resident
who signs in through the real form (solving the ALTCHA challenge the page hands out), and the
pages' text without what changes on every render (challenge, CSRF token)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from civicdesk import public_settings
from civicdesk.cards.public import altcha

SMALL_POW = 40  # the bench and the tests solve in Python; the browser test keeps it small too
_CHALLENGE_ATTRIBUTE = re.compile(r'data-altcha-(\w+)="([^"]*)"')
_VOLATILE = re.compile(r'(data-altcha-\w+|name="csrfmiddlewaretoken" value)="[^"]*"')


@pytest.fixture
def public_site(settings):
    """The test client talks to the public host: its URLconf, middleware, templates, cookies."""
    for name in (
        "ROOT_URLCONF",
        "MIDDLEWARE",
        "TEMPLATES",
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "CSRF_FAILURE_VIEW",
        "CARDS_PUBLIC_ADDRESS_RATE",
        "CARDS_PUBLIC_NUMBER_RATE",
    ):
        setattr(settings, name, getattr(public_settings, name))
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = SMALL_POW
    return settings


def challenge_of(html: str) -> dict:
    found = {key: unescape(value) for key, value in _CHALLENGE_ATTRIBUTE.findall(html)}
    found["maxnumber"] = int(found["maxnumber"])
    return found


def solved_payload(html: str) -> str:
    challenge = challenge_of(html)
    return altcha.payload(challenge, altcha.solve(challenge))


def sign_in_form(client, number: str, birth, *, remote="198.51.100.7", solve=True):
    """GET the sign-in page, solve its challenge, POST the number and birth date."""
    page = client.get("/yoyaku/", REMOTE_ADDR=remote)
    data = {
        "reservation_no": number,
        "birth_year": str(birth.year),
        "birth_month": str(birth.month),
        "birth_day": str(birth.day),
        "altcha": solved_payload(page.content.decode()) if solve else "",
    }
    return client.post("/yoyaku/", data, REMOTE_ADDR=remote)


def stable_text(response) -> str:
    """The body without the parts that differ on every render."""
    return _VOLATILE.sub(r'\1=""', response.content.decode())
