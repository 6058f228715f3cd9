"""Twilio, through its official client (``pip install civicdesk[twilio]``).

Twilio keeps no idempotency keys for outgoing messages, so ``deduplicates`` is False: an answer
that never came (a read timeout, a 5xx) may mean the text went out, and the message is marked
不明 instead of being sent again. A refused connection or 429 / 503 is safe to retry.
"""

from __future__ import annotations

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
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client = client

    def send(self, message: OutgoingMessage) -> Accepted:
        import requests
        from twilio.base.exceptions import TwilioRestException

        sender = (
            {"messaging_service_sid": self.sender}
            if self.sender.startswith("MG")
            else {"from_": self.sender}
        )
        try:
            sent = self.client.messages.create(to=message.to, body=message.text, **sender)
        except TwilioRestException as error:
            reason = error.msg or f"HTTP {error.status}"
            code = str(error.code or f"http_{error.status}")
            if error.status in RETRY_STATUSES:
                raise TemporaryError(reason, code) from None
            if error.status >= 500:
                raise UncertainError(reason, code) from None
            raise PermanentError(reason, code) from None
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
            raise TemporaryError(f"Twilio に接続できません（{error}）", "connection") from None
        return Accepted(provider_message_id=sent.sid)
