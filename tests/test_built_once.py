"""tests/conftest.py::built_once: a module's shared set-up is made once, and what one test
changes in it is undone before the next test."""

from __future__ import annotations

import datetime as dt

import pytest

from civicdesk.accounts.models import Team
from tests.conftest import TEST_NOW, built_once
from tests.factories import MunicipalityFactory, TeamFactory


@pytest.fixture(scope="module")
def built_team(django_db_setup, django_db_blocker):
    yield from built_once(
        django_db_blocker,
        lambda: TeamFactory(municipality=MunicipalityFactory(), name="共有チーム"),
    )


@pytest.mark.django_db
def test_the_shared_rows_are_made_at_the_pinned_moment(built_team):
    team, done = built_team
    assert TEST_NOW <= done < TEST_NOW + dt.timedelta(minutes=1)
    assert Team.objects.get().pk == team.pk


@pytest.mark.django_db
def test_one_test_changes_the_shared_rows(built_team):
    team, _ = built_team
    Team.objects.filter(pk=team.pk).update(name="変えた")
    TeamFactory(municipality=team.municipality, name="足した")
    assert Team.objects.count() == 2


@pytest.mark.django_db
def test_the_next_test_finds_them_as_they_were_made(built_team):
    team, _ = built_team
    assert list(Team.objects.values_list("pk", "name")) == [(team.pk, "共有チーム")]
