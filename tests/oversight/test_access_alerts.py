"""Access-log analysis (issue 8 §6): four rules over one Tokyo day, an inbox for inspectors.

Every expectation is recounted here from the moments the fixtures logged, without the
analysis code; the entries themselves are written through record_access with a frozen clock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.models import InboundCall
from civicdesk.oversight.models import AccessAlert, AlertKind, AlertStatus
from civicdesk.oversight.services.analysis import RULES, analyse_access, review_alert
from civicdesk.oversight.tasks import analyse_access_log
from civicdesk.sms.models import SmsReply
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory
from tests.registry.factories import ObligorFactory

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2025, 6, 10)  # an ordinary weekday: the demo calls calendar opens 8:30–17:15
SUNDAY = dt.date(2025, 6, 8)
OPENS, CLOSES = dt.time(8, 30), dt.time(17, 15)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=TOKYO)


def log(user, moments, action=AccessAction.VIEW, obj=None, **extra) -> list[AccessLogEntry]:
    """One access-log entry per moment, written by the real service under a frozen clock."""
    made = []
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            made.append(record_access(acting_user=user, action=action, obj=obj, **extra))
    return made


def alerts(kind, day=TUESDAY) -> dict:
    return {alert.user.username: alert for alert in AccessAlert.objects.filter(day=day, kind=kind)}


def every_minute(day, hour, minute, n):
    start = at(day, hour, minute)
    return [start + dt.timedelta(seconds=30 * i) for i in range(n)]


@pytest.fixture
def calendars(municipality):
    return setup_demo_calendars(acting_user=None, municipality=municipality)


@pytest.fixture
def obligor(municipality):
    return ObligorFactory(
        municipality=municipality, name="江東 花子", resident_no="000123457", address="東陽一丁目"
    )


# --- 1. too many cases in one clock hour --------------------------------------------------


@pytest.mark.parametrize(("views", "flagged"), [(5, False), (6, True)])
def test_more_than_the_hourly_limit_of_obligor_views_is_flagged(
    settings, operator, obligor, views, flagged
):
    settings.ALERT_CASES_PER_HOUR = 5
    log(operator, every_minute(TUESDAY, 10, 0, views), obj=obligor)
    analyse_access(acting_user=None, day=TUESDAY)
    found = alerts(AlertKind.CASES_PER_HOUR)
    assert ("operator1" in found) is flagged
    if flagged:
        assert found["operator1"].count == views
        assert f"10時台 {views}件" in found["operator1"].detail


def test_the_default_limit_is_sixty_views_an_hour(operator, visitor, obligor):
    log(operator, every_minute(TUESDAY, 14, 0, 61), obj=obligor)
    log(visitor, every_minute(TUESDAY, 14, 0, 60), obj=obligor)
    analyse_access(acting_user=None, day=TUESDAY)
    assert set(alerts(AlertKind.CASES_PER_HOUR)) == {"operator1"}


def test_hours_are_clock_hours_in_tokyo_and_only_obligor_views_count(
    settings, operator, obligor, staff
):
    settings.ALERT_CASES_PER_HOUR = 5
    # Ten views within 20 minutes, but 5 in the 10 o'clock hour and 5 in the 11 o'clock one.
    moments = every_minute(TUESDAY, 10, 55, 5) + every_minute(TUESDAY, 11, 0, 5)
    log(operator, moments, obj=obligor)
    log(operator, every_minute(TUESDAY, 12, 0, 9), obj=staff)  # a user, not an obligor
    log(operator, every_minute(TUESDAY, 13, 0, 9), action=AccessAction.SEARCH)
    per_hour = Counter(m.astimezone(TOKYO).hour for m in moments)
    assert max(per_hour.values()) == 5
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.CASES_PER_HOUR) == {}


def test_the_detail_lists_every_hour_over_the_limit_and_the_count_is_the_peak(
    settings, operator, obligor
):
    settings.ALERT_CASES_PER_HOUR = 3
    nine = log(operator, every_minute(TUESDAY, 9, 0, 4), obj=obligor)
    fifteen = log(operator, every_minute(TUESDAY, 15, 10, 6), obj=obligor)
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.CASES_PER_HOUR)["operator1"]
    assert alert.count == 6
    assert f"9時台 4件（通番 {nine[0].seq}〜{nine[-1].seq}）" in alert.detail
    assert f"15時台 6件（通番 {fifteen[0].seq}〜{fifteen[-1].seq}）" in alert.detail


# --- 2. outside the calls calendar's hours ------------------------------------------------


def test_entries_outside_the_calls_hours_are_counted_with_first_and_last_time(
    calendars, operator, obligor
):
    moments = [
        at(TUESDAY, 8, 29, 59),
        at(TUESDAY, 8, 30),
        at(TUESDAY, 12, 0),
        at(TUESDAY, 17, 14, 59),
        at(TUESDAY, 17, 15),
        at(TUESDAY, 23, 50),
        at(TUESDAY, 0, 5),
    ]
    log(operator, moments, obj=obligor)
    # A failed sign-in is not the user's access, even when it names the account.
    log(operator, [at(TUESDAY, 22, 0)], action=AccessAction.LOGIN_FAILED)
    log(None, [at(TUESDAY, 21, 0)], action=AccessAction.LOGIN_FAILED, username="operator1")
    outside = sorted(m for m in moments if not OPENS <= m.time() < CLOSES)
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.OUTSIDE_HOURS)["operator1"]
    assert alert.count == len(outside) == 4
    assert f"最初 {outside[0]:%H:%M}、最後 {outside[-1]:%H:%M}" in alert.detail
    assert "8:30〜17:15" in alert.detail


def test_a_user_working_only_in_hours_gets_no_alert(calendars, operator, obligor):
    log(operator, [at(TUESDAY, 8, 30), at(TUESDAY, 17, 14)], obj=obligor)
    log(operator, [at(TUESDAY, 9, 0)], action=AccessAction.LOGIN)
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.OUTSIDE_HOURS) == {}


def test_every_entry_on_a_closed_day_is_outside_hours(calendars, operator, supervisor):
    log(operator, [at(SUNDAY, 10, 0), at(SUNDAY, 11, 0)], action=AccessAction.LOGIN)
    log(supervisor, [at(SUNDAY, 12, 0)], action=AccessAction.SEARCH)
    analyse_access(acting_user=None, day=SUNDAY)
    found = alerts(AlertKind.OUTSIDE_HOURS, SUNDAY)
    assert {name: alert.count for name, alert in found.items()} == {
        "operator1": 2,
        "supervisor1": 1,
    }
    assert "休業日" in found["operator1"].detail


def test_a_municipality_without_a_calls_calendar_is_named_instead_of_crashing(operator, obligor):
    log(operator, [at(TUESDAY, 10, 0), at(TUESDAY, 11, 0)], obj=obligor)
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.OUTSIDE_HOURS)["operator1"]
    assert alert.count == 2
    assert "業務カレンダーが登録されていない" in alert.detail


# --- 3. searches without a contact --------------------------------------------------------


def five_searches(user):
    return log(user, [at(TUESDAY, 9 + i, 0) for i in range(5)], action=AccessAction.SEARCH)


@pytest.mark.parametrize(("minutes", "flagged"), [(29, False), (30, False), (31, True)])
def test_a_contact_within_thirty_minutes_after_a_search_follows_it(
    operator, obligor, minutes, flagged
):
    searches = five_searches(operator)
    contact_at = searches[2].at + dt.timedelta(minutes=minutes)
    ContactFactory(obligor=obligor, user=operator, at=contact_at)
    window = dt.timedelta(minutes=30)
    unfollowed = [s for s in searches if not s.at <= contact_at <= s.at + window]
    assert (len(unfollowed) >= 5) is flagged
    analyse_access(acting_user=None, day=TUESDAY)
    assert ("operator1" in alerts(AlertKind.SEARCH_WITHOUT_CONTACT)) is flagged


def test_five_unfollowed_searches_are_flagged_with_their_numbers(operator, obligor):
    searches = five_searches(operator)
    # Before the search, and by someone else: neither follows it.
    ContactFactory(obligor=obligor, user=operator, at=searches[0].at - dt.timedelta(minutes=1))
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.SEARCH_WITHOUT_CONTACT)["operator1"]
    assert alert.count == 5
    assert "、".join(str(s.seq) for s in searches) in alert.detail


def test_only_the_searcher_s_own_contacts_count(operator, visitor, obligor):
    searches = five_searches(operator)
    for search in searches:
        ContactFactory(obligor=obligor, user=visitor, at=search.at + dt.timedelta(minutes=5))
    analyse_access(acting_user=None, day=TUESDAY)
    assert set(alerts(AlertKind.SEARCH_WITHOUT_CONTACT)) == {"operator1"}


def test_four_unfollowed_searches_stay_below_the_threshold(operator, settings):
    log(operator, [at(TUESDAY, 9 + i) for i in range(4)], action=AccessAction.SEARCH)
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.SEARCH_WITHOUT_CONTACT) == {}
    settings.ALERT_SEARCHES_WITHOUT_CONTACT = 4
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.SEARCH_WITHOUT_CONTACT)["operator1"].count == 4


def test_searches_of_staff_and_supervisors_are_oversight_not_flagged(staff, supervisor):
    five_searches(staff)
    five_searches(supervisor)
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.SEARCH_WITHOUT_CONTACT) == {}


# --- 4. obligors outside the user's campaigns ---------------------------------------------


@pytest.fixture
def campaigns(municipality, nhi_team, tax_team, operator):
    def person(campaign=None):
        obligor = ObligorFactory(municipality=municipality)
        if campaign is not None:
            WorkItemFactory(campaign=campaign, obligor=obligor)
        return obligor

    own_team = CampaignFactory(municipality=municipality)
    own_team.teams.set([nhi_team])
    other_team = CampaignFactory(municipality=municipality)
    other_team.teams.set([tax_team])
    named = CampaignFactory(municipality=municipality)
    named.teams.set([tax_team])
    named.operators.set([operator])
    everyone = CampaignFactory(municipality=municipality)  # assigned to nobody
    ended = CampaignFactory(
        municipality=municipality, starts_on=dt.date(2025, 4, 1), ends_on=dt.date(2025, 5, 31)
    )
    ended.teams.set([nhi_team])
    return {
        "own_team": person(own_team),
        "named": person(named),
        "everyone": person(everyone),
        "other_team": person(other_team),
        "ended": person(ended),
        "nowhere": person(),
    }


def test_views_of_obligors_outside_the_user_s_campaigns_are_counted(campaigns, operator):
    legitimate = {"own_team", "named", "everyone"}
    for obligor in campaigns.values():
        log(operator, [at(TUESDAY, 10, 0), at(TUESDAY, 11, 0)], obj=obligor)
    outside = [key for key in campaigns if key not in legitimate]
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.OUTSIDE_CAMPAIGNS)["operator1"]
    assert alert.count == 2 * len(outside) == 6
    assert f"（{len(outside)}人）" in alert.detail


def test_an_inbound_call_or_sms_reply_that_day_makes_the_view_legitimate(
    campaigns, operator, municipality
):
    call = InboundCall.objects.create(municipality=municipality, received_at=at(TUESDAY, 9, 58))
    call.matches.set([campaigns["other_team"]])
    SmsReply.objects.create(
        municipality=municipality,
        number="+819012345678",
        display="090-1234-5678",
        text="折り返します",
        received_at=at(TUESDAY, 8, 0),
        obligor=campaigns["nowhere"],
    )
    # The day before does not count.
    earlier = InboundCall.objects.create(
        municipality=municipality, received_at=at(TUESDAY, 0, 0) - dt.timedelta(seconds=1)
    )
    earlier.matches.set([campaigns["ended"]])
    for key in ("other_team", "nowhere", "ended"):
        log(operator, [at(TUESDAY, 10, 0)], obj=campaigns[key])
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.OUTSIDE_CAMPAIGNS)["operator1"].count == 1


def test_only_operators_and_visitors_are_held_to_their_campaigns(
    campaigns, visitor, supervisor, staff
):
    for user in (visitor, supervisor, staff):
        log(user, [at(TUESDAY, 10, 0)], obj=campaigns["other_team"])
    analyse_access(acting_user=None, day=TUESDAY)
    assert set(alerts(AlertKind.OUTSIDE_CAMPAIGNS)) == {"visitor1"}


def test_each_rule_costs_the_same_queries_for_a_quiet_and_a_busy_day(
    campaigns, calendars, operator, visitor, obligor
):

    def queries(day):
        used = {}
        for kind, rule in RULES.items():
            with CaptureQueriesContext(connection) as captured:
                rule(day)
            used[kind] = len(captured)
        return used

    quiet, busy = TUESDAY, TUESDAY + dt.timedelta(days=1)
    log(operator, [at(quiet, 20)], obj=campaigns["nowhere"])
    log(operator, [at(quiet, 9)], action=AccessAction.SEARCH)
    for user in (operator, visitor):
        for obligor_ in campaigns.values():
            log(user, every_minute(busy, 20, 0, 4), obj=obligor_)
        log(user, every_minute(busy, 9, 0, 6), action=AccessAction.SEARCH)
    queries(quiet)  # warm-up: caches filled once per process (holidays, content types)
    assert queries(quiet) == queries(busy)


# --- running a day again, the service, the task and the command --------------------------


@pytest.fixture
def noisy_day(settings, operator, obligor, calendars):
    settings.ALERT_CASES_PER_HOUR = 2
    log(operator, every_minute(TUESDAY, 20, 0, 3), obj=obligor)
    five_searches(operator)


def test_analysing_a_day_again_updates_the_same_rows(noisy_day, operator, obligor):
    first = analyse_access(acting_user=None, day=TUESDAY)
    assert {a.kind for a in first} == {
        AlertKind.CASES_PER_HOUR,
        AlertKind.OUTSIDE_HOURS,
        AlertKind.SEARCH_WITHOUT_CONTACT,
        AlertKind.OUTSIDE_CAMPAIGNS,
    }
    log(operator, [at(TUESDAY, 21, 0)], obj=obligor)
    second = analyse_access(acting_user=None, day=TUESDAY)
    assert sorted(a.pk for a in second) == sorted(a.pk for a in first)
    assert AccessAlert.objects.count() == 4
    assert (
        alerts(AlertKind.OUTSIDE_HOURS)["operator1"].count == 4
    )  # three at 20:00 and one at 21:00


def test_a_review_survives_a_new_analysis(noisy_day, operator, obligor, inspector):
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.CASES_PER_HOUR)["operator1"]
    review_alert(acting_user=inspector, alert=alert, note="本人に確認。一斉架電の準備")
    log(operator, every_minute(TUESDAY, 20, 30, 1), obj=obligor)
    analyse_access(acting_user=None, day=TUESDAY)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REVIEWED
    assert alert.review_note == "本人に確認。一斉架電の準備"
    assert alert.reviewed_by == inspector
    assert alert.count == 4


def test_an_unreviewed_alert_the_log_no_longer_supports_goes_a_reviewed_one_stays(
    settings, operator, obligor, inspector
):
    searches = five_searches(operator)
    analyse_access(acting_user=None, day=TUESDAY)
    assert "operator1" in alerts(AlertKind.SEARCH_WITHOUT_CONTACT)
    settings.ALERT_SEARCHES_WITHOUT_CONTACT = 6
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.SEARCH_WITHOUT_CONTACT) == {}
    settings.ALERT_SEARCHES_WITHOUT_CONTACT = 5
    analyse_access(acting_user=None, day=TUESDAY)
    review_alert(
        acting_user=inspector,
        alert=alerts(AlertKind.SEARCH_WITHOUT_CONTACT)["operator1"],
        note="確認済み",
    )
    ContactFactory(obligor=obligor, user=operator, at=searches[0].at + dt.timedelta(minutes=1))
    analyse_access(acting_user=None, day=TUESDAY)
    assert alerts(AlertKind.SEARCH_WITHOUT_CONTACT)["operator1"].status == AlertStatus.REVIEWED


def test_a_run_writes_one_access_log_entry(noisy_day, inspector):
    before = AccessLogEntry.objects.count()
    analyse_access(acting_user=inspector, day=TUESDAY)
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry.actor == inspector and "2025-06-10" in entry.reason


def test_only_reviewers_or_the_system_may_run_the_analysis(operator, staff):
    for user in (operator, staff):
        with pytest.raises(PermissionDenied):
            analyse_access(acting_user=user, day=TUESDAY)


def test_a_future_day_cannot_be_analysed():
    with time_machine.travel(at(TUESDAY, 12), tick=False), pytest.raises(ValidationError):
        analyse_access(acting_user=None, day=TUESDAY + dt.timedelta(days=1))


def test_a_review_needs_a_note_and_a_reviewer(noisy_day, inspector, admin_user, supervisor):
    analyse_access(acting_user=None, day=TUESDAY)
    alert = alerts(AlertKind.CASES_PER_HOUR)["operator1"]
    with pytest.raises(ValidationError):
        review_alert(acting_user=inspector, alert=alert, note="  ")
    with pytest.raises(PermissionDenied):
        review_alert(acting_user=supervisor, alert=alert, note="見ました")
    before = AccessLogEntry.objects.count()
    review_alert(acting_user=admin_user, alert=alert, note="見ました")
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.actor, entry.action, entry.object_id) == (
        admin_user,
        AccessAction.CHANGE,
        str(alert.pk),
    )
    with pytest.raises(ValidationError):  # the first review is the record
        review_alert(acting_user=inspector, alert=alert, note="上書き")


def test_the_daily_task_analyses_yesterday(noisy_day):

    with time_machine.travel(at(TUESDAY + dt.timedelta(days=1), 6), tick=False):
        result = analyse_access_log.call()
    assert result["day"] == "2025-06-10"
    assert result["alerts"] == {kind: 1 for kind in AlertKind.values}
    assert AccessAlert.objects.filter(day=TUESDAY).count() == 4


def test_the_command_prints_counts_per_kind(noisy_day, capsys):
    call_command("access-alerts", "--date", "2025-06-10")
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "day": "2025-06-10",
        "alerts": {kind: 1 for kind in AlertKind.values},
        "total": 4,
    }
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry.actor is None and entry.actor_username == "system:analyse_access_log"


@pytest.mark.parametrize("text", ["2025-13-01", "昨日", "2025/06/10"])
def test_the_command_refuses_a_bad_date_in_japanese(db, text):
    with pytest.raises(CommandError) as failure:
        call_command("access-alerts", "--date", text)
    assert failure.value.returncode == 1
    assert "YYYY-MM-DD" in str(failure.value) and "指定してください" in str(failure.value)


# --- no personal data in the inbox --------------------------------------------------------


def test_alerts_carry_no_personal_data(noisy_day, obligor, signed_in, inspector):
    analyse_access(acting_user=None, day=TUESDAY)
    client = signed_in(inspector)
    pages = [client.get("/privacy/alerts/?status=all").content.decode()]
    for alert in AccessAlert.objects.all():
        pages.append(client.get(f"/privacy/alerts/{alert.pk}/").content.decode())
        pages.append(alert.detail)
    secrets = [obligor.name, obligor.resident_no, obligor.address, obligor.name_kana]
    for text in pages:
        for secret in secrets:
            assert secret not in text


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def alert(noisy_day):
    analyse_access(acting_user=None, day=TUESDAY)
    return alerts(AlertKind.CASES_PER_HOUR)["operator1"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 403),
        ("visitor", 403),
        ("supervisor", 403),
        ("staff", 403),
        ("inspector", 200),
        ("admin", 200),
    ],
)
def test_only_inspectors_and_admins_open_the_inbox(client, users_by_role, alert, role, status):
    sign_in(client, users_by_role[role])
    assert client.get("/privacy/alerts/").status_code == status
    assert client.get(f"/privacy/alerts/{alert.pk}/").status_code == status
    response = client.post(f"/privacy/alerts/{alert.pk}/", {"note": "確認"})
    assert response.status_code == (302 if status == 200 else 403)


def test_anonymous_visitors_are_sent_to_sign_in(client, alert):
    for url in ("/privacy/alerts/", f"/privacy/alerts/{alert.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_the_inbox_opens_on_unreviewed_alerts_and_counts_each_kind(alert, signed_in, inspector):
    review_alert(acting_user=inspector, alert=alert, note="確認")
    client = signed_in(inspector)
    response = client.get("/privacy/alerts/")
    shown = {item.pk for item in response.context["page"]}
    assert alert.pk not in shown and len(shown) == 3
    counts = {kind: n for kind, _label, n in response.context["counts"]}
    assert counts == {
        AlertKind.CASES_PER_HOUR: 0,
        AlertKind.OUTSIDE_HOURS: 1,
        AlertKind.SEARCH_WITHOUT_CONTACT: 1,
        AlertKind.OUTSIDE_CAMPAIGNS: 1,
    }
    everything = client.get("/privacy/alerts/?status=all")
    assert len(everything.context["page"]) == 4
    one_kind = client.get("/privacy/alerts/?status=all&kind=cases_per_hour")
    assert [item.pk for item in one_kind.context["page"]] == [alert.pk]
    reviewed = client.get("/privacy/alerts/?status=reviewed")
    assert [item.pk for item in reviewed.context["page"]] == [alert.pk]


def test_newest_days_come_first(settings, operator, obligor, calendars, signed_in, inspector):
    log(operator, [at(SUNDAY, 10)], obj=obligor)
    log(operator, [at(TUESDAY, 22)], obj=obligor)
    for day in (TUESDAY, SUNDAY):
        analyse_access(acting_user=None, day=day)
    page = signed_in(inspector).get("/privacy/alerts/?kind=outside_hours").context["page"]
    assert [item.day for item in page] == [TUESDAY, SUNDAY]


def test_an_inspector_reviews_an_alert_on_its_page(alert, signed_in, inspector):
    client = signed_in(inspector)
    url = f"/privacy/alerts/{alert.pk}/"
    page = client.get(url).content.decode()
    assert alert.detail in page and "確認済みにする" in page
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 200 and "この項目は必須です。" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    response = client.post(url, {"note": "業務上の理由を確認しました"})
    assert response.status_code == 302 and response.url == url
    alert.refresh_from_db()
    assert (alert.status, alert.reviewed_by, alert.review_note) == (
        AlertStatus.REVIEWED,
        inspector,
        "業務上の理由を確認しました",
    )
    again = client.get(url).content.decode()
    assert "確認済みにする" not in again and "業務上の理由を確認しました" in again


def test_an_unknown_alert_is_404(signed_in, inspector):
    assert signed_in(inspector).get("/privacy/alerts/999999/").status_code == 404
