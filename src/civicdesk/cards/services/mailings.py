"""Print runs for the print contractor (別紙③ 1 ⑧⑩ and 3): the explanatory letters sent with
the 交付通知書, and the reissue postcards for those who did not collect their card.

A run takes every target waiting for that paper (letters: 交付通知書受領 and in no run yet;
postcards: 未受領 and in no run that has not been mailed yet) and writes the print file:
CP932 CSV, one row per target, in 予約管理番号 order. The file leaves the system, so making
it is an export (export register + access log EXPORT), and each later download is another.
``record_mailed`` records the day the envelopes went to the post: the letter's targets become
発送済, the postcard's 通知再発行, each with its event.

The barcode value (バーコード) is derived from the 予約管理番号 so that the letter can be
scanned at the venue: the number's digits are kept, each Latin letter becomes its two-digit
position code (A=10 … Z=35, as in ISO 7064's alphabet), anything else (hyphens, spaces) is
dropped; a check digit follows, modulus 10 with weights 3 and 1 from the right (the JAN/EAN
rule). Digits only, so the value prints in Code 39 and in NW-7 (Codabar) alike.

Characters that CP932 cannot hold (rare kanji outside JIS X 0208 and its IBM/NEC extensions)
are printed as 〓 (げた), the mark print contractors look for and correct by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import MailingKind, ReservationStatus, TargetEventKind, TargetStatus
from civicdesk.cards.models import CardTarget, Mailing, Reservation, TargetEvent
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality
from civicdesk.core.tabular import ExportError
from civicdesk.privacy.services.export_register import record_export

MAKE_RUN = "cards.add_mailing"
RECORD_MAILED = "cards.change_mailing"
EXPORT = "privacy.add_exportrecord"

COLUMNS = ("予約管理番号", "郵便あて名", "住所", "交付会場", "交付会場所在地", "バーコード")
REISSUE_COLUMNS = (*COLUMNS, "再発行")
# The access log names the personal fields that left (the export register's convention).
FIELDS = ["reservation_no", "name", "address", "venue"]
GETA = "〓"
EVENT_BATCH = 2_000

_NEXT_STATUS = {
    MailingKind.LETTER: (TargetStatus.MAILED, TargetEventKind.MAILED),
    MailingKind.REISSUE_POSTCARD: (TargetStatus.NOTICE_REISSUED, TargetEventKind.NOTICE_REISSUED),
}
_WAITING_STATUS = {
    MailingKind.LETTER: TargetStatus.NOTICE_RECEIVED,
    MailingKind.REISSUE_POSTCARD: TargetStatus.UNCOLLECTED,
}


def _may(user, *permissions: str) -> bool:
    if user is None:  # a command run from the server shell
        return True
    return bool(getattr(user, "is_authenticated", False)) and all(
        user.has_perm(permission) for permission in permissions
    )


def may_make_run(user) -> bool:
    return _may(user, MAKE_RUN, EXPORT)


def may_record_mailed(user) -> bool:
    return _may(user, RECORD_MAILED)


# --- The barcode value ---------------------------------------------------------------------


def barcode_value(reservation_no: str) -> str:
    """The digits printed as the letter's barcode (module docstring): the number's digits with
    letters as A=10 … Z=35, then a modulus-10 check digit (weights 3, 1 from the right)."""
    digits = []
    for char in unicodedata.normalize("NFKC", reservation_no).upper():
        if char.isdigit() and char.isascii():
            digits.append(char)
        elif "A" <= char <= "Z":
            digits.append(str(ord(char) - ord("A") + 10))
    body = "".join(digits)
    if not body:
        raise ValueError(f"no digits or letters in the reservation number {reservation_no!r}")
    return body + check_digit(body)


def number_from_barcode(value: str) -> str | None:
    """The 予約管理番号 a scanned barcode stands for, when the number is all digits (its
    barcode is the number and the check digit); None when the value is no such barcode."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if len(value) < 2 or not (value.isdigit() and value.isascii()):
        return None
    return value[:-1] if check_digit(value[:-1]) == value[-1] else None


def check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


# --- The print file ------------------------------------------------------------------------


def _cp932_safe(text: str) -> str:
    """The text with every character CP932 cannot hold replaced by げた (〓)."""
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return "".join(_cp932_char(char) for char in text)
    return text


def _cp932_char(char: str) -> str:
    try:
        char.encode("cp932")
    except UnicodeEncodeError:
        return GETA
    return char


