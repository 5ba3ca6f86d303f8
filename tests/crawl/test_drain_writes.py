"""The end of a crawl waits for the writer thread without spinning: a write that
finished just before the crawl ended once kept the event loop busy for ever."""

from __future__ import annotations

import asyncio
import threading

from monitor.crawl.writer import CrawlWriter


def test_drain_returns_when_the_last_write_is_already_done() -> None:
    finished = threading.Event()

    async def scenario() -> None:
        crawl = CrawlWriter.__new__(CrawlWriter)  # only the write-queue state matters here
        loop = asyncio.get_running_loop()
        crawl.writing = loop.create_future()
        crawl.writing.add_done_callback(lambda _: setattr(crawl, "writing", None))
        crawl.writing.set_result(None)  # done, its callback not yet run
        await crawl.drain_writes()
        finished.set()

    thread = threading.Thread(target=asyncio.run, args=(scenario(),), daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert finished.is_set(), "drain_writes spun on a finished write"
