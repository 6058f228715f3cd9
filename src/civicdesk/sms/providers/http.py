"""A generic JSON REST provider: POST one message, read its id from the answer.

Japanese SMS services that municipalities reach over LGWAN expose such APIs with their own
field names, so the names are settings (CIVICDESK_SMS_HTTP_FIELDS). The idempotency key goes
in a header (CIVICDESK_SMS_HTTP_KEY_HEADER) and, when a field name is given, in the body: the
service must answer a repeated key with the first message, which is what makes a resend after
a timeout or a 5xx safe (``deduplicates``).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request

from civicdesk.sms.config import DEFAULT_FIELDS
from civicdesk.sms.providers.base import (
    Accepted,
    OutgoingMessage,
    PermanentError,
    Provider,
    TemporaryError,
)

# Answers worth another try: the service was busy or failed before deciding.
TEMPORARY_STATUSES = frozenset({408, 425, 429})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answer a redirect with its own status instead of following it.

    urllib would follow a 301/302/303 as a GET without the body but with the bearer token: the
    message is never sent, the token goes to another address, and whatever the GET answers
    looks like an acceptance.
    """

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class HttpProvider(Provider):
    name = "http"
    deduplicates = True

    def __init__(
        self,
        url: str,
        token: str,
        *,
        fields: dict | tuple | None = None,
        sender: str = "",
        key_header: str = "Idempotency-Key",
        timeout: float = 10.0,
    ):
        self.url = url
        self.token = token
        self.fields = {**DEFAULT_FIELDS, **dict(fields or {})}
        self.sender = sender
        self.key_header = key_header
        self.timeout = timeout

    def send(self, message: OutgoingMessage) -> Accepted:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(self._body(message), ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                self.key_header: message.key,
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            raise self._error(error.code, error.read(), error.headers) from None
        except TimeoutError:
            raise TemporaryError(
                "送信サービスから応答がありません（タイムアウト）", "timeout"
            ) from None
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TemporaryError(
                f"送信サービスに接続できません（{reason}）", "connection"
            ) from None
        except http.client.HTTPException as error:
            # A broken answer (bad status line, cut-off body): perhaps accepted, and the
            # service keeps keys, so sending again is safe.
            raise TemporaryError(
                f"送信サービスの応答を読めません（{type(error).__name__}: {str(error).strip()}）",
                "protocol",
            ) from None
        return Accepted(provider_message_id=self._message_id(answer))

    def _body(self, message: OutgoingMessage) -> dict:
        body = {self.fields["to"]: message.to, self.fields["text"]: message.text}
        if self.fields.get("key"):
            body[self.fields["key"]] = message.key
        if self.sender and self.fields.get("sender"):
            body[self.fields["sender"]] = self.sender
        return body

    def _message_id(self, answer: bytes) -> str:
        try:
            value = json.loads(answer or b"{}")
            for part in self.fields["id"].split("."):
                value = value[part]
        except (ValueError, KeyError, TypeError):
            # Accepted, but the id is missing: not a reason to send again.
            return ""
        if value is None or isinstance(value, (dict, list, bool)):
            return ""  # null or an object is no id (str() would store "None")
        return str(value)

    def _error(self, status: int, answer: bytes, headers=None):
        reason = _reason(answer) or f"HTTP {status}"
        if 300 <= status < 400:
            # Nothing was sent: the URL is wrong (often http:// where the service wants https://).
            location = (headers or {}).get("Location", "")
            reason = (
                f"送信サービスが {location or '別の URL'} へ転送しました（HTTP {status}）。"
                "CIVICDESK_SMS_HTTP_URL を確認してください"
            )
        if status >= 500 or status in TEMPORARY_STATUSES:
            return TemporaryError(reason, f"http_{status}")
        return PermanentError(reason, f"http_{status}")


def _reason(answer: bytes) -> str:
    """The service's own words: a JSON error field, else the start of the body."""
    text = answer.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(data, dict):
        for name in ("error", "message", "detail", "reason"):
            value = data.get(name)
            if isinstance(value, dict):
                value = value.get("message") or json.dumps(value, ensure_ascii=False)
            if value:
                return str(value)[:200]
    return text[:200]
