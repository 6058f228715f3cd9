"""The recording and disclosure pages: who may open what (per view and role), the player that
streams inline without caching (Range too) and logs each request per person, the forms that
show the services' refusals, the overdue banner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.cards.choices import DisclosureGround, DisclosureStatus
from civicdesk.cards.models import CallRecording, Disclosure
from civicdesk.cards.services import disclosures, recordings
from tests.cards.factories_recordings import kept_file, make_recording, point_recordings_at, sound
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db

ROLES = ["operator", "card_operator", "venue_clerk", "supervisor", "staff", "inspector", "admin"]


@pytest.fixture(autouse=True)
def recordings_root(settings, tmp_path):
    return point_recordings_at(settings, tmp_path)


@pytest.fixture
def world(municipality, supervisor, staff):
    """A recording kept, one past retention, an erasure with its certificate, a disclosure."""
    kept = make_recording(municipality, when="2026-06-01 10:00", seed=1)
    old = make_recording(municipality, when="2026-03-01 10:00", seed=2)
    gone = make_recording(municipality, when="2026-02-01 10:00", seed=3)
    erasure = recordings.erase_recording(acting_user=supervisor, recording=gone)
    requested = disclosures.request_disclosure(
        acting_user=supervisor,
        municipality=municipality,
        ground=DisclosureGround.CONSENT,
        requesting_body="本人（代理人弁護士）",
        document="",
        purpose="苦情の事実確認",
        scope="6月1日の1件",
        recordings=[kept],
    )
    return {"kept": kept, "old": old, "erasure": erasure, "disclosure": requested}


def _pages(world):
    kept, erasure, disclosure = world["kept"], world["erasure"], world["disclosure"]
    return {
        # name: (method, url, roles answered 200 / 302 / 400 — anything but 403)
        "recordings": ("get", reverse("cards:recordings"), {"supervisor", "staff", "inspector"}),
        "recording": (
            "get",
            reverse("cards:recording", args=[kept.pk]),
            {"supervisor", "staff", "inspector"},
        ),
        "recording_audio": (
            "get",
            reverse("cards:recording_audio", args=[kept.pk]),
            {"supervisor", "staff"},
        ),
        "recording_extend": (
            "post",
            reverse("cards:recording_extend", args=[kept.pk]),
            {"supervisor", "staff"},
        ),
        "recording_hold": (
            "post",
            reverse("cards:recording_hold", args=[kept.pk]),
            {"supervisor", "staff"},
        ),
        "recording_release": (
            "post",
            reverse("cards:recording_release", args=[kept.pk]),
            {"supervisor", "staff"},
        ),
        "recording_erase": (
            "post",
            reverse("cards:recording_erase", args=[kept.pk]),
            {"supervisor"},
        ),
        "recordings_purge": ("post", reverse("cards:recordings_purge"), {"supervisor"}),
        "recording_erasure_certificate": (
            "get",
            reverse("cards:recording_erasure_certificate", args=[erasure.pk]),
            {"supervisor", "staff", "inspector"},
        ),
        "disclosures": ("get", reverse("cards:disclosures"), {"supervisor", "staff", "inspector"}),
        "disclosure_new": ("get", reverse("cards:disclosure_new"), {"supervisor"}),
        "disclosure": (
            "get",
            reverse("cards:disclosure", args=[disclosure.pk]),
            {"supervisor", "staff", "inspector"},
        ),
        "disclosure_decide": (
            "post",
            reverse("cards:disclosure_decide", args=[disclosure.pk]),
            {"staff"},
        ),
        "disclosure_hand_over": (
            "post",
            reverse("cards:disclosure_hand_over", args=[disclosure.pk]),
            {"supervisor"},
        ),
        "disclosure_report": (
            "post",
            reverse("cards:disclosure_report", args=[disclosure.pk]),
            {"supervisor"},
        ),
    }


def test_each_page_answers_only_the_roles_it_is_for(client, world, users_by_role):
    pages = _pages(world)
    for name, (method, url, _allowed) in pages.items():
        client.logout()
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    for role in ROLES:
        sign_in(client, users_by_role[role])
        for name, (method, url, allowed) in pages.items():
            response = getattr(client, method)(url)
            if role in allowed:
                assert response.status_code != 403, (name, role, response.status_code)
            else:
                assert response.status_code == 403, (name, role, response.status_code)
        client.logout()


def test_post_only_pages_refuse_a_get(client, world, supervisor, staff):
    sign_in(client, supervisor)
    for name, (method, url, _allowed) in _pages(world).items():
        if method == "post":
            assert client.get(url).status_code == 405, name


def test_another_municipality_s_recording_and_disclosure_are_not_found(client, world, supervisor):
    other = MunicipalityFactory(code="999999", name="他市")
    foreign = make_recording(other, when="2026-06-02 10:00", seed=9)
    sign_in(client, supervisor)
    assert client.get(reverse("cards:recording", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("cards:recording_audio", args=[foreign.pk])).status_code == 404
    Disclosure.objects.filter(pk=world["disclosure"].pk).update(municipality=other)
    url = reverse("cards:disclosure", args=[world["disclosure"].pk])
    assert client.get(url).status_code == 404


def test_the_list_shows_dates_hold_and_erasure(client, world, inspector):
    sign_in(client, inspector)
    response = client.get(reverse("cards:recordings"))
    text = response.content.decode()
    assert response.status_code == 200
    kept = world["kept"]
    assert "2026-07-31" in text and "2026-08-31" in text  # keep until / erase by of 6/1
    assert "消去済み" in text
    assert "保管期間を過ぎ消去を待つ録音: <strong>1件" in text  # the 3/1 recording
    assert reverse("cards:recording_audio", args=[kept.pk]) not in text


def test_the_inspector_sees_the_recording_without_a_player(client, world, inspector):
    sign_in(client, inspector)
    response = client.get(reverse("cards:recording", args=[world["kept"].pk]))
    assert response.status_code == 200
    assert b"<audio" not in response.content


def test_the_player_has_no_download_and_streams_inline_uncached(client, world, staff):
    kept = world["kept"]
    sign_in(client, staff)
    page = client.get(reverse("cards:recording", args=[kept.pk])).content.decode()
    assert 'controlslist="nodownload' in page
    assert "download" not in page.replace('controlslist="nodownload', "")
    response = client.get(reverse("cards:recording_audio", args=[kept.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sound(1)
    assert response["Content-Disposition"] == "inline"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"


def test_a_range_request_gets_206_with_just_those_bytes(client, world, staff):
    kept = world["kept"]
    sign_in(client, staff)
    url = reverse("cards:recording_audio", args=[kept.pk])
    response = client.get(url, HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == sound(1)[10:20]
    assert response["Content-Range"] == "bytes 10-19/64"
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == sound(1)[-4:]
    assert client.get(url, HTTP_RANGE="bytes=64-").status_code == 416


def test_every_playback_request_is_logged_per_person(client, world, supervisor, staff):
    kept = world["kept"]
    url = reverse("cards:recording_audio", args=[kept.pk])
    for user in (supervisor, staff, staff):
        sign_in(client, user)
        client.get(url)
    views = AccessLogEntry.objects.filter(
        action=AccessAction.VIEW, object_type="cards.callrecording", object_id=str(kept.pk)
    )
    assert sorted(views.values_list("actor_username", flat=True)) == sorted(
        [supervisor.username, staff.username, staff.username]
    )


def test_an_erased_recording_cannot_be_played(client, world, supervisor):
    gone = CallRecording.objects.filter(erased_at__isnull=False).get()
    sign_in(client, supervisor)
    assert client.get(reverse("cards:recording_audio", args=[gone.pk])).status_code == 404


def test_extending_to_an_earlier_date_shows_the_refusal_beside_the_field(client, world, staff):
    kept = world["kept"]
    sign_in(client, staff)
    url = reverse("cards:recording_extend", args=[kept.pk])
    response = client.post(url, {"extend-keep_until": "2026-07-01", "extend-reason": "協議済"})
    assert response.status_code == 400
    assert "現在の期限（2026-07-31）より後の日付" in response.content.decode()
    response = client.post(url, {"extend-keep_until": "2026-12-31", "extend-reason": "協議済"})
    assert response.status_code == 302
    assert CallRecording.objects.get(pk=kept.pk).keep_until == dt.date(2026, 12, 31)


def test_hold_then_single_erasure_is_refused_on_the_page(client, world, supervisor):
    old = world["old"]
    sign_in(client, supervisor)
    client.post(reverse("cards:recording_hold", args=[old.pk]), {"hold-reason": "保全"})
    response = client.post(reverse("cards:recording_erase", args=[old.pk]), follow=True)
    assert "消去停止中です" in response.content.decode()
    assert kept_file(old).exists()
    client.post(reverse("cards:recording_release", args=[old.pk]), {"hold-reason": "解除"})
    client.post(reverse("cards:recording_erase", args=[old.pk]))
    assert not kept_file(old).exists()


def test_the_purge_button_erases_what_is_due(client, world, supervisor):
    sign_in(client, supervisor)
    response = client.post(reverse("cards:recordings_purge"), follow=True)
    assert "通話録音 1 件を消去しました" in response.content.decode()
    assert not kept_file(world["old"]).exists()
    assert kept_file(world["kept"]).exists()


def test_the_certificate_opens_as_a_pdf_and_is_logged_as_a_print(client, world, inspector):
    erasure = world["erasure"]
    sign_in(client, inspector)
    response = client.get(reverse("cards:recording_erasure_certificate", args=[erasure.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "通話録音消去証明書" in pdftotext(response.content)
    assert AccessLogEntry.objects.filter(
        action=AccessAction.PRINT, object_type="cards.recordingerasure", actor=inspector
    ).exists()


def test_registering_a_disclosure_without_document_for_ground_2_is_refused(
    client, world, supervisor
):
    sign_in(client, supervisor)
    data = {
        "ground": DisclosureGround.CRIMINAL_PROCEDURE,
        "requesting_body": "警視庁深川警察署",
        "document": "",
        "purpose": "捜査",
        "scope": "1件",
        "recordings": str(world["kept"].pk),
    }
    response = client.post(reverse("cards:disclosure_new"), data)
    assert response.status_code == 400
    assert "文書による請求が必要です" in response.content.decode()
    assert Disclosure.objects.count() == 1
    data["document"] = "深刑第1号（令和8年6月9日）"
    response = client.post(reverse("cards:disclosure_new"), data)
    assert response.status_code == 302
    assert Disclosure.objects.count() == 2


def test_the_whole_disclosure_flow_through_the_pages(client, world, supervisor, staff):
    disclosure = world["disclosure"]
    url = reverse("cards:disclosure", args=[disclosure.pk])
    sign_in(client, staff)
    assert "decide-form" in client.get(url).content.decode()
    response = client.post(
        reverse("cards:disclosure_decide", args=[disclosure.pk]), {"decision": "reject"}
    )
    assert response.status_code == 400 and "却下の理由" in response.content.decode()
    client.post(reverse("cards:disclosure_decide", args=[disclosure.pk]), {"decision": "approve"})
    sign_in(client, supervisor)
    client.post(
        reverse("cards:disclosure_hand_over", args=[disclosure.pk]), {"receiver": "区民課 江東"}
    )
    client.post(reverse("cards:disclosure_report", args=[disclosure.pk]), {"report": "報告済"})
    assert Disclosure.objects.get(pk=disclosure.pk).status == DisclosureStatus.REPORTED


def test_an_overdue_report_shows_on_the_disclosures_page(client, world, supervisor, staff):
    disclosure = world["disclosure"]
    disclosures.decide_disclosure(acting_user=staff, disclosure=disclosure, approve=True)
    disclosures.hand_over_disclosure(
        acting_user=supervisor, disclosure=disclosure, receiver="区民課 江東"
    )
    sign_in(client, staff)
    page = client.get(reverse("cards:disclosures")).content.decode()
    assert "overdue-banner" not in page
    Disclosure.objects.filter(pk=disclosure.pk).update(report_due_on=dt.date(2026, 6, 9))
    page = client.get(reverse("cards:disclosures")).content.decode()
    assert "overdue-banner" in page and "報告期限超過" in page
    assert "期限 2026-06-09" in page


def test_opening_a_disclosure_is_logged(client, world, inspector):
    disclosure = world["disclosure"]
    sign_in(client, inspector)
    client.get(reverse("cards:disclosure", args=[disclosure.pk]))
    assert AccessLogEntry.objects.filter(
        action=AccessAction.VIEW,
        object_type="cards.disclosure",
        object_id=str(disclosure.pk),
        actor=inspector,
    ).exists()


def test_an_unknown_recording_number_is_named(client, world, supervisor):
    sign_in(client, supervisor)
    data = {
        "ground": DisclosureGround.CONSENT,
        "requesting_body": "本人",
        "purpose": "確認",
        "scope": "1件",
        "recordings": f"{world['kept'].pk}, 999999",
    }
    response = client.post(reverse("cards:disclosure_new"), data)
    assert response.status_code == 400
    assert "番号 999999 の録音はありません" in response.content.decode()
    assert Disclosure.objects.count() == 1
