"""An in-process cache of the public report's computed data (rankings, trends,
charts), keyed on a cheap "data version" of the store: scores and units change only
when scores are recomputed or units imported, while the report is read hundreds of
times a second. The version is re-read at most every ``check_seconds``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import Score, Unit

T = TypeVar("T")

# Bounds memory: a crawler walking every (period, parent) combination cannot grow it
# past this; the whole cache is dropped when full (entries are cheap to recompute).
MAX_ENTRIES = 2048


def data_version(session: Session) -> tuple[Any, ...]:
    """What the score-derived report depends on, in one query. Scores are inserted
    or replaced in place (same as-of), so the count, the highest id and the latest
    computation time together change whenever a score does."""
    scores = session.execute(
        select(func.count(Score.id), func.max(Score.id), func.max(Score.computed_at))
    ).one()
    units = session.execute(select(func.count(Unit.id), func.max(Unit.id))).one()
    return (*scores, *units)


class ReportCache:
    """Thread-safe memo of report computations for the current data version."""

    def __init__(self, check_seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._checked_at = float("-inf")
        self._entries: dict[Hashable, Any] = {}

    def _refresh(self, session: Session) -> None:
        now = self._clock()
        if now - self._checked_at < self.check_seconds:
            return
        version = data_version(session)
        with self._lock:
            self._checked_at = now
            if version != self._version:
                self._version = version
                self._entries = {}

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for KEY, computed with COMPUTE if the data changed since."""
        self._refresh(session)
        entries = self._entries
        if key in entries:
            return entries[key]
        value = compute()
        with self._lock:
            if entries is self._entries:  # not invalidated while computing
                if len(entries) >= MAX_ENTRIES:
                    entries.clear()
                entries[key] = value
        return value
