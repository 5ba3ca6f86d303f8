"""The embedded dispatcher: every stage in this process, one after the other.

crawl → evaluate → score → alerts → deliver. Each stage is idempotent and commits
its own work, so a cycle interrupted anywhere is simply run again. The distributed
dispatcher (``workers.dispatch``) runs the same stage functions as Celery tasks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import AlertReport, sync_alerts
from monitor.crawl import CrawlReport, crawl
from monitor.evaluate import EvaluateReport, evaluate
from monitor.metrics import LAST_CYCLE
from monitor.notify import DeliveryReport, deliver_outbox
from monitor.scoring import ScoreReport, compute_scores
from monitor.settings import Settings
from monitor.store.db import transaction
from monitor.store.models import Feed
from rules.api import Period

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    now: datetime
    crawl: CrawlReport | None = None
    evaluate: EvaluateReport | None = None
    scores: list[ScoreReport] = field(default_factory=list)
    alerts: AlertReport | None = None
    delivery: DeliveryReport | None = None
    seconds: float = 0.0


def score_periods(now: datetime, tz: str = "Asia/Shanghai") -> list[Period]:
    """The periods a cycle refreshes: the month, quarter and year that hold ``now``."""
    day = now.astimezone(ZoneInfo(tz)).date()
    return [Period.containing(day, kind) for kind in ("month", "quarter", "year")]


def due_feed_ids(session: Session, now: datetime) -> list[int]:
    """Enabled feeds whose interval has passed since their last fetch."""
    rows = session.execute(
        select(Feed.id, Feed.last_fetched_at, Feed.interval_minutes).where(Feed.enabled)
    ).all()
    return [
        fid
        for fid, last, minutes in rows
        if last is None or (now - last).total_seconds() >= minutes * 60
    ]


def run_cycle(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    feed_ids: Sequence[int] | None = None,
    periods: Sequence[Period] | None = None,
    crawl_first: bool = True,
) -> CycleReport:
    started = time.perf_counter()
    report = CycleReport(now=now)
    if crawl_first:
        report.crawl = crawl(sessions, settings, feed_ids=feed_ids, now=now)
    # Time-based rules (stale columns, silent units) change with the clock alone, so
    # a cycle evaluates every unit, not only the ones whose items changed.
    with transaction(sessions) as session:
        report.evaluate = evaluate(session, settings, as_of=now)
    for period in periods or score_periods(now, settings.timezone):
        with transaction(sessions) as session:
            report.scores.append(compute_scores(session, settings, period=period, as_of=now))
    with transaction(sessions) as session:
        report.alerts = sync_alerts(session, settings, now=now)
    report.delivery = deliver_outbox(sessions, settings, now=now)
    report.seconds = time.perf_counter() - started
    LAST_CYCLE.set(time.time())
    log.info("cycle done in %.1fs", report.seconds)
    return report
