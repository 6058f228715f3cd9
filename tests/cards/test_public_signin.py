"""The public site's sign-in: the 予約管理番号 and birth date only; a wrong birth date and an
unknown number give one answer by the same work; failures limited per client address and per
number (database-counted); the ALTCHA proof of work (solved passes; forged, expired, replayed
fail); noindex and no caching."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessLogEntry
from civicdesk.cards.public import altcha
from civicdesk.cards.public.views import FAILED, NOT_SOLVED, SESSION_KEY
from civicdesk.core.models import RateCounter
from tests.cards.factories import CardTargetFactory
from tests.cards.factories_public import (
    challenge_of,
    public_site,  # noqa: F401  (fixture)
    sign_in_form,
    solved_payload,
    stable_text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

BIRTH = dt.date(1980, 4, 1)


@pytest.fixture
def target(venues, municipality):
    return CardTargetFactory(
        municipality=municipality, reservation_no="K000000123", birth_date=BIRTH
    )


# --- ALTCHA ------------------------------------------------------------------------------------


def _solved(**changes):
    challenge = altcha.create_challenge()
    data = {**challenge.__dict__, **changes}
    return data, altcha.solve(challenge)


def test_a_solved_challenge_passes_once(settings):
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 50
    data, number = _solved()
    assert number is not None
    assert altcha.verify(altcha.payload(data, number)) is True
    assert altcha.verify(altcha.payload(data, number)) is False  # replayed


def test_a_forged_signature_or_challenge_fails(settings):
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 50
    data, number = _solved()
    assert not altcha.verify(altcha.payload({**data, "signature": "0" * 64}, number))
    # A challenge of one's own making, with an easy number, signed with a guessed key.
    salt = f"abc?expires={int(time.time()) + 600}"
    own = altcha.digest(salt, 1)
    forged = {**data, "salt": salt, "challenge": own, "signature": data["signature"]}
    assert not altcha.verify(altcha.payload(forged, 1))
    assert not altcha.verify(altcha.payload(data, number + 1))  # wrong answer
    assert not altcha.verify("not base64 !")
    assert not altcha.verify("")


def test_an_expired_challenge_fails_even_when_solved(settings):
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 50
    settings.CARDS_PUBLIC_ALTCHA_SECONDS = 60
    challenge = altcha.create_challenge(now=time.time() - 61)
    text = altcha.payload(challenge, altcha.solve(challenge))
    assert not altcha.verify(text)


def test_an_expiry_moved_in_the_salt_breaks_the_signature(settings):
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 50
    challenge = altcha.create_challenge(now=time.time() - 3600)
    later = challenge.salt.split("?")[0] + f"?expires={int(time.time()) + 600}"
    number = altcha.solve(challenge)
    moved = {**challenge.__dict__, "salt": later, "challenge": altcha.digest(later, number)}
    assert not altcha.verify(altcha.payload(moved, number))


def test_the_complexity_comes_from_the_setting(settings):
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 1234
    assert altcha.create_challenge().maxnumber == 1234


def test_used_challenges_are_kept_in_the_rate_counter_table_until_they_expire(settings):
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 50
    data, number = _solved()
    assert altcha.verify(altcha.payload(data, number))
    row = RateCounter.objects.get(key=f"altcha:{data['challenge']}")
    assert row.expires == int(data["salt"].split("expires=")[1])


# --- Signing in --------------------------------------------------------------------------------


def test_the_right_number_and_birth_date_sign_in_with_only_the_target_id_in_a_new_session(
    client, target
):
    client.get("/yoyaku/")
    before = client.session.session_key
    response = sign_in_form(client, "k000000123", BIRTH)  # lower case, as typed
    assert response.status_code == 302
    assert response["Location"] == "/yoyaku/menu/"
    session = client.session
    assert session.session_key != before
    assert dict(session.items()) == {SESSION_KEY: target.pk}


def test_full_width_digits_are_read_as_the_number(client, target):
    response = sign_in_form(client, "Ｋ００００００１２３", BIRTH)
    assert response.status_code == 302


def test_a_wrong_birth_date_and_an_unknown_number_give_the_same_page_by_the_same_work(
    client, target
):
    answers, queries = [], []
    # Each from its own address: both start their counters' windows alike.
    cases = (
        ("K000000123", dt.date(1980, 4, 2), "192.0.2.1"),
        ("K999999999", BIRTH, "192.0.2.2"),
    )
    for number, birth, remote in cases:
        with CaptureQueriesContext(connection) as captured:
            response = sign_in_form(client, number, birth, remote=remote)
        answers.append(response)
        queries.append(len(captured.captured_queries))
    wrong_birth, unknown = answers
    assert wrong_birth.status_code == unknown.status_code == 400
    assert FAILED in wrong_birth.content.decode()
    assert stable_text(wrong_birth) == stable_text(unknown)
    assert queries[0] == queries[1]
    assert SESSION_KEY not in client.session


def test_without_a_solved_challenge_nobody_signs_in(client, target):
    response = sign_in_form(client, "K000000123", BIRTH, solve=False)
    assert response.status_code == 400
    assert NOT_SOLVED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_replayed_challenge_does_not_sign_in(client, target):
    page = client.get("/yoyaku/")
    payload = solved_payload(page.content.decode())
    data = {
        "reservation_no": "K000000999",
        "birth_year": "1980",
        "birth_month": "4",
        "birth_day": "1",
        "altcha": payload,
    }
    assert client.post("/yoyaku/", data).status_code == 400
    response = client.post("/yoyaku/", {**data, "reservation_no": "K000000123"})
    assert response.status_code == 400
    assert NOT_SOLVED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_date_that_does_not_exist_is_named(client, target):
    page = client.get("/yoyaku/")
    data = {
        "reservation_no": "K000000123",
        "birth_year": "1980",
        "birth_month": "2",
        "birth_day": "31",
        "altcha": solved_payload(page.content.decode()),
    }
    response = client.post("/yoyaku/", data)
    assert response.status_code == 400
    assert "生年月日: 存在しない日付です" in response.content.decode()


def test_ten_failures_from_one_address_then_429_even_for_the_right_pair(client, target):
    for n in range(10):
        response = sign_in_form(client, f"K99999{n:04d}", BIRTH, remote="203.0.113.9")
        assert response.status_code == 400
    response = sign_in_form(client, "K000000123", BIRTH, remote="203.0.113.9")
    assert response.status_code == 429
    assert "しばらくしてから" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert SESSION_KEY not in client.session
    # Another address is not held back by this one.
    assert sign_in_form(client, "K000000123", BIRTH, remote="203.0.113.10").status_code == 302


def test_five_failures_on_one_number_then_429_from_any_address(client, target):
    for n in range(5):
        response = sign_in_form(
            client, "K000000123", dt.date(1981, 1, 1 + n), remote=f"192.0.2.{n}"
        )
        assert response.status_code == 400
    response = sign_in_form(client, "K000000123", BIRTH, remote="192.0.2.200")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    # The number is kept hashed in the counter table, never as typed.
    assert not RateCounter.objects.filter(key__contains="K000000123").exists()


def test_an_unknown_number_is_limited_like_a_known_one(client, target):
    for n in range(5):
        sign_in_form(client, "K000000777", BIRTH, remote=f"192.0.2.{n}")
    assert sign_in_form(client, "K000000777", BIRTH, remote="192.0.2.99").status_code == 429


def test_the_limits_come_from_the_settings(client, target, settings):
    settings.CARDS_PUBLIC_ADDRESS_RATE = type(settings.CARDS_PUBLIC_ADDRESS_RATE)(2, 60)
    for n in range(2):
        sign_in_form(client, f"K88888{n:04d}", BIRTH)
    assert sign_in_form(client, "K000000123", BIRTH).status_code == 429


def test_the_sign_in_page_is_noindex_uncached_and_says_it_needs_javascript(client):
    response = client.get("/yoyaku/")
    html = response.content.decode()
    assert response["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in html
    assert "no-store" in response["Cache-Control"]
    assert "<noscript>" in html and "JavaScript を有効に" in html
    assert "cards-public.js" in html and "<script>" not in html  # no inline script (CSP)
    challenge = challenge_of(html)
    assert challenge["algorithm"] == "SHA-256" and challenge["maxnumber"] == 40


def test_signed_out_the_session_is_gone(client, target):
    sign_in_form(client, "K000000123", BIRTH)
    response = client.post("/yoyaku/signout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/yoyaku/menu/")["Location"] == "/yoyaku/"


def test_a_sign_in_is_in_the_access_log_with_the_client_address_and_a_failure_is_not(
    client, target
):
    before = AccessLogEntry.objects.count()
    sign_in_form(client, "K000000123", dt.date(1999, 1, 1), remote="198.51.100.20")
    assert AccessLogEntry.objects.count() == before
    sign_in_form(client, "K000000123", BIRTH, remote="198.51.100.21")
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry.action == "view" and entry.object_id == str(target.pk)
    assert entry.ip_address == "198.51.100.21"
    assert entry.actor_username == "区民（WEB予約）"