def run_targets(mailing: Mailing) -> QuerySet[CardTarget]:
    """The targets of a run, in the file's order."""
    relation = "mailed_in" if mailing.kind == MailingKind.LETTER else "reissued_in"
    return (
        CardTarget.objects.filter(**{relation: mailing})
        .select_related("venue")
        .order_by("reservation_no")
    )


def print_file(mailing: Mailing) -> bytes:
    """The run's CSV (CP932, CRLF) as the targets stand now."""
    reissue = mailing.kind == MailingKind.REISSUE_POSTCARD
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REISSUE_COLUMNS if reissue else COLUMNS)
    rows = run_targets(mailing).values_list(
        "reservation_no", "name", "address", "venue__name", "venue__address"
    )
    for number, name, address, venue_name, venue_address in rows.iterator(chunk_size=5_000):
        row = [number, f"{name} 様", address, venue_name, venue_address, barcode_value(number)]
        if reissue:
            row.append("再発行")
        writer.writerow([_cp932_safe(value) for value in row])
    return buffer.getvalue().encode("cp932")


def file_name_of(mailing: Mailing) -> str:
    prefix = "setsumei" if mailing.kind == MailingKind.LETTER else "saihakko"
    return f"cards-{prefix}-{mailing.run_no:02d}.csv"


# --- Making a run --------------------------------------------------------------------------


def make_letter_run(*, acting_user, municipality, reason: str) -> tuple[Mailing, bytes]:
    """A print run of the explanatory letters for every target whose notice was received and
    is in no run yet. Returns the run and its print file."""
    waiting = Q(status=TargetStatus.NOTICE_RECEIVED, mailed_in__isnull=True)
    return _make_run(
        acting_user=acting_user,
        municipality=municipality,
        kind=MailingKind.LETTER,
        reason=reason,
        waiting=waiting,
    )


def make_reissue_run(
    *, acting_user, municipality, reason: str, unbooked_mailed_by: dt.date | None = None
) -> tuple[Mailing, bytes]:
    """A print run of the reissue postcards (別紙③ 3) for every target 未受領 that is not in a
    run still waiting to be mailed. With ``unbooked_mailed_by`` (a date staff give), targets
    whose letter went out on or before it and who hold no booking (never booked, or
    cancelled) become 未受領 first (event
    UNCOLLECTED) and join the run."""
    municipality_id = _municipality_id(municipality)
    waiting = Q(status=TargetStatus.UNCOLLECTED) & (
        Q(reissued_in__isnull=True) | Q(reissued_in__mailed_on__isnull=False)
    )

    def before(now):
        if unbooked_mailed_by is not None:
            _mark_unbooked_uncollected(acting_user, municipality_id, unbooked_mailed_by, now)

    return _make_run(
        acting_user=acting_user,
        municipality=municipality,
        kind=MailingKind.REISSUE_POSTCARD,
        reason=reason,
        waiting=waiting,
        before=before,
    )


def _mark_unbooked_uncollected(acting_user, municipality_id, mailed_by: dt.date, now) -> None:
    if mailed_by > now.astimezone(TOKYO).date():
        raise ValidationError(
            {"unbooked_mailed_by": "発送日の基準はきょう以前の日付にしてください。"}
        )
    booked = Reservation.objects.filter(target=OuterRef("pk"), status=ReservationStatus.BOOKED)
    unbooked = CardTarget.objects.filter(
        ~Exists(booked),
        municipality_id=municipality_id,
        status=TargetStatus.MAILED,
        mailed_in__mailed_on__lte=mailed_by,
    )
    ids = list(unbooked.values_list("pk", flat=True))
    for chunk in _chunks(ids):
        CardTarget.objects.filter(pk__in=chunk).update(
            status=TargetStatus.UNCOLLECTED, updated_at=now
        )
    note = f"{mailed_by:%Y-%m-%d}までの発送で予約なし"
    _events(ids, TargetEventKind.UNCOLLECTED, acting_user, now, note=note)


