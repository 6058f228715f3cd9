"""Recordings for the recording and disclosure tests: small files registered through the real
service (copied in, hashed, read-only), at a chosen moment."""

from __future__ import annotations

import datetime as dt
import io

from civicdesk.cards.selectors.recordings import recording_path
from civicdesk.cards.services.recordings import register_recording
from civicdesk.core.calendar import TOKYO


def point_recordings_at(settings, tmp_path):
    """For each test module's autouse fixture: VAR_DIR in the test's own folder, so the kept
    copies land in tmp_path/var/recordings (returned)."""
    settings.VAR_DIR = tmp_path / "var"
    settings.CARDS_RECORDINGS_DIR = None
    return tmp_path / "var" / "recordings"


def at(text: str) -> dt.datetime:
    """A Tokyo moment from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def sound(seed: int, size: int = 64) -> bytes:
    """A small 'recording': distinct bytes per seed (a WAV header is not needed to hash)."""
    return b"RIFF" + bytes((seed + i) % 251 for i in range(size - 4))


def make_recording(municipality, when="2026-04-15 10:30", call_type="a", seed=1, acting_user=None):
    return register_recording(
        acting_user=acting_user,
        municipality=municipality,
        call_type=call_type,
        recorded_at=at(when) if isinstance(when, str) else when,
        file=io.BytesIO(sound(seed)),
        file_name="call.wav",
    )


def kept_file(recording):
    return recording_path(recording)
