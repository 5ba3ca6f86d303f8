"""The crawl's writer: one thread does every database call, in order, so SQLite sees a
single writer and slow commits overlap the network. Feeds read while it was busy are
stored together (one commit, one evidence lookup); 304s and failures, which only add
fetch rows, wait in a light batch. ``monitor.crawl.runner`` is the reading side."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl.archive import WarcArchive, store_evidence
from monitor.crawl.persist import (
    BatchWrites,
    FeedChanges,
    FeedJob,
    FeedOutcome,
    KnownItem,
    count_changes,
    feed_responses,
    flush_batch,
    load_known_many,
    persist_failed_store,
    persist_feed,
    persist_listings,
)
from monitor.crawl.reading import Reading
from monitor.crawl.report import CrawlReport
from monitor.feed_options import read_options
from monitor.fetch import DEFERRED
from monitor.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class CrawlWriter:
    """Everything the crawl writes, on one thread; the event loop never waits for a
    commit, only for room in the bounded write queue."""

    LIGHT_BATCH = 256
    LIGHT_BYTES = 8 * 1024 * 1024  # error pages wait in memory until their batch is written
    # Feeds read while the writer was busy are stored together: one commit, one
    # evidence lookup for all of them. WRITE_QUEUE bounds what waits in memory.
    WRITE_BATCH = 64
    WRITE_QUEUE = 256
    KNOWN_BATCH = 500  # feeds per lookup of stored items (bound parameters of one IN)

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        now: datetime,
        report: CrawlReport,
        reading: Reading,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.now = now
        self.report = report
        self.reading = reading
        self.archive = WarcArchive(settings.evidence_dir, now)
        self.thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="crawl-writer")
        self.light: list[FeedOutcome] = []
        self.light_bytes = 0
        self.flushes: list[asyncio.Future[None]] = []
        self.pending: list[tuple[FeedOutcome, dict[str, KnownItem]]] = []
        self.writing: asyncio.Future[None] | None = None
        self.slots = asyncio.Semaphore(self.WRITE_QUEUE)
        self.known_wanted: list[tuple[int, asyncio.Future[dict[str, KnownItem]]]] = []
        self.known_loading = False
        self.details: dict[int, bool] = {}  # detail pages wanted, by feed id

    def detail_enabled(self, job: FeedJob) -> bool:
        # Asked when the feed is read and again when it is stored; validating its
        # options is the costly part, and they do not change during a crawl.
        known = self.details.get(job.id)
        if known is None:
            detail = read_options(job.kind, job.options).detail
            known = self.settings.crawl.detail_pages if detail is None else detail
            self.details[job.id] = known
        return known

    async def on_writer(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.thread, fn, *args)

    async def put(self, outcome: FeedOutcome, known: dict[str, KnownItem]) -> None:
        """Queue a read feed for storing; waits only while the queue is full."""
        await self.slots.acquire()
        self.pending.append((outcome, known))
        self.next_write()

    def put_light(self, outcome: FeedOutcome) -> None:
        """A 304 or a failure: only fetch rows, batched without a thread hop each."""
        self.light.append(outcome)
        self.light_bytes += outcome.listing.held
        if len(self.light) >= self.LIGHT_BATCH or self.light_bytes >= self.LIGHT_BYTES:
            batch, self.light, self.light_bytes = self.light, [], 0
            loop = asyncio.get_running_loop()
            self.flushes.append(loop.run_in_executor(self.thread, self.flush_light, batch))

    async def close(self) -> None:
        """Store everything still queued, then stop the thread."""
        try:
            await self.drain_writes()
            batch, self.light = self.light, []
            await asyncio.gather(*self.flushes, self.on_writer(self.flush_light, batch))
        finally:
            self.thread.shutdown()

    async def drain_writes(self) -> None:
        """Wait until the writer thread has taken and finished every queued batch."""
        while self.writing is not None:
            await asyncio.shield(self.writing)
            # Awaiting a future that is already done does not yield, and its
            # done-callback (which clears or replaces self.writing) runs only on the
            # loop's next turn: without this the loop spins here for ever.
            await asyncio.sleep(0)

    def next_write(self) -> None:
        """Hand the writer thread what has queued up, unless it is busy: it then takes
        the queue when it is done, so the event loop never waits for a commit."""
        if self.writing is not None or not self.pending:
            return
        batch = self.pending[: self.WRITE_BATCH]
        del self.pending[: self.WRITE_BATCH]
        loop = asyncio.get_running_loop()
        self.writing = loop.run_in_executor(self.thread, self.write_batch, batch)
        self.writing.add_done_callback(lambda _: self.written(len(batch)))

    def written(self, count: int) -> None:
        self.writing = None
        for _ in range(count):
            self.slots.release()
        self.next_write()

    async def known_of(self, feed_id: int) -> dict[str, KnownItem]:
        """A feed's stored items. Feeds that finish reading while the writer thread is
        busy are looked up together, in one query and one thread hop."""
        future: asyncio.Future[dict[str, KnownItem]] = asyncio.get_running_loop().create_future()
        self.known_wanted.append((feed_id, future))
        self.next_known()
        return await future

    def next_known(self) -> None:
        if self.known_loading or not self.known_wanted:
            return
        batch = self.known_wanted[: self.KNOWN_BATCH]
        del self.known_wanted[: self.KNOWN_BATCH]
        self.known_loading = True
        loop = asyncio.get_running_loop()
        loading = loop.run_in_executor(self.thread, self.load_known, [i for i, _ in batch])

        def done(finished: asyncio.Future[dict[int, dict[str, KnownItem]]]) -> None:
            self.known_loading = False
            error = finished.exception()
            for feed_id, future in batch:
                if future.done():
                    continue
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(finished.result().get(feed_id, {}))
            self.next_known()

        loading.add_done_callback(done)

    def load_known(self, feed_ids: list[int]) -> dict[int, dict[str, KnownItem]]:
        with self.sessions() as session:
            return load_known_many(session, feed_ids)

    def count(self, outcome: FeedOutcome) -> None:
        listing, report = outcome.listing, self.report
        report.fetches += sum(len(p.response.attempts) for p in listing.pages)
        report.fetches += sum(len(d.response.attempts) for d in outcome.details.values())
        report.fetches += sum(len(c.response.attempts) for c in outcome.checks.values())
        report.fetches += sum(
            len(r.response.attempts) for r in outcome.attachment_reads.values() if r.response
        )
        report.entries_skipped += listing.skipped
        report.characters_cleaned += listing.cleaned
        report.characters_cleaned += sum(d.cleaned for d in outcome.details.values())
        # Pages not sent, or read and not parsed (the memory bound), and attachments
        # not checked: all left for a later crawl.
        outcomes = [p.outcome for p in listing.pages]
        outcomes += [d.outcome for d in outcome.details.values()]
        outcomes += [c.outcome for c in outcome.checks.values()]
        outcomes += [r.outcome for r in outcome.attachments.values()]
        report.deferred += outcomes.count(DEFERRED)
        if listing.not_modified:
            report.not_modified += 1
        elif listing.read_ok:
            report.ok += 1
        else:
            report.failed += 1
        report.errors.extend(f"feed {outcome.job.id}: {e}" for e in listing.errors)

    def write_batch(self, batch: list[tuple[FeedOutcome, dict[str, KnownItem]]]) -> None:
        """On the writer thread: several feeds in one transaction. A commit still
        covers whole feeds only, so each feed's rows become visible together and a
        crash loses at most this uncommitted batch. If any feed fails to store, the
        batch is rolled back and every feed retried in its own transaction, so a
        broken feed costs only itself."""
        if len(batch) > 1:
            try:
                with self.sessions() as session, session.begin():
                    responses = [r for outcome, _ in batch for r in feed_responses(outcome)]
                    evidence = store_evidence(session, self.archive, responses, self.now)
                    writes = BatchWrites()
                    results = [
                        persist_feed(
                            session,
                            outcome,
                            known,
                            self.archive,
                            self.now,
                            detail_enabled=self.detail_enabled(outcome.job),
                            evidence=evidence,
                            batch=writes,
                        )
                        for outcome, known in batch
                    ]
                    flush_batch(session, writes, self.now)
            except Exception:
                log.warning("storing %d feeds together failed; one by one", len(batch))
            else:
                for (outcome, _), changes in zip(batch, results, strict=True):
                    self.stored(outcome, changes)
                    self.release(outcome)
                return
        for outcome, known in batch:
            self.write(outcome, known)
            self.release(outcome)

    def write(self, outcome: FeedOutcome, known: dict[str, KnownItem]) -> None:
        """On the writer thread: one feed in its own transaction."""
        job, report = outcome.job, self.report
        try:
            with self.sessions() as session, session.begin():
                changes = persist_feed(
                    session,
                    outcome,
                    known,
                    self.archive,
                    self.now,
                    detail_enabled=self.detail_enabled(job),
                )
        except Exception as exc:
            log.exception("storing the crawl of feed %s failed", job.id)
            report.failed += 1
            report.errors.append(f"feed {job.id} ({job.url}): storing failed: {exc}")
            try:
                with self.sessions() as session, session.begin():
                    error = f"storing the feed failed: {type(exc).__name__}: {exc}"
                    persist_failed_store(session, outcome, self.archive, self.now, error)
            except Exception:
                log.exception("recording the failed store of feed %s failed too", job.id)
            return
        self.stored(outcome, changes)

    def stored(self, outcome: FeedOutcome, changes: FeedChanges) -> None:
        job, report = outcome.job, self.report
        count_changes(changes)
        self.count(outcome)
        report.items_new += changes.new
        report.items_changed += changes.changed
        report.items_removed += changes.removed
        if changes.new or changes.changed or changes.removed or changes.updated:
            report.changed_unit_ids.add(job.unit_id)

    def release(self, outcome: FeedOutcome) -> None:
        """On the writer thread, once a feed is stored (or failed to be): its spooled
        bodies are removed and what it held is given back to the crawl's bound."""
        for response in feed_responses(outcome):
            response.discard()
        held = outcome.listing.held
        held += sum(d.held for d in outcome.details.values())
        held += sum(c.held for c in outcome.checks.values())
        self.reading.holdings.give(held)

    def flush_light(self, batch: list[FeedOutcome]) -> None:
        """On the writer thread: fetch rows of 304s and failures, one transaction."""
        if not batch:
            return
        try:
            with self.sessions() as session, session.begin():
                persist_listings(session, batch, self.archive, self.now)
        except Exception as exc:
            for outcome in batch:
                self.release(outcome)
            log.exception("storing %d fetch results failed", len(batch))
            self.report.failed += len(batch)
            self.report.errors.append(f"storing {len(batch)} fetch results failed: {exc}")
            return
        for outcome in batch:
            self.count(outcome)
            self.release(outcome)
