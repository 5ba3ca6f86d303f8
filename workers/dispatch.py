"""The Celery dispatcher: the distributed ``monitor.flow.Dispatcher`` (the embedded one
is ``monitor.pipeline``).

Both run the same stage graph; this one only sends the first messages, and each task
sends the stages that follow it (``workers.tasks``). Nothing here waits for
work to finish except ``wait_idle``, which scripts and tests use to know a run is over.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.broker_queues import DELAYED_QUEUES, BrokerUnavailable, is_redis_url, queue_depths
from monitor.flow import cycle_feed_ids
from monitor.settings import Settings
from monitor.store.models import WorkClaim
from workers import tasks
from workers.app import QUEUES, configure
from workers.base import PUBLISH_RETRY

SCHEDULER_PUBLISH_RETRY = {"max_retries": 3, "interval_start": 0.5, "interval_step": 1.0}


def _count(reply: Any) -> int:
    # redis-py types replies as "int or awaitable" for its async twin; this is sync.
    return int(reply)


@dataclass(frozen=True)
class Dispatched:
    cycle: str
    feeds: int


class CeleryDispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = configure(settings)

    def enqueue_crawl(
        self, feed_id: int, window: datetime, *, as_of: datetime | None = None
    ) -> None:
        """One scheduled crawl of one feed; the window is the schedule slot it belongs to.
        Publishing gives up after a few tries: the next tick (or the failover catch-up)
        sends it again, and a scheduler must not hang on a broker outage."""
        tasks.crawl_feed.apply_async(
            (feed_id, tasks.iso(window)),
            {"as_of": tasks.iso(as_of) if as_of else None},
            retry=True,
            retry_policy=SCHEDULER_PUBLISH_RETRY,
        )

    def enqueue_prune(self, now: datetime) -> None:
        tasks.prune_claims.apply_async(
            (tasks.iso(now),), retry=True, retry_policy=SCHEDULER_PUBLISH_RETRY
        )

    def enqueue_evaluate_all(self, now: datetime) -> None:
        tasks.evaluate_units.apply_async(
            (None, tasks.iso(now)), retry=True, retry_policy=SCHEDULER_PUBLISH_RETRY
        )

    def run_cycle(
        self,
        sessions: sessionmaker[Session],
        *,
        now: datetime,
        feed_ids: Sequence[int] | None = None,
    ) -> Dispatched:
        """What ``monitor.pipeline.run_cycle`` does, as messages: crawl the feeds, then
        (when the last crawl is done) evaluate every unit, score, alert and deliver."""
        with sessions() as session:
            ids = cycle_feed_ids(session, feed_ids)
        cycle = f"cycle:{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}:{uuid.uuid4().hex[:8]}"
        if not ids:
            tasks.evaluate_units.apply_async(
                (None, tasks.iso(now)), retry=True, retry_policy=PUBLISH_RETRY
            )
        for fid in ids:
            tasks.crawl_feed.apply_async(
                (fid, tasks.iso(now)),
                {"as_of": tasks.iso(now), "cycle": cycle, "cycle_size": len(ids)},
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
        return Dispatched(cycle=cycle, feeds=len(ids))

    def key(self, name: str) -> str:
        """A broker key as it is stored in Redis (with the deployment's prefix)."""
        return self.settings.workers.broker_key_prefix + name

    def queue_depths(self, queues: Sequence[str] = QUEUES) -> dict[str, int]:
        """Messages waiting per queue, asked of the broker (Redis or RabbitMQ)."""
        return queue_depths(
            self.settings.broker_url,
            key_prefix=self.settings.workers.broker_key_prefix,
            queues=queues,
        )

    def cycle_evaluated(self, sessions: sessionmaker[Session], cycle: str) -> bool:
        with sessions() as session:
            done = session.execute(
                select(func.count())
                .select_from(WorkClaim)
                .where(WorkClaim.key == f"{cycle}:evaluate", WorkClaim.done_at.is_not(None))
            ).scalar_one()
        return bool(done)

    def wait_idle(self, *, timeout: float, settle: float = 2.0) -> bool:
        """True once every queue stayed empty and no task was held by a worker for
        ``settle`` seconds."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            try:
                busy = self._waiting() + self._held()
            except (BrokerUnavailable, redis.exceptions.RedisError, OSError):
                busy = 1  # a broker that cannot answer is not known to be idle
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return True
            time.sleep(0.2)
        return False

    def _waiting(self) -> int:
        """Ready messages; on RabbitMQ also countdowns parked in the delay queues (on
        Redis a countdown is held by a worker and counted by ``_held``)."""
        names = QUEUES if is_redis_url(self.settings.broker_url) else QUEUES + DELAYED_QUEUES
        return sum(self.queue_depths(names).values())

    def _held(self) -> int:
        """Messages taken by a worker and not yet acknowledged. Redis keeps them in
        kombu's ``unacked`` hash; RabbitMQ's count is only in its management API (not
        always enabled), so the workers are asked what they hold instead."""
        if is_redis_url(self.settings.broker_url):
            client = redis.Redis.from_url(self.settings.broker_url, socket_timeout=2)
            try:
                return _count(client.hlen(self.key("unacked")))
            finally:
                client.close()
        inspect = self.app.control.inspect(timeout=1.0)
        held = 0
        for reply in (inspect.active(), inspect.reserved()):
            held += sum(len(tasks) for tasks in (reply or {}).values())
        return held
