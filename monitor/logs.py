"""Logging setup: plain text or one JSON object per line, with task and feed context.

Context is carried in context variables, so a task binds its id once (``log_context``)
and every record logged under it, in any module, carries it."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from monitor.redact import RedactSecrets
from monitor.settings import Settings

_context: ContextVar[dict[str, Any] | None] = ContextVar("monitor_log_context", default=None)

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI copy of the message
}


def current_context() -> dict[str, Any]:
    return dict(_context.get() or {})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind fields (``task_id=…``, ``feed_id=…``) to every record logged inside."""
    token = _context.set({**current_context(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                data[key] = value
        if record.exc_info or record.exc_text:
            # exc_text first: a filter (monitor.redact.RedactSecrets) may have masked it.
            data["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED}
        if extra:
            line += " " + " ".join(f"{k}={v}" for k, v in sorted(extra.items()))
        return line


# Loggers that see notification channel URLs, whose tokens are masked in every record.
REDACTED_LOGGERS = ("monitor.notify", "apprise", "urllib3", "requests")


def setup_logging(settings: Settings, *, level: int = logging.INFO, stream: Any = None) -> None:
    """Configure the root logger once at an entry point (CLI, worker, web)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactSecrets(REDACTED_LOGGERS))
    if settings.log_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_monitor", False):
            root.removeHandler(old)
    handler._monitor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
