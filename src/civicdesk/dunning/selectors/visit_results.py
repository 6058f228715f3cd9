"""The tablet page of one visit stop: the person as the visits field policy shows them, what to
tell, the amounts where the policy allows, and the result once recorded (read only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from civicdesk.dunning.choices import NotResidingEvidence
from civicdesk.dunning.models import LeftNoticeTemplate, VisitRecord, VisitStop
from civicdesk.receivables.models import Account
from civicdesk.receivables.selectors.obligors import obligor_view
from civicdesk.registry.models import Obligor
from civicdesk.registry.selectors import ShownField, scope_for


@dataclass(frozen=True)
class AmountRow:
    """One revenue type on the tablet: the unpaid total only where the visits policy allows."""

    label: str
    unpaid: int | None  # None: the policy does not let a visitor see amounts (late_elderly)
    periods: int | None


@dataclass
class StopPage:
    stop: VisitStop
    person: list[ShownField]
    amounts: list[AmountRow]
    script: str
    record: VisitRecord | None
    account_ids: list[int]
    left_notices: list[LeftNoticeTemplate]
    phone_allowed: bool
    fields_shown: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return next((f.value for f in self.person if f.name == "name"), "")

    @property
    def evidence_labels(self) -> list[str]:
        labels = dict(NotResidingEvidence.choices)
        return [str(labels.get(v, v)) for v in (self.record.evidence if self.record else [])]


PAGE_PERSON_FIELDS = ("name", "name_kana", "address", "address_extra")


def stop_page(user, pk: int) -> StopPage:
    """The tablet page of one stop of the user's own list (VisitStop.DoesNotExist otherwise,
    also outside the user's scope: the answer must not tell that the stop exists)."""
    stop = (
        VisitStop.objects.select_related(
            "visit_list__campaign", "work_item__obligor__municipality", "contact"
        )
        .filter(visit_list__visitor=user)
        .get(pk=pk)
    )
    obligor = stop.work_item.obligor
    try:
        view = obligor_view(user, obligor)
    except Obligor.DoesNotExist:
        raise VisitStop.DoesNotExist from None
    person = [f for f in view.person if f.name in PAGE_PERSON_FIELDS]
    amounts = [_amount_row(group) for group in view.groups]
    shown = {f.name for f in person} | {"revenue_type"}
    if any(row.unpaid is not None for row in amounts):
        shown.update({"unpaid", "due_date", "period"})
    script = stop.visit_list.campaign.script
    if script:
        shown.add("notice")
    record = _record_of(stop)
    if record is not None:
        shown.update({"contacts", "note"} if record.contact.note else {"contacts"})
    scope = scope_for(user)
    return StopPage(
        stop=stop,
        person=person,
        amounts=amounts,
        script=script,
        record=record,
        account_ids=_account_ids(stop, scope),
        left_notices=list(
            LeftNoticeTemplate.objects.filter(
                municipality_id=stop.visit_list.municipality_id, active=True
            )
        ),
        phone_allowed=scope.may_collect("phone"),
        fields_shown=sorted(shown),
    )


def _amount_row(group) -> AmountRow:
    totals = [account.totals for account in group.accounts if account.totals is not None]
    if not totals:
        return AmountRow(group.label, None, None)
    return AmountRow(
        group.label,
        sum(t.unpaid for t in totals),
        sum(t.overdue_periods for t in totals),
    )


def _record_of(stop: VisitStop) -> VisitRecord | None:
    if stop.contact_id is None:
        return None
    return (
        VisitRecord.objects.select_related("contact")
        .prefetch_related("left_notices")
        .filter(contact_id=stop.contact_id)
        .first()
    )


def _account_ids(stop: VisitStop, scope) -> list[int]:
    """The accounts the visit covers: the work item's, else the person's, in the user's scope."""
    types = list(scope.revenue_types)
    ids = list(
        stop.work_item.accounts.filter(revenue_type__in=types)
        .order_by("revenue_type", "case_no")
        .values_list("pk", flat=True)
    )
    if ids:
        return ids
    return list(
        Account.objects.filter(obligor_id=stop.work_item.obligor_id, revenue_type__in=types)
        .order_by("revenue_type", "case_no")
        .values_list("pk", flat=True)
    )
