"""The embedded dispatcher: every stage of ``monitor.flow`` in this process, in the
graph's order (crawl → evaluate → alerts, score → deliver).

Each stage is idempotent and commits its own work, so a cycle interrupted anywhere is
simply run again. The distributed dispatcher (``workers.dispatch``) sends the same
graph's stages to Celery workers (``monitor.stages``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import AlertReport, sync_alerts
from monitor.annual.sync import SyncReport, sync_annual_reports
from monitor.crawl import CrawlReport, crawl
from monitor.evaluate import EvaluateReport, evaluate
from monitor.flow import Stage, due_feed_ids, order, score_periods
from monitor.metrics import LAST_CYCLE
from monitor.notify import DeliveryReport, deliver_outbox
from monitor.runtime import Runtime, build_runtime
from monitor.scoring import ScoreReport, compute_scores
from monitor.settings import Settings
from monitor.store.db import transaction
from rules.api import Period

__all__ = ["CycleReport", "InProcessDispatcher", "due_feed_ids", "run_cycle", "score_periods"]

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    now: datetime
    crawl: CrawlReport | None = None
    annual: SyncReport | None = None  # annual reports found, read and audited
    evaluate: EvaluateReport | None = None
    scores: list[ScoreReport] = field(default_factory=list)
    alerts: AlertReport | None = None
    delivery: DeliveryReport | None = None
    seconds: float = 0.0


def run_cycle(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    feed_ids: Sequence[int] | None = None,
    periods: Sequence[Period] | None = None,
    crawl_first: bool = True,
    runtime: Runtime | None = None,
) -> CycleReport:
    """One cycle of the stage graph in this process. ``runtime`` is built once by the
    entry point (here when not given)."""
    started = time.perf_counter()
    report = CycleReport(now=now)
    rt = runtime or build_runtime(settings)
    for stage in order():
        if stage is Stage.CRAWL and not crawl_first:
            continue
        _run_stage(stage, report, sessions, rt, feed_ids=feed_ids, periods=periods)
    report.seconds = time.perf_counter() - started
    LAST_CYCLE.set(time.time())
    log.info("cycle done in %.1fs", report.seconds)
    return report


def _run_stage(
    stage: Stage,
    report: CycleReport,
    sessions: sessionmaker[Session],
    rt: Runtime,
    *,
    feed_ids: Sequence[int] | None,
    periods: Sequence[Period] | None,
) -> None:
    now, settings = report.now, rt.settings
    if stage is Stage.CRAWL:
        report.crawl = crawl(sessions, settings, feed_ids=feed_ids, now=now)
        with transaction(sessions) as session:  # new annual reports read and audited
            report.annual = sync_annual_reports(session, settings, now=now)
    elif stage is Stage.EVALUATE:
        # Time-based rules (stale columns, silent units) change with the clock alone,
        # so a cycle evaluates every unit, not only the ones whose items changed.
        with transaction(sessions) as session:
            report.evaluate = evaluate(session, settings, as_of=now, runtime=rt)
    elif stage is Stage.SCORE:
        for period in periods or score_periods(now, settings.timezone):
            with transaction(sessions) as session:
                scored = compute_scores(
                    session, settings, period=period, as_of=now, scheme=rt.scheme
                )
                report.scores.append(scored)
    elif stage is Stage.ALERTS:
        with transaction(sessions) as session:
            report.alerts = sync_alerts(session, settings, now=now)
    elif stage is Stage.DELIVER:
        report.delivery = deliver_outbox(sessions, settings, now=now)


class InProcessDispatcher:
    """The ``flow.Dispatcher`` of one process: ``run_cycle`` with fixed settings."""

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        self.settings = settings
        self.runtime = runtime or build_runtime(settings)

    def run_cycle(
        self,
        sessions: sessionmaker[Session],
        *,
        now: datetime,
        feed_ids: Sequence[int] | None = None,
    ) -> CycleReport:
        return run_cycle(sessions, self.settings, now=now, feed_ids=feed_ids, runtime=self.runtime)
