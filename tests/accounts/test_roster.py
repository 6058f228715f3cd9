"""The staff roster (業務従事者名簿, issue 8 §3): who is on it on a day, the due date and the
late mark, submitting once, temporary changes and their report, and the access log."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.accounts.models import Roster, RosterChangeKind, RosterEntry, RosterStatus
from civicdesk.accounts.selectors.roster import is_on_roster, members_on, roster_warnings
from civicdesk.accounts.services import roster as services
from civicdesk.audit.models import AccessLogEntry
from tests.accounts.roster_helpers import change, roster, tokyo
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

MAY = dt.date(2030, 5, 1)
ADDED, REMOVED = RosterChangeKind.ADDED, RosterChangeKind.REMOVED


def log_rows(action, object_type):
    return list(
        AccessLogEntry.objects.filter(action=action, object_type=object_type).order_by("seq")
    )


# --- who is on the roster on a day --------------------------------------------------------


def test_a_member_of_the_submitted_roster_is_on_it_every_day_of_that_month_only(
    operator, supervisor
):
    roster(operator.municipality, MAY, [operator])
    assert is_on_roster(operator, dt.date(2030, 5, 1))
    assert is_on_roster(operator, dt.date(2030, 5, 31))
    assert not is_on_roster(operator, dt.date(2030, 4, 30))
    assert not is_on_roster(operator, dt.date(2030, 6, 1))


def test_a_draft_roster_admits_nobody(operator):
    roster(operator.municipality, MAY, [operator], submitted=False)
    assert not is_on_roster(operator, dt.date(2030, 5, 10))


def test_someone_not_on_the_roster_is_off_it(operator, visitor):
    roster(operator.municipality, MAY, [operator])
    assert not is_on_roster(visitor, dt.date(2030, 5, 10))


def test_a_temporary_removal_applies_from_its_day_and_a_later_addition_brings_back(
    operator, supervisor
):
    made = roster(operator.municipality, MAY, [operator])
    change(made, operator, REMOVED, dt.date(2030, 5, 10), supervisor)
    change(made, operator, ADDED, dt.date(2030, 5, 20), supervisor)
    on = {day: is_on_roster(operator, dt.date(2030, 5, day)) for day in (9, 10, 19, 20, 31)}
    assert on == {9: True, 10: False, 19: False, 20: True, 31: True}


def test_a_temporary_addition_admits_from_its_day_on(operator, visitor, supervisor):
    made = roster(operator.municipality, MAY, [operator])
    change(made, visitor, ADDED, dt.date(2030, 5, 15), supervisor)
    assert not is_on_roster(visitor, dt.date(2030, 5, 14))
    assert is_on_roster(visitor, dt.date(2030, 5, 15))


def test_the_roster_of_another_municipality_does_not_count(operator):
    other = MunicipalityFactory(code="999001", name="別区")
    roster(other, MAY, [operator])
    assert not is_on_roster(operator, dt.date(2030, 5, 10))


@pytest.mark.parametrize("role", ["staff", "inspector", "admin"])
def test_municipal_staff_inspectors_and_the_administrator_are_not_roster_bound(users_by_role, role):
    # No roster exists for 2030 at all.
    assert not Roster.objects.filter(month__year=2030).exists()
    assert is_on_roster(users_by_role[role], dt.date(2030, 5, 10))


@pytest.mark.parametrize("role", ["operator", "visitor", "supervisor"])
def test_the_center_people_are_roster_bound(users_by_role, role):
    assert not is_on_roster(users_by_role[role], dt.date(2030, 5, 10))


def test_roster_required_off_admits_everyone(operator, settings):
    settings.ROSTER_REQUIRED = False
    assert is_on_roster(operator, dt.date(2030, 5, 10))


def test_a_contractor_without_a_municipality_is_never_on_a_roster(db):
    loose = UserFactory(role="operator", municipality=None)
    assert not is_on_roster(loose, dt.date(2030, 5, 10))


# --- due date and the late mark -----------------------------------------------------------


def test_the_due_date_is_the_twentieth_of_the_month_before():
    assert Roster(month=dt.date(2030, 5, 1)).due_date == dt.date(2030, 4, 20)
    assert Roster(month=dt.date(2031, 1, 1)).due_date == dt.date(2030, 12, 20)


def test_april_has_no_due_date_and_is_never_late(supervisor, operator):
    # seed 000 §14(3): April's roster is submitted as soon as the contract is signed.
    assert Roster(month=dt.date(2030, 4, 1)).due_date is None
    with time_machine.travel(tokyo(2030, 4, 3, 9, 0), tick=False):
        made = services.create_roster(acting_user=supervisor, month=dt.date(2030, 4, 1))
        services.add_roster_entry(acting_user=supervisor, roster=made, user=operator)
        submitted = services.submit_roster(acting_user=supervisor, roster=made)
    assert not submitted.is_late


def test_the_list_warning_for_april_asks_for_submission_after_the_contract(staff):
    texts = [w.text for w in roster_warnings(staff, dt.date(2030, 3, 25))]
    assert (
        "翌月（令和12年4月）の名簿は未提出です。4月分は委託契約の締結後、速やかに提出します。"
        in texts
    )


def _prepared(supervisor, operator, today):
    made = services.create_roster(acting_user=supervisor, month=MAY, today=today)
    services.add_roster_entry(acting_user=supervisor, roster=made, user=operator)
    return made


def test_submitted_on_the_due_day_is_in_time(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    with time_machine.travel(tokyo(2030, 4, 20, 23, 59), tick=False):
        submitted = services.submit_roster(acting_user=supervisor, roster=made)
    assert submitted.status == RosterStatus.SUBMITTED and not submitted.is_late
    entry = log_rows("change", "accounts.roster")[-1]
    assert (entry.fields, entry.reason) == (["status", "submitted_at"], "")


def test_submitted_after_the_due_day_is_accepted_and_marked_late(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    with time_machine.travel(tokyo(2030, 4, 21, 0, 0), tick=False):
        submitted = services.submit_roster(acting_user=supervisor, roster=made)
    assert submitted.status == RosterStatus.SUBMITTED and submitted.is_late
    assert is_on_roster(operator, dt.date(2030, 5, 2))
    assert log_rows("change", "accounts.roster")[-1].reason == "期限超過"


def test_a_roster_is_submitted_only_once(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    with time_machine.travel(tokyo(2030, 4, 10, 9, 0), tick=False):
        services.submit_roster(acting_user=supervisor, roster=made)
    first = Roster.objects.get(pk=made.pk).submitted_at
    with (
        time_machine.travel(tokyo(2030, 4, 11, 9, 0), tick=False),
        pytest.raises(ValidationError, match="既に提出"),
    ):
        services.submit_roster(acting_user=supervisor, roster=made)
    assert Roster.objects.get(pk=made.pk).submitted_at == first
    assert len(log_rows("change", "accounts.roster")) == 1


def test_an_empty_roster_cannot_be_submitted(supervisor):
    made = services.create_roster(acting_user=supervisor, month=MAY, today=dt.date(2030, 4, 1))
    with pytest.raises(ValidationError, match="1人もいない"):
        services.submit_roster(acting_user=supervisor, roster=made)
    assert Roster.objects.get(pk=made.pk).status == RosterStatus.DRAFT


# --- preparing ----------------------------------------------------------------------------


def test_entries_change_only_while_draft(supervisor, operator, visitor):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    services.submit_roster(acting_user=supervisor, roster=made)
    with pytest.raises(ValidationError, match="臨時の変更"):
        services.add_roster_entry(acting_user=supervisor, roster=made, user=visitor)
    entry = made.entries.get()
    with pytest.raises(ValidationError, match="臨時の変更"):
        services.remove_roster_entry(acting_user=supervisor, roster=made, entry=entry)
    assert list(made.entries.values_list("user__username", flat=True)) == ["operator1"]


def test_only_the_center_people_of_the_municipality_go_on_the_roster(supervisor, staff):
    made = services.create_roster(acting_user=supervisor, month=MAY, today=dt.date(2030, 4, 1))
    elsewhere = UserFactory(role="operator", municipality=MunicipalityFactory(code="999002"))
    for person in (staff, elsewhere):
        with pytest.raises(ValidationError):
            services.add_roster_entry(acting_user=supervisor, roster=made, user=person)
    assert not made.entries.exists()


def test_adding_and_removing_entries_is_logged(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    entry = made.entries.get()
    entry_id = entry.pk
    services.remove_roster_entry(acting_user=supervisor, roster=made, entry=entry)
    created = log_rows("create", "accounts.rosterentry")
    deleted = log_rows("delete", "accounts.rosterentry")
    assert [e.object_id for e in created] == [str(entry_id)]
    assert [e.object_id for e in deleted] == [str(entry_id)]
    assert deleted[0].actor_username == "supervisor1"
    assert not RosterEntry.objects.filter(pk=entry_id).exists()


def test_a_roster_is_made_for_this_month_up_to_two_months_ahead_once(supervisor):
    today = dt.date(2030, 4, 25)
    with pytest.raises(ValidationError, match="今月から2か月先"):
        services.create_roster(acting_user=supervisor, month=dt.date(2030, 3, 1), today=today)
    with pytest.raises(ValidationError, match="今月から2か月先"):
        services.create_roster(acting_user=supervisor, month=dt.date(2030, 7, 1), today=today)
    services.create_roster(acting_user=supervisor, month=dt.date(2030, 6, 1), today=today)
    with pytest.raises(ValidationError, match="既にあります"):
        services.create_roster(acting_user=supervisor, month=dt.date(2030, 6, 1), today=today)
    assert len(log_rows("create", "accounts.roster")) == 1


def test_copying_takes_the_previous_month_as_it_stood_on_its_last_day(
    supervisor, operator, visitor, outsider
):
    april = roster(operator.municipality, dt.date(2030, 4, 1), [operator, visitor])
    change(april, visitor, REMOVED, dt.date(2030, 4, 15), supervisor)
    added = change(april, outsider, ADDED, dt.date(2030, 4, 30), supervisor)
    added.duty = "電話催告（税）"
    added.save()
    made = services.create_roster(
        acting_user=supervisor, month=MAY, copy_previous=True, today=dt.date(2030, 4, 16)
    )
    copied = dict(made.entries.values_list("user__username", "duty"))
    assert copied == {"operator1": "", "operator_other_team": "電話催告（税）"}


def test_copying_without_a_previous_roster_is_refused_and_leaves_nothing(supervisor):
    with pytest.raises(ValidationError, match="前月の名簿がない"):
        services.create_roster(
            acting_user=supervisor, month=MAY, copy_previous=True, today=dt.date(2030, 4, 1)
        )
    assert not Roster.objects.filter(month=MAY).exists()


@pytest.mark.parametrize("role", ["operator", "visitor", "staff", "inspector", "admin"])
def test_only_the_supervisor_prepares_the_roster(users_by_role, role):
    with pytest.raises(PermissionDenied):
        services.create_roster(
            acting_user=users_by_role[role], month=MAY, today=dt.date(2030, 4, 1)
        )


def test_a_supervisor_of_another_municipality_cannot_touch_the_roster(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    stranger = UserFactory(role="supervisor", municipality=MunicipalityFactory(code="999003"))
    with pytest.raises(PermissionDenied):
        services.submit_roster(acting_user=stranger, roster=made)


# --- temporary changes --------------------------------------------------------------------


def _submitted(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    return services.submit_roster(acting_user=supervisor, roster=made)


def test_a_temporary_removal_is_recorded_with_reason_and_day_and_logged(supervisor, operator):
    made = _submitted(supervisor, operator)
    recorded = services.record_roster_change(
        acting_user=supervisor,
        roster=made,
        user=operator,
        kind=REMOVED,
        effective_from=dt.date(2030, 5, 12),
        reason="退職のため",
        today=dt.date(2030, 5, 11),
    )
    assert (recorded.kind, recorded.reason, recorded.recorded_by) == (
        "removed",
        "退職のため",
        supervisor,
    )
    assert recorded.reported_at is None
    assert is_on_roster(operator, dt.date(2030, 5, 11))
    assert not is_on_roster(operator, dt.date(2030, 5, 12))
    (entry,) = log_rows("create", "accounts.rosterchange")
    assert entry.object_id == str(recorded.pk) and "reason" in entry.fields


@pytest.mark.parametrize(
    ("day", "today", "message"),
    [
        (dt.date(2030, 6, 1), dt.date(2030, 5, 11), "対象月"),
        (dt.date(2030, 4, 30), dt.date(2030, 4, 25), "対象月"),
        (dt.date(2030, 5, 10), dt.date(2030, 5, 11), "今日以降"),
    ],
)
def test_a_change_lies_in_the_roster_month_and_is_never_backdated(
    supervisor, operator, day, today, message
):
    made = _submitted(supervisor, operator)
    with pytest.raises(ValidationError, match=message):
        services.record_roster_change(
            acting_user=supervisor,
            roster=made,
            user=operator,
            kind=REMOVED,
            effective_from=day,
            reason="退職のため",
            today=today,
        )
    assert not made.changes.exists()


def test_adding_someone_already_on_or_removing_someone_not_on_is_refused(
    supervisor, operator, visitor
):
    made = _submitted(supervisor, operator)
    common = {"effective_from": dt.date(2030, 5, 12), "reason": "x", "today": dt.date(2030, 5, 1)}
    with pytest.raises(ValidationError, match="既に名簿に載っています"):
        services.record_roster_change(
            acting_user=supervisor, roster=made, user=operator, kind=ADDED, **common
        )
    with pytest.raises(ValidationError, match="載っていません"):
        services.record_roster_change(
            acting_user=supervisor, roster=made, user=visitor, kind=REMOVED, **common
        )
    assert not made.changes.exists()


def test_a_change_needs_a_reason(supervisor, operator):
    made = _submitted(supervisor, operator)
    with pytest.raises(ValidationError, match="理由"):
        services.record_roster_change(
            acting_user=supervisor,
            roster=made,
            user=operator,
            kind=REMOVED,
            effective_from=dt.date(2030, 5, 12),
            reason="  ",
            today=dt.date(2030, 5, 1),
        )


def test_a_draft_roster_takes_no_temporary_changes(supervisor, operator):
    made = _prepared(supervisor, operator, dt.date(2030, 4, 1))
    with pytest.raises(ValidationError, match="作成中"):
        services.record_roster_change(
            acting_user=supervisor,
            roster=made,
            user=operator,
            kind=REMOVED,
            effective_from=dt.date(2030, 5, 12),
            reason="x",
            today=dt.date(2030, 5, 1),
        )


def test_marking_reported_sets_the_time_once_and_logs_each_change(supervisor, operator, visitor):
    made = _submitted(supervisor, operator)
    kwargs = {"acting_user": supervisor, "roster": made, "reason": "x", "today": MAY}
    services.record_roster_change(
        user=visitor, kind=ADDED, effective_from=dt.date(2030, 5, 3), **kwargs
    )
    services.record_roster_change(
        user=operator, kind=REMOVED, effective_from=dt.date(2030, 5, 4), **kwargs
    )
    with time_machine.travel(tokyo(2030, 5, 5, 10, 0), tick=False):
        assert services.mark_changes_reported(acting_user=supervisor, roster=made) == 2
    reported = set(made.changes.values_list("reported_at", flat=True))
    assert reported == {tokyo(2030, 5, 5, 10, 0)}
    with pytest.raises(ValidationError, match="未報告"):
        services.mark_changes_reported(acting_user=supervisor, roster=made)
    assert set(made.changes.values_list("reported_at", flat=True)) == reported
    assert len(log_rows("change", "accounts.rosterchange")) == 2


def test_members_on_a_day_follow_entries_and_changes(supervisor, operator, visitor, outsider):
    made = roster(operator.municipality, MAY, [operator, visitor])
    change(made, visitor, REMOVED, dt.date(2030, 5, 5), supervisor)
    change(made, outsider, ADDED, dt.date(2030, 5, 6), supervisor)
    names = [m.user.username for m in members_on(made, dt.date(2030, 5, 6))]
    assert names == ["operator1", "operator_other_team"]
    names = [m.user.username for m in members_on(made, dt.date(2030, 5, 4))]
    assert names == ["operator1", "visitor1"]
