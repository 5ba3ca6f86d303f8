"""Distributed mode with real parts: Redis (DB 14), PostgreSQL, ``monitor worker``
processes (real Celery prefork workers) and feeds served over HTTP on 127.0.0.1.

The fault tests inject a fault while a crawl task is mid-flight (the feed server holds
its request open) and check the run completes with nothing lost and nothing doubled.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.claims import crawl_key
from monitor.settings import Settings, WorkerSettings
from monitor.store.models import Fetch, Item, WorkClaim
from tests.workers.conftest import (
    Broker,
    PrivatePostgres,
    PrivateRedis,
    Processes,
    QueueBroker,
    add_feeds,
    service_env,
    wait_for,
)
from tests.workers.feeds_server import ITEMS_PER_FEED, FeedServer
from workers.app import CRAWL_FEED, EVALUATE_UNITS
from workers.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

WINDOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _env(
    tmp_path: Path, pg_url: str, broker: Broker, queues: QueueBroker | None = None
) -> dict[str, str]:
    """Redis alone, or (``queues``) the stage queues on the test's broker of either kind
    with the shared store on Redis."""
    return service_env(
        tmp_path,
        pg_url,
        broker,
        **(queues.env() if queues is not None else {}),
        # Short, so a message of a worker that died whole comes back within the test.
        MONITOR_WORKERS__VISIBILITY_TIMEOUT="3",
        MONITOR_WORKERS__RETRY_BACKOFF="2",
        MONITOR_WORKERS__RETRY_BACKOFF_MAX="8",
        MONITOR_CRAWL__RETRIES="0",
    )


def _dispatcher(
    pg_url: str, broker: Broker, tmp_path: Path, queues: QueueBroker | None = None
) -> CeleryDispatcher:
    on = queues.settings() if queues is not None else {"broker_url": broker.url}
    return CeleryDispatcher(
        Settings(
            database_url=pg_url,
            data_dir=tmp_path / "var",
            allowed_networks=["127.0.0.0/8"],
            workers=WorkerSettings(**broker.settings()),
            **on,  # type: ignore[arg-type]
        )
    )


def _start_worker(processes: Processes, env: dict[str, str], name: str, queues: str = "crawl"):  # type: ignore[no-untyped-def]
    return processes.start(
        ["worker", "--queues", queues, "--concurrency", "1", "--pool", "prefork", "--name", name],
        env,
        name,
    )


def _done(sessions: sessionmaker[Session], key: str) -> bool:
    with sessions() as session:
        claim = session.get(WorkClaim, key)
        return claim is not None and claim.done_at is not None


def _items(sessions: sessionmaker[Session], feed_id: int) -> list[str]:
    with sessions() as session:
        return sorted(session.execute(select(Item.key).where(Item.feed_id == feed_id)).scalars())


def _fetches(sessions: sessionmaker[Session], feed_id: int) -> int:
    with sessions() as session:
        return session.execute(
            select(func.count()).select_from(Fetch).where(Fetch.feed_id == feed_id)
        ).scalar_one()


def _queued(broker: Broker, queue: str) -> list[dict[str, object]]:
    return [json.loads(raw) for raw in broker.client.lrange(broker.key(queue), 0, -1)]


def _expected(name: str) -> list[str]:
    return sorted(f"{name}-{n}" for n in range(1, ITEMS_PER_FEED + 1))


def test_feed_crawled_in_distributed_mode_stores_its_items(
    tmp_path: Path,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    with FeedServer() as server:
        feeds = {n: u for n, u in (("east", server.url("east")), ("west", server.url("west")))}
        ids = dict(zip(feeds, add_feeds(pg_sessions, list(feeds.values())), strict=True))
        dispatcher = _dispatcher(pg_url, broker, tmp_path)
        for fid in ids.values():
            dispatcher.enqueue_crawl(fid, WINDOW)
            dispatcher.enqueue_crawl(fid, WINDOW)  # a duplicate tick for the same window
        _start_worker(processes, _env(tmp_path, pg_url, broker), "w1")
        client = broker.client
        for fid in ids.values():
            wait_for(lambda fid=fid: _done(pg_sessions, crawl_key(fid, WINDOW)), 45, "crawl")
        wait_for(
            lambda: (
                client.llen(broker.key("crawl")) == 0 and client.hlen(broker.key("unacked")) == 0
            ),
            20,
            "acks",
        )
        for name, fid in ids.items():
            assert _items(pg_sessions, fid) == _expected(name)
            assert server.requests[server.path(name)] == 1  # the duplicate tick collapsed
        # Follow-ups were sent after the commit: one evaluation per crawl that changed.
        evaluations = _queued(broker, "evaluate")
        assert len(evaluations) == 2
        assert {m["headers"]["task"] for m in evaluations} == {EVALUATE_UNITS}


@pytest.mark.slow
def test_worker_killed_mid_crawl_task_is_redelivered_to_another(
    tmp_path: Path,
    broker: Broker,
    queue_broker: QueueBroker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    env = _env(tmp_path, pg_url, broker, queue_broker)
    with FeedServer() as server:
        (fid,) = add_feeds(pg_sessions, [server.url("north")])
        server.hang_paths.add(server.path("north"))
        _dispatcher(pg_url, broker, tmp_path, queue_broker).enqueue_crawl(fid, WINDOW)
        first = _start_worker(processes, env, "w1")
        assert server.hanging.wait(60), processes.log("w1")
        # The crawl task is mid-flight and has claimed its window: the machine dies.
        assert not _done(pg_sessions, crawl_key(fid, WINDOW))
        processes.kill_group(first)
        server.release.set()
        _start_worker(processes, env, "w2")
        wait_for(lambda: _done(pg_sessions, crawl_key(fid, WINDOW)), 45, "redelivery")
        assert _items(pg_sessions, fid) == _expected("north")  # nothing lost
        assert server.requests[server.path("north")] == 2  # the work was really redone
        assert _fetches(pg_sessions, fid) == 1  # the killed attempt stored nothing
        wait_for(lambda: queue_broker.unacked() == 0, 20, "the redelivered task's ack")
        assert queue_broker.depth("evaluate") == 1  # nothing doubled downstream


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command may hold spaces or parentheses: fields follow the last ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_pool_process_killed_mid_crawl_task_is_handed_back(
    tmp_path: Path,
    broker: Broker,
    queue_broker: QueueBroker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    """Only the pool child dies: its parent rejects the task (task_reject_on_worker_lost)
    and it runs again at once, without waiting for the visibility timeout."""
    env = _env(tmp_path, pg_url, broker, queue_broker)
    env["MONITOR_WORKERS__VISIBILITY_TIMEOUT"] = "3600"
    with FeedServer() as server:
        (fid,) = add_feeds(pg_sessions, [server.url("west")])
        server.hang_paths.add(server.path("west"))
        _dispatcher(pg_url, broker, tmp_path, queue_broker).enqueue_crawl(fid, WINDOW)
        worker = _start_worker(processes, env, "w1")
        assert server.hanging.wait(60), processes.log("w1")
        (child,) = _children(worker.pid)
        os.kill(child, signal.SIGKILL)
        server.release.set()
        wait_for(lambda: _done(pg_sessions, crawl_key(fid, WINDOW)), 45, "the task again")
        assert _items(pg_sessions, fid) == _expected("west")
        assert server.requests[server.path("west")] == 2
        assert _fetches(pg_sessions, fid) == 1
        assert worker.poll() is None  # the same worker went on
        wait_for(lambda: queue_broker.depth("evaluate") == 1, 20, "one follow-up")


@pytest.mark.slow
@pytest.mark.private_redis
def test_redis_restarted_mid_run_the_run_completes(
    tmp_path: Path,
    broker: Broker,
    queue_broker: QueueBroker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
    private_redis: PrivateRedis,
) -> None:
    env = _env(tmp_path, pg_url, broker, queue_broker)
    with FeedServer() as server:
        ids = add_feeds(pg_sessions, [server.url("south"), server.url("upper")])
        server.hang_paths.add(server.path("south"))
        dispatcher = _dispatcher(pg_url, broker, tmp_path, queue_broker)
        dispatcher.enqueue_crawl(ids[0], WINDOW)
        _start_worker(processes, env, "w1")
        assert server.hanging.wait(60), processes.log("w1")
        try:
            private_redis.stop()
        finally:
            private_redis.start()
        wait_for(private_redis.up, 20, "redis back")
        server.release.set()
        # Work sent after Redis returned is picked up by the same worker.
        dispatcher.enqueue_crawl(ids[1], WINDOW)
        for fid in ids:
            wait_for(lambda fid=fid: _done(pg_sessions, crawl_key(fid, WINDOW)), 45, "crawl")
        assert _items(pg_sessions, ids[0]) == _expected("south")
        assert _items(pg_sessions, ids[1]) == _expected("upper")
        # The follow-up of the task that ran across the restart reached the broker (on
        # Redis: the new one).
        wait_for(lambda: queue_broker.depth("evaluate") == 2, 30, "both follow-ups")


@pytest.mark.slow
@pytest.mark.private_postgres
def test_postgresql_restarted_mid_run_the_run_completes(
    tmp_path: Path,
    broker: Broker,
    queue_broker: QueueBroker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
    private_postgres: PrivatePostgres,
) -> None:
    env = _env(tmp_path, pg_url, broker, queue_broker)
    with FeedServer() as server:
        (fid,) = add_feeds(pg_sessions, [server.url("lower")])
        pg_sessions.kw["bind"].dispose()
        server.hang_paths.add(server.path("lower"))
        _dispatcher(pg_url, broker, tmp_path, queue_broker).enqueue_crawl(fid, WINDOW)
        _start_worker(processes, env, "w1")
        assert server.hanging.wait(60), processes.log("w1")
        try:
            private_postgres.stop()
            # The crawl finishes reading while the database is down: storing fails, the
            # task retries (transient) until the database is back.
            server.release.set()
            wait_for(lambda: "retry" in processes.log("w1").lower(), 20, "a retry")
        finally:
            private_postgres.start()
        wait_for(lambda: _done(pg_sessions, crawl_key(fid, WINDOW)), 45, "crawl after restart")
        assert _items(pg_sessions, fid) == _expected("lower")
        assert _fetches(pg_sessions, fid) == 1
        wait_for(lambda: queue_broker.depth("evaluate") == 1, 30, "the follow-up")


def test_task_names_are_stable() -> None:
    assert CRAWL_FEED == "monitor.crawl.feed"


def test_pool_process_over_its_memory_limit_is_replaced_after_the_task(
    tmp_path: Path,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    """``workers.max_memory_per_child_mb`` bounds a pool process: past it, the task
    finishes and its process is swapped for a fresh one; the work is not lost."""
    env = _env(tmp_path, pg_url, broker)
    env["MONITOR_WORKERS__MAX_MEMORY_PER_CHILD_MB"] = "1"  # every process is over it
    with FeedServer() as server:
        (fid,) = add_feeds(pg_sessions, [server.url("south")])
        worker = _start_worker(processes, env, "w1")
        wait_for(lambda: len(_children(worker.pid)) == 1, 30, "the pool process")
        (before,) = _children(worker.pid)
        _dispatcher(pg_url, broker, tmp_path).enqueue_crawl(fid, WINDOW)
        wait_for(lambda: _done(pg_sessions, crawl_key(fid, WINDOW)), 45, "crawl")
        assert _items(pg_sessions, fid) == _expected("south")
        wait_for(
            lambda: _children(worker.pid) and before not in _children(worker.pid),
            30,
            "the replacement",
        )
        assert worker.poll() is None


@pytest.mark.slow
@pytest.mark.private_redis
def test_worker_outlives_redis_down_for_seconds(
    tmp_path: Path,
    broker: Broker,
    queue_broker: QueueBroker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
    private_redis: PrivateRedis,
) -> None:
    """Redis gone for a few seconds, not just restarted, while a task is in flight: the
    worker's reconnects are refused for a while, and the same worker process finishes
    the task and takes the next one. (kombu's error on this path, which ended the soak's
    workers now and then, is reproduced deterministically in test_transport.py.)"""
    env = _env(tmp_path, pg_url, broker, queue_broker)
    with FeedServer() as server:
        ids = add_feeds(pg_sessions, [server.url("east"), server.url("west")])
        server.hang_paths.add(server.path("east"))
        dispatcher = _dispatcher(pg_url, broker, tmp_path, queue_broker)
        dispatcher.enqueue_crawl(ids[0], WINDOW)
        worker = _start_worker(processes, env, "w1")
        assert server.hanging.wait(60), processes.log("w1")
        try:
            private_redis.stop()
            time.sleep(4)  # long enough for the worker's reconnect to be refused
        finally:
            private_redis.start()
        wait_for(private_redis.up, 20, "redis back")
        server.release.set()
        wait_for(lambda: _done(pg_sessions, crawl_key(ids[0], WINDOW)), 45, "crawl in flight")
        dispatcher.enqueue_crawl(ids[1], WINDOW)
        wait_for(lambda: _done(pg_sessions, crawl_key(ids[1], WINDOW)), 60, "crawl after")
        assert "Unrecoverable error" not in processes.log("w1")
        assert worker.poll() is None, processes.log("w1")
