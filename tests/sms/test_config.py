"""SMS provider settings from the environment (issue 6 §1): a provider that lacks what it needs
stops the start-up with the variable's name, not the first batch hours later."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from civicdesk import env
from civicdesk.sms.config import provider_options
from civicdesk.sms.providers import Accepted, OutgoingMessage, provider_class
from tests.sms.fake_provider import TOKEN, FakeSmsService

VAR_DIR = Path("/srv/civicdesk/var")
URL = "https://sms.example.lg.jp/v1/messages"
# The generic provider's field names when CIVICDESK_SMS_HTTP_FIELDS is unset.
DEFAULT_FIELDS = {
    "to": "to",
    "text": "text",
    "key": "idempotency_key",
    "sender": "from",
    "id": "id",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No SMS variable from the machine running the tests leaks into these."""
    for name in list(os.environ):
        if name.startswith("CIVICDESK_SMS_"):
            monkeypatch.delenv(name)
    return monkeypatch


def http_env(monkeypatch, **variables):
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_URL", URL)
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_TOKEN", "token-0123")
    for name, value in variables.items():
        monkeypatch.setenv(f"CIVICDESK_SMS_{name}", value)


def refused(provider: str = "http", sender: str = "") -> env.ConfigError:
    with pytest.raises(env.ConfigError) as failure:
        provider_options(provider, VAR_DIR, sender)
    return failure.value


# --- console and file ----------------------------------------------------------------------


def test_console_needs_no_options():
    assert provider_options("console", VAR_DIR, "") == {}


def test_file_outbox_defaults_under_the_var_folder():
    assert provider_options("file", VAR_DIR, "") == {"path": "/srv/civicdesk/var/sms/outbox.jsonl"}


def test_file_outbox_path_comes_from_its_variable(monkeypatch):
    monkeypatch.setenv("CIVICDESK_SMS_OUTBOX", "/tmp/demo/outbox.jsonl")
    assert provider_options("file", VAR_DIR, "") == {"path": "/tmp/demo/outbox.jsonl"}


# --- http ----------------------------------------------------------------------------------


def test_http_options_with_defaults(monkeypatch):
    http_env(monkeypatch)

    options = provider_options("http", VAR_DIR, "KOTO-CITY")

    assert dict(options["fields"]) == DEFAULT_FIELDS
    assert {name: value for name, value in options.items() if name != "fields"} == {
        "url": URL,
        "token": "token-0123",
        "sender": "KOTO-CITY",
        "key_header": "Idempotency-Key",
        "timeout": 10.0,
    }


def test_http_without_url_names_the_url_variable():
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_URL" and "CIVICDESK_SMS_HTTP_URL" in str(error)


def test_http_without_token_names_the_token_variable(monkeypatch):
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_URL", URL)
    assert refused().variable == "CIVICDESK_SMS_HTTP_TOKEN"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://sms.example.lg.jp/messages",
        "sms.example.lg.jp/v1/messages",
        "mailto:sms@example.lg.jp",
        "https://",
        "http:///messages",
        "https://sms.example.lg.jp:port/v1",
        "https://sms.example.lg.jp:99999/v1",
    ],
)
def test_http_url_that_is_not_an_http_url_with_a_host_is_refused(monkeypatch, url):
    http_env(monkeypatch, HTTP_URL=url)
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_URL" and url in error.reason


@pytest.mark.parametrize("url", ["http://10.20.30.40:8080/sms", "HTTPS://SMS.example.lg.jp/v1"])
def test_http_url_on_lgwan_addresses_or_in_capitals_is_accepted(monkeypatch, url):
    http_env(monkeypatch, HTTP_URL=url)
    assert provider_options("http", VAR_DIR, "")["url"] == url


def test_http_fields_rename_what_the_service_calls_them(monkeypatch):
    http_env(monkeypatch, HTTP_FIELDS="to=phone, text = message ,id=result.id")

    fields = dict(provider_options("http", VAR_DIR, "")["fields"])

    assert fields == {
        "to": "phone",
        "text": "message",
        "key": "idempotency_key",
        "sender": "from",
        "id": "result.id",
    }


def test_http_fields_may_leave_out_the_key_and_sender_but_not_to_text_or_id(monkeypatch):
    http_env(monkeypatch, HTTP_FIELDS="key=,sender=")
    fields = dict(provider_options("http", VAR_DIR, "")["fields"])
    assert (fields["key"], fields["sender"]) == ("", "")

    for required in ("to", "text", "id"):
        http_env(monkeypatch, HTTP_FIELDS=f"{required}=")
        error = refused()
        assert error.variable == "CIVICDESK_SMS_HTTP_FIELDS" and f"'{required}'" in error.reason


