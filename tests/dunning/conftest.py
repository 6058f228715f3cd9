"""Fixtures for the dunning tests: the demo calendars (calls open weekdays 8:30–17:15)."""

import pytest

from civicdesk.core.services import setup_demo_calendars


@pytest.fixture
def calendars(municipality):
    return setup_demo_calendars(acting_user=None, municipality=municipality)
