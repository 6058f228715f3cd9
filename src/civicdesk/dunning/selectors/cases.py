"""The operator's case screen: one person, everything the user may see about them, nothing else.

The person, accounts and installments come from ``receivables.selectors.obligors.obligor_view``
(the field policy of the user's team, applied there once). This module adds the dunning side:

- the contact history of every channel, for the accounts the user may see: a contact whose
  covered revenue types are all outside the user's scope (or whose policy does not list
  ``contacts``) is left out; the note is shown;
- the promises of those contacts, with their status; open hand-overs (reason and status);
- the phones with their pk, last outcome and a ``tel:`` URI (only when the policy allows
  phones);
- the work item the user holds on this person (its campaign's script), the accounts the form
  may cover, and the default promise amount (the total unpaid of those accounts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import format_phone
from civicdesk.dunning.choices import ContactOutcome, HandOverStatus, NotResidingEvidence
from civicdesk.dunning.models import Contact, ContactAccount, HandOver, Promise, WorkItem
from civicdesk.receivables.models import Account
from civicdesk.receivables.selectors.obligors import ObligorView, obligor_view
from civicdesk.registry.models import Obligor
from civicdesk.registry.selectors import scope_for

HISTORY_LIMIT = 200
OPEN_HAND_OVER_STATUSES = (HandOverStatus.OPEN, HandOverStatus.ACCEPTED)


@dataclass
class CasePhone:
    pk: int
    display: str
    tel_uri: str
    kind_label: str
    source_label: str
    status_label: str
    last_outcome_label: str
    last_outcome_at: dt.datetime | None


@dataclass
class CaseAccount:
    pk: int
    revenue_type: str
    revenue_type_label: str
    case_no: str
    unpaid: int | None  # None: the policy does not let the user see the unpaid amount


@dataclass
class HistoryEntry:
    contact: Contact
    revenue_type_labels: list[str]
    promises: list[Promise]
    user_name: str

    @property
    def details(self) -> list[str]:
        """What a visit left or found, and which letter went out: one line each."""
        lines = []
        record = getattr(self.contact, "visit_record", None)
        if record is not None:
            notices = [notice.name for notice in record.left_notices.all()]
            if notices:
                lines.append(f"差し置き: {'・'.join(notices)}")
            evidence = dict(NotResidingEvidence.choices)
            if record.evidence:
                lines.append(f"状況: {'・'.join(str(evidence.get(v, v)) for v in record.evidence)}")
            if record.management_company:
                lines.append(f"管理会社: {record.management_company}")
        letter = getattr(self.contact, "reminder_letter", None)
        if letter is not None:
            lines.append(f"催告書（作成 #{letter.batch_id}・{letter.page} 頁）")
        return lines


@dataclass
class HandOverEntry:
    reason_label: str
    status_label: str
    created_at: dt.datetime


@dataclass
class CaseView:
    obligor: Obligor
    view: ObligorView
    history: list[HistoryEntry]
    history_truncated: bool
    promises: list[Promise]
    hand_overs: list[HandOverEntry]
    phones: list[CasePhone] | None  # None: not allowed (the section is left out)
    lease: WorkItem | None
    accounts: list[CaseAccount]
    default_promise_amount: int | None
    fields_shown: list[str] = field(default_factory=list)

    @property
    def revenue_types(self) -> list[tuple[str, str]]:
        """(value, label) of the revenue types the form offers, in RevenueType order."""
        present = {account.revenue_type for account in self.accounts}
        return [(value, label) for value, label in RevenueType.choices if value in present]

    @property
    def script(self) -> str:
        return self.lease.campaign.script if self.lease else ""


def case_view(user, obligor: Obligor, now: dt.datetime | None = None) -> CaseView:
    """The case screen's content (raises Obligor.DoesNotExist outside the user's scope)."""
    now = now or timezone.now()
    view = obligor_view(user, obligor)
    scope = scope_for(user)
    shown = set(view.fields_shown)
    accounts = _accounts(obligor, scope)
    history_types = scope.types_allowing("contacts")
    history, truncated = _history(obligor, history_types)
    if history_types:
        shown.update({"contacts", "note"})
    phones = None
    if view.phones is not None:
        phones = _phones(obligor)
    totals = [account.unpaid for account in accounts if account.unpaid is not None]
    return CaseView(
        obligor=obligor,
        view=view,
        history=history,
        history_truncated=truncated,
        promises=sorted(
            (promise for entry in history for promise in entry.promises),
            key=lambda p: (p.promised_on, p.pk),
        ),
        hand_overs=_hand_overs(obligor, scope.revenue_types),
        phones=phones,
        lease=_lease(user, obligor, now),
        accounts=accounts,
        default_promise_amount=sum(totals) if totals else None,
        fields_shown=sorted(shown),
    )


def _accounts(obligor: Obligor, scope) -> list[CaseAccount]:
    labels = dict(RevenueType.choices)
    rows = (
        Account.objects.filter(obligor=obligor, revenue_type__in=list(scope.revenue_types))
        .annotate(
            unpaid_total=Sum(
                "installments__unpaid", filter=Q(installments__unpaid__gt=0), default=0
            )
        )
        .order_by("revenue_type", "case_no")
    )
    return [
        CaseAccount(
            account.pk,
            account.revenue_type,
            labels[account.revenue_type],
            account.case_no,
            account.unpaid_total if "unpaid" in scope.allowed(account.revenue_type) else None,
        )
        for account in rows
    ]


def _history(obligor: Obligor, types: list[str]) -> tuple[list[HistoryEntry], bool]:
    if not types:
        return [], False
    labels = dict(RevenueType.choices)
    visible = Contact.objects.filter(
        obligor=obligor,
        pk__in=ContactAccount.objects.filter(
            contact__obligor=obligor, revenue_type__in=types
        ).values("contact_id"),
    )
    contacts = list(
        visible.select_related("user", "phone", "visit_record", "reminder_letter")
        .prefetch_related(
            Prefetch("covered", queryset=ContactAccount.objects.order_by("revenue_type")),
            "visit_record__left_notices",
            Prefetch("promises", queryset=Promise.objects.order_by("promised_on", "pk")),
        )
        .order_by("-at", "-pk")[: HISTORY_LIMIT + 1]
    )
    entries = []
    for contact in contacts[:HISTORY_LIMIT]:
        covered = sorted({c.revenue_type for c in contact.covered.all() if c.revenue_type in types})
        user = contact.user
        entries.append(
            HistoryEntry(
                contact,
                [labels[value] for value in covered],
                list(contact.promises.all()),
                (user.display_name or user.username) if user else "",
            )
        )
    return entries, len(contacts) > HISTORY_LIMIT


def _hand_overs(obligor: Obligor, types: tuple[str, ...]) -> list[HandOverEntry]:
    rows = HandOver.objects.filter(obligor=obligor, status__in=OPEN_HAND_OVER_STATUSES).order_by(
        "created_at", "pk"
    )
    return [
        HandOverEntry(row.get_reason_display(), row.get_status_display(), row.created_at)
        for row in rows
        # A hand-over about another team's revenue type is not this user's business.
        if not row.revenue_types or set(row.revenue_types) & set(types)
    ]


def _phones(obligor: Obligor) -> list[CasePhone]:
    outcomes = dict(ContactOutcome.choices)
    return [
        CasePhone(
            pk=phone.pk,
            display=_national(phone.display or phone.number),
            tel_uri=f"tel:{phone.number}",
            kind_label=phone.get_kind_display(),
            source_label=phone.get_source_display(),
            status_label=phone.get_status_display(),
            last_outcome_label=outcomes.get(phone.last_outcome, phone.last_outcome),
            last_outcome_at=phone.last_outcome_at,
        )
        for phone in obligor.phones.order_by("pk")
    ]


def _national(text: str) -> str:
    try:
        return format_phone(text)
    except ValueError:
        return text


def _lease(user, obligor: Obligor, now: dt.datetime) -> WorkItem | None:
    return (
        WorkItem.objects.filter(obligor=obligor, lease_owner=user, lease_expires_at__gt=now)
        .select_related("campaign")
        .order_by("-lease_expires_at")
        .first()
    )