def test_http_fields_with_an_unknown_name_is_refused_naming_it(monkeypatch):
    http_env(monkeypatch, HTTP_FIELDS="to=phone,number=tel")
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_FIELDS"
    assert "'number'" in error.reason


@pytest.mark.parametrize("value", ["to:phone", "to=phone,,text=message", "=phone", "to=phone,"])
def test_http_fields_malformed_item_is_refused(monkeypatch, value):
    http_env(monkeypatch, HTTP_FIELDS=value)
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_FIELDS" and "名前=値" in error.reason


def test_http_token_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "sms-token"
    secret.write_text("from-a-file-0123456789\n", encoding="utf-8")
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_URL", URL)
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_TOKEN_FILE", str(secret))

    assert provider_options("http", VAR_DIR, "")["token"] == "from-a-file-0123456789"


def test_http_token_file_that_cannot_be_read_names_the_file_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_URL", URL)
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_TOKEN_FILE", str(tmp_path / "missing"))
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_TOKEN_FILE" and str(tmp_path) in error.reason


def test_http_empty_token_file_counts_as_no_token(monkeypatch, tmp_path):
    secret = tmp_path / "empty"
    secret.write_text("\n", encoding="utf-8")
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_URL", URL)
    monkeypatch.setenv("CIVICDESK_SMS_HTTP_TOKEN_FILE", str(secret))
    assert refused().variable == "CIVICDESK_SMS_HTTP_TOKEN"


@pytest.mark.parametrize(("value", "seconds"), [("2.5", 2.5), ("30", 30.0), ("0.1", 0.1)])
def test_http_timeout_in_seconds(monkeypatch, value, seconds):
    http_env(monkeypatch, HTTP_TIMEOUT_SECONDS=value)
    assert provider_options("http", VAR_DIR, "")["timeout"] == seconds


@pytest.mark.parametrize("value", ["ten", "10s", "1,5", "nan"])
def test_http_timeout_that_is_not_a_number_is_refused(monkeypatch, value):
    http_env(monkeypatch, HTTP_TIMEOUT_SECONDS=value)
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_TIMEOUT_SECONDS" and value in error.reason


def test_http_timeout_left_empty_is_the_default(monkeypatch):
    http_env(monkeypatch, HTTP_TIMEOUT_SECONDS="")
    assert provider_options("http", VAR_DIR, "")["timeout"] == 10.0


@pytest.mark.parametrize("value", ["0", "-1", "0.05"])
def test_http_timeout_too_small_is_refused(monkeypatch, value):
    http_env(monkeypatch, HTTP_TIMEOUT_SECONDS=value)
    error = refused()
    assert error.variable == "CIVICDESK_SMS_HTTP_TIMEOUT_SECONDS" and "0.1" in error.reason


def test_http_key_header_name_comes_from_its_variable(monkeypatch):
    http_env(monkeypatch, HTTP_KEY_HEADER="X-Request-Id")
    assert provider_options("http", VAR_DIR, "")["key_header"] == "X-Request-Id"


@pytest.mark.parametrize("value", ["Idempotency Key", "Idempotency-Key:", "冪等キー"])
def test_http_key_header_that_is_no_header_name_is_refused(monkeypatch, value):
    # http.client would refuse it on every send instead.
    http_env(monkeypatch, HTTP_KEY_HEADER=value)
    assert refused().variable == "CIVICDESK_SMS_HTTP_KEY_HEADER"


def test_http_options_from_the_environment_build_a_provider_that_sends(monkeypatch):
    """What config produces is what the provider takes (fields as a hashable tuple, too)."""
    with FakeSmsService() as service:
        monkeypatch.setenv("CIVICDESK_SMS_HTTP_URL", service.url)
        monkeypatch.setenv("CIVICDESK_SMS_HTTP_TOKEN", TOKEN)
        monkeypatch.setenv("CIVICDESK_SMS_HTTP_FIELDS", "key=request_id")
        monkeypatch.setenv("CIVICDESK_SMS_HTTP_TIMEOUT_SECONDS", "5")
        options = provider_options("http", VAR_DIR, "KOTO")
        hash(tuple(sorted(options.items())))  # get_provider caches on them

        accepted = provider_class("http")(**options).send(
            OutgoingMessage(key="k1", to="+819012345678", text="テスト")
        )

    assert accepted == Accepted(provider_message_id=service.accepted["k1"]["id"])
    (request,) = service.requests
    assert (request["request_id"], request["from"], request["key"]) == ("k1", "KOTO", "k1")


