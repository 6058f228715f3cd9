"""State changes of the privacy app. ``record_access`` is called by every other service."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from civicdesk.audit import chain
from civicdesk.audit.context import current_client_address
from civicdesk.audit.models import AccessAction, AccessLogEntry, ChainHead


def record_access(
    *,
    acting_user,
    action: AccessAction | str,
    obj: models.Model | None = None,
    fields: Iterable[str] = (),
    reason: str = "",
    ip_address: str | None = None,
    username: str = "",
) -> AccessLogEntry:
    """Append one entry to the access log, linked to the previous one.

    Runs inside the caller's transaction: if the change it records is rolled back, so is the
    entry. ``username`` names the account for events without a signed-in user (a failed
    login); otherwise it is taken from ``acting_user``. ``ip_address`` defaults to the client
    of the request being served (audit.context; None in commands and tasks): pass it only
    when the caller knows better.
    """
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action: {action!r}")
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    with transaction.atomic():
        head = _locked_head()
        entry = AccessLogEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor=actor,
            actor_username=actor.get_username() if actor else username,
            action=str(action),
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            fields=sorted(set(fields)),
            reason=reason,
            ip_address=_normalised_ip(ip_address or current_client_address()),
            prev_hash=head.last_hash,
        )
        entry.content_hash = chain.content_hash(entry)
        entry.chain_hash = chain.chain_hash(entry.prev_hash, entry.content_hash)
        entry.save()
        ChainHead.objects.filter(pk=head.pk).update(last_seq=entry.seq, last_hash=entry.chain_hash)
    return entry


def _locked_head() -> ChainHead:
    # select_for_update serialises appenders on PostgreSQL; on SQLite the IMMEDIATE
    # transaction mode (settings) already gives one writer at a time. Migration 0002 makes
    # the head row; get_or_create covers a database emptied by a flush.
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _normalised_ip(ip_address: str | None) -> str | None:
    # The database stores IPv6 in canonical form; hash what will be read back.
    if ip_address and ":" in ip_address:
        return clean_ipv6_address(ip_address)
    return ip_address or None
