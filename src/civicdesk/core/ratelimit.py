"""Rate limits on sign-in and on the machine API, counted in the database (issue 8 §7).

A fixed window per key: the first request of a window inserts the row, every further one adds
one in the same statement (INSERT … ON CONFLICT DO UPDATE … RETURNING), so every gunicorn worker
counts on the same row and no two requests can both read the old count. Rows whose window has
ended are deleted whenever a new window starts: the table holds the current windows only.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from civicdesk.core.middleware import client_address
from civicdesk.core.models import RateCounter
from civicdesk.env import Rate

# The defaults of CIVICDESK_LOGIN_RATE and CIVICDESK_API_RATE (settings.py parses the variables).
DEFAULT_LOGIN_RATE = Rate(200, 600)
DEFAULT_API_RATE = Rate(600, 60)
# The sign-in steps that take a secret (password, TOTP code): POSTs to these are counted.
SIGN_IN_URL_NAMES = ("accounts:login", "accounts:verify", "accounts:enrol")
API_PREFIX = "/api/"
API_TOO_MANY = "要求が多すぎます。{seconds} 秒後にもう一度送信してください。"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def hit(key: str, rate: Rate, *, now: float | None = None) -> Verdict:
    """Count one request for ``key`` in the current window of ``rate`` and say if it may pass."""
    now = time.time() if now is None else now
    window_start = int(now // rate.seconds) * rate.seconds
    expires = window_start + rate.seconds
    with transaction.atomic():
        count = _increment(key, window_start, expires)
        if count == 1:  # a new window: the ended ones of every key are of no use any more
            RateCounter.objects.filter(expires__lte=int(now)).delete()
    retry_after = max(1, math.ceil(expires - now))
    return Verdict(allowed=count <= rate.limit, count=count, retry_after=retry_after)


def _increment(key: str, window_start: int, expires: int) -> int:
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_col, window_col, expires_col, count_col = (
        quote(RateCounter._meta.get_field(name).column)
        for name in ("key", "window_start", "expires", "count")
    )
    # Same SQL on PostgreSQL and SQLite (3.35+): one statement, so the count is atomic.
    sql = (
        f"INSERT INTO {table} ({key_col}, {window_col}, {expires_col}, {count_col}) "
        f"VALUES (%s, %s, %s, 1) ON CONFLICT ({key_col}, {window_col}) "
        f"DO UPDATE SET {count_col} = {table}.{count_col} + 1 RETURNING {count_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, window_start, expires])
        return cursor.fetchone()[0]


def login_rate() -> Rate:
    return getattr(settings, "LOGIN_RATE", DEFAULT_LOGIN_RATE)


def api_rate() -> Rate:
    return getattr(settings, "API_RATE", DEFAULT_API_RATE)


class RateLimitMiddleware:
    """429 with Retry-After once a client address has sent too many sign-in POSTs
    (CIVICDESK_LOGIN_RATE), or a token / address too many API requests (CIVICDESK_API_RATE).

    Runs before sessions: a refused request costs one UPDATE and nothing else. axes still locks
    the account after failed passwords; this stops one address from trying many accounts."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._sign_in_paths: frozenset[str] | None = None

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            rate = api_rate()
            if rate.enabled:
                verdict = hit(api_key(request), rate)
                if not verdict.allowed:
                    return api_refusal(verdict)
        elif request.method == "POST" and request.path in self.sign_in_paths():
            rate = login_rate()
            if rate.enabled:
                verdict = hit(f"login:{client_address(request) or '-'}", rate)
                if not verdict.allowed:
                    return login_refusal(verdict)
        return self.get_response(request)

    def sign_in_paths(self) -> frozenset[str]:
        # Resolved on first use: the URLconf may not be importable yet when the middleware is.
        if self._sign_in_paths is None:
            self._sign_in_paths = frozenset(reverse(name) for name in SIGN_IN_URL_NAMES)
        return self._sign_in_paths


def api_key(request) -> str:
    """A bearer token's own count (by its hash: the token is never stored), else the address's."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "api:token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return f"api:address:{client_address(request) or '-'}"


def api_refusal(verdict: Verdict) -> HttpResponse:
    body = json.dumps({"detail": API_TOO_MANY.format(seconds=verdict.retry_after)})
    response = HttpResponse(body, status=429, content_type="application/json; charset=utf-8")
    response["Retry-After"] = str(verdict.retry_after)
    return response


def login_refusal(verdict: Verdict) -> HttpResponse:
    minutes = math.ceil(verdict.retry_after / 60)
    # Nothing from the request is shown: not the user ID typed, not the address.
    html = render_to_string("429.html", {"minutes": minutes})
    response = HttpResponse(html, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(verdict.retry_after)
    return response
