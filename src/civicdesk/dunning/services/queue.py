"""The work queue: 「次の案件」 (claim), giving an item back, and what a contact does to its item.

No item is ever held by two operators, and no person by two (ADR 0006):
- PostgreSQL: the candidates are locked with ``FOR UPDATE SKIP LOCKED`` (concurrent claims pass
  over each other's rows instead of waiting), the person with ``FOR NO KEY UPDATE SKIP LOCKED``
  on the obligor row (two items of one person in two campaigns), and the claiming user's row
  is locked first so that a double click never takes two items;
- SQLite: the transaction is ``BEGIN IMMEDIATE`` (settings), so claims run one at a time; the
  conditional UPDATE still re-checks that the lease is free.

The claim shows no personal data and writes no access-log entry; the case screen logs the view.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from civicdesk.accounts.models import User
from civicdesk.core import calendar
from civicdesk.dunning.choices import (
    DEFAULT_RETRY_RULES,
    ContactChannel,
    ContactOutcome,
    NoEffectReason,
    WorkItemStatus,
)
from civicdesk.dunning.models import Contact, WorkItem
from civicdesk.dunning.selectors import queue as selectors
from civicdesk.registry.models import Obligor, PhoneStatus
from civicdesk.registry.services import record_phone_outcome

FALLBACK_RETRY_RULE = {"minutes": 60, "other_time_of_day": False}
RETRY_OUTCOMES = frozenset(
    {ContactOutcome.NO_ANSWER, ContactOutcome.BUSY, ContactOutcome.VOICEMAIL}
)
# Nobody answered, and yet nothing more is to be done: a letter or SMS went out; the person
# does not live there (staff get a hand-over).
FINAL_OUTCOMES = frozenset({ContactOutcome.SENT, ContactOutcome.NOT_RESIDING})
# A dead number or somebody else's: the phone is marked and the next number is tried at once.
PHONE_CHANNELS = (ContactChannel.OUTBOUND_CALL, ContactChannel.INBOUND_CALL)
PHONE_STATUS_BY_OUTCOME = {
    ContactOutcome.NOT_IN_SERVICE: PhoneStatus.INVALID,
    ContactOutcome.WRONG_NUMBER: PhoneStatus.WRONG_PERSON,
}
# Bands of the day for "another time of day": before 12:00, 12:00–17:00, from 17:00.
BAND_STARTS = (dt.time(0), dt.time(12), dt.time(17))
ITEM_FIELDS_AFTER_CONTACT = [
    "attempts",
    "last_outcome",
    "last_contact_at",
    "lease_owner",
    "lease_expires_at",
    "callback_at",
    "callback_owner",
    "next_attempt_at",
    "status",
    "no_effect_reason",
    "updated_at",
]
# The claim's statements are SQL: ORM compilation cost more than the database work (see
# selectors.queue). Values are parameters; only table names are formatted in.
ITEM_TABLE = WorkItem._meta.db_table
OBLIGOR_TABLE = Obligor._meta.db_table
USER_TABLE = User._meta.db_table
OPEN = str(WorkItemStatus.OPEN)
# Candidates read per query on SQLite (nothing is locked there); PostgreSQL locks one at a time.
SQLITE_CANDIDATES = 5
# A claim gives up after this many candidates whose person another claim is taking.
MAX_CANDIDATES = 25


# --- 次の案件 ---------------------------------------------------------------------------------


def claim_next_item(*, acting_user, now: dt.datetime | None = None) -> WorkItem | None:
    """Lease the highest-priority eligible item to the user (or return the one they hold).

    Order: callbacks due for the user, follow-ups of broken promises, then priority (higher
    first) and id. Returns None when nothing is eligible.
    """
    now = now or timezone.now()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            # Serialises one user's claims (a double click): the lease check below then sees
            # the other request's committed lease.
            _execute(
                f"SELECT id FROM {USER_TABLE} WHERE id = %s FOR NO KEY UPDATE", [acting_user.pk]
            )
        held = _held(acting_user, now)
        if held is not None:
            return held
        campaigns = selectors.open_campaigns(selectors.workable_campaigns(acting_user, now), now)
        if not campaigns:
            return None
        condition = selectors.eligibility(acting_user, campaigns, now)
        if condition is None:
            return None
        for first_tier in (True, False):
            item = _first_leasable(condition, first_tier, acting_user, now, postgres=postgres)
            if item is not None:
                return item
    return None


def _first_leasable(
    condition, first_tier: bool, user, now: dt.datetime, *, postgres: bool
) -> WorkItem | None:
    """Lock candidates one at a time (PostgreSQL) and lease the first whose person is free.

    One row per query, not a few: every row a claim locks stays locked until it commits, so
    spare candidates would hide free items from the other claims running at that moment.
    """
    tried: list[int] = []
    while len(tried) < MAX_CANDIDATES:
        candidates = selectors.claim_candidates(
            condition,
            callbacks_and_follow_ups=first_tier,
            exclude=tried,
            limit=1 if postgres else SQLITE_CANDIDATES,
            lock=postgres,
        )
        if not candidates:
            return None
        for item_id, obligor_id in candidates:
            if _lease(item_id, obligor_id, user, now, postgres=postgres):
                return WorkItem.objects.get(pk=item_id)
            tried.append(item_id)
    return None


def _held(user, now: dt.datetime) -> WorkItem | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.id FROM {ITEM_TABLE} w WHERE w.lease_owner_id = %s"
            " AND w.lease_expires_at > %s AND w.status = %s ORDER BY w.id LIMIT 1",
            [user.pk, _at(now), OPEN],
        )
        row = cursor.fetchone()
    return WorkItem.objects.get(pk=row[0]) if row else None


def _lease(item_id: int, obligor_id: int, user, now: dt.datetime, *, postgres: bool) -> bool:
    """Lease the item if it is still free; the row is re-read by the caller."""
    if postgres and not _lock_person(item_id, obligor_id, now):
        return False
    expires = now + dt.timedelta(minutes=settings.DUNNING_LEASE_MINUTES)
    updated = _execute(
        f"UPDATE {ITEM_TABLE} SET lease_owner_id = %s, lease_expires_at = %s, updated_at = %s"
        " WHERE id = %s AND status = %s AND (lease_expires_at IS NULL OR lease_expires_at <= %s)",
        [user.pk, _at(expires), _at(timezone.now()), item_id, OPEN, _at(now)],
    )
    return updated == 1


def _lock_person(item_id: int, obligor_id: int, now: dt.datetime) -> bool:
    """Hold the obligor row, then re-check in a new statement, which sees committed leases
    (the candidate query's snapshot may predate another claim's commit)."""
    locked = _execute(
        f"SELECT id FROM {OBLIGOR_TABLE} WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
        [obligor_id],
    )
    if locked != 1:
        return False
    taken = _execute(
        f"SELECT 1 FROM {ITEM_TABLE} WHERE obligor_id = %s AND lease_expires_at > %s AND id <> %s",
        [obligor_id, _at(now), item_id],
    )
    return taken == 0


def _execute(sql: str, params: list) -> int:
    """Run one statement; the number of rows it returned or changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.description is not None:
            return len(cursor.fetchall())
        return cursor.rowcount


