"""A self-hosted ALTCHA proof of work for the sign-in (no third-party call, ever).

The server picks a secret number below ``maxnumber`` and hands out
``challenge = SHA-256(salt + number)`` with ``signature = HMAC-SHA-256(key, challenge)``; the
salt carries its own expiry (``…?expires=<unix seconds>``), so nothing is stored when a
challenge is made. The browser (static/civicdesk/cards-public.js) tries numbers until the hash
matches and sends back a base64 JSON payload. The server checks the signature (the challenge
is ours), the expiry, the solution, and that the challenge was not used before: a used
challenge is a row of core's RateCounter table (key ``altcha:<challenge>``, window and expiry
= the challenge's expiry), inserted once under the table's unique key, so two workers cannot
both accept it, and swept by the rate limiter's own clean-up once expired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from civicdesk.core.models import RateCounter

ALGORITHM = "SHA-256"
DEFAULT_MAX_NUMBER = 100_000
DEFAULT_SECONDS = 600
KEY_SALT = "civicdesk.cards.public.altcha"


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


def max_number() -> int:
    return int(getattr(settings, "CARDS_PUBLIC_ALTCHA_MAX_NUMBER", DEFAULT_MAX_NUMBER))


def lifetime_seconds() -> int:
    return int(getattr(settings, "CARDS_PUBLIC_ALTCHA_SECONDS", DEFAULT_SECONDS))


def sign(challenge: str) -> str:
    return salted_hmac(KEY_SALT, challenge, algorithm="sha256").hexdigest()


def digest(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def create_challenge(*, now: float | None = None) -> Challenge:
    now = time.time() if now is None else now
    expires = int(now) + lifetime_seconds()
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    ceiling = max_number()
    challenge = digest(salt, secrets.randbelow(ceiling + 1))
    return Challenge(ALGORITHM, challenge, ceiling, salt, sign(challenge))


def solve(challenge: Challenge | dict, *, start: int = 0) -> int | None:
    """The number behind a challenge, by trying them all (the bench's residents, the tests)."""
    data = challenge if isinstance(challenge, dict) else challenge.__dict__
    for number in range(start, int(data["maxnumber"]) + 1):
        if digest(data["salt"], number) == data["challenge"]:
            return number
    return None


def payload(challenge: Challenge | dict, number: int) -> str:
    """What the browser sends back (ALTCHA's format: base64 of the JSON)."""
    data = challenge if isinstance(challenge, dict) else challenge.__dict__
    fields = {key: data[key] for key in ("algorithm", "challenge", "salt", "signature")}
    text = json.dumps({**fields, "number": number}, separators=(",", ":"))
    return base64.b64encode(text.encode()).decode()


def verify(text: str, *, now: float | None = None) -> bool:
    """True once for a genuine, unexpired, solved challenge; False for anything else."""
    data = _decoded(text)
    if data is None:
        return False
    now = time.time() if now is None else now
    expires = _expiry(data["salt"])
    if expires is None or expires <= now:
        return False
    if not hmac.compare_digest(sign(data["challenge"]), data["signature"]):
        return False
    if not hmac.compare_digest(digest(data["salt"], data["number"]), data["challenge"]):
        return False
    return _first_use(data["challenge"], expires)


def _decoded(text: str) -> dict | None:
    try:
        data = json.loads(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not isinstance(data, dict) or data.get("algorithm") != ALGORITHM:
        return None
    strings = all(isinstance(data.get(key), str) for key in ("challenge", "salt", "signature"))
    number = data.get("number")
    if not strings or not isinstance(number, int) or isinstance(number, bool) or number < 0:
        return None
    return data


def _expiry(salt: str) -> int | None:
    _, _, query = salt.partition("?")
    values = parse_qs(query).get("expires", [])
    try:
        return int(values[0]) if len(values) == 1 else None
    except ValueError:
        return None


def _first_use(challenge: str, expires: int) -> bool:
    try:
        with transaction.atomic():
            RateCounter.objects.create(
                key=f"altcha:{challenge}", window_start=expires, expires=expires, count=1
            )
    except IntegrityError:
        return False
    return True
