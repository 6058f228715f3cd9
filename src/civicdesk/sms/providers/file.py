"""The outbox: one JSON line per message in a file (the demo and tests; nothing is sent).

Keys already in the file are answered with their first id, so a resend after a crash writes
nothing: the outbox deduplicates like a real provider that keeps idempotency keys.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from django.utils import timezone

from civicdesk.sms.providers.base import Accepted, OutgoingMessage, Provider, TemporaryError


class FileProvider(Provider):
    name = "file"
    deduplicates = True

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        # key → id of the lines read so far, and where reading stopped: each send reads only
        # what other processes appended since (a batch of 30,000 would otherwise read the
        # file 30,000 times).
        self._ids: dict[str, str] = {}
        self._offset = 0
        self._last_line = b""  # the line that ends at _offset: proves the file is the same

    def send(self, message: OutgoingMessage) -> Accepted:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a+b") as outbox:
                # Two workers on one outbox: the lock makes "look up, then append" one step.
                fcntl.flock(outbox, fcntl.LOCK_EX)
                self._read_new_lines(outbox)
                if message.key in self._ids:
                    return Accepted(provider_message_id=self._ids[message.key])
                message_id = f"file-{message.key}"
                entry = {
                    "id": message_id,
                    "key": message.key,
                    "to": message.to,
                    "text": message.text,
                    "at": timezone.now().isoformat(),
                }
                line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
                outbox.write(line)
                outbox.flush()
                os.fsync(outbox.fileno())
                self._ids[message.key] = message_id
                self._offset, self._last_line = outbox.tell(), line
        except OSError as error:
            raise TemporaryError(
                f"送信箱に書き込めません: {self.path} ({error.strerror or error})", "outbox"
            ) from None
        return Accepted(provider_message_id=message_id)

    def _read_new_lines(self, outbox) -> None:
        if not self._same_file(outbox):
            self._ids.clear()
            self._offset, self._last_line = 0, b""
        outbox.seek(self._offset)
        for line in outbox.read().splitlines(keepends=True):
            self._last_line = line
            if line.strip():
                entry = json.loads(line)
                self._ids[entry["key"]] = entry["id"]
        self._offset = outbox.tell()

    def _same_file(self, outbox) -> bool:
        """False when the outbox was emptied or replaced (reset, rotated) since the last send:
        reading on from the old offset would start inside a line of the new file. Inode
        numbers are reused at once, so the line that ended there is compared instead."""
        size = outbox.seek(0, os.SEEK_END)
        if size < self._offset:
            return False
        outbox.seek(self._offset - len(self._last_line))
        return outbox.read(len(self._last_line)) == self._last_line


def read_outbox(path: str | os.PathLike) -> list[dict]:
    """Every message in an outbox file (the demo's page and tests read it back)."""
    path = Path(path)
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as outbox:
        return [json.loads(line) for line in outbox if line.strip()]
