"""Creating and (re)building campaigns: items per obligor, priority, 効果なし for no phone,
rebuild keeping worked items, all or nothing, validation, permissions, status, follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import (
    CampaignChannel,
    CampaignKind,
    CampaignStatus,
    NoEffectReason,
    PriorityRule,
    WorkItemStatus,
)
from civicdesk.dunning.models import Campaign, WorkItem
from civicdesk.dunning.selectors.campaigns import campaign_summary, campaigns_for
from civicdesk.dunning.services import campaign_items
from civicdesk.dunning.services import campaigns as services
from civicdesk.receivables.models import Installment
from tests.dunning.test_campaign_data import (  # noqa: F401  (fixtures)
    STARTS_ON,
    TODAY,
    expected_selection,
    other_municipality_fixture,
    persons_fixture,
    usable_phone,
)
from tests.factories import TeamFactory, UserFactory
from tests.registry.factories import PhoneFactory

# The types the fixture's municipality has data for (no light-vehicle tax, no team for it).
ALL = ["resident_tax", "nhi", "late_elderly", "ltc"]


def create(user, **overrides):
    values = {
        "name": "令和7年度 国保 早期架電",
        "channel": CampaignChannel.CALL,
        "starts_on": STARTS_ON,
        "ends_on": dt.date(2026, 3, 31),
        "priority_rule": PriorityRule.NEWEST_ARREARS,
        "conditions": {"revenue_types": ALL},
        "max_attempts": 5,
        "min_days_between_contacts": 3,
        "retry_rules": {},
        "script": "",
        "teams": [],
        "operators": [],
        "today": TODAY,
    }
    values.update(overrides)
    return services.create_campaign(acting_user=user, **values)


def items_by_key(persons, campaign):
    items = WorkItem.objects.filter(campaign=campaign)
    by_pk = {person.pk: key for key, person in persons.items()}
    return {by_pk[item.obligor_id]: item for item in items}


# --- building ------------------------------------------------------------------------------


def test_a_campaign_holds_one_item_per_matching_obligor_with_their_accounts(persons, supervisor):
    campaign = create(supervisor, channel=CampaignChannel.VISIT)
    expected = expected_selection(persons, types=ALL)
    items = items_by_key(persons, campaign)

    assert set(items) == set(expected)
    for key, want in expected.items():
        item = items[key]
        assert sorted(item.accounts.values_list("pk", flat=True)) == want.account_pks
        assert set(item.revenue_types) == want.revenue_types
        assert item.unpaid_total == want.unpaid_total
        assert item.overdue_periods == want.overdue_periods
        assert item.oldest_due_date == want.oldest_due_date
        assert item.newest_due_date == want.newest_due_date
        assert item.status == WorkItemStatus.OPEN  # a visit campaign needs no phone
    campaign.refresh_from_db()
    assert campaign.built_at is not None
    assert campaign.created_by == supervisor
    assert campaign.build_result.added == len(expected)
    entry = AccessLogEntry.objects.filter(object_type="dunning.campaign").get()
    assert entry.action == "create" and f"追加 {len(expected)} 件" in entry.reason


@pytest.mark.parametrize(
    ("rule", "sort_key"),
    [
        # newest due date first, ties: the larger unpaid first
        (PriorityRule.NEWEST_ARREARS, lambda e: (-e.newest_due_date.toordinal(), -e.unpaid_total)),
        (PriorityRule.OLDEST_DUE, lambda e: (e.oldest_due_date.toordinal(), -e.unpaid_total)),
        (PriorityRule.LARGEST_UNPAID, lambda e: (-e.unpaid_total,)),
    ],
)
def test_priority_orders_items_by_the_campaigns_rule(persons, supervisor, rule, sort_key):
    campaign = create(supervisor, channel=CampaignChannel.VISIT, priority_rule=rule)
    expected = expected_selection(persons, types=ALL)
    want = sorted(expected, key=lambda key: sort_key(expected[key]))
    ordered = WorkItem.objects.filter(campaign=campaign).order_by("-priority", "pk")
    by_pk = {person.pk: key for key, person in persons.items()}
    assert [by_pk[item.obligor_id] for item in ordered] == want


def test_newest_arrears_breaks_ties_by_the_larger_unpaid_total(supervisor, persons):
    # B and F are both newest-due on 2025-08-31; B owes more, so B comes first.
    expected = expected_selection(persons, types=ALL)
    assert expected["B"].newest_due_date == expected["F"].newest_due_date
    assert expected["B"].unpaid_total > expected["F"].unpaid_total
    campaign = create(supervisor, channel=CampaignChannel.VISIT)
    items = items_by_key(persons, campaign)
    assert items["B"].priority > items["F"].priority


def test_call_campaign_items_without_a_usable_phone_are_no_effect(persons, supervisor):
    campaign = create(supervisor)
    items = items_by_key(persons, campaign)
    for key, item in items.items():
        if usable_phone(persons[key]):
            assert (item.status, item.no_effect_reason) == (WorkItemStatus.OPEN, ""), key
        else:
            assert (item.status, item.no_effect_reason) == (
                WorkItemStatus.NO_EFFECT,
                NoEffectReason.NO_PHONE,
            ), key
    assert {key for key, item in items.items() if item.status == WorkItemStatus.NO_EFFECT} == {
        "B",
        "D",
    }
    assert campaign.build_result.no_phone == 2


def test_age_conditions_use_the_campaigns_start_date(persons, supervisor):
    # E turns 80 on TODAY, after the campaign's start: not 80 for this campaign.
    campaign = create(supervisor, conditions={"revenue_types": ALL, "age_min": 80})
    assert "E" not in items_by_key(persons, campaign)


# --- rebuilding ----------------------------------------------------------------------------


def test_rebuild_adds_updates_and_drops_open_items_but_keeps_worked_ones(
    persons, supervisor, municipality
):
    campaign = create(supervisor, channel=CampaignChannel.VISIT)
    items = items_by_key(persons, campaign)
    # A was worked to the end, E gave up (no effect): both must stay as they are.
    WorkItem.objects.filter(pk=items["A"].pk).update(status=WorkItemStatus.DONE, attempts=2)
    WorkItem.objects.filter(pk=items["E"].pk).update(
        status=WorkItemStatus.NO_EFFECT, no_effect_reason=NoEffectReason.MAX_ATTEMPTS
    )
    # F pays everything: its open item drops. D's first installment grows: its item updates.
    Installment.objects.filter(account__obligor_id=persons["F"].pk).update(paid=7_000)
    Installment.objects.filter(account__obligor_id=persons["D"].pk).update(assessed=9_000)
    # A pays too, but A's item is done and stays done.
    Installment.objects.filter(account__obligor_id=persons["A"].pk).update(paid=10_000)
    # C now owes something again: a new item.
    Installment.objects.filter(account__obligor_id=persons["C"].pk).update(paid=1_000)

    result = services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)

    after = items_by_key(persons, campaign)
    assert (result.added, result.updated, result.dropped) == (1, 1, 1)
    assert after["C"].status == WorkItemStatus.OPEN and after["C"].unpaid_total == 9_000
    assert after["F"].status == WorkItemStatus.DROPPED
    assert after["D"].unpaid_total == 9_000 and after["D"].pk == items["D"].pk
    assert (after["A"].status, after["A"].attempts) == (WorkItemStatus.DONE, 2)
    assert after["A"].unpaid_total == items["A"].unpaid_total
    assert after["E"].status == WorkItemStatus.NO_EFFECT
    assert after["B"].updated_at == items["B"].updated_at  # unchanged rows are not written
    assert AccessLogEntry.objects.filter(action="change", object_type="dunning.campaign").exists()


def test_rebuild_reopens_a_dropped_item_when_the_obligor_matches_again(persons, supervisor):
    campaign = create(supervisor, channel=CampaignChannel.VISIT)
    Installment.objects.filter(account__obligor_id=persons["F"].pk).update(paid=7_000)
    services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)
    Installment.objects.filter(account__obligor_id=persons["F"].pk).update(paid=2_000)

    result = services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)

    item = items_by_key(persons, campaign)["F"]
    assert result.added == 1
    assert (item.status, item.unpaid_total) == (WorkItemStatus.OPEN, 5_000)
    assert list(item.accounts.values_list("pk", flat=True)) == persons["F"].account_pks


def test_rebuild_turns_an_open_call_item_no_effect_when_its_last_phone_went_bad(
    persons, supervisor
):
    campaign = create(supervisor)
    PhoneFactory._meta.model.objects.filter(obligor_id=persons["F"].pk).update(status="invalid")
    services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)
    item = items_by_key(persons, campaign)["F"]
    assert (item.status, item.no_effect_reason) == (WorkItemStatus.NO_EFFECT, "no_phone")


def test_rebuild_updates_the_account_links_when_they_change(persons, supervisor):
    campaign = create(supervisor, channel=CampaignChannel.VISIT)
    e_ltc = next(a for a in persons["E"].accounts if a.revenue_type == "ltc")
    Installment.objects.filter(account_id=e_ltc.pk).update(paid=6_000)
    services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)
    item = items_by_key(persons, campaign)["E"]
    assert list(item.accounts.values_list("revenue_type", flat=True)) == ["nhi"]
    assert item.revenue_types == ["nhi"]


# --- all or nothing ------------------------------------------------------------------------


def test_a_failing_build_leaves_no_campaign_items_or_log(persons, supervisor, monkeypatch):
    def broken(pairs):  # the items are written, their account links fail
        raise RuntimeError("disk full")

    monkeypatch.setattr(campaign_items, "_link", broken)
    with pytest.raises(RuntimeError):
        create(supervisor)
    assert not Campaign.objects.exists()
    assert not WorkItem.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="dunning.campaign").exists()


def test_a_failing_rebuild_changes_nothing(persons, supervisor, monkeypatch):
    campaign = create(supervisor, channel=CampaignChannel.VISIT)
    before = {i.pk: (i.status, i.unpaid_total) for i in WorkItem.objects.all()}
    Installment.objects.filter(account__obligor_id=persons["F"].pk).update(paid=7_000)
    Installment.objects.filter(account__obligor_id=persons["C"].pk).update(paid=0)
    built_at = Campaign.objects.get().built_at

    def broken(**kwargs):  # fails after every item was written
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(services, "record_access", broken)
    with pytest.raises(RuntimeError):
        services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)
    assert {i.pk: (i.status, i.unpaid_total) for i in WorkItem.objects.all()} == before
    assert Campaign.objects.get().built_at == built_at


# --- validation and permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": dt.date(2025, 9, 30)}, "ends_on"),
        ({"name": "  "}, "name"),
        ({"channel": "fax"}, "channel"),
        ({"priority_rule": "random"}, "priority_rule"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"conditions": {"revenue_types": ["light_vehicle_tax"]}}, "revenue_types"),
        ({"conditions": {"revenue_types": ["nhi"], "chome": 2}}, "chome"),
        ({"retry_rules": {"busy": {"minutes": 0}}}, "retry_rules"),
        ({"retry_rules": {"promise": {"minutes": 5}}}, "retry_rules"),
    ],
)
def test_invalid_campaigns_are_refused_with_the_field_named(persons, supervisor, overrides, field):
    with pytest.raises(ValidationError) as raised:
        create(supervisor, **overrides)
    assert field in raised.value.message_dict
    assert not Campaign.objects.exists()


def test_teams_and_operators_must_be_of_the_same_municipality(
    persons, supervisor, other_municipality, nhi_team, operator
):
    foreign_team = TeamFactory(municipality=other_municipality, name="他区チーム")
    foreign_user = UserFactory(username="foreign", municipality=other_municipality)
    with pytest.raises(ValidationError) as raised:
        create(supervisor, teams=[nhi_team, foreign_team], operators=[operator, foreign_user])
    assert set(raised.value.message_dict) == {"teams", "operators"}
    campaign = create(supervisor, teams=[nhi_team], operators=[operator])
    assert list(campaign.teams.all()) == [nhi_team]
    assert list(campaign.operators.all()) == [operator]


@pytest.mark.parametrize("role", ["operator", "visitor", "staff", "inspector", "admin"])
def test_only_supervisors_create_campaigns(persons, users_by_role, role):
    with pytest.raises(PermissionDenied):
        create(users_by_role[role])
    with pytest.raises(PermissionDenied):
        services.preview_campaign(
            acting_user=users_by_role[role],
            conditions={"revenue_types": ALL},
            channel="call",
            today=TODAY,
        )


def test_preview_counts_without_writing_anything_but_a_search_log(persons, supervisor):
    expected = expected_selection(persons, types=ALL)
    preview = services.preview_campaign(
        acting_user=supervisor, conditions={"revenue_types": ALL}, channel="call", today=TODAY
    )
    assert preview.obligors == len(expected)
    assert preview.accounts == sum(len(e.account_pks) for e in expected.values())
    assert preview.unpaid_total == sum(e.unpaid_total for e in expected.values())
    assert preview.no_phone == sum(not usable_phone(persons[k]) for k in expected)
    nhi = next(row for row in preview.by_revenue_type if row.revenue_type == "nhi")
    assert nhi.obligors == sum("nhi" in e.revenue_types for e in expected.values())
    assert not Campaign.objects.exists() and not WorkItem.objects.exists()
    entry = AccessLogEntry.objects.get()
    assert entry.action == "search" and f"{len(expected)} 人" in entry.reason


def test_preview_of_a_visit_campaign_does_not_count_phones(persons, supervisor):
    preview = services.preview_campaign(
        acting_user=supervisor, conditions={"revenue_types": ALL}, channel="visit", today=TODAY
    )
    assert preview.no_phone is None


# --- status, follow-up, visibility, summary ------------------------------------------------


def test_campaign_status_pauses_resumes_and_closes_for_good(persons, supervisor):
    campaign = create(supervisor)
    for status in (CampaignStatus.PAUSED, CampaignStatus.ACTIVE, CampaignStatus.CLOSED):
        campaign = services.set_campaign_status(
            acting_user=supervisor, campaign=campaign, status=status
        )
        assert Campaign.objects.get().status == status
    with pytest.raises(ValidationError):
        services.set_campaign_status(
            acting_user=supervisor, campaign=campaign, status=CampaignStatus.ACTIVE
        )
    with pytest.raises(ValidationError):
        services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)


def test_staff_cannot_change_a_campaigns_status(persons, supervisor, staff):
    campaign = create(supervisor)
    with pytest.raises(PermissionDenied):
        services.set_campaign_status(acting_user=staff, campaign=campaign, status="paused")


def test_one_follow_up_campaign_per_municipality(municipality, other_municipality):
    first = services.ensure_follow_up_campaign(municipality)
    assert services.ensure_follow_up_campaign(municipality) == first
    other = services.ensure_follow_up_campaign(other_municipality)
    assert other != first
    assert (first.kind, first.channel) == (CampaignKind.FOLLOW_UP, CampaignChannel.CALL)
    assert first.ends_on == dt.date(2099, 12, 31)
    assert not first.teams.exists() and not first.operators.exists()


def test_a_follow_up_campaign_is_never_rebuilt(municipality, supervisor):
    campaign = services.ensure_follow_up_campaign(municipality)
    with pytest.raises(ValidationError):
        services.rebuild_campaign(acting_user=supervisor, campaign=campaign, today=TODAY)


def test_operators_see_their_campaigns_and_unassigned_ones(
    persons, supervisor, staff, inspector, admin_user, operator, outsider, visitor, nhi_team
):
    for_team = create(supervisor, name="チーム", teams=[nhi_team])
    for_outsider = create(supervisor, name="個人", operators=[outsider])
    for_all = create(supervisor, name="全員")

    def names(user):
        return set(campaigns_for(user).values_list("name", flat=True))

    assert names(operator) == {"チーム", "全員"}
    assert names(visitor) == {"チーム", "全員"}
    assert names(outsider) == {"個人", "全員"}
    for reader in (supervisor, staff, inspector):
        assert names(reader) == {"チーム", "個人", "全員"}
    assert names(admin_user) == set()
    assert for_team and for_outsider and for_all


def test_summary_counts_items_per_status_and_revenue_type(persons, supervisor):
    campaign = create(supervisor)
    expected = expected_selection(persons, types=ALL)
    summary = campaign_summary(campaign, today=TODAY)
    no_phone = {k for k in expected if not usable_phone(persons[k])}
    assert summary.total == len(expected)
    assert summary.count(WorkItemStatus.NO_EFFECT) == len(no_phone)
    assert summary.count(WorkItemStatus.OPEN) == len(expected) - len(no_phone)
    assert summary.no_effect == {"電話番号不明・使用不可": len(no_phone)}
    per_type = {row.revenue_type: row.items for row in summary.by_revenue_type}
    for code in ALL:
        count = sum(code in e.revenue_types for e in expected.values())
        assert per_type.get(code, 0) == count, code
