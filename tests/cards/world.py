"""Card issuance's part of the access matrix's world (tests/test_access_matrix.py): the venues
and the 町丁目 table, and one object of each kind a card URL names, made through the real
services by the world's users. Returns the world keys and their URL arguments.

The target is a plain sentinel-free person (the matrix searches refusals for the dunning
register's sentinels; the card target's own name is checked by the cards' page tests)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from civicdesk.cards.choices import CallType, Channel, DisclosureGround
from civicdesk.cards.models import Slot
from civicdesk.cards.services import disclosures, mailings, recordings, stock
from civicdesk.cards.services.reservations import book
from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.calendar import TOKYO
from tests.cards.factories import CardTargetFactory


def build_cards_world(municipality, users) -> dict[str, list]:
    supervisor, staff = users["supervisor"], users["staff"]
    venues = {v.code: v for v in setup_venues(acting_user=staff, municipality=municipality)}
    target = CardTargetFactory(municipality=municipality, name="会場 行子")
    in_stock = CardTargetFactory(municipality=municipality, name="在庫 札子")
    slot = Slot.objects.create(
        venue=venues["honchosha"],
        starts_at=timezone.now() + dt.timedelta(days=10),
        ends_at=timezone.now() + dt.timedelta(days=10, minutes=30),
        capacity_web=2,
        capacity_phone=2,
        capacity_internal=1,
    )
    book(acting_user=users["card_operator"], target=target, slot=slot, channel=Channel.PHONE)
    mailing, _data = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="アクセス表のテスト"
    )
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=timezone.localdate(),
        declared_count=1,
        reservation_nos=[in_stock.reservation_no],
    )
    transfer = stock.transfer_to_venue(
        acting_user=supervisor, venue=venues["honchosha"], reservation_nos=[in_stock.reservation_no]
    )
    recording = recordings.register_recording(
        acting_user=supervisor,
        municipality=municipality,
        call_type=CallType.ISSUANCE,
        recorded_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO),
        file=io.BytesIO(b"RIFF" + bytes(60)),
        file_name="call.wav",
    )
    erased = recordings.register_recording(
        acting_user=supervisor,
        municipality=municipality,
        call_type=CallType.OTHER,
        recorded_at=dt.datetime(2026, 1, 5, 10, 0, tzinfo=TOKYO),
        file=io.BytesIO(b"RIFF" + bytes(61)),
        file_name="old.wav",
    )
    erasure = recordings.erase_recording(acting_user=supervisor, recording=erased)
    disclosure = disclosures.request_disclosure(
        acting_user=supervisor,
        municipality=municipality,
        ground=DisclosureGround.CONSENT,
        requesting_body="本人",
        document="",
        purpose="本人からの確認の求め",
        scope="当該通話の録音のみ",
        recordings=[recording],
    )
    return {
        "card_target": [target.pk],
        "card_slot": [slot.pk],
        "card_mailing": [mailing.pk],
        "card_transfer": [transfer.pk],
        "card_recording": [recording.pk],
        "card_erasure": [erasure.pk],
        "card_disclosure": [disclosure.pk],
    }
