"""Thin tasks over the ``monitor`` stages: ids in, a stage call, follow-ups after commit.

Two ways a crawl is started:

- a scheduler tick: ``crawl_feed(feed_id, window)``; its follow-up evaluates the units
  whose items changed; then alerts run at once and scores after the debounce, each
  followed by delivery;
- a cycle (``workers.dispatch.CeleryDispatcher.run_cycle``): every feed with the same
  ``cycle`` key; the crawl that finds all of the cycle's crawls done starts one
  evaluation of every unit, exactly what the embedded cycle does.

Stage imports are local to each task body: a worker for one queue loads only its stage.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from monitor import claims
from monitor.store.models import Feed, WorkClaim
from workers.app import (
    CRAWL_FEED,
    DELIVER_OUTBOX,
    EVALUATE_UNITS,
    PRUNE_CLAIMS,
    SCORE_PERIOD,
    SYNC_ALERTS,
    app,
    get_settings,
)
from workers.base import StageTask, TransientError

log = logging.getLogger(__name__)


def _ts(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        raise ValueError(f"naive timestamp in task arguments: {value!r}")
    return stamp.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def crawl_claim_key(feed_id: int, window: str, cycle: str | None) -> str:
    if cycle:
        return f"{cycle}:crawl:{feed_id}"
    return claims.crawl_key(feed_id, _ts(window))


class CrawlTask(StageTask):
    def on_give_up(self, exc: BaseException, args: Any, kwargs: Any) -> None:
        params = _crawl_params(*args, **kwargs)
        key = crawl_claim_key(params["feed_id"], params["window"], params["cycle"])
        try:
            with self.unit_of_work() as uow:
                if params["cycle"]:
                    # The cycle goes on without this feed; its failure is in the fetch table.
                    claims.complete(uow.session, key, owner=self.owner, now=claims.utcnow())
                else:
                    claims.release(uow.session, key, owner=self.owner)
            if params["cycle"]:
                with self.unit_of_work() as uow:
                    _cycle_fan_in(self, uow, params)
        except Exception:  # the store is what failed: the claim's TTL will free it
            log.exception("could not settle claim %s", key)


def _crawl_params(
    feed_id: int,
    window: str,
    as_of: str | None = None,
    cycle: str | None = None,
    cycle_size: int = 0,
) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "window": window,
        "as_of": as_of,
        "cycle": cycle,
        "cycle_size": cycle_size,
    }


@app.task(name=CRAWL_FEED, base=CrawlTask, bind=True)
def crawl_feed(
    self: CrawlTask,
    feed_id: int,
    window: str,
    as_of: str | None = None,
    cycle: str | None = None,
    cycle_size: int = 0,
) -> dict[str, Any]:
    """Crawl one feed for one scheduled window (or one cycle), once."""
    from monitor.crawl import crawl

    settings = get_settings()
    params = _crawl_params(feed_id, window, as_of, cycle, cycle_size)
    key = crawl_claim_key(feed_id, window, cycle)
    ttl = timedelta(seconds=settings.workers.claim_ttl_seconds)
    with self.unit_of_work() as uow:
        got = claims.claim(uow.session, key, owner=self.owner, now=claims.utcnow(), ttl=ttl)
    if not got.acquired:
        log.info("crawl %s already %s", key, got.state)
        return {"key": key, "skipped": got.state}
    now = _ts(as_of) if as_of else claims.utcnow()
    report = crawl(self.sessions, settings, feed_ids=[feed_id], now=now)
    with self.unit_of_work() as uow:
        if report.feeds and not _stored(uow.session, feed_id, now):
            # The crawl keeps going when storing a feed fails (the database went away
            # mid-write, say) and only reports it; here that means "not done yet".
            raise CrawlNotStored(f"feed {feed_id}: crawl not stored: {report.errors[-3:]}")
        claims.complete(uow.session, key, owner=self.owner, now=claims.utcnow())
        if not cycle and report.changed_unit_ids:
            uow.then(evaluate_units.s(sorted(report.changed_unit_ids), iso(now)))
    if cycle:
        with self.unit_of_work() as uow:
            _cycle_fan_in(self, uow, params)
    return {
        "key": key,
        "items_new": report.items_new,
        "items_changed": report.items_changed,
        "items_removed": report.items_removed,
        "failed": report.failed,
    }


class CrawlNotStored(TransientError):
    pass


def _stored(session: Any, feed_id: int, now: datetime) -> bool:
    """The crawl stores a feed's outcome with ``last_fetched_at = now`` in one transaction."""
    last = session.execute(select(Feed.last_fetched_at).where(Feed.id == feed_id)).scalar()
    return last is not None and last >= now


def _cycle_fan_in(task: StageTask, uow: Any, params: dict[str, Any]) -> None:
    """Called after this crawl's completion committed. Counting after the commit means
    the crawl that committed last always sees the whole cycle done; if two see it, the
    evaluation's claim lets one through."""
    cycle = params["cycle"]
    session = uow.session
    done = session.execute(
        select(func.count())
        .select_from(WorkClaim)
        .where(WorkClaim.key.like(f"{cycle}:crawl:%"), WorkClaim.done_at.is_not(None))
    ).scalar_one()
    if done < params["cycle_size"]:
        return
    uow.then(evaluate_units.s(None, params["as_of"], cycle=cycle))


