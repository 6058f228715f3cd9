"""Read queries of SMS replies (返信): the list supervisors, staff and inspectors read.

A reply carries a number and a text written by a person: the page that shows them logs the
view. The person's case page is linked for roles that may open it (dunning.views.cases); the
call-back task (an item of the follow-up campaign) is linked to its campaign page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import WorkItemStatus
from civicdesk.registry.selectors import may_view_obligors, scope_for
from civicdesk.sms.models import SmsReply

VIEW_REPLY = "sms.view_smsreply"
# What the case page asks for (dunning.views.cases.VIEW_PERMISSION, with an obligor scope).
VIEW_CASE = "dunning.view_contact"
VIEW_CAMPAIGN = "dunning.view_campaign"
LIST_LIMIT = 200


def _has(user, permission: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(permission))


def may_view_replies(user) -> bool:
    return _has(user, VIEW_REPLY)


def replies_for(user) -> QuerySet[SmsReply]:
    """The replies of the user's municipality, newest first."""
    if not may_view_replies(user):
        return SmsReply.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return (
        SmsReply.objects.filter(municipality_id=municipality_id)
        .select_related("obligor", "work_item__campaign", "message__batch")
        .order_by("-received_at", "-pk")
    )


@dataclass(frozen=True)
class ReplyRow:
    reply: SmsReply
    # The sender's number, "" for a viewer whose field policy shows no phone number (an
    # inspector follows the replies without seeing whose phone they came from).
    number: str
    resident_no: str  # "" when unknown or the viewer sees no obligor data
    case_url: str  # "" when unknown or the viewer may not open cases
    task_url: str
    task_label: str


@dataclass(frozen=True)
class ReplyList:
    rows: list[ReplyRow]
    count: int
    fields_shown: list[str]

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


def reply_list(user) -> ReplyList:
    replies = replies_for(user)
    count = replies.count()
    sees_people = may_view_obligors(user)
    opens_cases = sees_people and _has(user, VIEW_CASE)
    sees_tasks = _has(user, VIEW_CAMPAIGN)
    scope = scope_for(user)
    sees_numbers = scope is not None and scope.allows_anywhere("phone")
    rows = [
        _row(reply, sees_people, opens_cases, sees_tasks, sees_numbers)
        for reply in replies[:LIST_LIMIT]
    ]
    shown = set()
    if rows:
        shown = {"phone", "sms_text"} if sees_numbers else {"sms_text"}
    if any(row.resident_no for row in rows):
        shown.add("resident_no")
    return ReplyList(rows, count, sorted(shown))


def _row(
    reply: SmsReply, sees_people: bool, opens_cases: bool, sees_tasks: bool, sees_numbers: bool
) -> ReplyRow:
    known = reply.obligor_id is not None
    item = reply.work_item
    task_url = task_label = ""
    if item is not None:
        task_label = _task_label(item)
        if sees_tasks:
            task_url = reverse("dunning:campaign_detail", args=[item.campaign_id])
    return ReplyRow(
        reply=reply,
        number=reply.display if sees_numbers else "",
        resident_no=reply.obligor.resident_no if known and sees_people else "",
        case_url=reverse("dunning:case", args=[reply.obligor_id]) if known and opens_cases else "",
        task_url=task_url,
        task_label=task_label,
    )


def _task_label(item) -> str:
    if item.status == WorkItemStatus.OPEN and item.callback_at is not None:
        return f"{item.campaign.name} #{item.pk}（折返し待ち）"
    return f"{item.campaign.name} #{item.pk}（{item.get_status_display()}）"
