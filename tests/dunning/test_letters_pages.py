"""The letters pages: who sees what, a batch made from the page (tasks run at once), downloads
(export requests, privacy.export_requests) that count as prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.models import Municipality
from civicdesk.dunning.models import LetterBatch
from civicdesk.dunning.services import letters
from civicdesk.privacy.models import ExportRecord
from civicdesk.privacy.models.registers import ExportRequest
from tests.conftest import sign_in
from tests.dunning.test_letters_batch import (
    NOW,
    center,
    letter_campaign,
    make_people,
    media,
)

SHARED_FIXTURES = (center, letter_campaign, media)
VIEWERS = {"supervisor", "staff", "inspector"}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def batch(supervisor, letter_campaign, media):
    make_people(letter_campaign.municipality, 2, campaign=letter_campaign)
    return letters.create_letter_batch(acting_user=supervisor, campaign=letter_campaign, now=NOW)


@pytest.mark.parametrize(
    "role", ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
)
def test_batch_pages_for_supervisors_staff_and_inspectors_downloads_for_supervisors_only(
    client, users_by_role, batch, role
):
    sign_in(client, users_by_role[role])
    pages = [reverse("dunning:letter_batches"), reverse("dunning:letter_batch", args=[batch.pk])]
    files = [
        reverse("dunning:letter_batch_pdf", args=[batch.pk]),
        reverse("dunning:letter_batch_list", args=[batch.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == (200 if role in VIEWERS else 403), url
    for url in files:
        assert client.get(url).status_code == (200 if role == "supervisor" else 403), url
    new = client.post(reverse("dunning:letter_batch_new"), {})
    assert (new.status_code == 403) == (role != "supervisor")


def test_anonymous_is_sent_to_sign_in(client, batch):
    response = client.get(reverse("dunning:letter_batch", args=[batch.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_staff_see_counts_but_no_names_and_no_download_links(client, staff, batch):
    sign_in(client, staff)
    page = client.get(reverse("dunning:letter_batch", args=[batch.pk])).content.decode()
    assert "作成済み" in page and ">2<" in page
    names = batch.letters.values_list("obligor__name", flat=True)
    assert not any(name in page for name in names)
    assert reverse("dunning:letter_batch_pdf", args=[batch.pk]) not in page
    listing = client.get(reverse("dunning:letter_batches")).content.decode()
    assert "催告書6月" in listing and "<form" not in listing.split("<main")[-1]


def test_a_batch_of_another_municipality_is_not_found(client, supervisor, batch):

    other = Municipality.objects.create(code="999999", name="別の市")
    LetterBatch.objects.filter(pk=batch.pk).update(municipality=other)
    sign_in(client, supervisor)
    assert client.get(reverse("dunning:letter_batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("dunning:letter_batch_pdf", args=[batch.pk])).status_code == 404


def test_supervisor_makes_a_batch_from_the_page_and_downloads_count_as_reprints(
    client, supervisor, letter_campaign, media, immediate_tasks, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    people = make_people(letter_campaign.municipality, 2, campaign=letter_campaign)
    sign_in(client, supervisor)
    page = client.get(reverse("dunning:letter_batches")).content.decode()
    assert f'value="{letter_campaign.pk}"' in page

    response = client.post(reverse("dunning:letter_batch_new"), {"campaign": letter_campaign.pk})

    made = LetterBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dunning:letter_batch", args=[made.pk])
    assert (made.status, made.letter_count, made.page_count) == ("done", 2, 2)
    assert made.letters.count() == len(people)
    pdf = download(client, reverse("dunning:letter_batch_pdf", args=[made.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = download(client, reverse("dunning:letter_batch_list", args=[made.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    made.refresh_from_db()
    assert made.print_count == 2  # made (1) + the PDF again; the list is not a print
    logged = AccessLogEntry.objects.filter(
        object_type="dunning.letterbatch", object_id=str(made.pk), reason__startswith="再印刷"
    )
    assert sorted(logged.values_list("action", flat=True)) == [
        AccessAction.EXPORT,
        AccessAction.PRINT,
    ]
    # Both copies that left are in the export register, with the reason given on the form.
    reasons = ExportRecord.objects.filter(request__isnull=False).values_list("reason", flat=True)
    assert list(reasons) == ["再送付のため", "再送付のため"]


def download(client, url):
    """The export request form, posted; then the one-time link the page shows."""
    assert client.get(url).status_code == 200
    page = client.post(url, {"reason": "再送付のため"})
    assert page.status_code == 200
    link = re.search(r'data-testid="download-link" href="([^"]+)"', page.content.decode())
    return client.get(link.group(1))


def test_a_failed_batch_shows_the_reason_and_writes_nothing(
    client, supervisor, center, media, immediate_tasks
):
    (person,) = make_people(center, 1)

    Municipality.objects.filter(pk=center.pk).update(contact_center_phone="")
    sign_in(client, supervisor)
    response = client.post(
        reverse("dunning:letter_batch_new"),
        {"resident_nos": person.resident_no, "revenue_type": "nhi"},
        follow=True,
    )
    made = LetterBatch.objects.get()
    assert made.status == "failed" and made.letter_count == 0
    page = response.content.decode()
    assert "失敗" in page and "納付案内センターの電話番号が登録されていません" in page
    assert not made.letters.exists()


def test_form_errors_name_the_field(client, supervisor, center, media):
    sign_in(client, supervisor)
    response = client.post(
        reverse("dunning:letter_batch_new"), {"resident_nos": "123", "revenue_type": ""}
    )
    assert response.status_code == 200
    assert "税目を選んでください。" in response.content.decode()
    assert not LetterBatch.objects.exists()


def test_the_status_panel_polls_only_while_the_batch_is_being_made(client, supervisor, batch):
    sign_in(client, supervisor)
    url = reverse("dunning:letter_batch", args=[batch.pk])
    assert "hx-trigger" not in client.get(url, headers={"HX-Request": "true"}).content.decode()
    LetterBatch.objects.filter(pk=batch.pk).update(status="running")
    panel = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in panel and "<html" not in panel


def test_a_changed_letter_file_is_not_handed_out(client, supervisor, batch, settings, tmp_path):

    settings.VAR_DIR = tmp_path / "var"
    Path(batch.pdf_file).write_bytes(b"%PDF-1.7 changed")
    before = ExportRecord.objects.count()
    sign_in(client, supervisor)
    page = client.post(reverse("dunning:letter_batch_pdf", args=[batch.pk]), {"reason": "再送付"})
    assert "ファイルが作成時から変更されています" in page.content.decode()
    assert not ExportRequest.objects.exists()
    assert ExportRecord.objects.count() == before
    batch.refresh_from_db()
    assert batch.print_count == 1