@app.task(name=EVALUATE_UNITS, base=StageTask, bind=True)
def evaluate_units(
    self: StageTask, unit_ids: list[int] | None, as_of: str, cycle: str | None = None
) -> dict[str, Any]:
    """Run the rules for ``unit_ids`` (all units when None) as of ``as_of``."""
    from monitor.evaluate import evaluate

    settings = get_settings()
    with self.unit_of_work() as uow:
        if cycle:
            ttl = timedelta(seconds=settings.workers.claim_ttl_seconds)
            got = claims.claim(
                uow.session, f"{cycle}:evaluate", owner=self.owner, now=claims.utcnow(), ttl=ttl
            )
            if not got.acquired:
                return {"skipped": got.state}
    with self.unit_of_work() as uow:
        if unit_ids is None:
            claims.serialize(uow.session, "evaluate:all")
        else:
            units = [f"evaluate:{u}" for u in unit_ids]
            claims.serialize(uow.session, *units, shared="evaluate:all")
        report = evaluate(uow.session, settings, as_of=_ts(as_of), unit_ids=unit_ids)
        if cycle:
            claims.complete(uow.session, f"{cycle}:evaluate", owner=self.owner, now=claims.utcnow())
        uow.then(scoring_followup(as_of, debounce=0 if cycle else _debounce_seconds()))
        # Alerts follow from findings, not scores: an inspector hears of a finding as
        # soon as it is committed, without waiting for every unit to be rescored.
        uow.then(sync_alerts.s(as_of))
    return {
        "opened": len(report.opened),
        "cleared": len(report.cleared),
        "errors": len(report.errors),
    }


@app.task(name=SCORE_PERIOD, base=StageTask, bind=True)
def score_periods(
    self: StageTask, as_of: str, periods: list[str] | None = None, bucket: str | None = None
) -> dict[str, Any]:
    """Score every unit for ``periods`` (default: month, quarter and year of ``as_of``).
    With ``bucket``, only the first task of that debounce bucket scores."""
    from monitor.pipeline import score_periods as default_periods
    from monitor.scoring import compute_scores
    from rules.api import Period

    settings = get_settings()
    when = _ts(as_of)
    key = f"score:{bucket}" if bucket else None
    if key:
        ttl = timedelta(seconds=settings.workers.claim_ttl_seconds)
        with self.unit_of_work() as uow:
            got = claims.claim(uow.session, key, owner=self.owner, now=claims.utcnow(), ttl=ttl)
        if not got.acquired:
            return {"skipped": got.state, "bucket": bucket}
    chosen = (
        [Period.parse(p) for p in periods] if periods else default_periods(when, settings.timezone)
    )
    for period in chosen:
        with self.unit_of_work() as uow:
            claims.serialize(uow.session, f"score:{period.key}")
            compute_scores(uow.session, settings, period=period, as_of=when)
    with self.unit_of_work() as uow:
        if key:
            claims.complete(uow.session, key, owner=self.owner, now=claims.utcnow())
        # Scores queue score.updated messages for the assessment system.
        uow.then(deliver_outbox.s(as_of))
    return {"periods": [p.key for p in chosen]}


def _debounce_seconds() -> float:
    return get_settings().workers.followup_countdown


def scoring_followup(as_of: str, *, debounce: float, now: datetime | None = None) -> Any:
    """The score task that follows an evaluation. Without debounce it runs at once.
    With it, every evaluation finished inside one bucket of ``debounce`` seconds sends a
    task due at the bucket's end, keyed on the bucket: the first one scores (after all
    of the bucket's evaluations committed), the rest find the claim done."""
    if debounce <= 0:
        return score_periods.s(as_of)
    now = now or claims.utcnow()
    start = claims.EPOCH + ((now - claims.EPOCH) // timedelta(seconds=debounce)) * timedelta(
        seconds=debounce
    )
    end = start + timedelta(seconds=debounce)
    return score_periods.signature(
        (iso(end),), {"bucket": iso(start)}, countdown=(end - now).total_seconds()
    )


@app.task(name=SYNC_ALERTS, base=StageTask, bind=True)
def sync_alerts(self: StageTask, now: str) -> dict[str, Any]:
    """Open and resolve alerts from the findings; queue their notifications."""
    from monitor.alerts import sync_alerts as sync

    with self.unit_of_work() as uow:
        claims.serialize(uow.session, "alerts")
        sync(uow.session, get_settings(), now=_ts(now))
        uow.then(deliver_outbox.s(now))
    return {"now": now}


@app.task(name=DELIVER_OUTBOX, base=StageTask, bind=True)
def deliver_outbox(self: StageTask, now: str | None = None) -> dict[str, Any]:
    """Deliver what the outbox holds; one deliverer at a time, so nothing is sent twice."""
    from monitor.notify import deliver_outbox as deliver

    with claims.exclusive(self.engine, "outbox"):
        report = deliver(self.sessions, get_settings(), now=_ts(now) if now else None)
    return {"report": repr(report)[:500]}


# Claims only need to outlive duplicates and redeliveries of their window.
CLAIM_RETENTION = timedelta(days=7)


@app.task(name=PRUNE_CLAIMS, base=StageTask, bind=True)
def prune_claims(self: StageTask, now: str | None = None) -> dict[str, Any]:
    """Drop work claims older than a week (and never younger than the claim TTL)."""
    ttl = timedelta(seconds=get_settings().workers.claim_ttl_seconds)
    with self.unit_of_work() as uow:
        removed = claims.prune(uow.session, before=_ts(now) - max(CLAIM_RETENTION, ttl * 2))
    return {"removed": removed}
