"""Verification of a purge (issue 8 §4): prove that no purged resident number or name remains.

The plan keeps the purged values only as SHA-256(salt + normalised value). Verification hashes
every letters-and-digits run and every substring of a purged name's length in every text column
of the project's tables and in every file under MEDIA_ROOT and VAR_DIR, and records the places
(never the values) where one matched (ADR 0014).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.utils import timezone
from pypdf import PdfReader

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import normalize_name
from civicdesk.oversight.models import PurgePlan, PurgeStatus, PurgeVerification
from civicdesk.oversight.services.purge import PurgeError, file_roots, may_approve, may_execute
from civicdesk.privacy.personal_data import OwnNames, declarations


class Matcher:
    """Finds purged resident numbers (whole alphanumeric runs) and names (any substring of the
    normalised text of a purged name's length) by their salted digests."""

    CACHE_SIZE = 200_000  # statuses, choices and repeated notes are checked once

    def __init__(self, plan: PurgePlan):
        self.base = hashlib.sha256(plan.salt.encode())
        self.numbers = {bytes.fromhex(h) for h in plan.number_digests}
        self.names = {bytes.fromhex(h) for h in plan.name_digests}
        self.lengths = sorted(set(plan.name_lengths))
        self._seen: dict[str, list[str]] = {}

    def _hit(self, value: str, digests: set[bytes]) -> bool:
        h = self.base.copy()
        h.update(value.encode())
        return h.digest() in digests

    def kinds(self, text: str) -> list[str]:
        found = self._seen.get(text)
        if found is None:
            found = self._kinds(text)
            if len(self._seen) < self.CACHE_SIZE:
                self._seen[text] = found
        return found

    def _kinds(self, text: str) -> list[str]:
        found = []
        runs = re.findall(r"[0-9A-Z]+", unicodedata.normalize("NFKC", text).upper())
        if any(self._hit(run, self.numbers) for run in runs):
            found.append("resident_no")
        if self._has_name(normalize_name(text)):
            found.append("name")
        return found

    def _has_name(self, text: str) -> bool:
        for length in self.lengths:
            for start in range(len(text) - length + 1):
                if self._hit(text[start : start + length], self.names):
                    return True
        return False


KIND_LABELS = {"resident_no": "宛名番号", "name": "氏名"}


def _own_name_columns() -> dict[str, OwnNames]:
    """A remaining person's own name column holding the same name is a namesake, not a
    leftover: the apps that keep people name those columns in their declarations."""
    return {
        label: columns
        for declaration in declarations()
        for label, columns in declaration.own_name_columns.items()
    }


def verify_purge(*, acting_user, plan: PurgePlan, system_name: str = "") -> PurgeVerification:
    """Search every text column of the project's tables and every file under MEDIA_ROOT and
    VAR_DIR for the purged resident numbers and names; record what was found (places only)."""
    if acting_user is not None and not (may_execute(acting_user) or may_approve(acting_user)):
        raise PermissionDenied("消去の検証を行う権限がありません。")
    plan = PurgePlan.objects.get(pk=plan.pk)
    if plan.status not in (PurgeStatus.EXECUTED, PurgeStatus.VERIFIED):
        raise PurgeError("検証できるのは消去を実行した計画だけです。")
    matcher = Matcher(plan)
    findings: list[dict] = []
    homonyms: list[dict] = []
    values = 0
    for place, kinds, own_name in _database_hits(matcher):
        values += 1
        for kind in kinds:
            entry = {"place": place, "kind": kind}
            (homonyms if own_name and kind == "name" else findings).append(entry)
    files = 0
    for place, kinds in _file_hits(matcher):
        files += 1
        findings += [{"place": place, "kind": kind} for kind in kinds]
    with transaction.atomic():
        plan = PurgePlan.objects.select_for_update().get(pk=plan.pk)
        check = PurgeVerification.objects.create(
            plan=plan,
            at=timezone.now(),
            by=acting_user,
            by_system="" if acting_user else system_name,
            ok=not findings,
            values_scanned=max(values, 0),
            files_scanned=files,
            findings=findings[:1000],
            homonyms=homonyms[:1000],
        )
        plan.status = PurgeStatus.VERIFIED if check.ok else PurgeStatus.EXECUTED
        plan.save(update_fields=["status"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.SEARCH,
            obj=plan,
            reason=f"消去の検証: 残存 {len(findings)}件",
            username=check.by_system,
        )
    return check


def _project_models() -> Iterator[type[models.Model]]:
    """Every model of the project's apps, and whatever else an app declares: an undeclared
    column of a civicdesk app is searched all the same."""
    seen = set()
    project = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("civicdesk.")
        for model in config.get_models()
    ]
    for model in [*project, *(model for d in declarations() for model in d.scan_models)]:
        if model in seen or model in (PurgePlan, PurgeVerification) or not model._meta.managed:
            continue
        seen.add(model)
        yield model


_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)


def _database_hits(matcher: Matcher) -> Iterator[tuple[str, list[str], bool]]:
    """(place, kinds found, whether it is a remaining person's own name) for every non-empty
    text value; kinds is empty where nothing was found (the caller counts values)."""
    own_names = _own_name_columns()
    for model in _project_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, _TEXT_FIELDS) and not f.primary_key
        ]
        if not columns:
            continue
        declared = own_names.get(model._meta.label_lower)
        own = declared.names if declared else frozenset()
        extra = [declared.number] if declared else []
        rows = model._base_manager.order_by().values_list("pk", *extra, *columns)
        for pk, *row in rows.iterator(chunk_size=2000):
            number_purged = bool(extra) and "resident_no" in matcher.kinds(row.pop(0))
            for column, value in zip(columns, row, strict=True):
                text = _as_text(value)
                if not text:
                    continue
                kinds = matcher.kinds(text)
                place = f"{model._meta.db_table}.{column} #{pk}"
                yield place, kinds, column in own and not number_purged


def _as_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _skipped_files() -> set[Path]:
    """The database itself (searched through SQL above), the secret key and static files."""
    skipped = {Path(settings.VAR_DIR).resolve() / "secret_key"}
    name = str(settings.DATABASES["default"].get("NAME") or "")
    if name and connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            skipped.add(Path(name + suffix).resolve())
    return skipped


def _walk() -> Iterator[tuple[Path, str]]:
    seen: set[Path] = set()
    skipped = _skipped_files()
    static = Path(settings.STATIC_ROOT).resolve()
    for root, label in file_roots():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            resolved = path.resolve()
            if not resolved.is_file() or resolved in seen or resolved in skipped:
                continue
            if resolved.is_relative_to(static):
                continue
            seen.add(resolved)
            yield resolved, f"{label}/{resolved.relative_to(root)}"


def _file_hits(matcher: Matcher) -> Iterator[tuple[str, list[str]]]:
    for path, place in _walk():
        yield place, matcher.kinds(_file_text(path))


def _file_text(path: Path) -> str:
    """The text of a file as a person would read it: PDF text, the XML inside Excel / Word
    files, the content of gzip files, otherwise the bytes as UTF-8 and as CP932 (the two
    encodings of the data files)."""
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):  # a gzip'd dump or backup: search what it holds
        data = _gunzipped(data)
    if data.startswith(b"%PDF"):
        return _pdf_text(data)
    if data.startswith(b"PK") and zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(_decoded(archive.read(name)) for name in archive.namelist())
    return _decoded(data)


def _gunzipped(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError):
        return data


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "ignore") + "\n" + data.decode("cp932", "ignore")


def _pdf_text(data: bytes) -> str:
    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    except Exception:  # a damaged PDF is still searched as bytes
        return _decoded(data)
