"""A contact recorded through record_contact leaves in the contacts export (layout 4)."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicdesk.dunning.choices import ContactChannel, ContactOutcome, ContactParty
from civicdesk.dunning.services.contacts import record_contact
from civicdesk.receivables.exporters.contacts import export_contacts
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_10 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=TOKYO)


def test_a_recorded_contact_is_in_the_contacts_export(
    tmp_path, municipality, calendars, operator, staff
):
    obligor = ObligorFactory(municipality=municipality, resident_no="000777001")
    account = AccountFactory(obligor=obligor, revenue_type="nhi", case_no="N-777")
    InstallmentFactory(account=account, assessed=20_000)
    contact = record_contact(
        acting_user=operator,
        obligor=obligor,
        channel=ContactChannel.OUTBOUND_CALL,
        party=ContactParty.SELF,
        outcome=ContactOutcome.PROMISE,
        accounts=[account],
        note="給料日に払う",
        promises=[(20_000, dt.date(2025, 6, 10)), (5_000, dt.date(2025, 6, 20))],
        now=MONDAY_10,
    )
    out = tmp_path / "contacts.csv"
    result = export_contacts(
        acting_user=staff,
        start=dt.date(2025, 6, 1),
        end=dt.date(2025, 6, 30),
        reason="国保システムへの連携",
        encoding="utf-8",
        out=out,
    )
    assert result.count == 1
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1
    row = rows[0]
    assert row["番号"] == str(contact.pk)
    assert (row["宛名番号"], row["整理番号"]) == ("000777001", "N-777")
    assert (row["区分"], row["相手"], row["結果"]) == ("架電", "本人", "納付約束")
    assert row["約束額"].replace(",", "") == "20000"
    assert "給料日に払う" in row["内容"] and "ほかに納付約束 1 件" in row["内容"]
    assert row["担当者"] == (operator.display_name or operator.username)
