"""API tokens scoped per integration (issue 8 §7): made, listed and revoked by the
``civicdesk api-token`` command; checked by ``ApiTokenAuthentication`` and ``IntegrationScope``.

A token is shown once, when it is made; the database keeps its SHA-256 only, so a copy of the
database lets no one call the API. A token opens one integration (PBX, SMS receipts, core
import): a leaked PBX token cannot post SMS receipts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from civicdesk.core.models import ApiToken, Integration

TOKEN_PREFIX = "cdk_"
# last_used_at is written at most this often per token: not one UPDATE per PBX call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
BEARER = b"bearer"


class TokenError(Exception):
    """A token command that cannot be done; the message is for the administrator."""


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *, acting_user, integration: Integration | str, name: str, actor_name: str = ""
) -> tuple[ApiToken, str]:
    """A new token for ``integration``: the row, and the token itself (shown once, never kept)."""
    if integration not in Integration.values:
        raise TokenError(f"連携 '{integration}' はありません（{', '.join(Integration.values)}）")
    name = (name or "").strip()
    if not name:
        raise TokenError("名称を指定してください（例: 本庁舎 PBX）")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        name=name[: ApiToken._meta.get_field("name").max_length],
        integration=integration,
        token_sha256=token_sha256(token),
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        created_by_name=actor_name or (acting_user.get_username() if acting_user else ""),
    )
    return row, token


@transaction.atomic
def revoke_api_token(*, acting_user, token_id: int) -> ApiToken:
    """Revoke at once: the next request with the token is refused. Revoking twice changes
    nothing (the first time stays recorded)."""
    row = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if row is None:
        raise TokenError(f"トークン {token_id} はありません")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def find_active_token(token: str) -> ApiToken | None:
    """The active token row for ``token`` (None: unknown or revoked); notes its use."""
    row = ApiToken.objects.filter(token_sha256=token_sha256(token)).first()
    if row is None or row.revoked_at is not None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def bearer_token(request) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None when there is no such header."""
    parts = get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != BEARER:
        return None
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        return ""


def integration_of(auth) -> str | None:
    """The integration a request authenticated for: a token's, or a legacy credential's
    (the views' authentication classes return the integration's value as request.auth)."""
    if isinstance(auth, ApiToken):
        return auth.integration
    return auth if isinstance(auth, str) else None


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` against the ApiToken rows. No user: the caller is a
    machine; request.auth is its ApiToken (IntegrationScope checks what it may call)."""

    realm = "civicdesk"

    def authenticate(self, request):
        token = bearer_token(request)
        if token is None:
            return None  # not ours: the view may know another way (or answer 401)
        row = find_active_token(token) if token else None
        if row is None:
            raise AuthenticationFailed("トークンが正しくないか、失効しています。")
        return (None, row)

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{self.realm}"'


class IntegrationScope(BasePermission):
    """The view's ``api_integration`` must be the one the token was made for (else 403)."""

    message = "このトークンはこの連携には使えません（連携ごとにトークンを作成してください）。"

    def has_permission(self, request, view) -> bool:
        return integration_of(request.auth) == getattr(view, "api_integration", None)


def describe(row: ApiToken) -> dict:
    """One line of ``civicdesk api-token list`` (never the token: it is not kept)."""
    return {
        "id": row.pk,
        "name": row.name,
        "integration": row.integration,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "created_by": row.created_by.get_username() if row.created_by else row.created_by_name,
        "last_used_at": row.last_used_at.isoformat(timespec="seconds")
        if row.last_used_at
        else None,
        "revoked_at": row.revoked_at.isoformat(timespec="seconds") if row.revoked_at else None,
    }
