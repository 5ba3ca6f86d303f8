"""The crawl stage: every due feed read concurrently (this module, the reader pool)
and written as soon as the writer thread is free (``monitor.crawl.writer``), whole
feeds per transaction (the feeds read meanwhile together), so a crash keeps what was
committed and never half a feed."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.collections_policy import fewer_collections
from monitor.crawl.attachments import AttachmentAllowance, read_attachments
from monitor.crawl.content import entry_hash
from monitor.crawl.persist import (
    FeedJob,
    FeedOutcome,
    KnownItem,
    removal_candidates,
)
from monitor.crawl.reading import (
    Reading,
    check_attachments,
    read_detail,
    read_listing,
)
from monitor.crawl.report import CrawlReport
from monitor.crawl.writer import CrawlWriter
from monitor.fetch import Fetcher
from monitor.fetch.spool import new_spools
from monitor.logs import log_context
from monitor.search import index_pending
from monitor.settings import Settings
from monitor.store.models import Feed

log = logging.getLogger(__name__)


def load_jobs(session: Session, feed_ids: Sequence[int] | None) -> list[FeedJob]:
    query = select(
        Feed.id, Feed.unit_id, Feed.url, Feed.kind, Feed.options, Feed.category, Feed.etag,
        Feed.last_modified,
    ).order_by(Feed.id)  # fmt: skip
    query = (
        query.where(Feed.id.in_(list(feed_ids)))
        if feed_ids is not None
        else query.where(Feed.enabled)
    )
    return [
        FeedJob(
            id=r.id,
            unit_id=r.unit_id,
            url=r.url,
            kind=r.kind,
            options=r.options or {},
            category=r.category,
            etag=r.etag,
            last_modified=r.last_modified,
        )
        for r in session.execute(query).all()
    ]


class _Crawl:
    """Reads feeds on the event loop, ``crawl.concurrency`` at a time, and hands each
    read feed to the writer (``CrawlWriter``), which stores it on its own thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        now: datetime,
        report: CrawlReport,
    ) -> None:
        self.settings = settings
        self.report = report
        self.reading = Reading.start(settings.crawl, new_spools(settings.data_dir / "spool"))
        self.writer = CrawlWriter(sessions, settings, now, report, self.reading)
        self.archive = self.writer.archive
        self.attachment_allowance = AttachmentAllowance(settings.crawl.attachments.max_per_crawl)

    def detail_enabled(self, job: FeedJob) -> bool:
        return self.writer.detail_enabled(job)

    async def run(self, jobs: list[FeedJob]) -> None:
        queue = iter(jobs)
        try:
            async with Fetcher(self.settings) as fetcher:

                async def worker() -> None:
                    for job in queue:
                        await self.one(fetcher, job)

                width = max(1, min(self.settings.crawl.concurrency, len(jobs)))
                await asyncio.gather(*(worker() for _ in range(width)))
        finally:
            await self.writer.close()
            self.reading.close()

    async def one(self, fetcher: Fetcher, job: FeedJob) -> None:
        # Each pool worker is its own asyncio task, so the context stays with this feed.
        with log_context(feed_id=job.id, feed_url=job.url):
            await self._one(fetcher, job)

    async def _one(self, fetcher: Fetcher, job: FeedJob) -> None:
        try:
            outcome, known = await self.read(fetcher, job)
        except Exception as exc:  # one broken feed must not stop the crawl
            log.exception("crawl of feed %s failed", job.id)
            self.report.failed += 1
            self.report.errors.append(f"feed {job.id} ({job.url}): {type(exc).__name__}: {exc}")
            return
        if not outcome.listing.read_ok:
            if outcome.listing.errors:
                # The fetch row keeps the error; the log tells the operator now.
                log.warning("feed not read: %s", "; ".join(outcome.listing.errors)[:500])
            self.writer.put_light(outcome)
            return
        await self.writer.put(outcome, known)

    async def read(
        self, fetcher: Fetcher, job: FeedJob
    ) -> tuple[FeedOutcome, dict[str, KnownItem]]:
        listing, _kind = await read_listing(
            fetcher,
            self.reading,
            job.url,
            job.kind,
            job.options,
            etag=job.etag,
            last_modified=job.last_modified,
            max_pages=self.settings.crawl.max_pages,
        )
        outcome = FeedOutcome(job, listing)
        if not listing.read_ok:
            return outcome, {}
        known = await self.writer.known_of(job.id)
        options = job.options
        wanted = []
        if self.detail_enabled(job):
            for entry in listing.entries:
                item = known.get(entry.key)
                unchanged = (
                    item is not None
                    and item.removed_at is None
                    and item.detail_ok
                    and item.entry_hash == entry_hash(entry)
                )
                if entry.url and not unchanged:
                    wanted.append(entry)
        checks = removal_candidates(known, {e.key for e in listing.entries})
        if not listing.complete:
            checks = []
        reading = self.reading
        results = await asyncio.gather(
            *(read_detail(fetcher, reading, e.url, options) for e in wanted if e.url),
            *(read_detail(fetcher, reading, k.url, options) for k in checks if k.url),
        )
        outcome.details = {e.key: r for e, r in zip(wanted, results[: len(wanted)], strict=True)}
        outcome.attachments = await check_attachments(fetcher, list(outcome.details.values()))
        outcome.attachment_reads = await read_attachments(
            fetcher,
            outcome.details,
            self.settings.crawl.attachments,
            self.attachment_allowance,
            spool=reading.spools.new if reading.spools is not None else None,
        )
        outcome.checks = {k.id: r for k, r in zip(checks, results[len(wanted) :], strict=True)}
        return outcome, known


def crawl(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    feed_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> CrawlReport:
    """Crawl the given feeds (default: every enabled feed) and store what was read."""
    now = now or datetime.now(UTC)
    with sessions() as session:
        jobs = load_jobs(session, feed_ids)
    report = CrawlReport(feeds=len(jobs))
    run = _Crawl(sessions, settings, now, report)
    try:
        with fewer_collections():
            _run_sync(run.run(jobs))
    finally:
        run.archive.close()
    # What the crawl wrote was queued by the store's triggers: index it now.
    index_pending(sessions)
    return report


def _run_sync(coro: Coroutine[Any, Any, None]) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _run(coro)
        return
    # Called from inside an event loop (a notebook, an async web handler): run the
    # crawl on its own loop in a helper thread instead of nesting loops.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(_run, coro).result()


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run the crawl on uvloop when it is installed (the ``bench`` extra; a faster
    loop for thousands of connections), else on asyncio's own."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coro)
