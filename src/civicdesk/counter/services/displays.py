"""Display devices (表示端末): the waiting-room and cashier screens open their public page with
a device key. The key is made here, shown once, and only its SHA-256 is kept; revoking a
device refuses its next request (403)."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.models import Municipality
from civicdesk.counter.choices import DisplayKind
from civicdesk.counter.models import DisplayDevice

KEY_BYTES = 32
NAME_MAX = DisplayDevice._meta.get_field("name").max_length


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def register_display(
    *, acting_user, municipality: Municipality | None, name: str, kind: str
) -> tuple[DisplayDevice, str]:
    """A new screen of ``kind`` (待合表示 or 会計呼び出し): the device and its key, which is
    never stored and cannot be shown again (a lost key means registering the screen anew)."""
    if municipality is None:
        raise ValidationError("自治体が登録されていません。管理画面で自治体を登録してください。")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "名称を入力してください（例: 1階待合 東側）。"
    elif len(name) > NAME_MAX:
        errors["name"] = f"名称は{NAME_MAX}文字以内にしてください。"
    if kind not in DisplayKind.values:
        labels = "・".join(DisplayKind.labels)
        errors["kind"] = f"種類は{labels}のいずれかを選んでください。"
    if errors:
        raise ValidationError(errors)
    key = secrets.token_urlsafe(KEY_BYTES)
    with transaction.atomic():
        device = DisplayDevice.objects.create(
            municipality=municipality, name=name, kind=kind, key_hash=key_sha256(key)
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=device,
            reason=f"表示端末の登録（{device}）",
        )
    return device, key


def revoke_display(*, acting_user, device: DisplayDevice) -> DisplayDevice:
    """Stop a screen: its key is refused from the next request on. Revoking twice changes
    nothing."""
    with transaction.atomic():
        locked = DisplayDevice.objects.select_for_update().get(pk=device.pk)
        if not locked.active:
            return locked
        locked.active = False
        locked.save(update_fields=["active"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["active"],
            reason=f"表示端末の停止（{locked}）",
        )
    return locked
