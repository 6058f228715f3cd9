"""Three months of contact history for ``civicdesk demo`` (issue 7), made through the real
services so that every report shows realistic figures on first start.

- outbound calls and visits: dunning.services.contacts.record_contact with ``now=`` the
  moment of the contact, by an operator (calls) or a visitor (visits) whose team holds the
  revenue type (the supervisor when no team does), only on open days of the calls / visits
  calendar and inside their hours (an evening extension gives night calls), with promises on
  open days within DUNNING_PROMISE_MAX_DAYS, hand-overs and hot voice now and then; one person
  at most once in PACE_DAYS per channel (a small municipality gets fewer contacts a day);
- letters: two small batches through dunning.services.letters.create_letter_batch;
- SMS: a small sms campaign, a batch through sms.services.batches.create_sms_batch (``now=``
  the day), each text handed to the file provider and recorded with
  sms.services.sending.record_accepted at that day's time (run_sms_batch cannot be told the
  time: it would date every text today, and sends only while the sms calendar is open now);
- payments: the kept promises' payments as a payments file, loaded with the real importer
  (receivables.services.import_file), whose hook decides the promises; broken ones are then
  decided by dunning.services.promises.decide_promises for ``today``. Two kept promises on one
  account paid the same day are one payment row (the importer refuses a row twice);
- the yearly targets (reports.services.reports.create_demo_targets) of the fiscal years covered.

Any ``today`` works: contacts fall on the calendars' open days before it, whatever the season.
Deterministic for a seed (and the same obligors). Run once: when the municipality has any
contact before ``today`` nothing is made again. One transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from civicdesk.accounts.models import Role, Team, User
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, Service
from civicdesk.core.demo_parts import DemoError
from civicdesk.core.japanese import fiscal_year_of
from civicdesk.dunning.choices import (
    CampaignChannel,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    PromiseStatus,
)
from civicdesk.dunning.models import Contact, Promise
from civicdesk.dunning.services.campaigns import create_campaign
from civicdesk.dunning.services.contacts import record_contact
from civicdesk.dunning.services.letters import create_letter_batch
from civicdesk.dunning.services.promises import decide_promises
from civicdesk.receivables.models import Account, Installment
from civicdesk.receivables.services import import_file
from civicdesk.registry.models import Obligor
from civicdesk.reports.services.reports import create_demo_targets
from civicdesk.sms.models import SmsMessage, SmsTemplate
from civicdesk.sms.providers import OutgoingMessage
from civicdesk.sms.providers.file import FileProvider
from civicdesk.sms.selectors.batches import campaign_targets
from civicdesk.sms.services.batches import create_sms_batch
from civicdesk.sms.services.sending import record_accepted

DEFAULT_DAYS = 90
# About 60 open days: ~900 calls and ~180 visits (each record_contact reads the calendar:
# ~0.1 s on SQLite), plus letters and SMS.
CALLS_PER_DAY = 15
VISITS_PER_DAY = 3
LETTERS_PER_BATCH = 3
SMS_CAMPAIGN = "国保 SMS催告（履歴デモ）"
# The SMS batch goes to the towns with the most NHI people, as few as hold this many of them.
SMS_PEOPLE = 20
# Of the promises whose date has passed, how many were paid (the rest are broken).
KEPT_SHARE = 0.65
PROMISE_DAYS = (3, 21)  # a promise falls this many days after the call (first open day)
# A person is called (or visited) again at the earliest this many days later, as the demo
# campaigns pace them: a small municipality gets fewer contacts a day, not the same people.
PACE_DAYS = 3

# Who answered a call, and the outcomes that go with it (weights).
CALL_PARTIES = [(ContactParty.NONE, 45), (ContactParty.SELF, 35), (ContactParty.FAMILY, 15),
                (ContactParty.OTHER, 5)]  # fmt: skip
NOT_REACHED_CALL = [(ContactOutcome.NO_ANSWER, 60), (ContactOutcome.VOICEMAIL, 25),
                    (ContactOutcome.BUSY, 10), (ContactOutcome.NOT_IN_SERVICE, 5)]  # fmt: skip
REACHED = [(ContactOutcome.PROMISE, 35), (ContactOutcome.WILL_PAY, 20),
           (ContactOutcome.ALREADY_PAID, 8), (ContactOutcome.CALLBACK, 10),
           (ContactOutcome.MESSAGE_LEFT, 8), (ContactOutcome.INSTALLMENT_CONSULTATION, 4),
           (ContactOutcome.REFUSAL, 5), (ContactOutcome.INQUIRY, 5),
           (ContactOutcome.OTHER, 5)]  # fmt: skip
VISIT_PARTIES = [(ContactParty.NONE, 60), (ContactParty.SELF, 30), (ContactParty.FAMILY, 10)]
NOT_MET_VISIT = [(ContactOutcome.ABSENT, 90), (ContactOutcome.NOT_RESIDING, 10)]
HOT_VOICES = [
    "「年金が入ったら必ず払う。催促の電話はもういらない」",
    "「納付書をなくした。どこで払えるのか教えてほしい」",
    "「夜なら電話に出られる。昼間はかけないでほしい」",
    "「分納にしてもらえるなら払いたい」",
]
HAND_OVERS = [
    (HandOverReason.HARDSHIP, "失業中で納付が難しいとの申出。区で相談を希望。"),
    (HandOverReason.COMPLAINT, "催告の電話が多いとの苦情。対応の確認をお願いします。"),
]


@dataclass
class _Case:
    account_id: int
    obligor_id: int
    revenue_type: str
    installment_id: int
    case_no: str
    fiscal_year: int
    period: str
    unpaid: int


@dataclass
class _Run:
    municipality: object
    today: dt.date
    rng: random.Random
    supervisor: User
    staff: User
    callers: dict  # revenue type → [users]
    visitors: dict
    counts: dict = field(default_factory=lambda: defaultdict(int))
    obligors: dict = field(default_factory=dict)
    # (service, day) → DayInfo: one calendar read per service, not one per contact
    days: dict = field(default_factory=dict)
    # channel → {obligor id → the last day they were contacted on it}
    last_contact: dict = field(default_factory=lambda: defaultdict(dict))


class DemoHistoryError(DemoError):
    """The history's own payments file did not import (a bug: the rows are made valid)."""


