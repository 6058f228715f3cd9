"""Twilio, through its official client (``pip install civicdesk[twilio]``).

This module needs the twilio package (and the requests and urllib3 it brings): providers imports
it only when CIVICDESK_SMS_PROVIDER is twilio, and the settings refuse that without the package.

Twilio keeps no idempotency keys for outgoing messages, so ``deduplicates`` is False: an answer
that never came (a read timeout, a 5xx, a connection cut after the request) may mean the text
went out, and the message is marked 不明 instead of being sent again. A refused connection or
429 / 503 is safe to retry.
"""

from __future__ import annotations

import requests
from twilio.base import exceptions as twilio_exceptions
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ProtocolError

from civicdesk.sms.providers.base import (
    Accepted,
    OutgoingMessage,
    PermanentError,
    Provider,
    TemporaryError,
    UncertainError,
)

RETRY_STATUSES = frozenset({429, 503})


class TwilioProvider(Provider):
    name = "twilio"
    deduplicates = False

    def __init__(
        self, account_sid: str, auth_token: str, sender: str, *, timeout: float = 10.0, client=None
    ):
        self.sender = sender
        if client is None:
            client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client = client

    def send(self, message: OutgoingMessage) -> Accepted:
        sender = (
            {"messaging_service_sid": self.sender}
            if self.sender.startswith("MG")
            else {"from_": self.sender}
        )
        try:
            sent = self.client.messages.create(to=message.to, body=message.text, **sender)
        except (TwilioRestException, *_service_exception()) as error:
            raise _refusal(error) from None
        except requests.exceptions.ConnectTimeout:
            # Never connected: nothing was sent.
            raise TemporaryError(
                "Twilio に接続できません（タイムアウト）", "connect_timeout"
            ) from None
        except requests.exceptions.Timeout:
            # Connected, asked, no answer: perhaps sent.
            raise UncertainError(
                "Twilio から応答がありません（タイムアウト）", "read_timeout"
            ) from None
        except requests.exceptions.ConnectionError as error:
            if _aborted_after_sending(error):
                # The request went out and the connection dropped before the answer.
                raise UncertainError(
                    f"Twilio との接続が応答の前に切れました（{error}）", "connection_aborted"
                ) from None
            raise TemporaryError(f"Twilio に接続できません（{error}）", "connection") from None
        return Accepted(provider_message_id=sent.sid)


def _service_exception() -> tuple[type[Exception], ...]:
    """Newer twilio 9.x raise RFC 9457 errors as TwilioServiceException, not a subclass of
    TwilioRestException; older ones lack the class."""
    found = getattr(twilio_exceptions, "TwilioServiceException", None)
    return (found,) if found else ()


def _refusal(error) -> Exception:
    """Twilio answered with an error status: what it means for the message."""
    try:
        status = int(error.status or 0)
    except (TypeError, ValueError):  # an RFC 9457 body carries the status as it likes
        status = 0
    words = getattr(error, "msg", "") or getattr(error, "detail", "") or getattr(error, "title", "")
    reason = words or f"HTTP {status}"
    code = str(error.code or f"http_{status}")
    if status in RETRY_STATUSES:
        return TemporaryError(reason, code)
    if status >= 500 or not status:  # failed after deciding, or no status to judge by
        return UncertainError(reason, code)
    return PermanentError(reason, code)


def _aborted_after_sending(error) -> bool:
    """requests wraps a connection that closed after the request as a urllib3 ProtocolError
    ("Connection aborted."); a refused or unresolvable connection comes as MaxRetryError."""
    return any(isinstance(arg, ProtocolError) for arg in error.args)
