"""The rosters the demo and the load test's seed make, so their people can sign in."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from civicdesk.accounts.models import Roster, RosterStatus, User
from civicdesk.accounts.selectors.roster import is_on_roster
from civicdesk.demo.building import build_demo
from tests.accounts.roster_helpers import tokyo
from tests.load import seed

pytestmark = pytest.mark.django_db

CENTER = {"operator", "operator2", "operator_tax", "visitor", "supervisor"}


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@time_machine.travel(tokyo(2030, 6, 25, 10, 0), tick=False)
def test_the_demo_submits_this_month_and_drafts_next_month_for_its_center_people(var_dir):
    build_demo(obligors=0, history_days=0)
    june = Roster.objects.get(month=dt.date(2030, 6, 1))
    july = Roster.objects.get(month=dt.date(2030, 7, 1))
    assert june.status == RosterStatus.SUBMITTED and july.status == RosterStatus.DRAFT
    for made in (june, july):
        assert set(made.entries.values_list("user__username", flat=True)) == CENTER
    duties = dict(june.entries.values_list("user__username", "duty"))
    assert (duties["operator"], duties["visitor"], duties["supervisor"]) == (
        "電話催告",
        "訪問催告",
        "現場責任者",
    )
    for user in User.objects.all():
        assert is_on_roster(user, dt.date(2030, 6, 25)), user.username


def test_running_the_demo_again_keeps_the_rosters_and_submits_the_new_month(var_dir):
    with time_machine.travel(tokyo(2030, 6, 25, 10, 0), tick=False):
        build_demo(obligors=0, history_days=0)
        build_demo(obligors=0, history_days=0)
    assert Roster.objects.count() == 2
    with time_machine.travel(tokyo(2030, 7, 2, 10, 0), tick=False):
        build_demo(obligors=0, history_days=0)
    july = Roster.objects.get(month=dt.date(2030, 7, 1))
    assert july.status == RosterStatus.SUBMITTED and july.is_late
    assert Roster.objects.get(month=dt.date(2030, 8, 1)).status == RosterStatus.DRAFT
    assert Roster.objects.count() == 3


@time_machine.travel(tokyo(2030, 6, 30, 23, 0), tick=False)
def test_the_load_seed_puts_every_load_user_on_this_and_next_month_roster():
    accounts = seed.seed(users=6, minutes=0.1)
    users = list(User.objects.filter(username__in=[a.username for a in accounts]))
    assert len(users) == 6
    for day in (dt.date(2030, 6, 30), dt.date(2030, 7, 1)):
        assert all(is_on_roster(user, day) for user in users)
