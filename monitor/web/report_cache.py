"""An in-process cache of the public report's computed data (rankings, trends,
charts), keyed on a cheap "data version" of the store: scores and units change only
when scores are recomputed or units imported, while the report is read hundreds of
times a second. The version is re-read at most every ``check_seconds``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import Finding, Item, ItemVersion, Score, Unit

T = TypeVar("T")

# Bounds memory: a crawler walking every (period, parent) combination cannot grow it
# past this; the whole cache is dropped when full (entries are cheap to recompute).
MAX_ENTRIES = 2048


def _aggregates(*columns: Any) -> Any:
    return [select(c).scalar_subquery() for c in columns]


def data_version(session: Session) -> dict[str, tuple[Any, ...]]:
    """What the report depends on, in one query, per scope: "scores" (rankings,
    trends: scores and units) and "content" (unit pages: also findings and the
    disclosure history). Scores are inserted or replaced in place (same as-of), so
    the count, the highest id and the latest computation time together change
    whenever a score does; likewise for findings and items."""
    values = session.execute(
        select(
            *_aggregates(
                func.count(Score.id),
                func.max(Score.id),
                func.max(Score.computed_at),
                func.count(Unit.id),
                func.max(Unit.id),
                func.count(Finding.id),
                func.max(Finding.id),
                func.max(Finding.last_seen),
                func.max(Finding.cleared_at),
                select(func.count(Finding.id)).where(Finding.status == "open").scalar_subquery(),
                func.count(Item.id),
                func.max(Item.id),
                func.max(Item.removed_at),
                select(func.count(Item.id)).where(Item.removed_at.is_not(None)).scalar_subquery(),
                func.max(ItemVersion.id),
            )
        )
    ).one()
    return {"scores": tuple(values[:5]), "content": tuple(values)}


class ReportCache:
    """Thread-safe memo of report computations for the current data version."""

    def __init__(self, check_seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._compute_lock = threading.RLock()
        self._version: dict[str, tuple[Any, ...]] = {}
        self._checked_at = float("-inf")
        self._entries: dict[Hashable, tuple[tuple[Any, ...], Any]] = {}

    def _current(self, session: Session) -> dict[str, tuple[Any, ...]]:
        now = self._clock()
        if now - self._checked_at >= self.check_seconds:
            version = data_version(session)
            with self._lock:
                self._checked_at = now
                self._version = version
        return self._version

    def get(
        self,
        session: Session,
        key: Hashable,
        compute: Callable[[], T],
        *,
        scope: Literal["scores", "content"] = "scores",
    ) -> T:
        """The value for KEY, computed with COMPUTE if the data of SCOPE changed since."""
        version = self._current(session)[scope]
        hit = self._entries.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        # One computation at a time: when the data changes, the requests that arrive
        # together wait for the first one's result instead of all recomputing it.
        # Reentrant: a page's computation asks for the report data inside it.
        with self._compute_lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == version:
                return hit[1]
            value = compute()
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (version, value)
        return value
