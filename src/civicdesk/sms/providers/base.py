"""The provider interface: ``send`` one message, or raise one of three errors.

The errors say what the sender may do next (services.sending):
- TemporaryError: not sent, or safe to send again with the same idempotency key (the provider
  deduplicates): retried with backoff.
- PermanentError: refused for good (a bad number, a rejected text): recorded with the reason.
- UncertainError: perhaps sent, and the provider cannot deduplicate: never sent again; the
  message is 不明 until a receipt or a person says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # the idempotency key (batch, obligor, phone): the same on every attempt
    to: str  # E.164, e.g. +819012345678
    text: str


@dataclass(frozen=True)
class Accepted:
    provider_message_id: str


class ProviderError(Exception):
    def __init__(self, reason: str, code: str = ""):
        self.reason = reason
        self.code = code
        super().__init__(f"{code}: {reason}" if code else reason)


class TemporaryError(ProviderError):
    """Not sent (or resendable with the same key): try again later."""


class PermanentError(ProviderError):
    """Refused: never try this message again."""


class UncertainError(ProviderError):
    """Perhaps sent, and a resend could send it twice: never try again."""


class Provider:
    """One SMS service. Subclasses set ``name`` and ``deduplicates`` and implement ``send``."""

    name: ClassVar[str]
    # True when sending the same key twice reaches the person once (the provider keeps keys):
    # then a message found 送信中 after a crash, a timeout or a 5xx is simply sent again.
    deduplicates: ClassVar[bool] = False

    def send(self, message: OutgoingMessage) -> Accepted:
        raise NotImplementedError
