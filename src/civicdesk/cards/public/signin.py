"""Signing in to the public reservation site: the 予約管理番号 and the birth date, nothing more.

A wrong birth date and an unknown number are one answer, reached by the same work: one lookup
by number (a missing target compares against a stand-in date), one constant-time comparison,
then both failure counters. Failures are counted in core's RateCounter table (the staff site's
store, one atomic upsert per key, shared by every worker) per client address and per number
(hashed: the number itself is not kept there); past either limit the site answers 429.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.models import CardTarget
from civicdesk.core import ratelimit
from civicdesk.core.models import Municipality, RateCounter
from civicdesk.env import Rate

DEFAULT_ADDRESS_RATE = Rate(10, 15 * 60)
DEFAULT_NUMBER_RATE = Rate(5, 60 * 60)
# Compared against when the number is unknown, so that path does the same work.
STAND_IN_BIRTH_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class SignInResult:
    target_id: int | None = None
    retry_after: int = 0  # > 0: refused by a rate limit, for this many seconds

    @property
    def ok(self) -> bool:
        return self.target_id is not None

    @property
    def limited(self) -> bool:
        return self.retry_after > 0

    @property
    def retry_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def address_rate() -> Rate:
    return getattr(settings, "CARDS_PUBLIC_ADDRESS_RATE", DEFAULT_ADDRESS_RATE)


def number_rate() -> Rate:
    return getattr(settings, "CARDS_PUBLIC_NUMBER_RATE", DEFAULT_NUMBER_RATE)


def normalize_number(text: str) -> str:
    """Full-width digits and letters, spaces and lower case, as residents type them."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def sign_in(
    *,
    acting_user=None,
    reservation_no: str,
    birth_date: dt.date | None,
    client_address: str | None,
    now: float | None = None,
) -> SignInResult:
    """The target's id when number and birth date match; else a failure counted against the
    address and the number; a refusal (retry_after) once either is over its limit."""
    now = time.time() if now is None else now
    number = normalize_number(reservation_no)
    keys = _keys(client_address, number)
    wait = refused_for(keys, now=now)
    if wait:
        return SignInResult(retry_after=wait)
    municipality = Municipality.objects.default()
    found = (
        CardTarget.objects.filter(municipality=municipality, reservation_no=number)
        .values_list("pk", "birth_date")
        .first()
    )
    pk, known = found if found else (None, STAND_IN_BIRTH_DATE)
    given = (birth_date or STAND_IN_BIRTH_DATE).isoformat()
    matches = hmac.compare_digest(known.isoformat(), given) and pk is not None
    if not matches or birth_date is None:
        count_failure(keys, now=now)
        return SignInResult()
    with transaction.atomic():
        target = CardTarget.objects.get(pk=pk)
        record_access(
            acting_user=acting_user,
            action=AccessAction.VIEW,
            obj=target,
            fields=["予約管理番号", "生年月日", "交付会場", "予約"],
            reason="WEB予約サイトへのサインイン（区民本人）",
            username="区民（WEB予約）",
        )
    return SignInResult(target_id=pk)


def count_failure(keys: dict[str, Rate], *, now: float | None = None) -> None:
    """One failed attempt (a wrong pair, or a sign-in without a solved challenge)."""
    for key, rate in keys.items():
        if rate.enabled:
            ratelimit.hit(key, rate, now=now)


def refused_for(keys: dict[str, Rate], *, now: float) -> int:
    """Seconds until the first key over its limit frees up; 0 when none is (one query)."""
    windows = {
        key: int(now // rate.seconds) * rate.seconds for key, rate in keys.items() if rate.enabled
    }
    if not windows:
        return 0
    wanted = Q()
    for key, window_start in windows.items():
        wanted |= Q(key=key, window_start=window_start)
    used = dict(RateCounter.objects.filter(wanted).values_list("key", "count"))
    waits = [
        max(1, math.ceil(windows[key] + keys[key].seconds - now))
        for key, count in used.items()
        if count >= keys[key].limit
    ]
    return max(waits, default=0)


def address_keys(client_address: str | None) -> dict[str, Rate]:
    return {f"yoyaku:address:{client_address or '-'}": address_rate()}


def _keys(client_address: str | None, number: str) -> dict[str, Rate]:
    hashed = hashlib.sha256(f"yoyaku:{number}".encode()).hexdigest()[:40]
    return {**address_keys(client_address), f"yoyaku:number:{hashed}": number_rate()}
