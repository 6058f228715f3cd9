"""Requests from outside the municipality's networks never reach the application; the client's
address of every other request is known to the access log while the request is served."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpResponseForbidden

from civicdesk.audit.context import reset_client_address, set_client_address

DENIED = (
    '<!doctype html><html lang="ja"><meta charset="utf-8"><title>アクセスできません</title>'
    "<h1>アクセスできません</h1><p>このネットワークからは利用できません。"
    "庁内ネットワークまたは許可された拠点から接続してください。</p></html>"
)


class AllowedNetworksMiddleware:
    """CIVICDESK_ALLOWED_NETWORKS (CIDRs): when set, any other client address gets 403 before
    sessions, sign-in or any view run — the closed network of seed 002, enforced by the
    application as well as by the firewall. Unset: no restriction."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = settings.ALLOWED_NETWORKS
        if allowed and not _inside(client_address(request), allowed):
            return HttpResponseForbidden(DENIED, content_type="text/html; charset=utf-8")
        return self.get_response(request)


class ClientAddressMiddleware:
    """The client's address (``client_address``: the trusted-proxy rule) in the access log's
    context variable while the request is served, reset afterwards — after an error as well —
    so that ``record_access`` records it without every caller passing it (audit.context)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_client_address(client_address(request))
        try:
            return self.get_response(request)
        finally:
            reset_client_address(token)


def client_address(request) -> str | None:
    """The client: X-Real-IP only when the request came through a trusted proxy (nginx on the
    same host by default), else the connecting address — a client cannot claim an address."""
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_REAL_IP")
    if forwarded and _inside(remote, settings.TRUSTED_PROXIES):
        return forwarded
    return remote


def _inside(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


# Scripts, styles and images from our own origin only; no inline script, style attribute,
# eval, plugin, foreign form target or framing (docs/adr, CSP and rate limits). data: images
# stay allowed for images a page builds itself (none today; harmless: an image runs nothing).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy on every response (pages, API, errors): an injected script,
    were one to slip past the templates' escaping, is not run by the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
