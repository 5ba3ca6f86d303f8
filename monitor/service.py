"""``monitor run``: the long-running embedded service.

One process: an APScheduler background scheduler runs a pipeline cycle every
``settings.cycle_minutes`` over the feeds that are due, and uvicorn serves the
report, the API and /metrics in the foreground. The distributed mode splits the
same work into ``monitor scheduler`` + ``monitor worker`` + ``monitor web``.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from monitor.flow import due_feed_ids
from monitor.pipeline import CycleReport, run_cycle
from monitor.runtime import Runtime, build_runtime
from monitor.settings import Settings

log = logging.getLogger(__name__)
CYCLE_JOB_ID = "embedded-cycle"


def cycle_once(
    sessions: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    runtime: Runtime | None = None,
) -> CycleReport:
    """Crawl what is due, then evaluate, score, alert and deliver as of ``now``."""
    now = now or datetime.now(UTC)
    with sessions() as session:
        due = due_feed_ids(session, now)
    return run_cycle(
        sessions, settings, now=now, feed_ids=due, crawl_first=bool(due), runtime=runtime
    )


class EmbeddedService:
    """The scheduler half of ``monitor run``; the web half is uvicorn's."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, runtime: Runtime | None = None
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        # Built here, at the entry point: a broken ruleset stops the start, not a cycle.
        self.runtime = runtime or build_runtime(settings)
        self.cycles = 0
        self.failures = 0
        self._lock = threading.Lock()
        self.scheduler = BackgroundScheduler(timezone=UTC)

    def _job(self) -> None:
        # max_instances=1 already stops overlap; the lock also covers a manual run.
        with self._lock:
            try:
                report = cycle_once(self.sessions, self.settings, runtime=self.runtime)
                self.cycles += 1
                log.info("cycle %d done in %.1fs", self.cycles, report.seconds)
            except Exception:  # a failed cycle is logged and the next one runs
                self.failures += 1
                log.exception("cycle failed")

    def start(self) -> None:
        self.scheduler.add_job(
            self._job,
            "interval",
            minutes=self.settings.cycle_minutes,
            id=CYCLE_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(self.settings.cycle_minutes * 60),
            next_run_time=datetime.now(UTC) + timedelta(seconds=1),
        )
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
