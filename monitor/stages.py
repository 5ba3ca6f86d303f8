"""The stages of ``monitor.flow`` as the distributed mode runs them: ids in, one stage's
work done under its claim, and the follow-ups it asks for (``Next``) out.

Each function commits its own transactions before it returns, so whoever sends the
follow-ups (``workers.tasks``) sends them after the commit: a worker never sees a row
that was rolled back. Claims (``monitor.claims``) make duplicates and redeliveries
harmless; the fan-in of a cycle (the crawl that finds all of the cycle's crawls done
starts the one evaluation of every unit) is decided here too.

Stage imports are local to each body: a worker for one queue loads only its stage.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor import claims
from monitor.flow import Stage, followers, score_periods
from monitor.runtime import Runtime
from monitor.settings import Settings
from monitor.store.db import transaction
from monitor.store.models import Feed, Unit, WorkClaim

log = logging.getLogger(__name__)

# Claims only need to outlive duplicates and redeliveries of their window.
CLAIM_RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class Next:
    """A follow-up stage with its (JSON-safe) arguments."""

    stage: Stage
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    countdown: float = 0.0


@dataclass
class Done:
    """What a stage reports, and what should run after it."""

    summary: dict[str, Any]
    then: list[Next] = field(default_factory=list)


class CrawlNotStored(RuntimeError):
    """The crawl ran but its outcome is not in the store yet: a later attempt will do."""

    transient = True


def parse_ts(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        raise ValueError(f"naive timestamp in task arguments: {value!r}")
    return stamp.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _ttl(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.workers.claim_ttl_seconds)


def _after(stage: Stage, as_of: str, *, settings: Settings, cycle: str | None = None) -> list[Next]:
    """The follow-ups of ``stage`` by the graph (evaluation's fan-in is the crawl's own)."""
    found: list[Next] = []
    for nxt in followers(stage):
        if nxt is Stage.SCORE:
            debounce = 0.0 if cycle else settings.workers.followup_countdown
            found.append(score_followup(as_of, debounce=debounce))
        elif nxt in (Stage.ALERTS, Stage.DELIVER):
            found.append(Next(nxt, (as_of,)))
    return found


# -- crawl ---------------------------------------------------------------------------


def crawl_claim_key(feed_id: int, window: str, cycle: str | None) -> str:
    if cycle:
        return f"{cycle}:crawl:{feed_id}"
    return claims.crawl_key(feed_id, parse_ts(window))


def crawl_feed(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    owner: str,
    feed_id: int,
    window: str,
    as_of: str | None = None,
    cycle: str | None = None,
    cycle_size: int = 0,
) -> Done:
    """Crawl one feed for one scheduled window (or one cycle), once."""
    from monitor.crawl import crawl

    key = crawl_claim_key(feed_id, window, cycle)
    with transaction(sessions) as session:
        got = claims.claim(session, key, owner=owner, now=claims.utcnow(), ttl=_ttl(settings))
    if not got.acquired:
        log.info("crawl %s already %s", key, got.state)
        return Done({"key": key, "skipped": got.state})
    now = parse_ts(as_of) if as_of else claims.utcnow()
    report = crawl(sessions, settings, feed_ids=[feed_id], now=now)
    with transaction(sessions) as session:
        if report.feeds and not _stored(session, feed_id, now):
            # The crawl keeps going when storing a feed fails (the database went away
            # mid-write, say) and only reports it; here that means "not done yet".
            raise CrawlNotStored(f"feed {feed_id}: crawl not stored: {report.errors[-3:]}")
        claims.complete(session, key, owner=owner, now=claims.utcnow())
        units = set(report.changed_unit_ids)
        if got.state == "retaken":
            # A redelivered crawl may find its items stored by the attempt that died
            # before it could send the evaluation: evaluate the feed's unit anyway.
            units |= _feed_units(session, feed_id)
    summary = {
        "key": key,
        "items_new": report.items_new,
        "items_changed": report.items_changed,
        "items_removed": report.items_removed,
        "failed": report.failed,
    }
    if cycle:
        return Done(summary, cycle_fan_in(sessions, as_of or iso(now), cycle, cycle_size))
    then = [Next(Stage.EVALUATE, (sorted(units), iso(now)))] if units else []
    return Done(summary, then)


def _stored(session: Session, feed_id: int, now: datetime) -> bool:
    """The crawl stores a feed's outcome with ``last_fetched_at = now`` in one transaction."""
    last = session.execute(select(Feed.last_fetched_at).where(Feed.id == feed_id)).scalar()
    return last is not None and last >= now


