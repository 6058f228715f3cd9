"""The catalogue kept as data: the demo set-up, staff edits within the field policy, dated fees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter import catalogue
from civicdesk.counter.models import Counter, DayClose, Fee, Procedure, Queue
from civicdesk.counter.services.catalogue import add_fee, save_procedure, set_up_counters
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_demo_set_up_is_made_once_and_edits_are_kept(municipality, staff):
    made = set_up_counters(acting_user=staff, municipality=municipality)
    assert made == {
        "queues": len(catalogue.QUEUES),
        "counters": len(catalogue.COUNTERS),
        "procedures": len(catalogue.PROCEDURES),
        "fees": sum(1 for spec in catalogue.PROCEDURES if spec.fee),
    }
    Procedure.objects.filter(code="juminhyo").update(name="住民票（変更済み）")
    again = set_up_counters(acting_user=staff, municipality=municipality)
    assert again == {"queues": 0, "counters": 0, "procedures": 0, "fees": 0}
    assert Procedure.objects.get(code="juminhyo").name == "住民票（変更済み）"
    assert Queue.objects.count() == len(catalogue.QUEUES)
    assert Counter.objects.filter(kind="cashier").count() == 1


def test_national_standard_fees_say_so_and_local_ones_ask_for_the_municipalitys_own(
    municipality, staff
):
    set_up_counters(acting_user=staff, municipality=municipality)
    koseki = Fee.objects.get(procedure__code="koseki")
    assert (koseki.unit_fee, koseki.basis) == (450, catalogue.NATIONAL)
    assert Fee.objects.get(procedure__code="karinanbar").unit_fee == 750
    assert "各自治体で設定" in Fee.objects.get(procedure__code="juminhyo").basis
    assert not Fee.objects.filter(procedure__code="ryoken_juryo").exists()


def test_a_procedure_records_only_what_the_field_policy_allows_its_category(desk, staff):
    with pytest.raises(ValidationError) as refused:
        save_procedure(
            acting_user=staff, procedure=desk.move, data_items=["requester_name", "mailing_address"]
        )
    assert "送付先住所" in str(refused.value)
    assert Procedure.objects.get(pk=desk.move.pk).data_items == ["requester_name"]


def test_a_change_of_a_procedure_is_logged_with_the_fields_changed(desk, staff):
    save_procedure(acting_user=staff, procedure=desk.move, requires_review=False)
    entry = AccessLogEntry.objects.filter(object_type__endswith="procedure").last()
    assert entry.fields == ["requires_review"]


def test_a_new_fee_cannot_start_on_a_day_already_closed(desk, staff, cashier):
    DayClose.objects.create(
        municipality=desk.certificate.municipality,
        day=dt.date(2026, 6, 9),
        counted_cash=0,
        difference=0,
        entries=0,
        closed_by=cashier,
        closed_at=dt.datetime(2026, 6, 9, 18, tzinfo=dt.UTC),
    )
    with pytest.raises(ValidationError, match="精算済み"):
        add_fee(
            acting_user=staff,
            procedure=desk.certificate,
            valid_from=dt.date(2026, 6, 9),
            unit_fee=350,
            exempt_requester_kinds=["official"],
        )
    fee = add_fee(
        acting_user=staff,
        procedure=desk.certificate,
        valid_from=dt.date(2026, 7, 1),
        unit_fee=350,
        exempt_requester_kinds=["official"],
    )
    assert fee.unit_fee == 350


def test_the_list_shows_the_fee_in_force_today_and_the_next_one(client, desk, staff):
    Fee.objects.create(procedure=desk.certificate, valid_from=dt.date(2026, 7, 1), unit_fee=350)
    sign_in(client, staff)
    page = client.get(reverse("counter:procedures")).content.decode()
    row = page.split('data-testid="procedure-juminhyo"')[1].split("</tr>")[0]
    assert "300円" in row and "350円" in row


def test_a_clerk_reads_the_catalogue_but_cannot_change_it(client, desk, clerk):
    sign_in(client, clerk)
    url = reverse("counter:procedure", args=[desk.certificate.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x"}).status_code == 403
    fee_url = reverse("counter:fee_add", args=[desk.certificate.pk])
    assert client.post(fee_url, {"unit_fee": 1}).status_code == 403


def test_staff_change_a_procedure_through_the_page(client, desk, staff):
    sign_in(client, staff)
    url = reverse("counter:procedure", args=[desk.move.pk])
    response = client.post(
        url,
        {
            "name": "転入届",
            "category": "move",
            "section": "市民課",
            "queue": desk.moves.pk,
            "checklist": "ア 本人確認\nイ 記載内容の点検\n",
            "requester_kinds": ["self"],
            "data_items": ["requester_name"],
            "requires_review": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    desk.move.refresh_from_db()
    assert desk.move.checklist == ["ア 本人確認", "イ 記載内容の点検"]
    assert desk.move.requester_kinds == ["self"]
