"""The client address of the request being served, for the access log.

``civicdesk.core.middleware.ClientAddressMiddleware`` sets it for the duration of each request
(the trusted-proxy rule of ``core.middleware.client_address``) and resets it afterwards;
``record_access`` reads it when its caller passes no address. Commands and background tasks
run outside any request: the value is None there and the entry records no address.

A context variable rather than a thread-local: each thread, and each asyncio task, sees its
own request's value, and a reset with the token restores exactly what was there before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_client_address: ContextVar[str | None] = ContextVar("civicdesk_client_address", default=None)


def current_client_address() -> str | None:
    """The address of the client whose request is being served; None outside a request."""
    return _client_address.get()


def set_client_address(address: str | None) -> Token[str | None]:
    """Set the address for what runs next; pass the token to ``reset_client_address``."""
    return _client_address.set(address or None)


def reset_client_address(token: Token[str | None]) -> None:
    """Restore the value from before the matching ``set_client_address``."""
    _client_address.reset(token)


@contextmanager
def serving_client(address: str | None) -> Iterator[None]:
    """Run a block as if serving a request from ``address`` (tests, and any code that serves
    a client outside the middleware); the previous value is back afterwards, also on error."""
    token = set_client_address(address)
    try:
        yield
    finally:
        reset_client_address(token)
