"""Delivery receipts (配信結果) and replies from the SMS provider (issue 6 §5).

The provider posts events (api.py checks the signature and the shape of every event first);
``apply_receipts`` applies them all in one transaction, in their order.

Which message: by our idempotency key when the event has one (it reaches even a message whose
provider id was never recorded: a worker that died after sending), else by the provider's
message id. An event that matches no message of the municipality is counted, not refused: the
provider cannot do anything about it, and refusing would make it send the request forever.

What a receipt does (idempotent: the same receipt twice changes nothing more):
- ``delivered`` → 配信済み. Also after 失敗: carriers do send a late delivery report after a
  failure, and a text that reached the person cannot be taken back — so whatever order the
  receipts arrive in, a message any receipt called delivered ends 配信済み.
- ``failed`` → 失敗, with the reason, and 「配信失敗: 理由」 on the contact, which stops pacing
  (the person got no text). Ignored after 配信済み (see above) and after 失敗.
- ``unknown`` → 不明, except after 配信済み or 失敗, which are final.
A delivered or failed receipt proves the provider took the message: one still 送信中, 再送待ち,
送信待ち, 不明, 取消 or 失敗 without a contact is first recorded as sent with its contact
(sending.record_accepted), so that it is in the person's history and never sent again.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.models import Municipality
from civicdesk.dunning.models import Contact
from civicdesk.sms.choices import ReceiptStatus, SmsMessageStatus
from civicdesk.sms.models import SmsMessage
from civicdesk.sms.services.replies import RECEIPTS_ACTOR, record_sms_reply
from civicdesk.sms.services.sending import record_accepted

MAX_EVENTS = 1000
REASON_MAX = SmsMessage._meta.get_field("error_reason").max_length
FINAL_STATUSES = (SmsMessageStatus.DELIVERED, SmsMessageStatus.FAILED)
# error_code of what a receipt said (the sending worker's codes come from the provider).
RECEIPT_ERROR_CODE = "receipt"
CORRECTION_NOTE = "配信済み（配信結果の訂正）"


def apply_receipts(events: list[dict], *, municipality=None) -> dict:
    """Apply validated events (api.ReceiptEventSerializer's shape); returns the counts
    ``{"updated", "replies", "opted_out", "unmatched"}`` — nothing personal.

    A status event: type "status", message_id and/or key, status, reason, at.
    A reply event: type "reply", from, text, at, id."""
    municipality = municipality or Municipality.objects.default()
    counts = {"updated": 0, "replies": 0, "opted_out": 0, "unmatched": 0}
    with transaction.atomic():
        for event in events:
            if event["type"] == "reply":
                _apply_reply(municipality, event, counts)
            else:
                _apply_status_event(municipality, event, counts)
    return counts


def _apply_reply(municipality, event: dict, counts: dict) -> None:
    reply = record_sms_reply(
        municipality=municipality,
        number=event["from"],
        text=event.get("text", ""),
        received_at=event["at"],
        provider_message_id=event.get("id", ""),
    )
    if not reply.is_repeat:
        counts["replies"] += 1
    if reply.opted_out:
        counts["opted_out"] += 1


def _apply_status_event(municipality, event: dict, counts: dict) -> None:
    message = _find(municipality, event.get("key", ""), event.get("message_id", ""))
    if message is None:
        counts["unmatched"] += 1
        return
    if apply_status(
        message,
        status=event["status"],
        reason=event.get("reason", ""),
        at=event.get("at") or timezone.now(),
        provider_message_id=event.get("message_id", ""),
    ):
        counts["updated"] += 1


def _find(municipality, key: str, provider_message_id: str) -> SmsMessage | None:
    messages = SmsMessage.objects.filter(batch__municipality=municipality)
    if key:
        return messages.filter(key=key).first()
    if provider_message_id:
        return messages.filter(provider_message_id=provider_message_id).order_by("pk").first()
    return None


def apply_status(
    message: SmsMessage, *, status: str, reason: str, at: dt.datetime, provider_message_id: str
) -> bool:
    """Apply one receipt to one message (module docstring); True when something changed."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message.pk)
        before = message.status
        if not _applies(before, status):
            return False
        if status != ReceiptStatus.UNKNOWN and message.contact_id is None:
            record_accepted(message, provider_message_id=provider_message_id, at=at)
            message.refresh_from_db()
        reason = (reason or "").strip()
        if status == ReceiptStatus.DELIVERED:
            _delivered(message, at, corrected=before == SmsMessageStatus.FAILED)
        elif status == ReceiptStatus.FAILED:
            _failed(message, reason)
        else:
            message.status = SmsMessageStatus.UNKNOWN
            message.error_code = RECEIPT_ERROR_CODE
            message.error_reason = (reason or "配信結果: 不明")[:REASON_MAX]
        message.save()
        record_access(
            acting_user=None,
            username=RECEIPTS_ACTOR,
            action=AccessAction.CHANGE,
            obj=message,
            fields=["status"],
            reason=f"SMS 配信結果: {ReceiptStatus(status).label}",
        )
    return True


def _applies(current: str, status: str) -> bool:
    if current == SmsMessageStatus.DELIVERED:
        return False  # final: nothing undoes a delivery
    if status == ReceiptStatus.DELIVERED:
        return True  # also after 失敗: a correction
    if current == SmsMessageStatus.FAILED:
        return False
    return not (status == ReceiptStatus.UNKNOWN and current == SmsMessageStatus.UNKNOWN)


def _delivered(message: SmsMessage, at: dt.datetime, *, corrected: bool) -> None:
    message.status = SmsMessageStatus.DELIVERED
    message.delivered_at = at
    message.error_code = message.error_reason = ""
    if corrected and message.contact_id:
        _amend_contact(message.contact_id, CORRECTION_NOTE, paces=True)


def _failed(message: SmsMessage, reason: str) -> None:
    message.status = SmsMessageStatus.FAILED
    message.error_code = RECEIPT_ERROR_CODE
    message.error_reason = (reason or "理由不明")[:REASON_MAX]
    if message.contact_id:
        _amend_contact(message.contact_id, f"配信失敗: {reason or '理由不明'}", paces=False)


def _amend_contact(contact_id: int, line: str, *, paces: bool) -> None:
    """Add a line to the SMS contact's note; a text that never arrived does not pace the next
    contact (ADR 0007 paces texts that went out to the person)."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    contact.note = f"{contact.note}\n{line}" if contact.note else line
    contact.paces = paces
    contact.save(update_fields=["note", "paces"])
    record_access(
        acting_user=None,
        username=RECEIPTS_ACTOR,
        action=AccessAction.CHANGE,
        obj=contact,
        fields=["note"],
        reason="SMS 配信結果",
    )
