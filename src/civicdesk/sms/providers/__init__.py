"""SMS providers: one interface (base.Provider), one small class each, chosen in settings.

``get_provider()`` builds the configured one (CIVICDESK_SMS_PROVIDER); adding a provider is a
class with ``name``, ``deduplicates`` and ``send`` plus one line in PROVIDERS. Twilio's module
needs the optional twilio package, so it is imported only when Twilio is the provider.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from civicdesk.sms.providers.base import (
    Accepted,
    OutgoingMessage,
    PermanentError,
    Provider,
    ProviderError,
    TemporaryError,
    UncertainError,
)
from civicdesk.sms.providers.console import ConsoleProvider
from civicdesk.sms.providers.file import FileProvider
from civicdesk.sms.providers.http import HttpProvider

__all__ = [
    "Accepted",
    "OutgoingMessage",
    "PermanentError",
    "Provider",
    "ProviderError",
    "TemporaryError",
    "UncertainError",
    "get_provider",
    "provider_class",
]


PROVIDERS: dict[str, type[Provider]] = {
    cls.name: cls for cls in (ConsoleProvider, FileProvider, HttpProvider)
}


def provider_class(name: str) -> type[Provider]:
    if name == "twilio":
        # Needs the optional twilio package (pip install civicdesk[twilio]): imported on demand.
        from civicdesk.sms.providers.twilio import TwilioProvider  # noqa: PLC0415  (optional)

        return TwilioProvider
    return PROVIDERS[name]


@cache
def _build(name: str, options: tuple) -> Provider:
    return provider_class(name)(**dict(options))


def get_provider() -> Provider:
    """settings.SMS_PROVIDER built with settings.SMS_PROVIDER_OPTIONS (one per process)."""
    options = tuple(sorted(settings.SMS_PROVIDER_OPTIONS.items()))
    return _build(settings.SMS_PROVIDER, options)


get_provider.cache_clear = _build.cache_clear  # tests that change settings
