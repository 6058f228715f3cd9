"""An app with personal data reaches purge and verification through its declaration alone.

tests/personal_app (installed by tests/settings.py only) holds library cards: a holder's number
and name, a note, a file under MEDIA_ROOT. Nothing in civicdesk.oversight names it, yet a whole
purge counts, removes, certifies and verifies its rows and files, and waits for its work.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from civicdesk.oversight.models import PurgeStatus
from civicdesk.oversight.services import purge
from civicdesk.oversight.services import verification as purge_verification
from civicdesk.privacy.personal_data import declarations
from tests.factories import MunicipalityFactory, UserFactory
from tests.personal_app.models import LibraryCard
from tests.personal_app.personal_data import card_file

HOLDER = ("LB000123", "図書 花子")


@pytest.fixture
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.STATIC_ROOT = tmp_path / "var" / "static"
    Path(settings.MEDIA_ROOT).mkdir(parents=True)
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def cards(municipality, media):
    number, name = HOLDER
    mine = LibraryCard.objects.create(municipality=municipality, holder_no=number, holder_name=name)
    second = LibraryCard.objects.create(
        municipality=municipality, holder_no="LB000124", holder_name="閲覧 次郎"
    )
    theirs = LibraryCard.objects.create(
        municipality=MunicipalityFactory(code="132012", name="別区"),
        holder_no="LB900001",
        holder_name="他市 三郎",
    )
    for card in (mine, second, theirs):
        card_file(card.pk).parent.mkdir(parents=True, exist_ok=True)
        card_file(card.pk).write_text(f"{card.holder_no} {card.holder_name}", encoding="utf-8")
    return mine, second, theirs


@pytest.fixture
def other_staff(municipality):
    return UserFactory(username="staff2", role="staff", municipality=municipality)


def _approved_whole_purge(supervisor, other_staff):
    plan = purge.plan_purge(
        acting_user=supervisor,
        scope="all",
        planned_on=timezone.localdate(),
        reason="委託契約の終了",
    )
    return purge.approve_purge_plan(acting_user=other_staff, plan=plan)


def test_the_test_app_is_declared_on_the_top_floor():
    labels = [declaration.app_label for declaration in declarations()]
    assert labels[-1] == "personal_app"
    assert labels.index("registry") < labels.index("receivables") < labels.index("dunning")


def test_a_plan_counts_the_declared_rows_and_files_under_the_declared_label(
    cards, supervisor, other_staff
):
    plan = _approved_whole_purge(supervisor, other_staff)
    assert plan.planned_counts["library_cards"] == 2  # not the other municipality's card
    assert plan.planned_counts["files"] == 2
    assert ("library_cards", "図書館カード") in purge.items()
    assert dict(purge.items())["files"].endswith("・図書館カードの写し）")


def test_a_whole_purge_removes_the_declared_rows_and_files_and_certifies_them(
    cards, supervisor, other_staff
):
    mine, second, theirs = cards
    plan = purge.execute_purge(
        acting_user=supervisor, plan=_approved_whole_purge(supervisor, other_staff)
    )
    assert list(LibraryCard.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not card_file(mine.pk).exists() and not card_file(second.pk).exists()
    assert card_file(theirs.pk).exists()
    plan.refresh_from_db()
    assert plan.executed_counts["library_cards"] == 2
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(plan.certificate_pdf)).pages
    )
    assert "図書館カード" in text.replace(" ", "")


def test_verification_finds_a_declared_model_s_remnant_and_passes_once_it_is_gone(
    cards, supervisor, other_staff
):
    plan = purge.execute_purge(
        acting_user=supervisor, plan=_approved_whole_purge(supervisor, other_staff)
    )
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.ok, check.findings
    number, _name = HOLDER
    theirs = LibraryCard.objects.get()
    # A note quoting the purged holder's number, left in a table only the declaration names.
    theirs.note = f"旧カード {number} から移行"
    theirs.save()
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert not check.ok
    assert {"place": f"{LibraryCard._meta.db_table}.note #{theirs.pk}", "kind": "resident_no"} in (
        check.findings
    )
    plan.refresh_from_db()
    assert plan.status == PurgeStatus.EXECUTED


def test_a_namesake_in_the_declared_own_name_column_is_not_a_remnant(
    cards, supervisor, other_staff, municipality
):
    plan = purge.execute_purge(
        acting_user=supervisor, plan=_approved_whole_purge(supervisor, other_staff)
    )
    _number, name = HOLDER
    namesake = LibraryCard.objects.create(
        municipality=municipality, holder_no="LB777777", holder_name=name
    )
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.ok, check.findings
    place = f"{LibraryCard._meta.db_table}.holder_name #{namesake.pk}"
    assert {"place": place, "kind": "name"} in check.homonyms


def test_the_declared_background_work_holds_a_purge_back_with_the_app_s_reason(
    cards, supervisor, other_staff
):
    mine, _second, _theirs = cards
    LibraryCard.objects.filter(pk=mine.pk).update(processing=True)
    plan = _approved_whole_purge(supervisor, other_staff)
    with pytest.raises(purge.PurgeError, match="図書館カードの処理中です"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert LibraryCard.objects.filter(pk=mine.pk).exists()


def test_oversight_names_no_app_it_purges():
    root = Path(purge.__file__).resolve().parents[1]
    source = "\n".join(path.read_text(encoding="utf-8") for path in root.rglob("*.py"))
    for app in ("registry", "receivables", "dunning", "sms", "reports", "personal_app"):
        assert f"civicdesk.{app}" not in source and f"tests.{app}" not in source
