"""Parsing off the event loop, bounded in time and memory: a pool of parser processes.

A thread cannot be stopped, so a document that takes a parser minutes (deep nesting
handed to a lenient parser, a pathological page) would hold a crawl slot for as long;
a process can be killed. Each crawl run starts a small pool (``crawl.parse_workers``)
of forked processes, each worker capped at ``crawl.parse_memory_mb`` of address space;
a parse that runs past ``crawl.parse_timeout`` has its pool killed and replaced, and
comes back as a ``parse_error`` saying so. Jobs other than the slow one that were
running in the killed pool are run again. At most ``parse_workers`` jobs are handed
to the pool at once, so a job's time is its own, not its wait for a worker.

Where processes cannot be started (a daemonic process, no /dev/shm), documents are
parsed in a thread: still off the event loop and bounded in depth and size, but not
in time.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from monitor.parse.boundary import PARSE_ERROR, ParseJob, ParseResult, parse_document
from monitor.settings import CrawlSettings

log = logging.getLogger(__name__)
DEFERRED = "deferred"
NOT_ADMITTED = "not parsed: the crawl already holds crawl.max_buffered_bytes of pages read"


def _limit_memory(megabytes: int) -> None:
    """In each parser process: a parse that needs more raises MemoryError there."""
    if megabytes <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


class Parsers:
    """The parser pool of one crawl run: ``await parsers.parse(job)``; ``close()``."""

    def __init__(self, config: CrawlSettings) -> None:
        self.workers = max(1, config.parse_workers)
        self.timeout = config.parse_timeout
        self.memory_mb = config.parse_memory_mb
        self._pool: Executor | None = None
        self._in_process = True
        self._turns: asyncio.Semaphore | None = None
        self.killed = 0  # pools killed for a parse past the timeout

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = self._start()
        return self._pool

    def _start(self) -> Executor:
        if self._in_process:
            try:
                # fork: a worker is a copy of this process, ready at once. A fork
                # server or spawn would re-import the program's main module in every
                # worker (seconds for a CLI or a test runner, and a crash for a
                # script without a __main__ guard).
                context = multiprocessing.get_context("fork")
                return ProcessPoolExecutor(
                    self.workers,
                    mp_context=context,
                    initializer=_limit_memory,
                    initargs=(self.memory_mb,),
                )
            except (AssertionError, OSError, ValueError) as exc:
                log.warning("parser processes unavailable (%s): parsing in threads", exc)
                self._in_process = False
        return ThreadPoolExecutor(self.workers, thread_name_prefix="parse")

    def _kill(self, pool: Executor) -> None:
        """End every process of ``pool`` now (a parse ran past its time)."""
        if pool is not self._pool:
            return  # already replaced
        self._pool = None
        self.killed += 1
        processes = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def parse(self, job: ParseJob, admit: Callable[[], bool] | None = None) -> ParseResult:
        """Parse ``job`` in the pool. ``admit`` is asked once the job's turn came
        (its result is about to be held): False returns it unparsed, ``deferred``."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.workers)
        async with self._turns:
            if admit is not None and not admit():
                return ParseResult(DEFERRED, NOT_ADMITTED, job.kind)
            for attempt in range(2):
                pool = self._executor()
                try:
                    future = asyncio.get_running_loop().run_in_executor(pool, parse_document, job)
                    return await asyncio.wait_for(future, self.timeout)
                except TimeoutError:
                    self._kill(pool)
                    log.warning("parsing %s took over %gs: stopped", job.url, self.timeout)
                    return ParseResult(
                        PARSE_ERROR,
                        f"parsing took longer than {self.timeout:g}s (crawl.parse_timeout)",
                        job.kind,
                    )
                except BrokenProcessPool:
                    # Killed for another job's timeout, or this parser died (out of
                    # memory at the C level): once more on a fresh pool.
                    if self._pool is pool:
                        self._pool = None
                    if attempt:
                        break
        return ParseResult(PARSE_ERROR, "the parser process died on this document", job.kind)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
