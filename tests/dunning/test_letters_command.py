"""`civicdesk letters`: one JSON line on success; on any error a Japanese message, exit 1 and
nothing written."""

from __future__ import annotations

import getpass
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.dunning.models import LetterBatch
from civicdesk.privacy.models import ExportRecord
from tests.dunning.factories import WorkItemFactory
from tests.dunning.test_letters_batch import (
    NOW,
    assert_nothing_written,
    center,
    letter_campaign,
    make_people,
    media,
    pdf_pages,
    sha256,
    squeeze,
)

# Fixtures shared with test_letters_batch (named here so that pytest finds them).
SHARED_FIXTURES = (center, letter_campaign, media)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("letters", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_campaign_letters_print_exactly_one_json_line_and_the_list_goes_beside_the_pdf(
    letter_campaign, tmp_path, media
):
    people = make_people(letter_campaign.municipality, 3, campaign=letter_campaign)
    out_pdf = tmp_path / "催告書.pdf"

    stdout, stderr = run("--campaign", str(letter_campaign.pk), "--out", str(out_pdf))

    assert stdout.count("\n") == 1
    assert json.loads(stdout) == {"letters": 3, "pages": 3, "file": str(out_pdf.absolute())}
    assert (tmp_path / "催告書.xlsx").is_file()
    assert "一覧（Excel）" in stderr and str(tmp_path / "催告書.xlsx") in stderr
    text = "".join(pdf_pages(out_pdf))
    assert all(squeeze(p.name) + "様" in text for p in people)
    records = {r.file_name: r.sha256 for r in ExportRecord.objects.all()}
    assert records == {
        "催告書.pdf": sha256(out_pdf),
        "催告書.xlsx": sha256(tmp_path / "催告書.xlsx"),
    }


def test_without_user_the_command_is_logged_as_the_system(letter_campaign, tmp_path, media):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    run("--campaign", str(letter_campaign.pk), "--out", str(tmp_path / "a.pdf"), "--reason", "発送")

    system = f"コマンド letters（OS: {getpass.getuser()}）"
    (entry,) = AccessLogEntry.objects.filter(action=AccessAction.PRINT)
    assert (entry.actor_id, entry.actor_username, entry.reason) == (None, system, "発送")
    exports = AccessLogEntry.objects.filter(action=AccessAction.EXPORT)
    assert {e.actor_username for e in exports} == {system}
    registered = set(ExportRecord.objects.values_list("exported_by", "exported_by_system"))
    assert registered == {(None, system)}


def test_one_off_letters_by_resident_number_and_revenue_type(center, supervisor, tmp_path, media):
    first, second = make_people(center, 2)
    stdout, _ = run(
        "--resident-no", f"{first.resident_no},{second.resident_no}",
        "--revenue-type", "nhi", "--out", str(tmp_path / "x.pdf"), "--user", supervisor.username,
    )  # fmt: skip
    assert json.loads(stdout)["letters"] == 2
    batch = LetterBatch.objects.get()
    assert (batch.source, batch.revenue_type, batch.created_by) == ("residents", "nhi", supervisor)


def test_skipped_people_are_reported_on_stderr_in_japanese(letter_campaign, operator, tmp_path):

    held, _free = make_people(letter_campaign.municipality, 2, campaign=letter_campaign)
    WorkItemFactory(
        campaign__municipality=letter_campaign.municipality, obligor=held, lease_owner=operator,
        lease_expires_at=NOW.replace(year=2999),
    )  # fmt: skip
    stdout, stderr = run("--campaign", str(letter_campaign.pk), "--out", str(tmp_path / "s.pdf"))
    assert json.loads(stdout)["letters"] == 1
    assert "対象外: ほかの担当者が対応中 1人" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--resident-no", "999999999", "--revenue-type", "nhi"],
            "宛名番号が見つかりません: 999999999",
        ),
        (["--resident-no", "000500000", "--revenue-type", "tax"], "税目を選んでください"),
        (["--campaign", "987654"], "催告計画 987654 が見つかりません"),
        ([], "--campaign か --resident-no"),
        (["--resident-no", "000500000", "--revenue-type", "nhi", "--user", "nobody"], "nobody"),
    ],
)
def test_errors_name_the_problem_exit_1_and_write_nothing(center, tmp_path, media, args, message):
    make_people(center, 1)
    out_pdf = tmp_path / "e.pdf"
    with pytest.raises(CommandError) as raised:
        run(*args, "--out", str(out_pdf))
    assert message in str(raised.value)
    assert raised.value.returncode == 1
    assert not out_pdf.exists() and not list(tmp_path.glob("*.xlsx"))
    assert_nothing_written(media)


def test_an_existing_out_file_is_never_overwritten(letter_campaign, tmp_path, media):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    out_pdf = tmp_path / "exists.pdf"
    out_pdf.write_bytes(b"keep me")
    with pytest.raises(CommandError) as raised:
        run("--campaign", str(letter_campaign.pk), "--out", str(out_pdf))
    assert "既にあります" in str(raised.value)
    assert out_pdf.read_bytes() == b"keep me"
    assert_nothing_written(media)


def test_a_user_without_the_letters_permission_is_refused(letter_campaign, operator, tmp_path):
    make_people(letter_campaign.municipality, 1, campaign=letter_campaign)
    with pytest.raises(CommandError) as raised:
        run("--campaign", str(letter_campaign.pk), "--out", str(tmp_path / "p.pdf"),
            "--user", operator.username)  # fmt: skip
    assert "権限がありません" in str(raised.value)
    assert not Path(tmp_path / "p.pdf").exists()
