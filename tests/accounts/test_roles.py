"""Roles are groups with permissions defined in accounts/roles.py."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from civicdesk.accounts import roles
from civicdesk.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_every_role_has_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_each_user_belongs_to_exactly_their_role_group(users_by_role):
    for role, user in users_by_role.items():
        assert list(user.groups.values_list("name", flat=True)) == [role]


def test_only_inspectors_and_admins_may_read_the_access_log(users_by_role):
    readers = {
        role for role, user in users_by_role.items() if user.has_perm("privacy.view_accesslogentry")
    }
    assert readers == {"inspector", "admin"}


def test_only_admins_reach_the_admin_site_and_manage_users(users_by_role):
    assert {r for r, u in users_by_role.items() if u.is_staff} == {"admin"}
    assert {r for r, u in users_by_role.items() if u.has_perm("accounts.change_user")} == {"admin"}


def test_changing_a_role_moves_the_user_to_the_new_group(operator):
    operator.role = Role.INSPECTOR
    operator.save()
    roles.sync_role_group(operator)
    assert list(operator.groups.values_list("name", flat=True)) == ["inspector"]
    assert operator.has_perm("privacy.view_accesslogentry")


def test_team_scope_gives_the_revenue_types(operator, outsider, supervisor):
    assert operator.revenue_types == ["nhi"]
    assert outsider.revenue_types == ["resident_tax", "light_vehicle_tax"]
    assert supervisor.revenue_types == []


def test_a_team_with_an_unknown_revenue_type_is_refused(nhi_team):

    nhi_team.revenue_types = ["nhi", "dog_tax"]
    with pytest.raises(ValidationError, match="dog_tax"):
        nhi_team.full_clean()


def test_only_staff_may_import_data(users_by_role):
    importers = {r for r, u in users_by_role.items() if u.has_perm("receivables.add_importrun")}
    assert importers == {"staff"}


def test_the_registers_are_read_by_staff_inspectors_and_admins(users_by_role):
    readers = {r for r, u in users_by_role.items() if u.has_perm("privacy.view_exportrecord")}
    assert readers == {"staff", "inspector", "admin"}


def test_supervisors_and_staff_may_take_data_out(users_by_role):
    exporters = {r for r, u in users_by_role.items() if u.has_perm("privacy.add_exportrecord")}
    assert exporters == {"supervisor", "staff"}
