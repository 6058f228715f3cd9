"""What SMS holds of people (texts, replies, opt-outs), declared for oversight
(privacy.personal_data): what a purge takes and waits for, and which views a reply explains.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from civicdesk.core import calendar
from civicdesk.privacy.personal_data import Item, PersonalData, Selection, Targets, View
from civicdesk.sms.choices import SmsBatchStatus
from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage, SmsReply

CHUNK = 500  # bounded IN lists (SQLite's variable limit)


def select(selection: Selection) -> Targets:
    mine = {"municipality": selection.municipality}
    batches = SmsBatch.objects.filter(**mine)
    replies = SmsReply.objects.filter(**mine)
    opt_outs = OptOut.objects.filter(**mine)
    if not selection.everything:
        people, numbers = selection.people, selection.numbers
        batches = batches.filter(revenue_type=selection.revenue_type)
        replies = replies.filter(
            Q(obligor__in=people)
            | Q(message__batch__in=batches)
            | Q(message__obligor__in=people)
            | Q(number__in=numbers)
        )
        opt_outs = opt_outs.filter(number__in=numbers)
    return {
        "sms_replies": replies,
        "opt_outs": opt_outs,
        "sms_messages": SmsMessage.objects.filter(
            Q(batch__in=batches) | Q(obligor__in=selection.people)
        ),
        "sms_batches": batches,
    }


def busy(municipality) -> str:
    # A paused batch does not hold a purge back: its messages to purged people go with them.
    sending = (SmsBatchStatus.QUEUED, SmsBatchStatus.SENDING, SmsBatchStatus.WAITING)
    if SmsBatch.objects.filter(municipality=municipality, status__in=sending).exists():
        return (
            "SMSの一括送信が送信待ち・送信中・待機中です。完了するか中止してから実行してください。"
        )
    return ""


def legitimate_views(day: dt.date, views: list[View]) -> set[tuple[int, int]]:
    """A person who replied to an SMS that day may be opened by any operator."""
    start, end = calendar.day_bounds(day)
    people = sorted({view.person_id for view in views})
    replied: set[int] = set()
    for begin in range(0, len(people), CHUNK):
        replied.update(
            SmsReply.objects.filter(
                obligor_id__in=people[begin : begin + CHUNK],
                received_at__gte=start,
                received_at__lt=end,
            ).values_list("obligor_id", flat=True)
        )
    return {(view.user_id, view.person_id) for view in views if view.person_id in replied}


PERSONAL_DATA = PersonalData(
    app_label="sms",
    items=(
        Item("sms_batches", "SMS 送信"),
        Item("sms_messages", "SMS（1通ごと）"),
        Item("sms_replies", "SMS 返信"),
        Item("opt_outs", "SMS 受信拒否"),
    ),
    select=select,
    busy=busy,
    legitimate_views=legitimate_views,
)
