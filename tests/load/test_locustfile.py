"""The load test's pure parts: TOTP codes, the case form as posted, the result mix, the stats
file, the seed's sizes. No server and no locust run (`make load` does that)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
import struct
from collections import Counter
from http.cookiejar import Cookie, CookieJar

import pytest
import time_machine

from tests.load import locustfile, run, seed

CASE_FORM = """
<form method="get" action="/obligors/"><input type="text" name="query" value="x"></form>
<form method="post" action="/dunning/cases/7/" novalidate data-testid="result-form">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok123">
  <input type="radio" name="party" value="self" id="p1"> <input type="radio" name="party"
    value="none" id="p4">
  <input type="radio" name="outcome" value="promise"><input type="radio" name="outcome"
    value="no_answer">
  <input type="checkbox" name="revenue_types" value="nhi" checked>
  <input type="checkbox" name="revenue_types" value="ltc" checked>
  <input type="checkbox" name="revenue_types" value="late_elderly">
  <input type="number" name="promise_amount_1" value="16600">
  <input type="date" name="promise_date_1" min="2026-12-02" max="2027-01-02">
  <input type="number" name="promise_amount_2"><input type="date" name="promise_date_2">
  <select name="phone"><option value="">（なし）</option><option value="41" selected>090</option>
  </select>
  <select name="hand_over_reason"><option value="">引継ぎなし</option>
  <option value="x">x</option></select>
  <input type="checkbox" name="hot_voice">
  <textarea name="note">前回 &amp; 今回</textarea>
  <button type="submit" name="next" value="1">保存して次の案件</button>
