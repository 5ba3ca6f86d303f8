"""The stage graph, declared once: crawl → evaluate → alerts and score → deliver.

Both ways of running it read this module. The embedded cycle (``monitor.pipeline``)
walks the graph in order in one process; the distributed mode (``workers``) turns each
stage into a Celery task and sends, after a stage committed, the tasks of the stages
that follow it (``FOLLOWS``). What a stage does is in ``monitor.stages``; when a feed is
due is decided here, by ``due``, for the embedded service and the scheduler alike.

``monitor`` never imports ``workers``: the distributed commands find their backend
through ``settings.workers.entry`` (``load_backend``).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.claims import feed_offset, window_start
from monitor.store.models import Feed
from rules.api import Period

if TYPE_CHECKING:
    from monitor.settings import Settings


class Stage(StrEnum):
    CRAWL = "crawl"
    EVALUATE = "evaluate"
    ALERTS = "alerts"
    SCORE = "score"
    DELIVER = "deliver"


# What each stage follows. Alerts follow findings, not scores: an inspector hears of a
# finding as soon as it is committed, without waiting for every unit to be rescored.
FOLLOWS: dict[Stage, tuple[Stage, ...]] = {
    Stage.CRAWL: (),
    Stage.EVALUATE: (Stage.CRAWL,),
    Stage.ALERTS: (Stage.EVALUATE,),
    Stage.SCORE: (Stage.EVALUATE,),
    Stage.DELIVER: (Stage.ALERTS, Stage.SCORE),
}


def followers(stage: Stage) -> tuple[Stage, ...]:
    """The stages that run after ``stage``, in the graph's declaration order."""
    return tuple(s for s, before in FOLLOWS.items() if stage in before)


def order() -> list[Stage]:
    """The stages in an order that respects ``FOLLOWS`` (what one process runs)."""
    done: list[Stage] = []
    pending = list(FOLLOWS)
    while pending:
        ready = [s for s in pending if all(b in done for b in FOLLOWS[s])]
        if not ready:
            raise ValueError(f"the stage graph has a cycle among {pending}")
        done.extend(ready)
        pending = [s for s in pending if s not in ready]
    return done


@dataclass(frozen=True)
class FeedSchedule:
    """One enabled feed as the schedule sees it."""

    feed_id: int
    interval_minutes: int
    last_fetched_at: datetime | None

    @property
    def offset(self) -> timedelta:
        return feed_offset(self.feed_id, self.interval_minutes)

    def window(self, when: datetime) -> datetime:
        return window_start(when, self.interval_minutes, self.offset)

    def due(self, now: datetime) -> bool:
        return due(self.feed_id, self.interval_minutes, self.last_fetched_at, now)


def due(
    feed_id: int, interval_minutes: int, last_fetched_at: datetime | None, now: datetime
) -> bool:
    """A feed is due when it was not fetched since the schedule window holding ``now``
    began. Windows are ``interval`` long with a stable per-feed offset (claims.py), so
    a feed is crawled once per window by either mode, and a tick fired late still
    counts for the window it was meant for."""
    if last_fetched_at is None:
        return True
    return last_fetched_at < window_start(
        now, interval_minutes, feed_offset(feed_id, interval_minutes)
    )


def load_schedules(session: Session) -> list[FeedSchedule]:
    rows = session.execute(
        select(Feed.id, Feed.interval_minutes, Feed.last_fetched_at)
        .where(Feed.enabled)
        .order_by(Feed.id)
    ).all()
    return [FeedSchedule(int(fid), max(int(m or 1), 1), last) for fid, m, last in rows]


def due_feed_ids(session: Session, now: datetime) -> list[int]:
    """Enabled feeds that are due at ``now`` (``due``)."""
    return [s.feed_id for s in load_schedules(session) if s.due(now)]


def cycle_feed_ids(session: Session, feed_ids: Sequence[int] | None) -> list[int]:
    """The enabled feeds a cycle crawls: all of them, or those of ``feed_ids``."""
    query = select(Feed.id).where(Feed.enabled).order_by(Feed.id)
    if feed_ids is not None:
        query = query.where(Feed.id.in_(list(feed_ids)))
    return [int(i) for i in session.execute(query).scalars()]


def score_periods(now: datetime, tz: str = "Asia/Shanghai") -> list[Period]:
    """The periods a cycle refreshes: the month, quarter and year that hold ``now``."""
    day = now.astimezone(ZoneInfo(tz)).date()
    return [Period.containing(day, kind) for kind in ("month", "quarter", "year")]


class Dispatcher(Protocol):
    """Runs one cycle of the graph: in this process (``monitor.pipeline``) or as
    messages to workers (``workers.dispatch``)."""

    def run_cycle(
        self,
        sessions: sessionmaker[Session],
        *,
        now: datetime,
        feed_ids: Sequence[int] | None = None,
    ) -> Any: ...


class Backend(Protocol):
    """What the distributed commands (``monitor worker``/``scheduler``/``enqueue-cycle``)
    need from the package that runs stages remotely."""

    queues: tuple[str, ...]

    def run_worker(self, settings: Settings, argv: list[str]) -> None: ...

    def dispatcher(self, settings: Settings) -> Any: ...

    def scheduler(self, settings: Settings, sessions: sessionmaker[Session]) -> Any: ...


def load_backend(settings: Settings) -> Backend:
    """The object named by ``settings.workers.entry`` ("module:attribute")."""
    module, _, attribute = settings.workers.entry.partition(":")
    if not module or not attribute:
        raise ValueError(
            f"workers.entry must be 'module:attribute', not {settings.workers.entry!r}"
        )
    found: Backend = getattr(importlib.import_module(module), attribute)
    return found
