"""Parsing off the event loop, bounded in time and memory: parser processes.

A thread cannot be stopped, so a document that takes a parser minutes (deep nesting
handed to a lenient parser, a pathological page) would hold a crawl slot for as long;
a process can be killed. Parsers are separate interpreters
(``python -m monitor.parse.worker``), not forks: forking a crawl, which runs threads
(the writer, the resolver), can copy a lock another thread holds into the child,
which then hangs; a fork server or ``spawn`` would import the program's main module
again in every worker. They are started on first use and kept for the life of the
process (starting one costs about a second), each limited to
``crawl.parse_memory_mb`` of address space. A parse past ``crawl.parse_timeout`` has
its process killed (replaced on next use) and comes back as a ``parse_error`` saying
so. At most ``crawl.parse_workers`` jobs of a crawl are parsed at once, so a job's
time is its own, not its wait for a worker.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from monitor.parse.boundary import PARSE_ERROR, ParseJob, ParseResult
from monitor.parse.worker import read_message, write_message
from monitor.settings import CrawlSettings

log = logging.getLogger(__name__)
DEFERRED = "deferred"
NOT_ADMITTED = "not parsed: the crawl already holds crawl.max_buffered_bytes of pages read"


class _Worker:
    """One parser process; ``call`` blocks (run it in a thread)."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor.parse.worker", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def call(self, job: ParseJob) -> ParseResult | None:
        """The result, or None when the process died (or was killed) on the job."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            write_message(self.process.stdin, job)
            result = read_message(self.process.stdout)
        except (OSError, ValueError, EOFError):
            return None
        return result if isinstance(result, ParseResult) else None

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class _Idle:
    """Parser processes not in use, kept for the next crawl in this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.workers: list[_Worker] = []

    def take(self, memory_mb: int) -> _Worker:
        with self.lock:
            while self.workers:
                worker = self.workers.pop()
                if worker.alive() and worker.memory_mb == memory_mb:
                    return worker
                worker.kill()
        return _Worker(memory_mb)

    def give(self, worker: _Worker, keep: int) -> None:
        with self.lock:
            if worker.alive() and len(self.workers) < keep:
                self.workers.append(worker)
                return
        worker.kill()

    def close(self) -> None:
        with self.lock:
            workers, self.workers = self.workers, []
        for worker in workers:
            worker.kill()


_IDLE = _Idle()
atexit.register(_IDLE.close)


class Parsers:
    """The parsing of one crawl run: ``await parsers.parse(job)``; ``close()``."""

    def __init__(self, config: CrawlSettings) -> None:
        self.workers = max(1, config.parse_workers)
        self.timeout = config.parse_timeout
        self.memory_mb = config.parse_memory_mb
        self._threads: ThreadPoolExecutor | None = None
        self._turns: asyncio.Semaphore | None = None
        self.killed = 0  # parser processes killed for a parse past the timeout

    async def parse(self, job: ParseJob, admit: Callable[[], bool] | None = None) -> ParseResult:
        """Parse ``job`` in a parser process. ``admit`` is asked once the job's turn
        came (its result is about to be held): False returns it unparsed, deferred."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.workers)
            self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="parse")
        loop = asyncio.get_running_loop()
        async with self._turns:
            if admit is not None and not admit():
                return ParseResult(DEFERRED, NOT_ADMITTED, job.kind)
            worker = await loop.run_in_executor(self._threads, _IDLE.take, self.memory_mb)
            call = loop.run_in_executor(self._threads, worker.call, job)
            try:
                result = await asyncio.wait_for(asyncio.shield(call), self.timeout)
            except TimeoutError:
                self.killed += 1
                worker.kill()  # the blocked read ends with the process
                await asyncio.gather(call, return_exceptions=True)
                log.warning("parsing %s took over %gs: stopped", job.url, self.timeout)
                return ParseResult(
                    PARSE_ERROR,
                    f"parsing took longer than {self.timeout:g}s (crawl.parse_timeout)",
                    job.kind,
                )
            if result is None:
                worker.kill()
                return ParseResult(
                    PARSE_ERROR, "the parser process died on this document", job.kind
                )
            _IDLE.give(worker, self.workers)
            return result

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            self._threads = None
