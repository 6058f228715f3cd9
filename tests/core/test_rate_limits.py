"""Rate limits on sign-in and the machine API (issue 8 §7): counted in the database, so every
gunicorn worker adds to the same count; 429 in Japanese with Retry-After."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from civicdesk import env
from civicdesk.core import ratelimit
from civicdesk.core.models import RateCounter
from civicdesk.env import ConfigError, Rate

MIDDLEWARE = "civicdesk.core.ratelimit.RateLimitMiddleware"
# Read at import, before any test's settings fixture: what settings.py itself installs.
PROJECT_MIDDLEWARE = tuple(django_settings.MIDDLEWARE)


@pytest.fixture
def limited(settings):
    """The middleware where settings.py puts it, with small limits."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(
            middleware.index("civicdesk.core.middleware.AllowedNetworksMiddleware") + 1,
            MIDDLEWARE,
        )
        settings.MIDDLEWARE = middleware
    settings.LOGIN_RATE = Rate(3, 600)
    settings.API_RATE = Rate(2, 60)
    return settings


# --- CIVICDESK_LOGIN_RATE / CIVICDESK_API_RATE --------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [("20/10m", Rate(20, 600)), ("600/1m", Rate(600, 60)), ("600/m", Rate(600, 60)),
     ("5/30s", Rate(5, 30)), ("1000/2h", Rate(1000, 7200)), (" off ", Rate(0, 0))],
)  # fmt: skip
def test_a_rate_is_count_per_period(monkeypatch, value, expected):
    monkeypatch.setenv("CIVICDESK_LOGIN_RATE", value)
    assert env.rate("CIVICDESK_LOGIN_RATE", "1/1s") == expected


@pytest.mark.parametrize(
    "value", ["20", "20/", "20/10", "20/10d", "0/1m", "20/0m", "a/1m", "-1/1m"]
)
def test_a_malformed_rate_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("CIVICDESK_API_RATE", value)
    with pytest.raises(ConfigError) as raised:
        env.rate("CIVICDESK_API_RATE", "600/1m")
    assert raised.value.variable == "CIVICDESK_API_RATE"


def test_unset_means_the_default(monkeypatch):
    monkeypatch.delenv("CIVICDESK_API_RATE", raising=False)
    assert env.rate("CIVICDESK_API_RATE", "600/1m") == Rate(600, 60)
    assert not Rate(0, 0).enabled


def test_settings_install_the_limits():
    assert MIDDLEWARE in PROJECT_MIDDLEWARE
    assert PROJECT_MIDDLEWARE.index(MIDDLEWARE) < PROJECT_MIDDLEWARE.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    assert isinstance(django_settings.LOGIN_RATE, Rate)
    assert isinstance(django_settings.API_RATE, Rate)


# --- The counter ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_count_is_one_row_in_the_database_per_key_and_window():
    rate = Rate(3, 600)
    verdicts = [ratelimit.hit("login:192.0.2.1", rate, now=1_000_000.0) for _ in range(4)]
    assert [v.count for v in verdicts] == [1, 2, 3, 4]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    row = RateCounter.objects.get()
    assert (row.key, row.count) == ("login:192.0.2.1", 4)
    # 1,000,000 s lies in the window [999,600, 1,000,200): 200 s to go.
    assert (row.window_start, row.expires) == (999_600, 1_000_200)
    assert verdicts[-1].retry_after == 200


@pytest.mark.django_db
def test_each_key_counts_alone():
    rate = Rate(1, 60)
    assert ratelimit.hit("login:192.0.2.1", rate, now=60.0).allowed
    assert ratelimit.hit("login:192.0.2.2", rate, now=60.0).allowed
    assert not ratelimit.hit("login:192.0.2.1", rate, now=61.0).allowed


@pytest.mark.django_db
def test_a_new_window_starts_from_one_and_removes_the_ended_windows():
    rate = Rate(2, 60)
    for _ in range(3):
        ratelimit.hit("api:address:192.0.2.9", rate, now=100.0)
    ratelimit.hit("api:address:192.0.2.8", rate, now=100.0)
    fresh = ratelimit.hit("api:address:192.0.2.9", rate, now=185.0)
    assert fresh.allowed and fresh.count == 1
    # Both rows of the window [60, 120) are gone, the other key's included.
    assert list(RateCounter.objects.values_list("window_start", "count")) == [(180, 1)]


