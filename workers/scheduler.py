"""The scheduler process: it only enqueues, and exactly one of them does.

Every scheduler process stands by until it holds the leader lock in Redis (``SET NX PX``
through redis-py's ``Lock``), then runs an APScheduler ``BackgroundScheduler`` whose jobs
are rebuilt from the feed table every ``scheduler_sync_seconds``. The leader renews the
lock every third of its time to live; one that cannot renew stops scheduling at once,
and a standby takes over when the lock expires.

Jobs have stable ids (``crawl-feed-<id>``), coalesce missed runs into one, accept runs
up to ``scheduler_misfire_grace`` late, and add random jitter. Each tick enqueues the
feed's crawl for the *window* it belongs to (an aligned slot of the feed's interval,
shifted by a stable per-feed offset), so a tick fired twice (two leaders for a moment,
a failover catch-up) carries the same work key and the claim collapses it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from redis.exceptions import LockError, RedisError
from redis.lock import Lock
from sqlalchemy.orm import Session, sessionmaker

from monitor.claims import EPOCH
from monitor.flow import FeedSchedule, load_schedules
from monitor.metrics import SCHEDULER_LAG
from monitor.settings import Settings

log = logging.getLogger(__name__)

Enqueue = Callable[[int, datetime], None]
EnqueueEvaluate = Callable[[datetime], None]

SYNC_JOB = "sync-feeds"
EVALUATE_JOB = "evaluate-all"
PRUNE_JOB = "prune-claims"


def job_id(feed_id: int) -> str:
    return f"crawl-feed-{feed_id}"


class LeaderLock:
    """Exactly one holder at a time, for at most ``ttl`` seconds past its last renewal."""

    def __init__(self, client: redis.Redis, key: str, ttl: float) -> None:
        self._lock = Lock(client, key, timeout=ttl, blocking=False, thread_local=False)

    def acquire(self) -> bool:
        try:
            return bool(self._lock.acquire(blocking=False))
        except RedisError as exc:
            log.warning("scheduler lock: redis unavailable: %s", exc)
            return False

    def renew(self) -> bool:
        try:
            self._lock.reacquire()
            return True
        except (LockError, RedisError) as exc:
            log.warning("scheduler lock lost: %s", exc)
            return False

    def release(self) -> None:
        # Expired or Redis gone: either way it is no longer ours.
        with contextlib.suppress(LockError, RedisError):
            self._lock.release()


class SchedulerService:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        enqueue: Enqueue,
        enqueue_evaluate: EnqueueEvaluate | None = None,
        enqueue_prune: EnqueueEvaluate | None = None,
        client: redis.Redis | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.enqueue = enqueue
        self.enqueue_evaluate = enqueue_evaluate
        self.enqueue_prune = enqueue_prune
        self.clock = clock
        # The lock lives in the shared store (the broker's Redis unless the broker is
        # another kind, e.g. RabbitMQ, and shared_store_url names a Redis).
        self.client = client or redis.Redis.from_url(
            settings.shared_store or settings.broker_url, socket_timeout=5, socket_connect_timeout=5
        )
        w = settings.workers
        self.lock = LeaderLock(self.client, w.scheduler_lock_key, w.scheduler_lock_ttl)
        self.scheduler: BackgroundScheduler | None = None
        self.stopping = threading.Event()

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    # -- the jobs ---------------------------------------------------------------------

    def tick(self, feed_id: int, interval_minutes: int) -> None:
        now = self.clock()
        window = FeedSchedule(feed_id, interval_minutes, None).window(now)
        SCHEDULER_LAG.set(max((now - window).total_seconds(), 0.0))
        self.enqueue(feed_id, window)

    def evaluate_all(self) -> None:
        if self.enqueue_evaluate is not None:
            self.enqueue_evaluate(self.clock())

    def prune(self) -> None:
        if self.enqueue_prune is not None:
            self.enqueue_prune(self.clock())

    def sync_jobs(self, *, catch_up: bool = False) -> None:
        """Make the jobs match the feed table; with ``catch_up``, enqueue at once every
        feed whose current window has not been fetched (ticks missed while no
        scheduler led)."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        with self.sessions() as session:
            schedules = load_schedules(session)
        now = self.clock()
        w = self.settings.workers
        wanted = {job_id(s.feed_id): s for s in schedules}
        for job in scheduler.get_jobs():
            if job.id.startswith("crawl-feed-") and job.id not in wanted:
                job.remove()
        for jid, sched in wanted.items():
            existing = scheduler.get_job(jid)
            if existing is not None and existing.args == (sched.feed_id, sched.interval_minutes):
                continue
            scheduler.add_job(
                self.tick,
                IntervalTrigger(
                    minutes=sched.interval_minutes,
                    start_date=EPOCH + sched.offset,
                    timezone=UTC,
                    jitter=int(w.scheduler_jitter) or None,
                ),
                id=jid,
                name=f"crawl feed {sched.feed_id}",
                args=(sched.feed_id, sched.interval_minutes),
                replace_existing=True,
            )
            if existing is None and catch_up and sched.due(now):
                self.enqueue(sched.feed_id, sched.window(now))

    # -- leadership -------------------------------------------------------------------

    def _lead(self) -> None:
        w = self.settings.workers
        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": int(w.scheduler_misfire_grace),
                "max_instances": 1,
            },
        )
        self.scheduler = scheduler
        scheduler.add_job(
            self.sync_jobs,
            IntervalTrigger(seconds=w.scheduler_sync_seconds, timezone=UTC),
            id=SYNC_JOB,
            replace_existing=True,
        )
        if self.enqueue_evaluate is not None:
            scheduler.add_job(
                self.evaluate_all,
                IntervalTrigger(
                    minutes=w.scheduler_evaluate_minutes, start_date=EPOCH, timezone=UTC
                ),
                id=EVALUATE_JOB,
                replace_existing=True,
            )
        if self.enqueue_prune is not None:
            scheduler.add_job(
                self.prune,
                IntervalTrigger(hours=24, start_date=EPOCH, timezone=UTC),
                id=PRUNE_JOB,
                replace_existing=True,
            )
        scheduler.start()
        log.info("scheduler: leading")
        try:
            self.sync_jobs(catch_up=True)
        except Exception:
            log.exception("scheduler: first job sync failed; the periodic sync retries")

    def _step_down(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            log.info("scheduler: standing by")

    def run(self) -> None:
        """Stand by, lead, renew; until ``stop()``."""
        w = self.settings.workers
        renew_every = max(w.scheduler_lock_ttl / 3, 0.1)
        try:
            while not self.stopping.is_set():
                if not self.leading:
                    if self.lock.acquire():
                        self._lead()
                        continue
                    self.stopping.wait(w.scheduler_standby_poll)
                    continue
                started = time.monotonic()
                self.stopping.wait(renew_every)
                if self.stopping.is_set():
                    break
                # A renewal later than the TTL means the lock may already be someone
                # else's: step down rather than risk two leaders.
                late = time.monotonic() - started > w.scheduler_lock_ttl
                if late or not self.lock.renew():
                    self._step_down()
        finally:
            self._step_down()
            self.lock.release()

    def stop(self) -> None:
        self.stopping.set()
