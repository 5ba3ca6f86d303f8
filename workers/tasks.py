"""Thin Celery tasks over ``monitor.stages``: ids in, one stage call, its follow-ups sent.

Which stage follows which is ``monitor.flow``'s; claims and the cycle's fan-in are
``monitor.stages``'. Here only: the task names, the owner of a claim (the task id, which
survives retries and redelivery) and turning each ``Next`` into a message, sent after
the stage committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import celery

from monitor import stages
from monitor.flow import Stage
from monitor.stages import Next
from workers.app import (
    CRAWL_FEED,
    DELIVER_OUTBOX,
    EVALUATE_SPLIT,
    EVALUATE_UNITS,
    PRUNE_CLAIMS,
    SCORE_PERIOD,
    SYNC_ALERTS,
    app,
    get_runtime,
    get_settings,
)
from workers.base import StageTask

iso = stages.iso
CrawlNotStored = stages.CrawlNotStored


def _send(task: StageTask, done: stages.Done) -> dict[str, Any]:
    for nxt in done.then:
        task.send_followup(signature(nxt))
    return done.summary


class CrawlTask(StageTask):
    def on_give_up(self, exc: BaseException, args: Any, kwargs: Any) -> None:
        params = dict(
            zip(("feed_id", "window", "as_of", "cycle", "cycle_size"), args, strict=False)
        )
        then = stages.give_up_crawl(self.sessions, owner=self.owner, **params, **kwargs)
        _send(self, stages.Done({}, then))


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
    done = stages.crawl_feed(
        self.sessions, get_settings(), owner=self.owner, feed_id=feed_id, window=window,
        as_of=as_of, cycle=cycle, cycle_size=cycle_size,
    )  # fmt: skip
    return _send(self, done)


@app.task(name=EVALUATE_UNITS, base=StageTask, bind=True)
def evaluate_units(
    self: StageTask, unit_ids: list[int] | None, as_of: str, cycle: str | None = None
) -> dict[str, Any]:
    """Run the rules for ``unit_ids`` (all units when None) as of ``as_of``."""
    done = stages.evaluate_units(
        self.sessions, get_settings(), owner=self.owner, unit_ids=unit_ids, as_of=as_of,
        cycle=cycle, runtime=get_runtime(),
    )  # fmt: skip
    return _send(self, done)


@app.task(name=EVALUATE_SPLIT, base=StageTask, bind=True)
def evaluate_split(
    self: StageTask, unit_ids: list[int] | None, as_of: str, size: int = 1000
) -> dict[str, Any]:
    """Fan an evaluation out as one ``evaluate_units`` message per ``size`` units."""
    done = stages.split_evaluation(self.sessions, as_of=as_of, unit_ids=unit_ids, size=size)
    return _send(self, done)


@app.task(name=SCORE_PERIOD, base=StageTask, bind=True)
def score_periods(
    self: StageTask, as_of: str, periods: list[str] | None = None, bucket: str | None = None
) -> dict[str, Any]:
    """Score every unit for ``periods`` (default: month, quarter and year of ``as_of``)."""
    done = stages.score(
        self.sessions, get_settings(), owner=self.owner, as_of=as_of, periods=periods,
        bucket=bucket, runtime=get_runtime(),
    )  # fmt: skip
    return _send(self, done)


@app.task(name=SYNC_ALERTS, base=StageTask, bind=True)
def sync_alerts(self: StageTask, now: str) -> dict[str, Any]:
    """Open and resolve alerts from the findings; queue their notifications."""
    return _send(self, stages.sync_alerts(self.sessions, get_settings(), now=now))


@app.task(name=DELIVER_OUTBOX, base=StageTask, bind=True)
def deliver_outbox(self: StageTask, now: str | None = None) -> dict[str, Any]:
    """Deliver what the outbox holds; one deliverer at a time."""
    return _send(self, stages.deliver(self.engine, self.sessions, get_settings(), now=now))


@app.task(name=PRUNE_CLAIMS, base=StageTask, bind=True)
def prune_claims(self: StageTask, now: str | None = None) -> dict[str, Any]:
    """Drop work claims older than a week (and never younger than the claim TTL)."""
    return _send(self, stages.prune_claims(self.sessions, get_settings(), now=now))


TASKS: dict[Stage, celery.Task] = {
    Stage.CRAWL: crawl_feed,
    Stage.EVALUATE: evaluate_units,
    Stage.SCORE: score_periods,
    Stage.ALERTS: sync_alerts,
    Stage.DELIVER: deliver_outbox,
}


def signature(nxt: Next) -> celery.Signature:
    """The message for a follow-up stage."""
    options = {"countdown": nxt.countdown} if nxt.countdown else {}
    return TASKS[nxt.stage].signature(nxt.args, nxt.kwargs, **options)


def scoring_followup(as_of: str, *, debounce: float, now: datetime | None = None) -> Any:
    """The score message that follows an evaluation (see ``stages.score_followup``)."""
    return signature(stages.score_followup(as_of, debounce=debounce, now=now))