def has_demo_history(municipality, today: dt.date) -> bool:
    return Contact.objects.filter(
        obligor__municipality=municipality, at__lt=_at(today, dt.time())
    ).exists()


def create_demo_history(
    *,
    municipality,
    today: dt.date,
    days: int = DEFAULT_DAYS,
    seed: int = 1,
    calls_per_day: int = CALLS_PER_DAY,
    visits_per_day: int = VISITS_PER_DAY,
) -> dict:
    """Contacts of the ``days`` before ``today``; returns what was made (counts by kind), or
    ``{"skipped": True}`` when there is a history already or nobody to contact."""
    start = today - dt.timedelta(days=days)
    if has_demo_history(municipality, today):
        return {"skipped": True}
    run = _prepare(municipality, today, seed)
    cases = _cases(municipality)
    if run is None or not cases:
        return {"skipped": True}
    with transaction.atomic():
        for year in range(fiscal_year_of(start), fiscal_year_of(today) + 1):
            run.counts["targets"] += len(
                create_demo_targets(municipality=municipality, fiscal_year=year)
            )
        for day in _open_days(Service.CALLS, start, today, municipality):
            _calls(run, cases, day, calls_per_day)
        for day in _open_days(Service.VISITS, start, today, municipality):
            _visits(run, cases, day, visits_per_day)
        _letters(run, cases, _open_days(Service.CALLS, start, today, municipality))
        _sms(run, _open_days(Service.SMS, start, today, municipality))
        _payments(run)
    return dict(run.counts)


# --- Who, what, when -----------------------------------------------------------------------


def _prepare(municipality, today: dt.date, seed: int) -> _Run | None:
    users = list(
        User.objects.filter(municipality=municipality, is_active=True)
        .select_related("team")
        .order_by("username")
    )
    supervisor = next((u for u in users if u.role == Role.SUPERVISOR), None)
    staff = next((u for u in users if u.role == Role.STAFF), None)
    if supervisor is None or staff is None:
        return None
    callers, visitors = defaultdict(list), defaultdict(list)
    for user in users:
        into = {Role.OPERATOR: callers, Role.VISITOR: visitors}.get(user.role)
        for revenue_type in user.team.revenue_types if into is not None and user.team else []:
            into[revenue_type].append(user)
    return _Run(municipality, today, random.Random(seed), supervisor, staff, callers, visitors)


