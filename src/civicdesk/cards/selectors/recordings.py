"""Reads of call recordings and disclosures (別紙④): who may do what, where a recording's file
lives, its dates (保管期限 第6条1, 消去期限 第6条6), what is due for erasure, the check of the
files against their SHA-256, and the disclosures overdue for their report (第7条3).

A recording's row holds no personal data (call type, times, hashes); its sound is personal
data and is reached only through ``services.recordings.open_for_playback``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from civicdesk.cards.choices import DisclosureStatus
from civicdesk.cards.models import CallRecording, Disclosure, RecordingErasure
from civicdesk.core.calendar import TOKYO, add_months
from civicdesk.core.models import Municipality

VIEW_RECORDINGS = "cards.view_callrecording"
ADD_RECORDING = "cards.add_callrecording"
CHANGE_RECORDING = "cards.change_callrecording"
PLAY_RECORDING = "cards.play_callrecording"
ERASE_RECORDING = "cards.erase_callrecording"
VIEW_ERASURES = "cards.view_recordingerasure"
VIEW_DISCLOSURES = "cards.view_disclosure"
ADD_DISCLOSURE = "cards.add_disclosure"
CHANGE_DISCLOSURE = "cards.change_disclosure"
APPROVE_DISCLOSURE = "cards.approve_disclosure"

# The file types a recorder exports; anything else is refused at registration.
CONTENT_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
}


def _has(user, *permissions: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active) and all(
        user.has_perm(permission) for permission in permissions
    )


def may_view_recordings(user) -> bool:
    return _has(user, VIEW_RECORDINGS)


def may_play(user) -> bool:
    return _has(user, VIEW_RECORDINGS, PLAY_RECORDING)


def may_change_retention(user) -> bool:
    return _has(user, VIEW_RECORDINGS, CHANGE_RECORDING)


def may_erase(user) -> bool:
    return _has(user, VIEW_RECORDINGS, ERASE_RECORDING)


def may_view_erasures(user) -> bool:
    return _has(user, VIEW_ERASURES)


def may_view_disclosures(user) -> bool:
    return _has(user, VIEW_DISCLOSURES)


def may_request_disclosure(user) -> bool:
    return _has(user, VIEW_DISCLOSURES, ADD_DISCLOSURE)


def may_decide_disclosure(user) -> bool:
    return _has(user, VIEW_DISCLOSURES, APPROVE_DISCLOSURE)


def may_hand_over_disclosure(user) -> bool:
    """The recording manager (the contractor's lead) hands the approved minimum to the ward's
    区民課 and reports afterwards (第7条2, 3)."""
    return _has(user, VIEW_DISCLOSURES, ADD_DISCLOSURE, CHANGE_DISCLOSURE)


# --- Dates ---------------------------------------------------------------------------------------


def month_end(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def keep_until_for(recorded_at: dt.datetime) -> dt.date:
    """The last day of the month after the recording's month in Tokyo (第6条1)."""
    local = recorded_at.astimezone(TOKYO).date()
    return month_end(add_months(local.replace(day=1), 1))


def erase_by_for(keep_until: dt.date) -> dt.date:
    """The last day of the month after the one holding the end of retention (第6条6)."""
    return month_end(add_months(keep_until.replace(day=1), 1))


# --- Files ---------------------------------------------------------------------------------------


def recordings_dir() -> Path:
    """Where the kept copies live: CIVICDESK_RECORDINGS_DIR, else VAR_DIR/recordings."""
    configured = getattr(settings, "CARDS_RECORDINGS_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "recordings"


def recording_path(recording: CallRecording) -> Path:
    return recordings_dir() / recording.file_name


def certificates_dir() -> Path:
    return recordings_dir() / "certificates"


def certificate_path(erasure: RecordingErasure) -> Path:
    return certificates_dir() / certificate_file_name(erasure)


def certificate_file_name(erasure: RecordingErasure) -> str:
    return f"recording-erasure-{erasure.pk}.pdf"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Queries -------------------------------------------------------------------------------------


def municipality_id_for(user) -> int | None:
    return Municipality.objects.id_for_user(user)


def recordings_for(user) -> QuerySet[CallRecording]:
    """The recordings of the user's municipality (none without the permission)."""
    if not may_view_recordings(user):
        return CallRecording.objects.none()
    return CallRecording.objects.filter(municipality_id=municipality_id_for(user))


def erasures_for(user) -> QuerySet[RecordingErasure]:
    if not (may_view_erasures(user) or may_view_recordings(user)):
        return RecordingErasure.objects.none()
    return RecordingErasure.objects.filter(municipality_id=municipality_id_for(user))


def disclosures_for(user) -> QuerySet[Disclosure]:
    if not may_view_disclosures(user):
        return Disclosure.objects.none()
    return Disclosure.objects.filter(municipality_id=municipality_id_for(user))


def kept(municipality) -> QuerySet[CallRecording]:
    """Recordings whose file is still kept (not erased)."""
    return CallRecording.objects.filter(municipality=municipality, erased_at__isnull=True)


def due_for_erasure(municipality, as_of: dt.date) -> QuerySet[CallRecording]:
    """Kept recordings whose retention ended before ``as_of`` and which no hold stops."""
    return kept(municipality).filter(keep_until__lt=as_of, legal_hold=False)


def held_past_retention(municipality, as_of: dt.date) -> QuerySet[CallRecording]:
    return kept(municipality).filter(keep_until__lt=as_of, legal_hold=True)


def overdue_disclosures(municipality, today: dt.date) -> QuerySet[Disclosure]:
    """Disclosures handed over whose report to the 区民課長 is past its due date (第7条3)."""
    return Disclosure.objects.filter(
        municipality=municipality,
        status=DisclosureStatus.HANDED_OVER,
        report_due_on__lt=today,
    ).order_by("report_due_on", "number")


def erasure_digest(sha256s) -> str:
    """The certificate's digest: SHA-256 over the erased recordings' SHA-256s, sorted, one per
    line (anyone holding the list can recompute it)."""
    return hashlib.sha256("\n".join(sorted(sha256s)).encode("ascii")).hexdigest()


# --- The check (civicdesk cards recordings check) ------------------------------------------------


@dataclass
class CheckResult:
    as_of: dt.date
    checked: int = 0
    held: int = 0
    overdue: list[CallRecording] = field(default_factory=list)
    changed: list[CallRecording] = field(default_factory=list)
    missing: list[CallRecording] = field(default_factory=list)
    left_behind: list[CallRecording] = field(default_factory=list)
    unregistered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.overdue or self.changed or self.missing or self.left_behind or self.unregistered
        )


def check_recordings(municipality, as_of: dt.date) -> CheckResult:
    """Every kept recording past its erase-by date without a hold (overdue), every kept file
    whose SHA-256 differs from the one registered (changed) or that is gone (missing), every
    erased recording whose file is still there (left_behind), and every file in the recordings
    folder that no recording names (unregistered: a copy, 第6条4, or a broken registration)."""
    result = CheckResult(as_of=as_of)
    for recording in kept(municipality).order_by("recorded_at", "pk").iterator(chunk_size=2000):
        result.checked += 1
        if erase_by_for(recording.keep_until) < as_of:
            if recording.legal_hold:
                result.held += 1
            else:
                result.overdue.append(recording)
        path = recording_path(recording)
        if not path.is_file():
            result.missing.append(recording)
        elif file_sha256(path) != recording.sha256:
            result.changed.append(recording)
    erased = CallRecording.objects.filter(municipality=municipality, erased_at__isnull=False)
    for recording in erased.only("pk", "file_name", "recorded_at", "call_type").iterator(
        chunk_size=2000
    ):
        if recording_path(recording).exists():
            result.left_behind.append(recording)
    result.unregistered = unregistered_files()
    return result


def unregistered_files() -> list[str]:
    """Files under the recordings folder (certificates aside) that no recording names."""
    root = recordings_dir()
    if not root.is_dir():
        return []
    known = set(CallRecording.objects.values_list("file_name", flat=True).iterator(2000))
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith("certificates/") and relative not in known:
            found.append(relative)
    return found
