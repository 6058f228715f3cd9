"""The provider's options from the environment (read by settings.py; no Django imports here).

A provider that lacks what it needs stops the start-up with the variable's name, not the first
batch hours later.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from civicdesk import env

HTTP_FIELD_KEYS = ("to", "text", "key", "sender", "id")
# The HTTP provider's field names unless CIVICDESK_SMS_HTTP_FIELDS says otherwise. Request
# fields: to, text, key, sender; answer field: id (dotted for nesting: "result.id").
DEFAULT_FIELDS = {
    "to": "to",
    "text": "text",
    "key": "idempotency_key",
    "sender": "from",
    "id": "id",
}
# An HTTP header name (RFC 9110 token): anything else fails on every send, not at start-up.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def provider_options(provider: str, var_dir: Path, sender: str) -> dict:
    if provider == "file":
        return {
            "path": str(env.read("CIVICDESK_SMS_OUTBOX", str(var_dir / "sms" / "outbox.jsonl")))
        }
    if provider == "http":
        return _http(sender)
    if provider == "twilio":
        return _twilio(sender)
    return {}


def _required(name: str) -> str:
    value = env.read(name)
    if not value:
        raise env.ConfigError(name, "CIVICDESK_SMS_PROVIDER の送信サービスに必要です")
    return value


def _http(sender: str) -> dict:
    url = _required("CIVICDESK_SMS_HTTP_URL")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname or not _port_ok(parts):
        raise env.ConfigError(
            "CIVICDESK_SMS_HTTP_URL", f"'{url}' は http(s):// の URL ではありません"
        )
    fields = env.mapping("CIVICDESK_SMS_HTTP_FIELDS", DEFAULT_FIELDS, keys=HTTP_FIELD_KEYS)
    for key in ("to", "text", "id"):
        if not fields[key]:
            raise env.ConfigError("CIVICDESK_SMS_HTTP_FIELDS", f"'{key}' の項目名が空です")
    return {
        "url": url,
        "token": _required("CIVICDESK_SMS_HTTP_TOKEN"),
        "fields": tuple(sorted(fields.items())),
        "sender": sender,
        "key_header": _header_name("CIVICDESK_SMS_HTTP_KEY_HEADER", "Idempotency-Key"),
        "timeout": env.decimal_number("CIVICDESK_SMS_HTTP_TIMEOUT_SECONDS", 10.0, minimum=0.1),
    }


def _port_ok(parts) -> bool:
    try:
        parts.port  # noqa: B018 (raises ValueError for "host:abc" or "host:99999")
    except ValueError:
        return False
    return True


def _header_name(name: str, default: str) -> str:
    value = env.read(name, default)
    if not HEADER_NAME.fullmatch(value):
        raise env.ConfigError(name, f"'{value}' は HTTP ヘッダー名に使えません（英数字と - など）")
    return value


def _twilio(sender: str) -> dict:
    if not sender:
        raise env.ConfigError(
            "CIVICDESK_SMS_SENDER", "Twilio の送信元番号（+81…）か Messaging Service SID（MG…）"
        )
    try:
        import twilio  # noqa: F401, PLC0415  (optional dependency: is it installed?)
    except ImportError:
        raise env.ConfigError(
            "CIVICDESK_SMS_PROVIDER",
            "twilio パッケージがありません（pip install civicdesk[twilio]）",
        ) from None
    return {
        "account_sid": _required("CIVICDESK_SMS_TWILIO_ACCOUNT_SID"),
        "auth_token": _required("CIVICDESK_SMS_TWILIO_AUTH_TOKEN"),
        "sender": sender,
        "timeout": env.decimal_number("CIVICDESK_SMS_HTTP_TIMEOUT_SECONDS", 10.0, minimum=0.1),
    }