def _cases(municipality) -> list[_Case]:
    """Every account with something unpaid, with its oldest unpaid installment.

    One ordered scan, the first row of each account kept: a plan that does not depend on the
    tables' statistics (an ``IN (SELECT MIN(id) … GROUP BY)`` ran for minutes on a PostgreSQL
    whose freshly loaded tables were not analysed yet)."""
    rows = (
        Installment.objects.filter(account__municipality=municipality, unpaid__gt=0)
        .select_related("account")
        .order_by("account_id", "id")
    )
    cases: list[_Case] = []
    for i in rows.iterator(chunk_size=5000):
        if cases and cases[-1].account_id == i.account_id:
            continue
        cases.append(
            _Case(i.account_id, i.account.obligor_id, i.account.revenue_type, i.pk,
                  i.account.case_no, i.fiscal_year, i.period, i.unpaid)
        )  # fmt: skip
    return cases


def _open_days(service, start: dt.date, today: dt.date, municipality) -> list[dt.date]:
    last = today - dt.timedelta(days=1)
    return [
        info.date
        for info in calendar.days(service, start, last, municipality=municipality)
        if info.open
    ]


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TOKYO)


def _day(run: _Run, service, day: dt.date):
    if (service, day) not in run.days:
        last = run.today + dt.timedelta(days=settings.DUNNING_PROMISE_MAX_DAYS + 1)
        first = min(day, run.today - dt.timedelta(days=DEFAULT_DAYS))
        for info in calendar.days(service, first, max(last, day), municipality=run.municipality):
            run.days[service, info.date] = info
    return run.days[service, day]


