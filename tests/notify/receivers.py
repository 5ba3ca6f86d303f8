"""Real receivers on 127.0.0.1 for delivery tests: an HTTP webhook endpoint that can
go down and come back on the same port, and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from monitor.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Records every request; ``processed`` keeps one entry per idempotency key, as a
    well-behaved receiver would. ``fail_next`` answers 500 after recording (a lost
    answer); ``secret`` makes it reject bad signatures with 401."""

    secret: str | None = None
    port: int = field(default_factory=free_port)
    requests: list[Received] = field(default_factory=list)
    processed: dict[str, bytes] = field(default_factory=dict)
    fail_next: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                status = receiver.handle(Received(self.path, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, req: Received) -> int:
        with self._lock:
            self.requests.append(req)
            if self.secret is not None and not verify(
                self.secret,
                req.headers.get(TIMESTAMP_HEADER, ""),
                req.body,
                req.headers.get(SIGNATURE_HEADER, ""),
            ):
                return 401
            key = req.headers.get(IDEMPOTENCY_HEADER, "")
            self.processed.setdefault(key, req.body)
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500
            return 200


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[tuple[str, list[str], bytes]]:
        return self.inbox.messages
