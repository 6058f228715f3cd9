"""The printed pack (おくやみ 手続のご案内): one PDF with the deceased's and the visitor's names,
the procedures that apply grouped by section with place and what to bring, a box per
procedure; read back with pdftotext; logged as a print with the fields printed; refused
before the interview and after erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.pdf import page_count
from civicdesk.counter.services import bereavement as services
from tests.conftest import sign_in
from tests.counter.bereavement_setup import answers, at, book, set_up
from tests.pdf import pdftotext

TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def okuyami(municipality, calendars):
    return set_up(municipality)


@pytest.fixture
def case(okuyami, reception):
    booked = book(reception, at(TODAY, 14))
    return services.check_in(acting_user=reception, reservation=booked)


def _prints(case):
    return list(
        AccessLogEntry.objects.filter(
            action=AccessAction.PRINT,
            object_type="counter.bereavementreservation",
            object_id=str(case.pk),
        )
    )


def _flat(text: str) -> str:
    """The PDF's text with the layout's spaces and line breaks gone (cells wrap)."""
    return "".join(text.split())


def test_the_pack_lists_the_procedures_that_apply_by_section(okuyami, case, clerk):
    given = answers(nhi=True, funeral=True, light_vehicle=True, seal=True)
    services.record_answers(acting_user=clerk, reservation=case, answers=given)
    pdf = services.print_pack(acting_user=clerk, reservation=case)
    text = pdftotext(pdf)
    flat = _flat(text)
    assert page_count(pdf) == 1
    for expected in (
        "おくやみコーナー手続のご案内",
        "OK-2026-0001",
        "令和8年6月10日14:00",
        "一関花子様",
        "一関太郎様",
    ):
        assert expected in flat
    applying = [p for p in okuyami.procedures if p.applies(given)]
    others = [p for p in okuyami.procedures if not p.applies(given)]
    assert len(applying) == 5
    for procedure in applying:
        assert _flat(procedure.name) in flat
        assert _flat(procedure.place) in flat
        for line in procedure.document_lines():
            assert _flat(line) in flat
    for procedure in others:
        assert _flat(procedure.name) not in flat
    # Sections in the order of their first procedure, each once; one box per procedure.
    positions = [flat.index(section) for section in ("市民課", "国保年金課", "税務課")]
    assert positions == sorted(positions)
    assert "長寿社会課" not in flat and "福祉課" not in flat
    assert text.count("□") == len(applying)


def test_printing_the_pack_is_logged_with_the_fields_printed(okuyami, case, clerk):
    services.record_answers(acting_user=clerk, reservation=case, answers=answers())
    services.print_pack(acting_user=clerk, reservation=case)
    (entry,) = _prints(case)
    assert entry.actor == clerk
    assert entry.fields == ["answers", "deceased_name", "visitor_name"]
    assert "OK-2026-0001" in entry.reason


def test_no_pack_before_the_interview(okuyami, case, clerk):
    with pytest.raises(ValidationError, match="聞き取りの回答を記録してから印刷"):
        services.print_pack(acting_user=clerk, reservation=case)
    assert _prints(case) == []


def test_no_pack_once_the_case_is_erased(okuyami, case, clerk):
    services.record_answers(acting_user=clerk, reservation=case, answers=answers())
    services.notify_section(acting_user=clerk, reservation=case, section="市民課")
    services.finish_case(acting_user=clerk, reservation=case)
    services.erase_ended_cases(acting_user=None, today=TODAY + dt.timedelta(days=365))
    with pytest.raises(ValidationError, match="消去済み"):
        services.print_pack(acting_user=clerk, reservation=case)
    assert _prints(case) == []


def test_the_pack_page_answers_a_pdf_for_the_clerk(client, okuyami, case, clerk):
    services.record_answers(acting_user=clerk, reservation=case, answers=answers(pension=True))
    sign_in(client, clerk)
    response = client.get(reverse("counter:bereavement_pack", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="okuyami-OK-2026-0001.pdf"' in response["Content-Disposition"]
    assert "国民年金の死亡届" in _flat(pdftotext(response.content))
    assert len(_prints(case)) == 1


def test_the_pack_page_before_the_interview_goes_back_with_the_reason(client, case, clerk):
    sign_in(client, clerk)
    response = client.get(reverse("counter:bereavement_pack", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("counter:bereavement_case", args=[case.pk])
    assert "聞き取りの回答を記録してから印刷してください" in response.content.decode()
