"""What the dunning center holds of people (cases, contacts, promises, hand-overs, requests,
visits, letters, inbound calls), declared for oversight (privacy.personal_data): what a purge
takes, what it waits for, and what the access analysis may take as the reason for a view.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from civicdesk.core import calendar
from civicdesk.dunning.choices import LetterBatchStatus
from civicdesk.dunning.coverage import recount
from civicdesk.dunning.models import (
    Campaign,
    Contact,
    ContactAccount,
    HandOver,
    InboundCall,
    LetterBatch,
    Promise,
    ReminderLetter,
    StaffRequest,
    VisitList,
    VisitRecord,
    VisitStop,
    WorkItem,
)
from civicdesk.privacy.personal_data import (
    Activity,
    Item,
    PersonalData,
    Selection,
    Targets,
    View,
)

CHUNK = 500  # bounded IN lists (SQLite's variable limit)


def _letter_batches(selection: Selection):
    batches = LetterBatch.objects.filter(municipality=selection.municipality)
    if selection.everything:
        return batches
    letters = ReminderLetter.objects.filter(
        Q(revenue_type=selection.revenue_type) | Q(obligor__in=selection.people)
    )
    # A batch is one PDF: a page of this scope takes the whole document with it.
    return batches.filter(
        Q(revenue_type=selection.revenue_type) | Q(pk__in=letters.values("batch_id"))
    )


def _visit_lists(selection: Selection):
    lists = VisitList.objects.filter(municipality=selection.municipality)
    if selection.everything:
        return lists
    people = selection.people
    # A list goes only when every stop on it is a person who goes.
    return lists.filter(
        pk__in=VisitStop.objects.filter(work_item__obligor__in=people).values("visit_list_id")
    ).exclude(
        pk__in=VisitStop.objects.exclude(work_item__obligor__in=people).values("visit_list_id")
    )


def _inbound_calls(selection: Selection):
    calls = InboundCall.objects.filter(municipality=selection.municipality)
    if selection.everything:
        return calls
    matched = InboundCall.matches.through.objects.filter(obligor__in=selection.people)
    return calls.filter(
        Q(pk__in=matched.values("inboundcall_id")) | Q(caller__in=selection.numbers)
    )


def select(selection: Selection) -> Targets:
    people = selection.people
    contacts = Contact.objects.filter(obligor__in=people)
    letter_batches = _letter_batches(selection)
    return {
        "inbound_calls": _inbound_calls(selection),
        "reminder_letters": ReminderLetter.objects.filter(
            Q(batch__in=letter_batches) | Q(obligor__in=people)
        ),
        "letter_batches": letter_batches,
        "visit_records": VisitRecord.objects.filter(contact__in=contacts),
        "promises": Promise.objects.filter(obligor__in=people),
        "hand_overs": HandOver.objects.filter(obligor__in=people),
        "staff_requests": StaffRequest.objects.filter(obligor__in=people),
        "contacts": contacts,
        "work_items": WorkItem.objects.filter(obligor__in=people),
        "visit_lists": _visit_lists(selection),
    }


def files(selection: Selection) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "letters"
    return [root / str(pk) for pk in _letter_batches(selection).values_list("pk", flat=True)]


def busy(municipality) -> str:
    making = (LetterBatchStatus.PENDING, LetterBatchStatus.RUNNING)
    if LetterBatch.objects.filter(municipality=municipality, status__in=making).exists():
        return "催告書の作成が待機中または実行中です。作成が終わってから実行してください。"
    return ""


def before_delete(selection: Selection, targets: Targets):
    """Contacts that stay but lose covered accounts of a purged revenue type: their coverage
    bits (ADR 0011) are counted again once the accounts went."""
    going = set(targets["contacts"].values_list("pk", flat=True))
    losing = ContactAccount.objects.filter(account__in=targets["accounts"])
    stay = sorted(set(losing.values_list("contact_id", flat=True)) - going)

    def recount_coverage() -> None:
        for contact_id in stay:
            Contact.objects.filter(pk=contact_id).update(coverage=recount(contact_id))

    return recount_coverage if stay else None


# --- access analysis ------------------------------------------------------------------------


def legitimate_views(day: dt.date, views: list[View]) -> set[tuple[int, int]]:
    """A view is explained by a case of the person in a campaign the user works that day
    (named, through the team, or a campaign assigned to nobody: the work queue's rule), or
    by the person's own call that day (a matched inbound call)."""
    people = sorted({view.person_id for view in views})
    cases = _campaigns_of(day, people)
    called = _called_in(day, people)
    assignments = _Assignments.running(day)
    explained = set()
    for view in views:
        if view.person_id in called:
            explained.add((view.user_id, view.person_id))
            continue
        mine = assignments.campaigns_of(view.user_id, view.team_id, view.municipality_id)
        if cases[view.person_id] & mine:
            explained.add((view.user_id, view.person_id))
    return explained


class _Assignments:
    """The campaigns running on a day: municipality, named operators and teams of each."""

    def __init__(self, municipality, operators, teams):
        self.municipality = municipality
        self.operators = operators
        self.teams = teams

    @classmethod
    def running(cls, day: dt.date) -> _Assignments:
        running = Campaign.objects.filter(starts_on__lte=day, ends_on__gte=day)
        operators: dict[int, set[int]] = defaultdict(set)
        named = Campaign.operators.through.objects.filter(campaign__in=running)
        for campaign, user in named.values_list("campaign_id", "user_id"):
            operators[campaign].add(user)
        teams: dict[int, set[int]] = defaultdict(set)
        through_teams = Campaign.teams.through.objects.filter(campaign__in=running)
        for campaign, team in through_teams.values_list("campaign_id", "team_id"):
            teams[campaign].add(team)
        return cls(dict(running.values_list("pk", "municipality_id")), operators, teams)

    def campaigns_of(self, user_id: int, team_id: int | None, municipality_id) -> set[int]:
        return {
            campaign
            for campaign, municipality in self.municipality.items()
            if municipality == municipality_id
            and (
                user_id in self.operators[campaign]
                or (team_id is not None and team_id in self.teams[campaign])
                or not (self.operators[campaign] or self.teams[campaign])
            )
        }


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _campaigns_of(day: dt.date, people: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(people):
        rows = WorkItem.objects.filter(
            obligor_id__in=chunk, campaign__starts_on__lte=day, campaign__ends_on__gte=day
        ).values_list("obligor_id", "campaign_id")
        for person, campaign in rows:
            found[person].add(campaign)
    return found


def _called_in(day: dt.date, people: list[int]) -> set[int]:
    start, end = calendar.day_bounds(day)
    matches = InboundCall.matches.through.objects
    found: set[int] = set()
    for chunk in _chunks(people):
        found.update(
            matches.filter(
                obligor_id__in=chunk,
                inboundcall__received_at__gte=start,
                inboundcall__received_at__lt=end,
            ).values_list("obligor_id", flat=True)
        )
    return found


PERSONAL_DATA = PersonalData(
    app_label="dunning",
    items=(
        Item("work_items", "案件"),
        Item("contacts", "折衝記録"),
        Item("promises", "納付約束"),
        Item("hand_overs", "引継ぎ"),
        Item("staff_requests", "職員への依頼"),
        Item("visit_lists", "訪問リスト"),
        Item("visit_records", "訪問結果"),
        Item("letter_batches", "催告書の作成"),
        Item("reminder_letters", "催告書"),
        Item("inbound_calls", "受電"),
    ),
    select=select,
    files=files,
    file_label="催告書 PDF／一覧",
    busy=busy,
    before_delete=before_delete,
    activity=(Activity(Contact, user_field="user", at_field="at"),),
    legitimate_views=legitimate_views,
)