def _feed_units(session: Session, feed_id: int) -> set[int]:
    unit = session.execute(select(Feed.unit_id).where(Feed.id == feed_id)).scalar()
    return set() if unit is None else {int(unit)}


def cycle_fan_in(
    sessions: sessionmaker[Session], as_of: str, cycle: str, cycle_size: int
) -> list[Next]:
    """Called after a crawl's completion committed. Counting after the commit means the
    crawl that committed last always sees the whole cycle done; if two see it, the
    evaluation's claim lets one through."""
    with transaction(sessions) as session:
        done = session.execute(
            select(func.count())
            .select_from(WorkClaim)
            .where(WorkClaim.key.like(f"{cycle}:crawl:%"), WorkClaim.done_at.is_not(None))
        ).scalar_one()
    if done < cycle_size:
        return []
    return [Next(Stage.EVALUATE, (None, as_of), {"cycle": cycle})]


def give_up_crawl(
    sessions: sessionmaker[Session],
    *,
    owner: str,
    feed_id: int,
    window: str,
    as_of: str | None = None,
    cycle: str | None = None,
    cycle_size: int = 0,
) -> list[Next]:
    """A crawl that stopped trying: free its window, or (in a cycle) count it as done so
    the cycle goes on without this feed; its failure is in the fetch table."""
    key = crawl_claim_key(feed_id, window, cycle)
    try:
        with transaction(sessions) as session:
            if cycle:
                claims.complete(session, key, owner=owner, now=claims.utcnow())
            else:
                claims.release(session, key, owner=owner)
        if cycle:
            return cycle_fan_in(sessions, as_of or window, cycle, cycle_size)
    except Exception:  # the store is what failed: the claim's TTL will free it
        log.exception("could not settle claim %s", key)
    return []


# -- evaluate ------------------------------------------------------------------------


def evaluate_units(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    owner: str,
    unit_ids: list[int] | None,
    as_of: str,
    cycle: str | None = None,
    runtime: Runtime | None = None,
) -> Done:
    """Run the rules for ``unit_ids`` (all units when None) as of ``as_of``."""
    from monitor.annual.sync import sync_annual_reports
    from monitor.evaluate import evaluate
    from monitor.metrics import LAST_CYCLE

    if cycle:
        with transaction(sessions) as session:
            got = claims.claim(
                session, f"{cycle}:evaluate", owner=owner, now=claims.utcnow(), ttl=_ttl(settings)
            )
        if not got.acquired:
            return Done({"skipped": got.state})
    with transaction(sessions) as session:
        if unit_ids is None:
            claims.serialize(session, "evaluate:all")
        else:
            units = [f"evaluate:{u}" for u in unit_ids]
            claims.serialize(session, *units, shared="evaluate:all")
        if cycle:  # once a cycle, after its crawls: new annual reports read and audited
            sync_annual_reports(session, settings, now=parse_ts(as_of))
        report = evaluate(
            session, settings, as_of=parse_ts(as_of), unit_ids=unit_ids, runtime=runtime
        )
        if cycle:
            claims.complete(session, f"{cycle}:evaluate", owner=owner, now=claims.utcnow())
    if unit_ids is None:
        # Every unit judged on what the crawls stored, and committed: distributed mode's
        # completed cycle, which DisclosureNoSuccessfulCycle watches (embedded mode sets
        # it at the end of pipeline.run_cycle). Exported by the worker's --metrics-port;
        # before, no distributed process set it and the alert could never fire.
        LAST_CYCLE.set(time.time())
    summary = {
        "opened": len(report.opened),
        "cleared": len(report.cleared),
        "errors": len(report.errors),
    }
    return Done(summary, _after(Stage.EVALUATE, as_of, settings=settings, cycle=cycle))


