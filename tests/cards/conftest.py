"""Fixtures of the card tests: Koto City's three venues with every 町丁目 of 別紙① (loaded
through the real set-up service), the card roles' users from tests/conftest.py (card_operator,
venue_clerk; supervisor and staff for the center and the ward). The pinned clock is Wednesday
2026-06-10 10:00 in Tokyo."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.services import setup_demo_calendars


@pytest.fixture
def venues(municipality):
    """The three venues by code: honchosha (本庁舎), sogo (総合区民センター), toyosu."""
    setup_demo_calendars(acting_user=None, municipality=municipality)
    made = {
        venue.code: venue for venue in setup_venues(acting_user=None, municipality=municipality)
    }
    return SimpleNamespace(**made)
