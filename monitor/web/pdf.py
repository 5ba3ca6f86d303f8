"""The public report (or a unit page) as a PDF for the assessment meeting: the same
page the web serves, printed on A4 by headless Chromium through its print stylesheet.

The app is served on a loopback port for the time of the print; nothing else listens."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings

CHROMIUM_ENV = "MONITOR_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


class PdfError(RuntimeError):
    """No browser to print with, or it failed: said in one line."""


def find_chromium() -> str:
    for name in (os.environ.get(CHROMIUM_ENV), *_CANDIDATES):
        found = shutil.which(name) if name else None
        if found:
            return found
    raise PdfError(f"no Chromium found: install chromium or set {CHROMIUM_ENV}")


def page_path(period: str, unit: str | None, lang: str) -> str:
    query = urlencode({"period": period, "lang": lang})
    return f"/units/{unit}?{query}" if unit else f"/?{query}"


@contextmanager
def _served(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[str]:
    import uvicorn

    from monitor.web import create_app

    # A key of its own: nobody signs in to the printed page.
    app = create_app(
        settings.model_copy(update={"secret_key": secrets.token_urlsafe(48)}), sessions
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise PdfError("the report server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def print_pdf(
    settings: Settings,
    sessions: sessionmaker[Session],
    path: str,
    output: Path,
    *,
    chromium: str | None = None,
    timeout: float = 120.0,
) -> int:
    """Print the page at PATH to OUTPUT; returns the PDF's size in bytes."""
    browser = chromium or find_chromium()
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    with _served(settings, sessions) as base:
        args = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--print-to-pdf={output}",
            base + path,
        ]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish printing in {timeout:g} s") from exc
    if done.returncode != 0 or not output.exists() or output.stat().st_size == 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise PdfError(f"Chromium could not print the page (exit {done.returncode}): {tail[0]}")
    return output.stat().st_size
