"""Access-log analysis (issue 8 §6): four rules flag unusual access into the inspectors' inbox.

Each rule reads one Tokyo day of the access log with a fixed number of queries (grouped in
the database, or one pass over the day's rows; never one query per entry) and returns one
``Finding`` per user. ``analyse_access`` stores them as ``AccessAlert`` rows: analysing a day
again updates the same rows, removes unreviewed ones that no longer hold and keeps every
review. Alert texts name counts, times and access-log 通番 only, never a resident.

Two rules look at the work they watch over — whether a search was followed by work on a case,
and whether a view is explained by a case or a call that day — through what each app declares
(``privacy.personal_data``: ``activity`` and ``legitimate_views``); this module imports no domain
app.
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
from civicdesk.oversight.models import AccessAlert, AlertKind, AlertStatus
from civicdesk.oversight.selectors.alerts import may_review_alerts
from civicdesk.privacy.personal_data import View, declarations

SYSTEM_USERNAME = "system:analyse_access_log"
OBLIGOR = "registry.obligor"
# The roles that work cases: their searches should lead to a contact, and the people they
# open should be in their campaigns. Supervisors and staff search and read for oversight.
CASE_ROLES = (Role.OPERATOR, Role.VISITOR)
SEQ_SHOWN = 10  # 通番 listed in a detail; the rest is "ほか N 件"
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
    unfollowed = _entries(day).filter(action=AccessAction.SEARCH, actor__role__in=CASE_ROLES)
    for activity in (a for d in declarations() for a in d.activity):
        followed = activity.model._default_manager.filter(
            **{
                f"{activity.user_field}_id": OuterRef("actor_id"),
                f"{activity.at_field}__gte": OuterRef("at"),
                f"{activity.at_field}__lte": OuterRef("at") + dt.timedelta(minutes=minutes),
            }
        )
        unfollowed = unfollowed.filter(~Exists(followed))
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
    default_id = Municipality.objects.id_for_user(None)
    seen = [
        View(user_id, team_id, municipality_id or default_id, int(object_id), seq)
        for user_id, team_id, municipality_id, object_id, seq in views
    ]
    explained: set[tuple[int, int]] = set()
    for declaration in declarations():
        if declaration.legitimate_views is not None:
            explained |= declaration.legitimate_views(day, seen)
    flagged = defaultdict(list)
    for view in seen:
        if (view.user_id, view.person_id) not in explained:
            flagged[view.user_id].append((view.seq, view.person_id))
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
