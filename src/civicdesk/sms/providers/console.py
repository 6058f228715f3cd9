"""Development: print each message to standard output instead of sending it."""

from __future__ import annotations

import sys
import uuid

from civicdesk.sms.providers.base import Accepted, OutgoingMessage, Provider


class ConsoleProvider(Provider):
    name = "console"
    # Nothing leaves the machine; a message found 送信中 after a crash is shown as 不明.
    deduplicates = False

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message: OutgoingMessage) -> Accepted:
        stream = self.stream or sys.stdout
        stream.write(f"[SMS] to={message.to} key={message.key}\n{message.text}\n")
        stream.flush()
        return Accepted(provider_message_id=f"console-{uuid.uuid4().hex}")