def _make_run(*, acting_user, municipality, kind, reason, waiting: Q, before=None):
    if not may_make_run(acting_user):
        raise PermissionDenied("印刷データを作成する権限がありません。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "持出しの理由を入力してください。"})
    municipality_id = _municipality_id(municipality)
    relation = "mailed_in" if kind == MailingKind.LETTER else "reissued_in"
    now = timezone.now()
    with transaction.atomic():
        # One run at a time per municipality: the run number and the targets it takes.
        Municipality.objects.select_for_update().filter(pk=municipality_id).first()
        if before is not None:
            before(now)
        candidates = CardTarget.objects.filter(waiting, municipality_id=municipality_id)
        ids = list(candidates.values_list("pk", flat=True))
        if not ids:
            label = MailingKind(kind).label
            raise ValidationError({"__all__": f"{label}の印刷対象者がいません。"})
        last = Mailing.objects.filter(municipality_id=municipality_id, kind=kind).aggregate(
            last=Max("run_no")
        )["last"]
        mailing = Mailing.objects.create(
            municipality_id=municipality_id,
            kind=kind,
            run_no=(last or 0) + 1,
            row_count=len(ids),
            file_name="",
            sha256="0" * 64,
            created_at=now,
            created_by=acting_user,
        )
        for chunk in _chunks(ids):
            CardTarget.objects.filter(pk__in=chunk).update(**{relation: mailing})
        content = print_file(mailing)
        mailing.file_name = file_name_of(mailing)
        mailing.sha256 = hashlib.sha256(content).hexdigest()
        mailing.export_record = _register(acting_user, mailing, content, reason, "作成")
        mailing.save(update_fields=["file_name", "sha256", "export_record"])
    return mailing, content


def download_run(*, acting_user, mailing: Mailing, reason: str) -> bytes:
    """The run's print file again (the print contractor lost it, a second copy): another
    export with its own reason. The file is rebuilt from the run's targets as they stand."""
    if not may_make_run(acting_user):
        raise PermissionDenied("印刷データを持ち出す権限がありません。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "持出しの理由を入力してください。"})
    with transaction.atomic():
        content = print_file(mailing)
        _register(acting_user, mailing, content, reason, "再出力")
    return content


def _register(acting_user, mailing: Mailing, content: bytes, reason: str, what: str):
    try:
        return record_export(
            acting_user=acting_user,
            content=f"{mailing}（印刷データ{what}）",
            file_name=file_name_of(mailing),
            file_format="csv",
            reason=reason,
            count=mailing.row_count,
            sha256=hashlib.sha256(content).hexdigest(),
            fields=FIELDS,
            system_actor="civicdesk cards" if acting_user is None else "",
        )
    except ExportError as error:
        raise ValidationError({"reason": str(error)}) from None


# --- Mailed ----------------------------------------------------------------------------------


def record_mailed(*, acting_user, mailing: Mailing, mailed_on: dt.date) -> Mailing:
    """The run went to the post on ``mailed_on``: its targets move on (letters 発送済,
    postcards 通知再発行), each with its event; targets that moved on meanwhile (booked,
    moved out) keep their status and still get the event."""
    if not may_record_mailed(acting_user):
        raise PermissionDenied("発送を記録する権限がありません。")
    now = timezone.now()
    today = now.astimezone(TOKYO).date()
    if mailed_on > today:
        raise ValidationError({"mailed_on": "発送日に未来の日付は指定できません。"})
    with transaction.atomic():
        locked = Mailing.objects.select_for_update().filter(pk=mailing.pk).first()
        if locked is None:
            raise ValidationError({"__all__": "印刷回が見つかりません。"})
        if locked.mailed_on is not None:
            raise ValidationError({"mailed_on": f"{locked}の発送は記録済みです。"})
        if mailed_on < locked.created_at.astimezone(TOKYO).date():
            raise ValidationError({"mailed_on": "発送日が印刷データの作成日より前です。"})
        status, event = _NEXT_STATUS[MailingKind(locked.kind)]
        targets = run_targets(locked)
        ids = list(targets.values_list("pk", flat=True))
        targets.filter(status=_WAITING_STATUS[MailingKind(locked.kind)]).update(
            status=status, updated_at=now
        )
        _events(ids, event, acting_user, now, note=str(locked))
        locked.mailed_on = mailed_on
        locked.mailed_by = acting_user
        locked.save(update_fields=["mailed_on", "mailed_by"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["mailed_on"],
            reason=f"{locked} 発送記録（{len(ids)}件）",
        )
    return locked


def _events(ids, kind, acting_user, at, *, note: str = "") -> None:
    by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    TargetEvent.objects.bulk_create(
        (TargetEvent(target_id=pk, kind=kind, at=at, by=by, note=note) for pk in ids),
        batch_size=EVENT_BATCH,
    )


def _chunks(ids: list[int], size: int = 10_000):
    # SQLite limits the parameters of one statement (32,766 by default).
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _municipality_id(municipality) -> int:
    return municipality if isinstance(municipality, int) else municipality.pk
