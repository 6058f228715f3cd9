"""A finalised report never changes: a correction is a new version and both are kept (issue 7)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.reports.models import Report
from civicdesk.reports.selectors import reports as selectors
from civicdesk.reports.services import reports as services
from tests.dunning.factories import ContactFactory, cover
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db

MAY_12 = dt.date(2025, 5, 12)
AT = dt.datetime(2025, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def account(municipality):
    return AccountFactory(obligor=ObligorFactory(municipality=municipality), revenue_type="nhi")


def call(account, party="self"):
    return cover(ContactFactory(obligor=account.obligor, at=AT, party=party), account)


def finalised(supervisor, kind="daily", period=MAY_12) -> Report:
    services.save_report_remarks(
        acting_user=supervisor, kind=kind, period=period, remarks="特記事項なし"
    )
    return services.finalise_report(acting_user=supervisor, kind=kind, period=period)


def test_finalising_keeps_the_figures_of_that_moment(supervisor, account):
    call(account)
    call(account, party="none")

    report = finalised(supervisor)

    assert report.version == 1 and report.status == "final"
    assert report.figures["total"]["attempts"] == 2
    assert report.figures["total"]["reached_calls"] == 1
    assert report.finalised_by == supervisor and report.finalised_at is not None


def test_a_finalised_report_refuses_save_whatever_changed(supervisor, account):
    report = finalised(supervisor)

    for change in ({"remarks": "書き換え"}, {"figures": {}}, {"status": "draft"}):
        fresh = Report.objects.get(pk=report.pk)
        for name, value in change.items():
            setattr(fresh, name, value)
        with pytest.raises(ValidationError):
            fresh.save()
    assert Report.objects.get(pk=report.pk).remarks == "特記事項なし"


def test_a_finalised_report_refuses_new_remarks_and_a_second_finalisation(supervisor):
    finalised(supervisor)

    with pytest.raises(ValidationError) as remarks:
        services.save_report_remarks(
            acting_user=supervisor, kind="daily", period=MAY_12, remarks="追記"
        )
    with pytest.raises(ValidationError):
        services.finalise_report(acting_user=supervisor, kind="daily", period=MAY_12)
    assert "__all__" in remarks.value.message_dict
    assert Report.objects.get().remarks == "特記事項なし"


def test_a_finalised_report_cannot_be_deleted(supervisor):
    report = finalised(supervisor)

    with pytest.raises(ValidationError):
        report.delete()
    assert Report.objects.filter(pk=report.pk).exists()


def test_a_correction_is_version_2_and_version_1_keeps_its_figures_after_new_contacts(
    supervisor, account
):
    call(account)
    first = finalised(supervisor)

    second = services.correct_report(
        acting_user=supervisor, kind="daily", period=MAY_12, reason="入力漏れの架電を追加"
    )
    call(account)
    call(account, party="none")
    services.finalise_report(acting_user=supervisor, kind="daily", period=MAY_12)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.figures["total"]["attempts"] == 1
    assert second.figures["total"]["attempts"] == 3
    assert second.correction_reason == "入力漏れの架電を追加"
    assert second.remarks == first.remarks
    assert [r.version for r in selectors.versions(supervisor.municipality, "daily", MAY_12)] == [
        2,
        1,
    ]
    assert selectors.daily_report(supervisor.municipality, MAY_12)["report"]["version"] == 2


def test_a_correction_needs_a_reason_and_a_finalised_report(supervisor):
    with pytest.raises(ValidationError):
        services.correct_report(acting_user=supervisor, kind="daily", period=MAY_12, reason="訂正")
    finalised(supervisor)
    with pytest.raises(ValidationError) as empty:
        services.correct_report(acting_user=supervisor, kind="daily", period=MAY_12, reason=" ")
    assert "reason" in empty.value.message_dict
    assert Report.objects.count() == 1


def test_a_monthly_report_is_finalised_with_its_figures_and_proposals(supervisor, account):
    call(account)
    services.save_report_remarks(
        acting_user=supervisor,
        kind="monthly",
        period=dt.date(2025, 5, 1),
        remarks="所感",
        proposals="夜間架電を増やす",
    )
    report = services.finalise_report(
        acting_user=supervisor, kind="monthly", period=dt.date(2025, 5, 1)
    )

    assert report.figures["total"]["attempts"] == 1
    assert len(report.figures["days"]) == 31
    assert report.proposals == "夜間架電を増やす"


@pytest.mark.parametrize("role", ["operator", "visitor", "staff", "inspector", "admin_user"])
def test_only_supervisors_write_and_finalise_reports(request, role):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        services.save_report_remarks(acting_user=user, kind="daily", period=MAY_12, remarks="x")
    with pytest.raises(PermissionDenied):
        services.finalise_report(acting_user=user, kind="daily", period=MAY_12)
    assert not Report.objects.exists()


def test_writing_and_finalising_are_logged(supervisor):
    before = AccessLogEntry.objects.count()

    finalised(supervisor)

    assert AccessLogEntry.objects.count() == before + 2