</form>
"""


def rfc6238(key: bytes, at: float) -> str:
    """RFC 6238 written out here, independently of django_otp."""
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6
    return f"{code:06d}"


def test_totp_code_is_the_rfc_6238_code_of_the_hex_key():
    key = "3132333435363738393031323334353637383930"  # RFC 6238's SHA-1 test key
    assert locustfile.totp_code(key, at=59) == "287082"  # the RFC's table (last 6 digits)
    for at in (1_111_111_109, 1_234_567_890, 1_764_633_600):
        assert locustfile.totp_code(key, at=at) == rfc6238(bytes.fromhex(key), at)


def test_the_code_matches_what_the_tests_compute_for_a_device_with_that_key():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import current_token

    device = TOTPDevice(key="ab" * 20, step=30, t0=0, digits=6, drift=0)
    # One frozen moment: both codes from the same 30-second step.
    with time_machine.travel(dt.datetime(2026, 12, 2, 6, 0, 29, tzinfo=dt.UTC), tick=False):
        assert locustfile.totp_code(device.key) == current_token(device)


def test_form_values_reads_only_the_result_form_as_a_browser_would_submit_it():
    values, attributes = locustfile.form_values(CASE_FORM, data_testid="result-form")
    assert "query" not in values
    assert values["csrfmiddlewaretoken"] == ["tok123"]
    assert values["party"] == [] and values["outcome"] == []  # nothing chosen yet
    assert values["revenue_types"] == ["nhi", "ltc"]  # only the ticked boxes
    assert values["promise_amount_1"] == ["16600"]
    assert values["phone"] == ["41"]  # the selected option
    assert values["hand_over_reason"] == [""]  # no option selected: the first
    assert values["hot_voice"] == []
    assert values["note"] == ["前回 & 今回"]
    assert "next" not in values  # a button is sent only when it is the one clicked
    assert attributes["promise_date_1"]["min"] == "2026-12-02"


def test_form_values_is_none_when_the_page_has_no_such_form():
    assert locustfile.form_values("<form data-testid='other'></form>", data_testid="x") is None


def test_a_no_answer_result_posts_the_page_values_without_a_promise_date():
    data = locustfile.result_post(
        *locustfile.form_values(CASE_FORM, data_testid="result-form"), "none", "no_answer"
    )
    assert data["party"] == ["none"] and data["outcome"] == ["no_answer"]
    assert data["csrfmiddlewaretoken"] == ["tok123"]
    assert data["revenue_types"] == ["nhi", "ltc"]
    assert data["promise_date_1"] == [""]  # row 1 counts only with a date
    assert "hot_voice" not in data  # an unticked box is not sent at all


def test_a_promise_is_dated_a_week_after_the_first_day_the_page_allows():
    data = locustfile.result_post(
        *locustfile.form_values(CASE_FORM, data_testid="result-form"), "self", "promise"
    )
    assert data["promise_date_1"] == [str(dt.date(2026, 12, 2) + dt.timedelta(days=7))]
    assert data["promise_amount_1"] == ["16600"]  # the unpaid total the page offers


def test_results_are_mostly_no_answer_and_some_promises():
    rng = random.Random(1)
    drawn = Counter(locustfile.choose_result(rng) for _ in range(10_000))
    assert set(drawn) == {("none", "no_answer"), ("none", "voicemail"), ("self", "promise")}
    assert 6_500 < drawn[("none", "no_answer")] < 7_500
    assert 1_500 < drawn[("self", "promise")] < 2_500


def test_csrf_token_and_form_errors_are_read_from_the_page():
    assert locustfile.csrf_token(CASE_FORM) == "tok123"
    assert locustfile.csrf_token("<p>no form</p>") is None
    page = (
        '<p class="error" id="party-error">相手を選んで<b>ください</b>。</p><p class="error">x</p>'
    )
    assert locustfile.form_errors(page) == "相手を選んでください。 / x"
    assert locustfile.form_errors("<p>ok</p>") == "エラー表示なし"


def test_secure_cookies_lose_the_flag_so_they_go_back_over_loopback():
    jar = CookieJar()
    jar.set_cookie(
        Cookie(0, "sessionid", "s", None, False, "127.0.0.1", False, False, "/", True,
               True, None, False, None, None, {})
    )  # fmt: skip
    locustfile.keep_secure_cookies_on_loopback(jar)
    assert [c.secure for c in jar] == [False]


STATS_CSV = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
    "GET,/dunning/work/,100,0,40,45.5,10,300.2,1000,3.3,0,40,50,55,60,80,120,200,250,300,300,300\n"
    "POST,/dunning/work/next/,100,2,20,25,5,90,0,3.3,0.1,20,22,25,30,40,60,80,90,90,90,90\n"
    "GET,/dunning/live/,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
    ",Aggregated,200,2,30,35.2,5,300.2,500,6.66,0.1,30,40,45,50,70,110,180,240,300,300,300\n"
)


def test_read_stats_takes_the_aggregated_row_and_p95_per_endpoint(tmp_path):
    path = tmp_path / "locust_stats.csv"
    path.write_text(STATS_CSV)
    stats = run.read_stats(path)
    assert (stats["requests"], stats["failures"], stats["p95_ms"]) == (200, 2, 110.0)
    assert stats["max_ms"] == 300.2 and stats["requests_per_second"] == 6.7
    assert stats["endpoints"]["GET /dunning/work/"]["p95_ms"] == 120.0
    assert stats["endpoints"]["POST /dunning/work/next/"]["failures"] == 2
    assert stats["endpoints"]["GET /dunning/live/"]["p95_ms"] is None


def test_read_stats_refuses_a_file_without_the_aggregated_row(tmp_path):
    path = tmp_path / "locust_stats.csv"
    path.write_text(STATS_CSV.rsplit(",Aggregated", 1)[0])
    with pytest.raises(ValueError, match="Aggregated"):
        run.read_stats(path)


def test_read_failures_lists_each_reason_with_its_count(tmp_path):
    path = tmp_path / "locust_failures.csv"
    path.write_text(
        "Method,Name,Error,Occurrences\n"
        "POST,/dunning/work/next/,\"CatchResponseError('次の案件: 案件がありません')\",3\n"
    )
    assert run.read_failures(path) == [
        {
            "request": "POST /dunning/work/next/",
            "reason": "CatchResponseError('次の案件: 案件がありません')",
            "count": 3,
        }
    ]
    assert run.read_failures(tmp_path / "missing.csv") == []


def test_merge_results_keeps_the_other_keys(tmp_path):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"queue_claim": {"p95_ms": 12}, "load_operators": {"old": 1}}))
    run.merge_results(out, {"users": 60, "failures": 0})
    merged = json.loads(out.read_text())
    assert merged["queue_claim"] == {"p95_ms": 12}
    assert merged["load_operators"] == {"users": 60, "failures": 0}


def test_the_seed_outlasts_sixty_operators_taking_a_case_every_two_seconds():
    per_team = seed.items_per_team(60, 5)
    fastest_takes = 60 * 5 * 60 / 2  # one case per user every 2 s for 5 minutes
    assert per_team * len(seed.TEAMS) >= 1.5 * fastest_takes
    assert seed.items_per_team(1, 0.1) == seed.MIN_ITEMS_PER_TEAM


def test_each_team_has_one_supervisor_and_the_users_are_spread_evenly():
    roles = seed.user_roles(60)
    assert Counter(team for _role, team in roles) == {0: 15, 1: 15, 2: 15, 3: 15}
    supervisors = [team for role, team in roles if role == "supervisor"]
    assert sorted(supervisors) == [0, 1, 2, 3]


def test_think_range_reads_min_max_seconds_and_refuses_a_reversed_range():
    assert locustfile.think_range("20-40") == (20.0, 40.0)
    assert locustfile.think_range("3") == (3.0, 3.0)
    assert locustfile.think_range("") == locustfile.THINK_SECONDS
    with pytest.raises(ValueError, match="MIN-MAX"):
        locustfile.think_range("6-2")
