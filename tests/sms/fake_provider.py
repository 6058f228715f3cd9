"""A fake SMS service on loopback that speaks the generic HTTP provider's JSON.

It keeps idempotency keys as a real service must: a repeated key is answered with the first
message's id and delivers nothing new. Each request can be made to fail (an HTTP status), to
be accepted and then answered too late (the client times out: the message went out anyway), or
to be accepted and then held until the test lets go (the worker is killed meanwhile).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-sms-token-0123456789abcdef0123456789"


class FakeSmsService:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: dict[str, dict] = {}  # key → {"id", "to", "text"}: what reached people
        self.requests: list[dict] = []  # every request, in order
        self.plan: deque = deque()  # per coming request: ("status", N) | ("late", s) | ("hold",)
        self.held = threading.Event()  # set when a request is being held
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # A short poll: shutdown() waits for the loop's next look (by default half a second).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- What the next requests meet ---------------------------------------------------------

    def fail_next(self, count: int, status: int = 500) -> None:
        self.plan.extend([("status", status)] * count)

    def answer_late(self, count: int, seconds: float) -> None:
        """Accept, then answer after ``seconds`` (longer than the client waits)."""
        self.plan.extend([("late", seconds)] * count)

    def hold_after(self, count: int) -> None:
        """Accept ``count`` requests normally, then accept the next one and hold its answer."""
        self.plan.extend([("ok",)] * count)
        self.plan.append(("hold",))

    # --- What reached people -----------------------------------------------------------------

    def delivered_per_number(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in self.accepted.values():
            counts[message["to"]] = counts.get(message["to"], 0) + 1
        return counts

    # --- The server ----------------------------------------------------------------------------

    def _handle(self, headers, body: bytes) -> tuple[int, dict, tuple | None]:
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "bad token"}, None
        data = json.loads(body)
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append({"key": key, **data})
            step = self.plan.popleft() if self.plan else ("ok",)
            if step[0] == "status":
                return step[1], {"error": f"fake failure {step[1]}"}, None
            if not data.get("to", "").startswith("+81"):
                return 400, {"error": "invalid number"}, None
            first = self.accepted.setdefault(
                key,
                {"id": f"fake-{len(self.accepted) + 1}", "to": data["to"], "text": data["text"]},
            )
        return 200, {"id": first["id"]}, step

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer, step = service._handle(self.headers, body)
                if step and step[0] == "late":
                    time.sleep(step[1])
                elif step and step[0] == "hold":
                    service.held.set()
                    service.release.wait(30)
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or was killed

            def log_message(self, *args):
                pass

        return Handler
