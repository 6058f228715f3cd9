"""Disclosures of recordings (別紙④ 第7条): a ground is required, grounds (2) and (3) need their
document, the scope (the minimum) is required; staff other than the registrant decide; only an
approved disclosure is handed over, through the export and hand-over registers, with its report
due N days later; an unreported one past that date is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.cards.choices import DisclosureGround, DisclosureStatus
from civicdesk.cards.models import Disclosure
from civicdesk.cards.selectors import recordings as selectors
from civicdesk.cards.services import disclosures as services
from civicdesk.cards.services.recordings import erase_recording
from civicdesk.privacy.models import ExportRecord, HandOverRecord
from tests.cards.factories_recordings import make_recording, point_recordings_at
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recordings_root(settings, tmp_path):
    return point_recordings_at(settings, tmp_path)


@pytest.fixture
def recordings(municipality):
    return [
        make_recording(municipality, when="2026-06-01 10:00", seed=1),
        make_recording(municipality, when="2026-06-02 11:00", seed=2),
    ]


def request(user, municipality, chosen, **changes):
    values = {
        "ground": DisclosureGround.CRIMINAL_PROCEDURE,
        "requesting_body": "警視庁深川警察署",
        "document": "深刑第123号（令和8年6月8日）",
        "purpose": "詐欺被疑事件の捜査",
        "scope": "6月1日・2日の2件の通話（音声のみ）",
        "recordings": chosen,
        **changes,
    }
    return services.request_disclosure(acting_user=user, municipality=municipality, **values)


def test_a_request_is_numbered_and_awaits_approval(municipality, supervisor, recordings):
    first = request(supervisor, municipality, recordings)
    second = request(supervisor, municipality, recordings[:1], ground=DisclosureGround.CONSENT)
    assert (first.number, second.number) == (1, 2)
    assert first.status == DisclosureStatus.REQUESTED
    assert set(first.recordings.all()) == set(recordings)
    assert AccessLogEntry.objects.filter(
        action=AccessAction.CREATE, object_type="cards.disclosure", object_id=str(first.pk)
    ).exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ground": ""}, "ground", "提供の根拠"),
        ({"document": ""}, "document", "文書"),
        ({"ground": DisclosureGround.LEGAL_REQUEST, "document": " "}, "document", "文書"),
        ({"scope": ""}, "scope", "必要最小限"),
        ({"purpose": ""}, "purpose", "提供の目的"),
        ({"requesting_body": ""}, "requesting_body", "提供先"),
        ({"recordings": []}, "recordings", "1件以上"),
    ],
)
def test_a_request_without_what_article_7_needs_is_refused(
    municipality, supervisor, recordings, changes, field, words
):
    with pytest.raises(ValidationError) as raised:
        request(supervisor, municipality, changes.pop("recordings", recordings), **changes)
    assert words in raised.value.message_dict[field][0]
    assert Disclosure.objects.count() == 0


def test_consent_and_urgent_danger_need_no_document(municipality, supervisor, recordings):
    for ground in (DisclosureGround.CONSENT, DisclosureGround.URGENT_DANGER):
        assert request(supervisor, municipality, recordings, ground=ground, document="").pk


def test_only_the_recording_manager_registers(municipality, staff, card_operator, recordings):
    for user in (staff, card_operator):
        with pytest.raises(PermissionDenied):
            request(user, municipality, recordings)


def test_staff_decide_but_never_on_their_own_request(municipality, supervisor, staff, recordings):
    disclosure = request(supervisor, municipality, recordings)
    with pytest.raises(PermissionDenied):
        services.decide_disclosure(acting_user=supervisor, disclosure=disclosure, approve=True)
    # A staff member who somehow registered one may not approve it.
    Disclosure.objects.filter(pk=disclosure.pk).update(requested_by=staff)
    disclosure.refresh_from_db()
    with pytest.raises(ValidationError, match="登録した本人"):
        services.decide_disclosure(acting_user=staff, disclosure=disclosure, approve=True)
    assert Disclosure.objects.get(pk=disclosure.pk).status == DisclosureStatus.REQUESTED


def test_a_rejection_needs_its_reason(municipality, supervisor, staff, recordings):
    disclosure = request(supervisor, municipality, recordings)
    with pytest.raises(ValidationError) as raised:
        services.decide_disclosure(acting_user=staff, disclosure=disclosure, approve=False)
    assert "却下の理由" in raised.value.message_dict["note"][0]
    rejected = services.decide_disclosure(
        acting_user=staff, disclosure=disclosure, approve=False, note="範囲が広すぎる"
    )
    assert rejected.status == DisclosureStatus.REJECTED and rejected.decided_by == staff
    with pytest.raises(ValidationError, match="却下"):
        services.hand_over_disclosure(
            acting_user=supervisor, disclosure=rejected, receiver="区民課 江東花子"
        )


def test_hand_over_before_approval_is_refused(municipality, supervisor, recordings):
    disclosure = request(supervisor, municipality, recordings)
    with pytest.raises(ValidationError, match="承認待ち"):
        services.hand_over_disclosure(
            acting_user=supervisor, disclosure=disclosure, receiver="区民課 江東花子"
        )
    assert ExportRecord.objects.count() == 0


def test_hand_over_goes_through_the_registers_and_sets_the_report_date(
    municipality, supervisor, staff, recordings, settings
):
    settings.CARDS_DISCLOSURE_REPORT_DAYS = 5
    disclosure = request(supervisor, municipality, recordings)
    services.decide_disclosure(acting_user=staff, disclosure=disclosure, approve=True, note="可")
    with pytest.raises(ValidationError) as raised:
        services.hand_over_disclosure(acting_user=supervisor, disclosure=disclosure)
    assert "受領者" in raised.value.message_dict["receiver"][0]

    handed = services.hand_over_disclosure(
        acting_user=supervisor, disclosure=disclosure, receiver="区民課 江東花子"
    )

    assert handed.status == DisclosureStatus.HANDED_OVER
    assert handed.report_due_on == TEST_NOW.date() + dt.timedelta(days=5)
    export = handed.export_record
    assert export.count == 2
    assert "刑事訴訟法第197条第2項" in export.reason and "詐欺被疑事件の捜査" in export.reason
    assert export.sha256 == selectors.erasure_digest(r.sha256 for r in recordings)
    hand_over = HandOverRecord.objects.get(export_record=export)
    assert hand_over.receiver == "区民課 江東花子" and hand_over.count == 2


def test_report_days_default_to_seven(municipality, supervisor, staff, recordings):
    disclosure = request(supervisor, municipality, recordings)
    services.decide_disclosure(acting_user=staff, disclosure=disclosure, approve=True)
    handed = services.hand_over_disclosure(
        acting_user=supervisor, disclosure=disclosure, receiver="区民課 江東花子"
    )
    assert handed.report_due_on == dt.date(2026, 6, 17)


def test_an_unreported_disclosure_is_overdue_after_its_due_date_until_reported(
    municipality, supervisor, staff, recordings
):
    disclosure = request(supervisor, municipality, recordings)
    services.decide_disclosure(acting_user=staff, disclosure=disclosure, approve=True)
    services.hand_over_disclosure(
        acting_user=supervisor, disclosure=disclosure, receiver="区民課 江東花子"
    )
    assert not selectors.overdue_disclosures(municipality, dt.date(2026, 6, 17)).exists()
    assert list(selectors.overdue_disclosures(municipality, dt.date(2026, 6, 18))) == [disclosure]
    with time_machine.travel(TEST_NOW + dt.timedelta(days=8)):
        with pytest.raises(ValidationError):
            services.report_disclosure(acting_user=supervisor, disclosure=disclosure, report=" ")
        reported = services.report_disclosure(
            acting_user=supervisor, disclosure=disclosure, report="6/18 区民課長へ口頭と書面で報告"
        )
    assert reported.status == DisclosureStatus.REPORTED
    assert not selectors.overdue_disclosures(municipality, dt.date(2026, 6, 18)).exists()


def test_an_erased_recording_cannot_be_requested(municipality, supervisor):
    old = make_recording(municipality, when="2026-03-01 10:00", seed=5)
    erase_recording(acting_user=supervisor, recording=old)
    old.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        request(supervisor, municipality, [old])
    assert "消去済み" in raised.value.message_dict["recordings"][0]
