"""Replies to SMS (issue 6 §5): who wrote back, the contact in their history, a call-back task,
and the stop words that opt a number out (受信拒否).

Who wrote: the person of the latest message sent to that number in the municipality; without
one, the person whose registry phone has that number, when exactly one person has it (a number
shared by a household finds nobody rather than the wrong one). A number nobody is found for is
kept as a reply without a person: the replies page shows it for a person to look at.

A known person's reply is an inbound contact (channel sms, outcome 「SMS返信あり」) and, unless
it is a stop reply, an item in the municipality's follow-up campaign with a call-back due at the
reply's time and no owner: the queue's first tier, for any operator whose team's revenue types
the item has (dunning.selectors.queue). A stop reply opts the number out and makes no task:
the person asked us to stop texting, not to be called back about the text.

The provider runs without a signed-in user: the access log names it (RECEIPTS_ACTOR).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import format_phone, normalize_phone
from civicdesk.dunning.choices import (
    ContactChannel,
    ContactOutcome,
    ContactParty,
    WorkItemStatus,
)
from civicdesk.dunning.coverage import coverage_of
from civicdesk.dunning.models import Contact, ContactAccount, WorkItem
from civicdesk.dunning.services import campaign_items, campaigns
from civicdesk.dunning.services.contacts import is_night
from civicdesk.receivables.models import Account, Installment
from civicdesk.registry.models import Phone, PhoneStatus
from civicdesk.sms.choices import OptOutSource
from civicdesk.sms.models import OptOut, SmsMessage, SmsReply

# The access log's name for what the provider's receipts and replies write.
RECEIPTS_ACTOR = "SMS 配信結果（API）"
NUMBER_MAX = SmsReply._meta.get_field("number").max_length
DISPLAY_MAX = SmsReply._meta.get_field("display").max_length
PROVIDER_ID_MAX = SmsReply._meta.get_field("provider_message_id").max_length


# --- Stop words ------------------------------------------------------------------------------


def _folded(text: str) -> str:
    """NFKC, without spaces, punctuation and symbols, upper-cased: 「ＳＴＯＰ！」 → STOP."""
    kept = (
        ch
        for ch in unicodedata.normalize("NFKC", text or "")
        if not unicodedata.category(ch).startswith(("P", "S", "Z", "C"))
    )
    return "".join(kept).upper()


def is_stop_text(text: str, stop_words=None) -> bool:
    """Whether a reply asks to stop: its folded text STARTS WITH a folded stop word.

    Only the start: 「来週払います。督促は停止して」 is a reply to call back about, while
    「配信停止してください」 and 「ＳＴＯＰ」 stop."""
    words = settings.SMS_STOP_WORDS if stop_words is None else stop_words
    folded = _folded(text)
    return any(word and folded.startswith(word) for word in map(_folded, words))


# --- A reply ---------------------------------------------------------------------------------


def record_sms_reply(
    *,
    municipality,
    number: str,
    text: str,
    received_at: dt.datetime,
    provider_message_id: str = "",
) -> SmsReply:
    """Store a reply with its contact, call-back task or opt-out (module docstring).

    A provider id already stored for the municipality is a repeat: the stored reply is
    returned and nothing else happens (``reply.is_repeat`` tells the caller)."""
    provider_message_id = (provider_message_id or "").strip()[:PROVIDER_ID_MAX]
    with transaction.atomic():
        if provider_message_id:
            stored = _stored_reply(municipality, provider_message_id)
            if stored is not None:
                return stored
        e164, display = _parse_number(number)
        message = _latest_message(municipality, e164)
        obligor_id = message.obligor_id if message else _registry_owner(municipality, e164)
        reply = _create_reply(
            municipality=municipality,
            number=e164,
            display=display,
            text=text,
            received_at=received_at,
            provider_message_id=provider_message_id,
            message=message,
            obligor_id=obligor_id,
            is_stop=is_stop_text(text),
        )
        if reply.is_repeat:
            return reply
        _log(reply, AccessAction.CREATE, ["phone", "sms_text"], "SMS 返信の受信")
        reply.opted_out = reply.is_stop and _opt_out(reply)
        if obligor_id is not None:
            accounts = _accounts(reply)
            _record_contact(reply, accounts)
            if not reply.is_stop:
                _call_back(reply, accounts)
            reply.save(update_fields=["contact", "work_item"])
    return reply


def _stored_reply(municipality, provider_message_id: str) -> SmsReply | None:
    stored = SmsReply.objects.filter(
        municipality=municipality, provider_message_id=provider_message_id
    ).first()
    if stored is not None:
        stored.is_repeat, stored.opted_out = True, False
    return stored


def _parse_number(number: str) -> tuple[str, str]:
    """(E.164, national display); a number that is not Japanese is kept as typed, unmatched."""
    typed = (number or "").strip()
    try:
        return normalize_phone(typed), format_phone(typed)
    except ValueError:
        return "", typed[:DISPLAY_MAX]


def _latest_message(municipality, e164: str) -> SmsMessage | None:
    if not e164:
        return None
    return (
        SmsMessage.objects.filter(
            batch__municipality=municipality, number=e164, sent_at__isnull=False
        )
        .select_related("batch")
        .order_by("-sent_at", "-pk")
        .first()
    )


def _registry_owner(municipality, e164: str) -> int | None:
    """The one obligor whose registry phone has the number (別人 numbers excluded)."""
    if not e164:
        return None
    owners = list(
        Phone.objects.filter(number=e164, obligor__municipality=municipality)
        .exclude(status=PhoneStatus.WRONG_PERSON)
        .values_list("obligor_id", flat=True)
        .distinct()[:2]
    )
    return owners[0] if len(owners) == 1 else None


def _create_reply(**values) -> SmsReply:
    """Create the reply; a concurrent request that stored the same provider id first wins
    (the unique constraint), and this one becomes a repeat."""
    try:
        with transaction.atomic():
            reply = SmsReply.objects.create(**values)
    except IntegrityError:
        stored = _stored_reply(values["municipality"], values["provider_message_id"])
        if stored is None:
            raise
        return stored
    reply.is_repeat, reply.opted_out = False, False
    return reply


def _opt_out(reply: SmsReply) -> bool:
    """Opt the number out (受信拒否); False when it already was or is not a Japanese number."""
    if not reply.number:
        return False
    opt_out, created = OptOut.objects.get_or_create(
        municipality=reply.municipality,
        number=reply.number,
        defaults={
            "display": reply.display,
            "source": OptOutSource.REPLY,
            "reply": reply,
            "note": "SMS 返信の停止ワード",
        },
    )
    if created:
        _log(opt_out, AccessAction.CREATE, ["phone"], "受信拒否の登録（停止ワードの返信）")
    return created


def _accounts(reply: SmsReply) -> list[Account]:
    """The accounts the reply is about: the message's; else the person's with something unpaid
    (all of them when nothing is). Never none when the person has any: the case page shows a
    contact only through its accounts, and the task reaches the team of their revenue types."""
    mine = Account.objects.filter(obligor_id=reply.obligor_id).order_by("pk")
    if reply.message is not None and reply.message.account_ids:
        chosen = list(mine.filter(pk__in=reply.message.account_ids))
        if chosen:
            return chosen
    owing = mine.filter(pk__in=Installment.objects.filter(unpaid__gt=0).values("account_id"))
    return list(owing) or list(mine)


def _record_contact(reply: SmsReply, accounts: list[Account]) -> Contact:
    message = reply.message
    at = reply.received_at
    note = f"SMS返信: {reply.text}"
    if reply.is_stop:
        note += "\n停止ワードの返信のため受信拒否に登録しました（折返し不要）。"
    contact = Contact.objects.create(
        obligor_id=reply.obligor_id,
        work_item_id=message.work_item_id if message else None,
        campaign_id=message.batch.campaign_id if message else None,
        channel=ContactChannel.SMS,
        party=ContactParty.NONE,
        outcome=ContactOutcome.REPLIED,
        at=at,
        user=None,
        phone_id=message.phone_id if message else _phone_id(reply),
        note=note,
        # The person wrote to us: like an inbound call, it never holds back the call-back.
        paces=False,
        night=is_night(ContactChannel.SMS, at, municipality=reply.municipality),
        coverage=coverage_of(accounts),
    )
    ContactAccount.objects.bulk_create(
        ContactAccount(contact=contact, account=account, revenue_type=account.revenue_type)
        for account in accounts
    )
    reply.contact = contact
    _log(contact, AccessAction.CREATE, ["phone", "note"], "SMS 返信の折衝記録")
    return contact


def _phone_id(reply: SmsReply) -> int | None:
    return (
        Phone.objects.filter(obligor_id=reply.obligor_id, number=reply.number)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _call_back(reply: SmsReply, accounts: list[Account]) -> WorkItem:
    """The person's item in the follow-up campaign, open with a call-back due at the reply.

    An earlier call-back still pending keeps its time (the person is called back sooner, not
    later); a lease someone holds right now is left alone (they are working the person)."""
    campaign = campaigns.ensure_follow_up_campaign(reply.municipality)
    figures = campaign_items.item_figures(campaign, accounts, timezone.localdate())
    item, created = WorkItem.objects.select_for_update(of=("self",)).get_or_create(
        campaign=campaign, obligor_id=reply.obligor_id, defaults=figures
    )
    pending = item.status == WorkItemStatus.OPEN and item.callback_at is not None
    if not (pending and item.callback_at <= reply.received_at):
        item.callback_at = reply.received_at
        item.callback_owner = None
    if item.status != WorkItemStatus.OPEN:
        item.attempts = 0
    item.status = WorkItemStatus.OPEN
    item.no_effect_reason = ""
    item.next_attempt_at = None
    for name, value in figures.items():
        setattr(item, name, value)
    item.save()
    item.accounts.set(accounts)
    reply.work_item = item
    action = AccessAction.CREATE if created else AccessAction.CHANGE
    _log(item, action, ["status", "callback_at"], "SMS 返信の折返し")
    return item


def _log(obj, action: str, fields: list[str], reason: str) -> None:
    record_access(
        acting_user=None, username=RECEIPTS_ACTOR, action=action, obj=obj, fields=fields,
        reason=reason,
    )  # fmt: skip
