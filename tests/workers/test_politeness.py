"""Politeness across the fleet: two ``monitor worker`` processes (two pool processes
each, every crawl task with its own fetcher) crawl feeds that all live on one host, a
counting HTTP server on 127.0.0.1. The host never sees more requests at once than
``crawl.per_host_concurrency``, nor more in any second than the rate allows, and a 429
with ``Retry-After`` holds every worker, not only the one that got it, and so do three
failures in a row (backoff).

Without the shared store each of the four pool processes keeps its own limits and the
server sees them add up."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.claims import crawl_key
from monitor.settings import Settings, WorkerSettings
from monitor.store.models import WorkClaim
from tests.workers.conftest import Broker, Processes, add_feeds, service_env, wait_for
from tests.workers.feeds_server import rss
from workers.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

WINDOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
CONCURRENCY = 2
RATE = 3.0  # requests a second, burst 1
SERVE_SECONDS = 0.4  # each answer takes this long: requests overlap
HOLD_SECONDS = 3
BACKOFF_SECONDS = 2  # after three failures in a row


class CountingServer:
    """Serves RSS after a pause; counts requests in flight (the peak) and notes when
    each arrived. A path in ``throttle`` is answered once with 429 + Retry-After."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.arrivals: list[tuple[float, str]] = []
        self.throttle: set[str] = set()
        self.throttled_at: float | None = None
        self.failing: set[str] = set()  # answered 503 without Retry-After
        self.failed_at: list[float] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.serve(self)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self.lock:
            now = time.monotonic()
            self.arrivals.append((now, path))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            throttled = path in self.throttle
            self.throttle.discard(path)
            if throttled:
                self.throttled_at = now
            failing = path in self.failing
            if failing:
                self.failed_at.append(now)
        try:
            if throttled or failing:
                handler.send_response(429 if throttled else 503)
                if throttled:
                    handler.send_header("Retry-After", str(HOLD_SECONDS))
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            time.sleep(SERVE_SECONDS)
            body = rss(path.rsplit("/", 1)[-1].removesuffix(".xml"))
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        finally:
            with self.lock:
                self.in_flight -= 1

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feeds/{name}.xml"

    def most_in_one_second(self) -> int:
        times = sorted(t for t, _ in self.arrivals)
        return max(sum(1 for u in times if t <= u < t + 1.0) for t in times)

    def __enter__(self) -> CountingServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _done(sessions: sessionmaker[Session], key: str) -> bool:
    with sessions() as session:
        claim = session.get(WorkClaim, key)
        return claim is not None and claim.done_at is not None


def _crawl(dispatcher: CeleryDispatcher, sessions: sessionmaker[Session], ids: list[int]) -> None:
    for fid in ids:
        dispatcher.enqueue_crawl(fid, WINDOW)
    for fid in ids:
        wait_for(lambda fid=fid: _done(sessions, crawl_key(fid, WINDOW)), 90, f"crawl {fid}")


def _start_fleet(tmp_path: Path, pg_url: str, broker: Broker, processes: Processes) -> None:
    env = service_env(
        tmp_path,
        pg_url,
        broker,
        MONITOR_MODE="distributed",  # shared_store_url "auto": the broker's Redis
        MONITOR_CRAWL__PER_HOST_CONCURRENCY=str(CONCURRENCY),
        MONITOR_CRAWL__PER_HOST_RATE=str(RATE),
        MONITOR_CRAWL__RETRIES="0",
        MONITOR_CRAWL__DETAIL_PAGES="false",
        MONITOR_CRAWL__HOST_FAILURES_BEFORE_BACKOFF="3",
        MONITOR_CRAWL__HOST_BACKOFF_BASE=str(BACKOFF_SECONDS),
    )
    for name in ("w1", "w2"):
        argv = ["worker", "--queues", "crawl", "--concurrency", "2", "--name", name]
        processes.start(argv, env, name)
    for name in ("w1", "w2"):
        wait_for(lambda name=name: "ready" in processes.log(name), 60, f"{name} ready")


def test_two_workers_together_keep_one_host_polite(
    tmp_path: Path,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    dispatcher = CeleryDispatcher(
        Settings(
            database_url=pg_url,
            broker_url=broker.url,
            data_dir=tmp_path / "var",
            allowed_networks=["127.0.0.0/8"],
            workers=WorkerSettings(**broker.settings()),
        )
    )
    with CountingServer() as server:
        names = [f"v{n:02d}" for n in range(12)] + ["held"] + [f"after{n}" for n in range(6)]
        names += [f"down{n}" for n in range(3)] + [f"later{n}" for n in range(4)]
        ids = dict(zip(names, add_feeds(pg_sessions, [server.url(n) for n in names]), strict=True))
        _start_fleet(tmp_path, pg_url, broker, processes)

        # Twelve feeds at once, four pool processes: concurrency and rate hold.
        _crawl(dispatcher, pg_sessions, [ids[n] for n in names[:12]])
        assert len(server.arrivals) == 12
        assert server.peak <= CONCURRENCY
        # Token starts are 1/RATE apart (one token of burst): at most RATE + 1 in any
        # second, which leaves 1/RATE s for a request's way from grant to server.
        assert server.most_in_one_second() <= math.floor(RATE) + 1

        # A 429 with Retry-After to one task holds every process for that long.
        server.throttle.add("/feeds/held.xml")
        _crawl(dispatcher, pg_sessions, [ids["held"]])
        assert server.throttled_at is not None
        _crawl(dispatcher, pg_sessions, [ids[f"after{n}"] for n in range(6)])
        after = [t for t, path in server.arrivals if "/after" in path]
        assert len(after) == 6
        assert min(after) >= server.throttled_at + HOLD_SECONDS - 0.05

        # Three 503s in a row, to any workers: the host is left alone by every one.
        server.failing.update(f"/feeds/down{n}.xml" for n in range(3))
        _crawl(dispatcher, pg_sessions, [ids[f"down{n}"] for n in range(3)])
        assert len(server.failed_at) == 3
        _crawl(dispatcher, pg_sessions, [ids[f"later{n}"] for n in range(4)])
        later = [t for t, path in server.arrivals if "/later" in path]
        assert min(later) >= max(server.failed_at) + BACKOFF_SECONDS - 0.05
    for name in ("w1", "w2"):  # both workers took part
        assert "Task monitor.crawl.feed" in processes.log(name)