# --- twilio --------------------------------------------------------------------------------

SENDER = "+815012345678"


def twilio_env(monkeypatch, **variables):
    monkeypatch.setenv("CIVICDESK_SMS_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("CIVICDESK_SMS_TWILIO_AUTH_TOKEN", "twilio-token")
    for name, value in variables.items():
        monkeypatch.setenv(f"CIVICDESK_SMS_{name}", value)


def test_twilio_options(monkeypatch):
    twilio_env(monkeypatch, HTTP_TIMEOUT_SECONDS="4")
    assert provider_options("twilio", VAR_DIR, SENDER) == {
        "account_sid": "AC" + "0" * 32,
        "auth_token": "twilio-token",
        "sender": SENDER,
        "timeout": 4.0,
    }


def test_twilio_without_sender_names_the_sender_variable(monkeypatch):
    twilio_env(monkeypatch)
    assert refused("twilio", sender="").variable == "CIVICDESK_SMS_SENDER"


def test_twilio_without_account_sid_names_it(monkeypatch):
    twilio_env(monkeypatch)
    monkeypatch.delenv("CIVICDESK_SMS_TWILIO_ACCOUNT_SID")
    assert refused("twilio", SENDER).variable == "CIVICDESK_SMS_TWILIO_ACCOUNT_SID"


def test_twilio_without_auth_token_names_it(monkeypatch):
    twilio_env(monkeypatch)
    monkeypatch.delenv("CIVICDESK_SMS_TWILIO_AUTH_TOKEN")
    assert refused("twilio", SENDER).variable == "CIVICDESK_SMS_TWILIO_AUTH_TOKEN"


def test_twilio_auth_token_may_come_from_a_file(monkeypatch, tmp_path):
    twilio_env(monkeypatch)
    monkeypatch.delenv("CIVICDESK_SMS_TWILIO_AUTH_TOKEN")
    secret = tmp_path / "twilio"
    secret.write_text("token-from-file\n", encoding="utf-8")
    monkeypatch.setenv("CIVICDESK_SMS_TWILIO_AUTH_TOKEN_FILE", str(secret))
    assert provider_options("twilio", VAR_DIR, SENDER)["auth_token"] == "token-from-file"


def test_twilio_without_the_package_says_how_to_install_it(monkeypatch):
    twilio_env(monkeypatch)
    monkeypatch.setitem(sys.modules, "twilio", None)  # import twilio → ImportError
    error = refused("twilio", SENDER)
    assert error.variable == "CIVICDESK_SMS_PROVIDER" and "civicdesk[twilio]" in error.reason


# --- start-up: the command stops with one line ---------------------------------------------


def run_check(tmp_path, **variables) -> subprocess.CompletedProcess:
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CIVICDESK_", "DATABASE")) and name != "SECRET_KEY"
    }
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # The production settings, not the test run's (tests.settings is not importable there).
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update(CIVICDESK_VAR_DIR=str(tmp_path / "var"), **variables)
    return subprocess.run(
        [sys.executable, "-m", "civicdesk", "check"],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
        timeout=120,
    )


def test_check_with_http_provider_and_no_url_stops_naming_the_variable(tmp_path):
    result = run_check(tmp_path, CIVICDESK_SMS_PROVIDER="http")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "civicdesk: 設定エラー: CIVICDESK_SMS_HTTP_URL: "
        "CIVICDESK_SMS_PROVIDER の送信サービスに必要です"
    ]


def test_check_with_twilio_and_no_sender_stops_naming_the_variable(tmp_path):
    result = run_check(tmp_path, CIVICDESK_SMS_PROVIDER="twilio")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "CIVICDESK_SMS_SENDER" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_passes_with_a_complete_http_configuration(tmp_path):
    result = run_check(
        tmp_path,
        CIVICDESK_SMS_PROVIDER="http",
        CIVICDESK_SMS_HTTP_URL=URL,
        CIVICDESK_SMS_HTTP_TOKEN="token-0123",
        CIVICDESK_SMS_HTTP_FIELDS="to=phone,text=message,id=result.id",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