def _at(moment: dt.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def release_item(*, acting_user, item: WorkItem) -> WorkItem:
    """Give back a leased item without a result: it is free for anyone again at once."""
    with transaction.atomic():
        released = WorkItem.objects.filter(pk=item.pk, lease_owner_id=acting_user.pk).update(
            lease_owner=None, lease_expires_at=None, updated_at=timezone.now()
        )
        if released != 1:
            raise PermissionDenied("この案件は担当中ではありません。")
    item.lease_owner = None
    item.lease_expires_at = None
    return item


# --- After a contact --------------------------------------------------------------------------


def apply_contact(
    *,
    item: WorkItem,
    contact: Contact,
    callback_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> WorkItem:
    """What a contact on a work item does to it; runs inside record_contact's transaction.

    Outbound attempts count; the lease ends; a callback keeps the item open for its owner;
    not reached → retried by the campaign's rules, or 効果なし at the attempt limit; a dead or
    wrong number is marked and the next usable number is tried at once (none left → 効果なし);
    anyone reached without a callback → done.
    """
    now = now or timezone.now()
    given = item
    with transaction.atomic():
        item = (
            WorkItem.objects.select_related("campaign")
            .select_for_update(of=("self",))
            .get(pk=item.pk)
        )
        if contact.channel != ContactChannel.INBOUND_CALL:
            item.attempts += 1
        item.last_outcome = contact.outcome
        item.last_contact_at = contact.at
        item.lease_owner = None
        item.lease_expires_at = None
        item.callback_at = callback_at
        item.callback_owner_id = contact.user_id if callback_at else None
        item.next_attempt_at = None
        note_phone_outcome(contact)
        if item.status == WorkItemStatus.OPEN and callback_at is None:
            _settle(item, contact, now)
        item.save(update_fields=ITEM_FIELDS_AFTER_CONTACT)
    # The caller's instance tells the same as the database.
    for name in ITEM_FIELDS_AFTER_CONTACT:
        field = WorkItem._meta.get_field(name)
        setattr(given, field.attname, getattr(item, field.attname))
    return item


def _settle(item: WorkItem, contact: Contact, now: dt.datetime) -> None:
    outcome = contact.outcome
    limit_reached = item.attempts >= item.campaign.max_attempts
    if outcome in PHONE_STATUS_BY_OUTCOME:
        if not selectors.usable_phones(contact.obligor_id).exists():
            _give_up(item, NoEffectReason.NO_PHONE)
        elif limit_reached:
            _give_up(item, NoEffectReason.MAX_ATTEMPTS)
        # else: next_attempt_at stays empty — the next number is tried at once.
    elif outcome in FINAL_OUTCOMES or (contact.reached and outcome not in RETRY_OUTCOMES):
        item.status = WorkItemStatus.DONE
    elif limit_reached:
        _give_up(item, NoEffectReason.MAX_ATTEMPTS)
    else:
        item.next_attempt_at = retry_at(retry_rule(item.campaign, outcome), now)


def _give_up(item: WorkItem, reason: str) -> None:
    item.status = WorkItemStatus.NO_EFFECT
    item.no_effect_reason = reason


def note_phone_outcome(contact: Contact) -> None:
    """The number's last outcome, and its status where the outcome tells it (the registry
    logs a status change). The one place that decides it, for queue work and any other call."""
    if contact.phone_id is None or contact.channel not in PHONE_CHANNELS:
        return
    status = PHONE_STATUS_BY_OUTCOME.get(contact.outcome)
    if status is None and contact.reached:
        status = PhoneStatus.VALID  # somebody of the household answered on this number
    record_phone_outcome(
        acting_user=contact.user,
        phone_id=contact.phone_id,
        outcome=contact.outcome,
        outcome_label=contact.get_outcome_display(),
        at=contact.at,
        status=status,
    )


def retry_rule(campaign, outcome: str) -> dict:
    rules = {**DEFAULT_RETRY_RULES, **(campaign.retry_rules or {})}
    return {**FALLBACK_RETRY_RULE, **rules.get(str(outcome), FALLBACK_RETRY_RULE)}


def retry_at(rule: dict, now: dt.datetime) -> dt.datetime:
    """now + the rule's wait; "other time of day": moved to the next band if still the same."""
    at = now + dt.timedelta(minutes=int(rule["minutes"]))
    if rule.get("other_time_of_day"):
        local_now = timezone.localtime(now, calendar.TOKYO)
        local_at = timezone.localtime(at, calendar.TOKYO)
        if _band(local_at.time()) == _band(local_now.time()):
            at = _next_band_start(local_at)
    return at


def _band(moment: dt.time) -> int:
    return sum(1 for start in BAND_STARTS[1:] if moment >= start)


def _next_band_start(local: dt.datetime) -> dt.datetime:
    band = _band(local.time())
    if band + 1 < len(BAND_STARTS):
        return dt.datetime.combine(local.date(), BAND_STARTS[band + 1], tzinfo=calendar.TOKYO)
    return dt.datetime.combine(
        local.date() + dt.timedelta(days=1), BAND_STARTS[0], tzinfo=calendar.TOKYO
    )
