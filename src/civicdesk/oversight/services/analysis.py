"""Access-log analysis (issue 8 §6): four rules flag unusual access into the inspectors' inbox.

Each rule reads one Tokyo day of the access log with a fixed number of queries (grouped in
the database, or one pass over the day's rows; never one query per entry) and returns one
``Finding`` per user. ``analyse_access`` stores them as ``AccessAlert`` rows: analysing a day
again updates the same rows, removes unreviewed ones that no longer hold and keeps every
review. Alert texts name counts, times and access-log 通番 only, never a resident.

The rules read dunning and SMS rows (contacts, work items, inbound calls, replies): the
analysis is the one place in privacy that looks at the work it watches over.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.core import calendar
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import BusinessCalendar, Service
from civicdesk.dunning.models import Campaign, Contact, InboundCall, WorkItem
from civicdesk.oversight.models import AccessAlert, AlertKind, AlertStatus
from civicdesk.oversight.selectors.alerts import may_review_alerts
from civicdesk.sms.models import SmsReply

SYSTEM_USERNAME = "system:analyse_access_log"
OBLIGOR = "registry.obligor"
# The roles that work cases: their searches should lead to a contact, and the people they
# open should be in their campaigns. Supervisors and staff search and read for oversight.
CASE_ROLES = (Role.OPERATOR, Role.VISITOR)
SEQ_SHOWN = 10  # 通番 listed in a detail; the rest is "ほか N 件"
CHUNK = 500  # bounded IN lists (SQLite's variable limit)
NOTE_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Finding:
    user_id: int
    count: int
    detail: str


def limit(name: str) -> int:
    """A threshold of the analysis (settings.py reads CIVICDESK_<name> strictly at start-up)."""
    return getattr(settings, name)


# --- the rules -------------------------------------------------------------------------------


def too_many_cases(day: dt.date) -> list[Finding]:
    """More than ALERT_CASES_PER_HOUR obligor views by one user in one Tokyo clock hour."""
    ceiling = limit("ALERT_CASES_PER_HOUR")
    rows = (
        _entries(day)
        .filter(action=AccessAction.VIEW, object_type=OBLIGOR, actor__isnull=False)
        .annotate(hour=TruncHour("at", tzinfo=calendar.TOKYO))
        .values("actor_id", "hour")
        .annotate(n=Count("pk"), first_seq=Min("seq"), last_seq=Max("seq"))
        .filter(n__gt=ceiling)
        .order_by("actor_id", "hour")
    )
    hours = defaultdict(list)
    for row in rows:
        hours[row["actor_id"]].append(row)
    findings = []
    for user_id, rows_of_user in hours.items():
        parts = "、".join(
            f"{timezone.localtime(row['hour'], calendar.TOKYO).hour}時台 {row['n']}件"
            f"（通番 {row['first_seq']}〜{row['last_seq']}）"
            for row in rows_of_user
        )
        peak = max(row["n"] for row in rows_of_user)
        detail = f"1時間に{ceiling}件を超える納付義務者の閲覧: {parts}"
        findings.append(Finding(user_id, peak, detail))
    return findings


def outside_hours(day: dt.date) -> list[Finding]:
    """Entries of signed-in users while the calls calendar of their municipality is closed."""
    entries = _entries(day).filter(actor__isnull=False).exclude(action=AccessAction.LOGIN_FAILED)
    default_id = Municipality.objects.id_for_user(None)
    used = {
        default_id if municipality_id is None else municipality_id
        for municipality_id in entries.values_list("actor__municipality_id", flat=True).distinct()
    }
    calendars = BusinessCalendar.objects.filter(
        municipality_id__in=[pk for pk in used if pk is not None], service=Service.CALLS
    )
    by_municipality = {
        snap.calendar.municipality_id: snap.day(day)
        for snap in calendar.snapshots(calendars, day, day).values()
    }
    findings = []
    for municipality_id in sorted(used, key=lambda pk: (pk is None, pk or 0)):
        of_municipality = Q(actor__municipality_id=municipality_id)
        if municipality_id == default_id:
            of_municipality |= Q(actor__municipality__isnull=True)
        info = by_municipality.get(municipality_id)
        closed = entries.filter(of_municipality)
        if info is not None:
            closed = closed.exclude(_within(day, info.hours))
        findings += _outside_hours_findings(closed, _hours_text(info))
    return findings


def searches_without_contact(day: dt.date) -> list[Finding]:
    """At least ALERT_SEARCHES_WITHOUT_CONTACT searches, each without a contact by the same
    user within ALERT_SEARCH_MINUTES after it."""
    minutes = limit("ALERT_SEARCH_MINUTES")
    threshold = limit("ALERT_SEARCHES_WITHOUT_CONTACT")
    followed = Contact.objects.filter(
        user_id=OuterRef("actor_id"),
        at__gte=OuterRef("at"),
        at__lte=OuterRef("at") + dt.timedelta(minutes=minutes),
    )
    unfollowed = (
        _entries(day)
        .filter(action=AccessAction.SEARCH, actor__role__in=CASE_ROLES)
        .filter(~Exists(followed))
    )
    seqs = defaultdict(list)
    times = defaultdict(list)
    for user_id, seq, at in unfollowed.values_list("actor_id", "seq", "at").order_by("seq"):
        seqs[user_id].append(seq)
        times[user_id].append(at)
    findings = []
    for user_id, listed in seqs.items():
        if len(listed) < threshold:
            continue
        detail = (
            f"検索後{minutes}分以内に折衝記録のない検索 {len(listed)}件"
            f"（{_span(times[user_id])}）。通番: {_seq_list(listed)}"
        )
        findings.append(Finding(user_id, len(listed), detail))
    return findings


def outside_campaigns(day: dt.date) -> list[Finding]:
    """Obligor views by operators and visitors where the obligor has no work item in any
    campaign of the user that runs on the day, and neither called nor texted in that day."""
    views = list(
        _entries(day)
        .filter(action=AccessAction.VIEW, object_type=OBLIGOR, actor__role__in=CASE_ROLES)
        .values_list("actor_id", "actor__team_id", "actor__municipality_id", "object_id", "seq")
        .order_by("seq")
    )
    views = [row for row in views if row[3].isdigit()]
    if not views:
        return []
    obligor_ids = sorted({int(row[3]) for row in views})
    items = _campaigns_of_obligors(day, obligor_ids)
    legitimate = _contacted_that_day(day, obligor_ids)
    assigned = _campaign_assignments(day)
    default_id = Municipality.objects.id_for_user(None)
    flagged = defaultdict(list)
    for user_id, team_id, municipality_id, object_id, seq in views:
        obligor_id = int(object_id)
        if obligor_id in legitimate:
            continue
        mine = assigned.campaigns_of(user_id, team_id, municipality_id or default_id)
        if not items[obligor_id] & mine:
            flagged[user_id].append((seq, obligor_id))
    return [
        Finding(
            user_id,
            len(rows),
            f"担当する催告計画に案件のない納付義務者の閲覧 {len(rows)}件"
            f"（{len({obligor for _, obligor in rows})}人）。"
            f"通番: {_seq_list([seq for seq, _ in rows])}",
        )
        for user_id, rows in flagged.items()
    ]


RULES: dict[str, Callable[[dt.date], list[Finding]]] = {
    AlertKind.CASES_PER_HOUR: too_many_cases,
    AlertKind.OUTSIDE_HOURS: outside_hours,
    AlertKind.SEARCH_WITHOUT_CONTACT: searches_without_contact,
    AlertKind.OUTSIDE_CAMPAIGNS: outside_campaigns,
}


# --- services --------------------------------------------------------------------------------


def analyse_access(*, acting_user, day: dt.date) -> list[AccessAlert]:
    """Run every rule for one Tokyo day and store the alerts; ``acting_user`` None: the task."""
    if acting_user is not None and not may_review_alerts(acting_user):
        raise PermissionDenied("アクセスログの分析は監督員とシステム管理者だけが実行できます。")
    if day > timezone.localdate(timezone.now(), calendar.TOKYO):
        raise ValidationError("未来の日付は分析できません。")
    with transaction.atomic():
        alerts = []
        for kind, rule in RULES.items():
            alerts += _store(day, kind, rule(day))
        record_access(
            acting_user=acting_user,
            action=AccessAction.VIEW,
            reason=f"アクセスログ分析（{day:%Y-%m-%d}）: 検知 {len(alerts)}件",
            username=SYSTEM_USERNAME,
        )
    return alerts


def review_alert(*, acting_user, alert: AccessAlert, note: str) -> AccessAlert:
    """An inspector or administrator confirms an alert with what they found (note required)."""
    if not may_review_alerts(acting_user):
        raise PermissionDenied("アラートを確認できるのは監督員とシステム管理者です。")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "確認内容を入力してください。"})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"確認内容は{NOTE_MAX_LENGTH}文字以内にしてください。"})
    with transaction.atomic():
        alert = AccessAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.REVIEWED:
            # The first review is the record; a second one would overwrite it.
            raise ValidationError("このアラートは確認済みです。")
        alert.status = AlertStatus.REVIEWED
        alert.reviewed_by = acting_user
        alert.reviewed_at = timezone.now()
        alert.review_note = note
        alert.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=alert,
            fields=["status", "review_note"],
            reason="アクセス点検アラートの確認",
        )
    return alert


# --- reads -----------------------------------------------------------------------------------


# --- helpers ---------------------------------------------------------------------------------


def _entries(day: dt.date) -> QuerySet[AccessLogEntry]:
    start, end = calendar.day_bounds(day)
    return AccessLogEntry.objects.filter(at__gte=start, at__lt=end).order_by()


def _within(day: dt.date, hours: Iterable[calendar.Interval]) -> Q:
    # No hours (a closed day): Q(pk__in=[]) matches nothing, so every entry is outside.
    within = Q(pk__in=[])
    for start, end in hours:
        within |= Q(
            at__gte=dt.datetime.combine(day, start, tzinfo=calendar.TOKYO),
            at__lt=dt.datetime.combine(day, end, tzinfo=calendar.TOKYO),
        )
    return within


def _hours_text(info: calendar.DayInfo | None) -> str:
    if info is None:
        return (
            "架電の業務カレンダーが登録されていないため、この日のアクセスをすべて"
            "業務時間外として数えました。管理画面で業務カレンダーを登録してください。"
        )
    if not info.open:
        return f"この日は架電の休業日（{info.reason}）です。"
    return f"この日の架電の業務時間: {calendar.format_hours(info.hours)}"


def _outside_hours_findings(closed: QuerySet[AccessLogEntry], hours_text: str) -> list[Finding]:
    rows = (
        closed.values("actor_id")
        .annotate(
            n=Count("pk"),
            first=Min("at"),
            last=Max("at"),
            first_seq=Min("seq"),
            last_seq=Max("seq"),
        )
        .order_by("actor_id")
    )
    return [
        Finding(
            row["actor_id"],
            row["n"],
            f"業務時間外のアクセス {row['n']}件（{_span([row['first'], row['last']])}、"
            f"通番 {row['first_seq']}〜{row['last_seq']}）。{hours_text}",
        )
        for row in rows
    ]


@dataclass
class _Assignments:
    """The campaigns running on a day: municipality, named operators and teams of each."""

    municipality: dict[int, int]
    operators: dict[int, set[int]]
    teams: dict[int, set[int]]

    def campaigns_of(self, user_id: int, team_id: int | None, municipality_id) -> set[int]:
        # The work queue's rule (dunning.selectors.queue): named as operator, through the
        # team, or a campaign assigned to nobody, which everyone of the municipality works.
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


def _campaign_assignments(day: dt.date) -> _Assignments:
    running = Campaign.objects.filter(starts_on__lte=day, ends_on__gte=day)
    municipality = dict(running.values_list("pk", "municipality_id"))
    operators: dict[int, set[int]] = defaultdict(set)
    for campaign, user in Campaign.operators.through.objects.filter(
        campaign__in=running
    ).values_list("campaign_id", "user_id"):
        operators[campaign].add(user)
    teams: dict[int, set[int]] = defaultdict(set)
    for campaign, team in Campaign.teams.through.objects.filter(campaign__in=running).values_list(
        "campaign_id", "team_id"
    ):
        teams[campaign].add(team)
    return _Assignments(municipality, operators, teams)


def _campaigns_of_obligors(day: dt.date, obligor_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(obligor_ids):
        rows = WorkItem.objects.filter(
            obligor_id__in=chunk, campaign__starts_on__lte=day, campaign__ends_on__gte=day
        ).values_list("obligor_id", "campaign_id")
        for obligor, campaign in rows:
            found[obligor].add(campaign)
    return found


def _contacted_that_day(day: dt.date, obligor_ids: list[int]) -> set[int]:
    """Obligors who called in (a matched inbound call) or replied to an SMS on the day: any
    operator may open them then."""
    start, end = calendar.day_bounds(day)
    matches = InboundCall.matches.through.objects
    found: set[int] = set()
    for chunk in _chunks(obligor_ids):
        found.update(
            matches.filter(
                obligor_id__in=chunk,
                inboundcall__received_at__gte=start,
                inboundcall__received_at__lt=end,
            ).values_list("obligor_id", flat=True)
        )
        found.update(
            SmsReply.objects.filter(
                obligor_id__in=chunk, received_at__gte=start, received_at__lt=end
            ).values_list("obligor_id", flat=True)
        )
    return found


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _span(moments: list[dt.datetime]) -> str:
    first = timezone.localtime(min(moments), calendar.TOKYO)
    last = timezone.localtime(max(moments), calendar.TOKYO)
    return f"最初 {first:%H:%M}、最後 {last:%H:%M}"


def _seq_list(seqs: list[int]) -> str:
    shown = "、".join(str(seq) for seq in seqs[:SEQ_SHOWN])
    rest = len(seqs) - SEQ_SHOWN
    return f"{shown} ほか {rest}件" if rest > 0 else shown


def _store(day: dt.date, kind: str, findings: list[Finding]) -> list[AccessAlert]:
    existing = {
        alert.user_id: alert
        for alert in AccessAlert.objects.select_for_update().filter(day=day, kind=kind)
    }
    stored = []
    for finding in findings:
        alert = existing.pop(finding.user_id, None)
        if alert is None:
            alert = AccessAlert.objects.create(
                day=day,
                kind=kind,
                user_id=finding.user_id,
                count=finding.count,
                detail=finding.detail[:1000],
            )
        elif (alert.count, alert.detail) != (finding.count, finding.detail[:1000]):
            # Counts follow the log; status and review stay as the reviewer left them.
            alert.count, alert.detail = finding.count, finding.detail[:1000]
            alert.save(update_fields=["count", "detail"])
        stored.append(alert)
    # An unreviewed alert the log no longer supports (a contact recorded just after midnight,
    # a changed setting) goes; a reviewed one is a record and stays.
    stale = [alert.pk for alert in existing.values() if alert.status == AlertStatus.OPEN]
    if stale:
        AccessAlert.objects.filter(pk__in=stale).delete()
    return stored
