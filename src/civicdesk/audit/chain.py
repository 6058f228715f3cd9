"""The hash chain behind the access log: how a link is computed and how the chain is checked."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from civicdesk.audit.models import AccessLogEntry, ChainHead

GENESIS_HASH = "0" * 64


def content_hash(entry: AccessLogEntry) -> str:
    content = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "fields": list(entry.fields),
        "reason": entry.reason,
        "ip_address": entry.ip_address,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}:{content}".encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Walk the whole log in order; name the first entry that was changed, removed or added."""
    expected_seq = 1
    prev = GENESIS_HASH
    count = 0
    entries = AccessLogEntry.objects.order_by("seq").iterator(chunk_size=2000)
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(
                False, count, expected_seq, f"通番 {expected_seq} の記録がありません（削除）"
            )
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.seq, "前の記録とのつながりが一致しません")
        if entry.content_hash != content_hash(entry):
            return ChainReport(False, count, entry.seq, "内容が記録時と一致しません（改ざん）")
        if entry.chain_hash != chain_hash(prev, entry.content_hash):
            return ChainReport(False, count, entry.seq, "連鎖ハッシュが一致しません")
        prev = entry.chain_hash
        expected_seq += 1
        count += 1
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != count or head_hash != prev:
        return ChainReport(
            False, count, count + 1, f"末尾の記録がありません（最終通番 {head_seq} のはず）"
        )
    return ChainReport(True, count)