@pytest.mark.django_db
def test_two_workers_share_the_count(limited):
    # A worker keeps nothing in memory: a second middleware instance continues the count.
    first, second = Client(REMOTE_ADDR="192.0.2.7"), Client(REMOTE_ADDR="192.0.2.7")
    url = reverse("accounts:login")
    statuses = [client.post(url, {}).status_code for client in (first, second, first, second)]
    assert 429 not in statuses[:3] and statuses[3] == 429
    assert RateCounter.objects.get(key="login:192.0.2.7").count == 4


# Not a missing tool: `make test` runs this file again on PostgreSQL.
@pytest.mark.postgres_only(reason="real concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_connections_lose_no_count():
    threads_count, hits = 8, 25
    barrier = threading.Barrier(threads_count)

    def worker():
        try:
            barrier.wait()
            for _ in range(hits):
                ratelimit.hit("api:token:x", Rate(10_000, 3600), now=7200.0)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RateCounter.objects.get(key="api:token:x").count == threads_count * hits


# --- Sign-in ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_too_many_sign_in_posts_from_one_address_get_429_in_japanese(limited, operator):
    client = Client(REMOTE_ADDR="198.51.100.4")
    url = reverse("accounts:login")
    form = {"username": operator.username, "password": "wrong-password-1"}
    for _ in range(3):
        assert client.post(url, form).status_code != 429
    refused = client.post(url, form)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    body = refused.content.decode()
    assert "ログインの試行が多すぎる" in body
    assert operator.username not in body and "198.51.100.4" not in body
    # Another address, the sign-in page itself (GET) and the verify step of others still work.
    assert Client(REMOTE_ADDR="198.51.100.5").post(url, form).status_code != 429
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_totp_steps_count_with_the_password_step(limited):
    client = Client(REMOTE_ADDR="198.51.100.6")
    for name in ("accounts:login", "accounts:verify", "accounts:enrol"):
        client.post(reverse(name), {})
    assert client.post(reverse("accounts:verify"), {}).status_code == 429


@pytest.mark.django_db
def test_behind_the_proxy_the_real_client_is_counted(limited):
    # nginx (a trusted proxy) forwards for two clients: each has its own count.
    url = reverse("accounts:login")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(3):
        Client(**proxy, HTTP_X_REAL_IP="203.0.113.1").post(url, {})
    assert Client(**proxy, HTTP_X_REAL_IP="203.0.113.1").post(url, {}).status_code == 429
    assert Client(**proxy, HTTP_X_REAL_IP="203.0.113.2").post(url, {}).status_code != 429


@pytest.mark.django_db
def test_off_means_no_limit(limited):
    limited.LOGIN_RATE = Rate(0, 0)
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert all(client.post(reverse("accounts:login"), {}).status_code != 429 for _ in range(5))
    assert not RateCounter.objects.exists()


# --- The API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_answers_429_json_with_retry_after_per_token(limited):
    url = reverse("api-calls-inbound")

    def call(token, address="192.0.2.50"):
        return Client(REMOTE_ADDR=address).post(
            url, "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    assert call("token-a").status_code != 429
    assert call("token-a", address="192.0.2.51").status_code != 429  # same token, any address
    refused = call("token-a")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert "要求が多すぎます" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert call("token-b").status_code != 429
    # The token is never stored: its key is a SHA-256.
    assert not RateCounter.objects.filter(key__contains="token-a").exists()


@pytest.mark.django_db
def test_the_api_without_a_token_counts_per_address(limited):
    url = reverse("api-calls-inbound")
    client = Client(REMOTE_ADDR="192.0.2.60")
    statuses = [
        client.post(url, "{}", content_type="application/json").status_code for _ in range(3)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
    assert RateCounter.objects.filter(key="api:address:192.0.2.60").get().count == 3