def split_evaluation(
    sessions: sessionmaker[Session],
    *,
    as_of: str,
    unit_ids: list[int] | None = None,
    size: int = 1000,
) -> Done:
    """Fan an evaluation out as one ``evaluate_units`` message per ``size`` units (all
    units when ``unit_ids`` is None), so several workers share a full pass. Each chunk
    locks only its own units and asks for its own follow-ups; findings are per unit,
    so the chunks' results are the whole pass's."""
    if size < 1:
        raise ValueError("size must be at least 1")
    if unit_ids is None:
        with sessions() as session:
            unit_ids = list(session.scalars(select(Unit.id).order_by(Unit.id)))
    ids = sorted(set(unit_ids))
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    return Done(
        {"units": len(ids), "chunks": len(chunks)},
        [Next(Stage.EVALUATE, (chunk, as_of)) for chunk in chunks],
    )


# -- score ---------------------------------------------------------------------------


def score_followup(as_of: str, *, debounce: float, now: datetime | None = None) -> Next:
    """The score stage that follows an evaluation. Without debounce it runs at once.
    With it, every evaluation finished inside one bucket of ``debounce`` seconds asks
    for a run due at the bucket's end, keyed on the bucket: the first one scores (after
    all of the bucket's evaluations committed), the rest find the claim done."""
    if debounce <= 0:
        return Next(Stage.SCORE, (as_of,))
    now = now or claims.utcnow()
    length = timedelta(seconds=debounce)
    start = claims.EPOCH + ((now - claims.EPOCH) // length) * length
    end = start + length
    return Next(Stage.SCORE, (iso(end),), {"bucket": iso(start)}, (end - now).total_seconds())


def score(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    owner: str,
    as_of: str,
    periods: list[str] | None = None,
    bucket: str | None = None,
    runtime: Runtime | None = None,
) -> Done:
    """Score every unit for ``periods`` (default: month, quarter and year of ``as_of``).
    With ``bucket``, only the first run of that debounce bucket scores."""
    from monitor import scoring
    from rules.api import Period

    when = parse_ts(as_of)
    key = f"score:{bucket}" if bucket else None
    if key:
        with transaction(sessions) as session:
            got = claims.claim(session, key, owner=owner, now=claims.utcnow(), ttl=_ttl(settings))
        if not got.acquired:
            return Done({"skipped": got.state, "bucket": bucket})
    chosen = (
        [Period.parse(p) for p in periods] if periods else score_periods(when, settings.timezone)
    )
    for period in chosen:
        with transaction(sessions) as session:
            claims.serialize(session, f"score:{period.key}")
            scheme = {"scheme": runtime.scheme} if runtime is not None else {}
            scoring.compute_scores(session, settings, period=period, as_of=when, **scheme)
    if key:
        with transaction(sessions) as session:
            claims.complete(session, key, owner=owner, now=claims.utcnow())
    # Scores queue score.updated messages for the assessment system.
    return Done({"periods": [p.key for p in chosen]}, _after(Stage.SCORE, as_of, settings=settings))


# -- alerts, deliver, housekeeping ----------------------------------------------------


def sync_alerts(sessions: sessionmaker[Session], settings: Settings, *, now: str) -> Done:
    """Open and resolve alerts from the findings; queue their notifications."""
    from monitor.alerts import sync_alerts as sync

    with transaction(sessions) as session:
        claims.serialize(session, "alerts")
        sync(session, settings, now=parse_ts(now))
    return Done({"now": now}, _after(Stage.ALERTS, now, settings=settings))


def deliver(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, *, now: str | None
) -> Done:
    """Deliver what the outbox holds; one deliverer at a time, so nothing is sent twice."""
    from monitor.notify import deliver_outbox

    with claims.exclusive(engine, "outbox"):
        report = deliver_outbox(sessions, settings, now=parse_ts(now) if now else None)
    return Done({"report": repr(report)[:500]})


def prune_claims(sessions: sessionmaker[Session], settings: Settings, *, now: str | None) -> Done:
    """Drop work claims older than a week (and never younger than the claim TTL)."""
    with transaction(sessions) as session:
        removed = claims.prune(
            session, before=parse_ts(now) - max(CLAIM_RETENTION, _ttl(settings) * 2)
        )
    return Done({"removed": removed})
