"""Locust: simulated operators of the dunning center working cases (`make load`, issue 8 §9).

Each simulated user signs in once (password, then the TOTP code computed from the key the seed
gave its device, ADR 0003), then loops like an operator at the 案件処理 page:

1. open the work page (案件処理);
2. 「次の案件」 (POST) and open the case screen it redirects to;
3. sometimes open the person's page (名寄せ: household, every account), as an operator checks
   more than the case screen shows (the case screen itself lists the 折衝履歴);
4. talk: THINK_SECONDS, 20–40 s. A real call takes one to several minutes (an unanswered one
   rings for half a minute), so this is already a busier center than 60 real seats; 2–6 s
   would offer ~40 requests a second, more than two cores can serve at the
   ~65 ms of server CPU a request costs, and would measure nothing but the queue
   (``run.py --think 2-6`` still runs it);
5. post the result through the case form with the page's own field values and CSRF token
   (mostly 応答なし, some 留守番電話, some reached with a 納付約束);
6. supervisors (one per team) sometimes open the live page (稼働状況), which operators may not.

The accounts come from the JSON file named by CIVICDESK_LOAD_ACCOUNTS (tests/load/run.py
writes it). Requests are named by endpoint, not by pk, so locust's statistics group them. A
response that is not the expected page is a failure with a reason.

Requests carry what nginx adds in production (docs/operations.md): X-Forwarded-Proto: https
(the app runs with production settings: secure cookies, SSL redirect) and X-Real-IP; plus the
Origin header a browser sends with a POST (Django's CSRF check of HTTPS requests wants it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import sys
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django_otp.oath import TOTP

THINK_SECONDS = (20.0, 40.0)
THINK_ENV = "CIVICDESK_LOAD_THINK"  # "MIN-MAX" seconds, overrides THINK_SECONDS (run.py --think)
# Between cases the operator glances at the work page.
PAUSE_SECONDS = (0.5, 1.5)
HISTORY_SHARE = 0.1
LIVE_SHARE = 0.2
PROMISE_DAYS_AHEAD = 7
# (weight, party, outcome): most calls reach nobody; some reach the person, who promises.
RESULT_MIX = (
    (70, "none", "no_answer"),
    (10, "none", "voicemail"),
    (20, "self", "promise"),
)
CASE_PATH = re.compile(r"^/dunning/cases/(\d+)/$")
ERROR_PARAGRAPH = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)
ACCOUNTS_ENV = "CIVICDESK_LOAD_ACCOUNTS"


# --- Pure helpers (tests/load/test_locustfile.py) ---------------------------------------------


def totp_code(hex_key: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for the device key (django_otp's TOTP)."""
    totp = TOTP(bytes.fromhex(hex_key), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


class _FormParser(HTMLParser):
    """The submitted values of the first <form> whose attributes include ``match``, as a browser
    would send them without the user touching anything: hidden and text inputs, checked boxes
    and radios, the selected option (or the first), textareas."""

    def __init__(self, match: dict[str, str]):
        super().__init__(convert_charrefs=True)
        self.match = match
        self.inside = False
        self.done = False
        self.found = False
        self.values: dict[str, list[str]] = {}
        self.attributes: dict[str, dict[str, str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and not self.done and not self.inside:
            self.inside = all(attrs.get(k) == v for k, v in self.match.items())
            self.found = self.found or self.inside
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self.attributes[name] = attrs
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                self.values.setdefault(name, [])
                if "checked" in attrs:
                    self.values[name].append(attrs.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.values[name] = [attrs.get("value", "")]
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self.values[name] = []
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs and not self._select_chosen:
                self.values[self._select] = [value]
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self.inside and self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.values[self._select] = [self._select_first]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside, self.done = False, True


def form_values(html: str, **match: str) -> tuple[dict[str, list[str]], dict[str, dict]] | None:
    """(values, attributes of each input by name) of the matching form; None if absent.
    Attribute names with dashes are given with underscores (``data_testid="result-form"``)."""
    parser = _FormParser({k.replace("_", "-"): v for k, v in match.items()})
    parser.feed(html)
    parser.close()
    return (parser.values, parser.attributes) if parser.found else None


def csrf_token(html: str) -> str | None:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else None


def choose_result(rng: random.Random) -> tuple[str, str]:
    """(party, outcome) drawn from RESULT_MIX."""
    weights = [w for w, _party, _outcome in RESULT_MIX]
    _weight, party, outcome = rng.choices(RESULT_MIX, weights=weights)[0]
    return party, outcome


def result_post(
    values: dict[str, list[str]], attributes: dict[str, dict], party: str, outcome: str
) -> dict[str, list[str]]:
    """The case form as the operator submits it: the page's values (CSRF token, the revenue
    types ticked, the phone chosen, the unpaid total in promise row 1) plus who answered and
    the result; a promise takes the row-1 amount and a date PROMISE_DAYS_AHEAD after the
    earliest date the page allows (its ``min``: today in Tokyo)."""
    data = {name: list(v) for name, v in values.items() if v}
    data["party"] = [party]
    data["outcome"] = [outcome]
    data["note"] = ["負荷試験"]
    if outcome == "promise":
        earliest = dt.date.fromisoformat(attributes["promise_date_1"]["min"])
        data["promise_date_1"] = [(earliest + dt.timedelta(days=PROMISE_DAYS_AHEAD)).isoformat()]
    return data


def form_errors(html: str) -> str:
    """The error messages a re-rendered form shows, for the failure's reason."""
    messages = [re.sub(r"<[^>]+>", "", m).strip() for m in ERROR_PARAGRAPH.findall(html)]
    return " / ".join(m for m in messages if m) or "エラー表示なし"


def redirect_path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def think_range(text: str | None) -> tuple[float, float]:
    """``"2-6"`` → (2.0, 6.0); empty: THINK_SECONDS."""
    if not text:
        return THINK_SECONDS
    low, _dash, high = text.partition("-")
    low, high = float(low), float(high or low)
    if not 0 <= low <= high:
        raise ValueError(f"{THINK_ENV}: {text!r} は MIN-MAX（秒, MIN <= MAX）で指定してください")
    return low, high


def load_accounts(path: str | None) -> list[dict]:
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def keep_secure_cookies_on_loopback(jar) -> None:
    """nginx terminates TLS in production; here the client talks plain HTTP on loopback, so the
    Secure cookies the app sets (session, CSRF) must still go back: drop the flag client-side.
    (A cookie policy on the session's jar would not do: requests copies the cookies into a new
    jar with the default policy for every request.)"""
    for cookie in jar:
        cookie.secure = False


# --- Locust -----------------------------------------------------------------------------------

# Only when locust itself loads this file: importing locust monkey-patches the process with
# gevent, which run.py and the tests (which import the helpers above) must not suffer.
if "locust" in sys.modules:
    from locust import HttpUser, between, task
    from locust.exception import StopUser
else:
    HttpUser = None

if HttpUser is not None:
    _accounts = iter(load_accounts(os.environ.get(ACCOUNTS_ENV)))
    _think = think_range(os.environ.get(THINK_ENV))
    _seats = itertools.count(1)

    class Operator(HttpUser):
        wait_time = between(*PAUSE_SECONDS)

        def on_start(self):
            account = next(_accounts, None)
            if account is None:
                raise StopUser()
            self.account = account
            self.rng = random.Random(account["username"])
            self.client.headers.update(
                {
                    "X-Forwarded-Proto": "https",
                    "X-Real-IP": f"10.0.0.{next(_seats)}",
                    "Origin": "https://" + urlsplit(self.host).netloc,
                }
            )
            if not self.sign_in():
                raise StopUser()

        # -- sign-in: password, then the TOTP code (ADR 0003) --

        def sign_in(self) -> bool:
            page = self.page("GET", "/accounts/login/", "ログイン")
            if page is None:
                return False
            fields = {
                "csrfmiddlewaretoken": csrf_token(page),
                "username": self.account["username"],
                "password": self.account["password"],
            }
            if not self.expect_redirect("/accounts/login/", fields, "/accounts/login/verify/"):
                return False
            page = self.page("GET", "/accounts/login/verify/", "確認コード")
            if page is None:
                return False
            fields = {
                "csrfmiddlewaretoken": csrf_token(page),
                "token": totp_code(self.account["totp_key"]),
            }
            return self.expect_redirect("/accounts/login/verify/", fields, "/") is not None

        # -- the operator's loop --

        @task
        def work_a_case(self):
            page = self.page("GET", "/dunning/work/", "案件処理")
            if page is None:
                return
            fields = {"csrfmiddlewaretoken": csrf_token(page)}
            case_url = self.claim(fields)
            if case_url is None:
                return
            case_page = self.page(
                "GET", case_url, 'data-testid="result-form"', "/dunning/cases/[pk]/"
            )
            if case_page is None:
                return
            if self.rng.random() < HISTORY_SHARE:
                pk = CASE_PATH.match(case_url).group(1)
                self.page("GET", f"/obligors/{pk}/", "基本情報", "/obligors/[pk]/")
            time.sleep(self.rng.uniform(*_think))
            self.record_result(case_url, case_page)
            if self.account["role"] == "supervisor" and self.rng.random() < LIVE_SHARE:
                self.page("GET", "/dunning/live/", "稼働状況")

        def claim(self, fields) -> str | None:
            with self.send("POST", "/dunning/work/next/", data=fields) as response:
                target = redirect_path(response)
                if response.status_code == 302 and CASE_PATH.match(target):
                    response.success()
                    return target
                if response.status_code == 302 and target == "/dunning/work/":
                    response.failure("次の案件: 案件がありません（シードの件数が足りない）")
                else:
                    response.failure(f"次の案件: {response.status_code} {target}")
            return None

        def record_result(self, case_url: str, case_page: str) -> None:
            parsed = form_values(case_page, data_testid="result-form")
            if parsed is None:
                return
            party, outcome = choose_result(self.rng)
            data = result_post(*parsed, party, outcome)
            name = f"/dunning/cases/[pk]/ ({outcome})"
            with self.send("POST", case_url, data=data, name=name) as response:
                if response.status_code == 302 and redirect_path(response) == "/dunning/work/":
                    response.success()
                elif response.status_code == 200:
                    response.failure(f"結果入力が再表示された: {form_errors(response.text)}")
                else:
                    response.failure(f"結果入力: {response.status_code} {redirect_path(response)}")

        # -- request helpers --

        def send(self, method: str, path: str, **kwargs):
            """Every request: redirects are checked, not followed; the caller marks the outcome."""
            keep_secure_cookies_on_loopback(self.client.cookies)
            return self.client.request(
                method, path, allow_redirects=False, catch_response=True, **kwargs
            )

        def page(self, method: str, path: str, marker: str, name: str | None = None) -> str | None:
            """GET a page; a failure unless it is 200 and contains ``marker``."""
            with self.send(method, path, name=name or path) as response:
                if response.status_code != 200:
                    where = redirect_path(response)
                    response.failure(f"{response.status_code} {where}".strip())
                    return None
                if marker not in response.text:
                    response.failure(f"期待した画面ではない（「{marker}」がない）")
                    return None
                response.success()
                return response.text

        def expect_redirect(self, path: str, data: dict, target: str) -> str | None:
            with self.send("POST", path, data=data) as response:
                if response.status_code == 302 and redirect_path(response) == target:
                    response.success()
                    return target
                reason = (
                    form_errors(response.text)
                    if response.status_code == 200
                    else redirect_path(response)
                )
                response.failure(f"{path}: {response.status_code} {reason}")
            return None