def _moment(run: _Run, service, day: dt.date) -> dt.datetime:
    """A random minute inside the day's hours of the service (the evening extension too)."""
    hours = _day(run, service, day).hours
    begin, end = run.rng.choice(hours)
    first = begin.hour * 60 + begin.minute
    minutes = run.rng.randrange(first, end.hour * 60 + end.minute)
    return _at(day, dt.time(minutes // 60, minutes % 60, run.rng.randrange(60)))


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _obligor(run: _Run, obligor_id: int):
    if obligor_id not in run.obligors:
        run.obligors[obligor_id] = Obligor.objects.select_related("municipality").get(pk=obligor_id)
    return run.obligors[obligor_id]


def _promise_day(run: _Run, day: dt.date) -> dt.date | None:
    low = day + dt.timedelta(days=PROMISE_DAYS[0])
    high = day + dt.timedelta(days=min(PROMISE_DAYS[1], settings.DUNNING_PROMISE_MAX_DAYS))
    open_days = [
        low + dt.timedelta(days=n)
        for n in range((high - low).days + 1)
        if _day(run, Service.CALLS, low + dt.timedelta(days=n)).open
    ]
    return run.rng.choice(open_days) if open_days else None


# --- Calls and visits ------------------------------------------------------------------------


def _record(run: _Run, case: _Case, user, channel, party, outcome, at: dt.datetime) -> None:
    promises, note, hot_voice, hand_over = [], "", False, None
    if outcome == ContactOutcome.PROMISE:
        promised_on = _promise_day(run, at.date())
        if promised_on is None:
            outcome = ContactOutcome.WILL_PAY
        else:
            amount = (
                max(1_000, case.unpaid // 1_000 * 1_000) if case.unpaid >= 1_000 else case.unpaid
            )
            promises = [(min(amount, case.unpaid), promised_on)]
    if party != ContactParty.NONE and run.rng.random() < 0.06:
        note, hot_voice = run.rng.choice(HOT_VOICES), True
    if party != ContactParty.NONE and outcome != ContactOutcome.PROMISE and run.rng.random() < 0.03:
        hand_over = run.rng.choice(HAND_OVERS)
    if outcome == ContactOutcome.INSTALLMENT_CONSULTATION:
        note = note or "分納の相談を希望。区の担当へ引継ぎ。"
    record_contact(
        acting_user=user, obligor=_obligor(run, case.obligor_id), channel=channel, party=party,
        outcome=outcome, accounts=[case.account_id], note=note, hot_voice=hot_voice,
        promises=promises, hand_over=hand_over, now=at,
    )  # fmt: skip
    run.counts[channel] += 1
    run.counts["promises"] += len(promises)


def _paced(run: _Run, channel, cases: list[_Case], day: dt.date, per_day: int) -> list[_Case]:
    """Up to ``per_day`` cases of different people not contacted on the channel in the
    PACE_DAYS before ``day`` (a bounded number of draws: few people, few contacts)."""
    last = run.last_contact[channel]
    chosen, people = [], set()
    for _ in range(per_day * 10):
        if len(chosen) == per_day:
            break
        case = run.rng.choice(cases)
        seen = last.get(case.obligor_id)
        if case.obligor_id in people or (seen is not None and (day - seen).days < PACE_DAYS):
            continue
        chosen.append(case)
        people.add(case.obligor_id)
    for case in chosen:
        last[case.obligor_id] = day
    return chosen


def _calls(run: _Run, cases: list[_Case], day: dt.date, per_day: int) -> None:
    for case in _paced(run, ContactChannel.OUTBOUND_CALL, cases, day, per_day):
        user = run.rng.choice(run.callers.get(case.revenue_type) or [run.supervisor])
        party = _pick(run.rng, CALL_PARTIES)
        outcome = _pick(run.rng, NOT_REACHED_CALL if party == ContactParty.NONE else REACHED)
        if outcome == ContactOutcome.PROMISE and party == ContactParty.OTHER:
            outcome = ContactOutcome.MESSAGE_LEFT  # someone else cannot promise for them
        at = _moment(run, Service.CALLS, day)
        _record(run, case, user, ContactChannel.OUTBOUND_CALL, party, outcome, at)


def _visits(run: _Run, cases: list[_Case], day: dt.date, per_day: int) -> None:
    visited = [c for c in cases if run.visitors.get(c.revenue_type)] or cases
    for case in _paced(run, ContactChannel.VISIT, visited, day, per_day):
        user = run.rng.choice(run.visitors.get(case.revenue_type) or [run.supervisor])
        party = _pick(run.rng, VISIT_PARTIES)
        outcome = _pick(run.rng, NOT_MET_VISIT if party == ContactParty.NONE else REACHED)
        at = _moment(run, Service.VISITS, day)
        _record(run, case, user, ContactChannel.VISIT, party, outcome, at)


# --- Letters and SMS -------------------------------------------------------------------------


def _letters(run: _Run, cases: list[_Case], days: list[dt.date]) -> None:
    """Two small batches (each prints a PDF): a month apart, to people of one revenue type."""
    if not days:
        return
    for day in (days[len(days) // 4], days[len(days) * 3 // 4]):
        revenue_type = run.rng.choice(sorted({c.revenue_type for c in cases}))
        obligor_ids = sorted({c.obligor_id for c in cases if c.revenue_type == revenue_type})
        chosen = run.rng.sample(obligor_ids, min(LETTERS_PER_BATCH, len(obligor_ids)))
        numbers = list(Obligor.objects.filter(pk__in=chosen).values_list("resident_no", flat=True))
        batch = create_letter_batch(
            acting_user=run.supervisor, resident_nos=numbers, revenue_type=revenue_type,
            reason="催告書の印刷（デモ履歴）", now=_at(day, dt.time(10, 0)),
        )  # fmt: skip
        run.counts["letter_batches"] += 1
        run.counts[ContactChannel.LETTER] += batch.letters.count()


class _NobodyToText(Exception):
    """Everyone the SMS campaign found that day was paced, leased or without a mobile."""


def _sms(run: _Run, days: list[dt.date]) -> None:
    """One batch a month before today, to NHI people with a mobile in the towns with most;
    none when nobody there can be texted that day (a small municipality)."""
    template = SmsTemplate.objects.filter(municipality=run.municipality, revenue_type="nhi").first()
    teams = Team.objects.filter(municipality=run.municipality).order_by("pk")
    team = next((t for t in teams if "nhi" in t.revenue_types), None)
    day = next((d for d in reversed(days) if d <= run.today - dt.timedelta(days=30)), None)
    towns = _nhi_towns(run.municipality)
    if template is None or team is None or day is None or not towns:
        return
    at = _at(day, dt.time(10, 0))
    try:
        with transaction.atomic():
            _sms_batch(run, template, team, towns, day, at)
    except _NobodyToText:
        return


def _sms_batch(run: _Run, template, team, towns: list[str], day: dt.date, at) -> None:
    campaign = create_campaign(
        acting_user=run.supervisor, name=SMS_CAMPAIGN, channel=CampaignChannel.SMS,
        starts_on=day, ends_on=run.today,
        conditions={"revenue_types": ["nhi"], "has_phone": True, "towns": towns},
        max_attempts=1, min_days_between_contacts=3, retry_rules={}, teams=[team],
        municipality=run.municipality, today=day,
    )  # fmt: skip
    if not campaign_targets(campaign, template.revenue_type, user=run.supervisor, now=at).people:
        raise _NobodyToText  # the campaign goes too
    batch = create_sms_batch(acting_user=run.supervisor, campaign=campaign, template=template,
                             reason="SMS 催告（デモ履歴）", now=at)  # fmt: skip
    provider = FileProvider(settings.VAR_DIR / "demo" / "sms-history-outbox.jsonl")
    for index, message in enumerate(SmsMessage.objects.filter(batch=batch).order_by("pk")):
        sent_at = at + dt.timedelta(seconds=index)
        accepted = provider.send(OutgoingMessage(message.key, message.number, message.text))
        record_accepted(message, provider_message_id=accepted.provider_message_id, at=sent_at,
                        batch=batch)  # fmt: skip
        run.counts[ContactChannel.SMS] += 1


def _nhi_towns(municipality) -> list[str]:
    """The towns with the most NHI people, as few as together hold SMS_PEOPLE of them."""
    counts = (
        Obligor.objects.filter(municipality=municipality, accounts__revenue_type="nhi")
        .exclude(town="")
        .values("town")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "town")
        .values_list("town", "n")
    )
    towns, people = [], 0
    for town, n in counts:
        if people >= SMS_PEOPLE:
            break
        towns.append(town)
        people += n
    return towns


# --- Payments and promises -------------------------------------------------------------------


def _payments(run: _Run) -> None:
    """Pay most promises whose date has passed, through the payments import; decide the rest."""
    promises = (
        Promise.objects.filter(
            obligor__municipality=run.municipality,
            status=PromiseStatus.PENDING,
            promised_on__lt=run.today,
        )
        .select_related("contact")
        .prefetch_related("accounts")
        .order_by("pk")
    )
    # (revenue type, case no, year, period, paid on) → yen: one row per installment and day
    paid: dict[tuple, int] = defaultdict(int)
    for promise in promises:
        if run.rng.random() >= KEPT_SHARE:
            continue
        account = promise.accounts.all()[0]
        installment = _first_unpaid(account)
        if installment is None:
            continue
        contact_day = promise.contact.at.astimezone(TOKYO).date()
        earliest = max(
            contact_day + dt.timedelta(days=1), promise.promised_on - dt.timedelta(days=4)
        )
        span = (promise.promised_on - earliest).days
        paid_on = earliest + dt.timedelta(days=run.rng.randint(0, max(span, 0)))
        key = (account.revenue_type, account.case_no, installment.fiscal_year,
               installment.period, paid_on.isoformat())  # fmt: skip
        paid[key] += promise.amount
    if paid:
        path = settings.VAR_DIR / "demo" / "payments-history.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(["税目", "整理番号", "年度", "期別", "納付額", "収納日", "領収日"])
            writer.writerows([*key[:4], amount, key[4], ""] for key, amount in paid.items())
        result = import_file(acting_user=run.staff, municipality=run.municipality,
                             kind="payments", path=path, encoding="utf-8")  # fmt: skip
        if result.error_count:
            shown = "\n".join(str(error) for error in result.errors[:10])
            raise DemoHistoryError(f"対応履歴の入金データを取り込めませんでした:\n{shown}")
        run.counts["payments"] += result.counts.get("payments", 0)
    decided = decide_promises(acting_user=run.staff, today=run.today)
    run.counts["promises_broken"] += decided.get(PromiseStatus.BROKEN, 0)
    run.counts["promises_kept"] = Promise.objects.filter(
        obligor__municipality=run.municipality, status=PromiseStatus.KEPT
    ).count()


def _first_unpaid(account: Account) -> Installment | None:
    return account.installments.filter(unpaid__gt=0).order_by("fiscal_year", "due_date").first()
