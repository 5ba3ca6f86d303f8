"""What waits and what is held, asked of the broker of either kind: the web's
``disclosure_queue_depth`` gauge, the dispatcher's ``wait_idle`` and ``monitor
enqueue-cycle --wait`` (which read Redis lists alone before, and on RabbitMQ failed or
stayed unset)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings, WorkerSettings
from monitor.web.app import create_app
from tests.workers.conftest import (
    MONITOR,
    Broker,
    Processes,
    QueueBroker,
    add_feeds,
    service_env,
    wait_for,
)
from tests.workers.feeds_server import FeedServer
from workers.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

WINDOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _dispatcher(queues: QueueBroker, broker: Broker, database_url: str) -> CeleryDispatcher:
    return CeleryDispatcher(
        Settings(
            database_url=database_url,
            allowed_networks=["127.0.0.0/8"],
            workers=WorkerSettings(**broker.settings()),
            **queues.settings(),  # type: ignore[arg-type]
        )
    )


def _env(tmp_path: Path, pg_url: str, broker: Broker, queues: QueueBroker) -> dict[str, str]:
    return service_env(tmp_path, pg_url, broker, **queues.env(), MONITOR_CRAWL__RETRIES="0")


def test_the_web_gauge_counts_waiting_messages_on_either_broker(
    queue_broker: QueueBroker,
    broker: Broker,
    settings: Settings,
    sqlite_sessions: sessionmaker[Session],
) -> None:
    dispatcher = _dispatcher(queue_broker, broker, settings.database_url)
    for feed_id in (1, 2, 3):  # no worker runs: they wait
        dispatcher.enqueue_crawl(feed_id, WINDOW)
    on = settings.model_copy(
        update={
            **queue_broker.settings(),
            "workers": settings.workers.model_copy(update=broker.settings()),
        }
    )
    body = TestClient(create_app(on, sqlite_sessions)).get("/metrics").text
    assert 'disclosure_queue_depth{queue="crawl"} 3.0' in body
    assert 'disclosure_queue_depth{queue="notify"} 0.0' in body  # never declared: 0
    assert dispatcher.queue_depths()["crawl"] == 3


@pytest.mark.slow
def test_wait_idle_sees_a_task_held_by_a_worker_on_either_broker(
    tmp_path: Path,
    queue_broker: QueueBroker,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    """The queues are empty while the worker holds the crawl: not idle. Once it is done
    (and its follow-up evaluated), idle."""
    with FeedServer() as server:
        (fid,) = add_feeds(pg_sessions, [server.url("east")])
        server.hang_paths.add(server.path("east"))
        argv = ["worker", "--queues", "crawl,evaluate,score,notify", "--concurrency", "1"]
        env = _env(tmp_path, pg_url, broker, queue_broker)
        processes.start([*argv, "--name", "w1"], env, "w1")
        dispatcher = _dispatcher(queue_broker, broker, pg_url)
        dispatcher.enqueue_crawl(fid, WINDOW)
        assert server.hanging.wait(60), processes.log("w1")
        assert queue_broker.depth("crawl") == 0
        assert not dispatcher.wait_idle(timeout=4, settle=1)
        server.release.set()
        assert dispatcher.wait_idle(timeout=60, settle=2), processes.log("w1")


@pytest.mark.slow
def test_enqueue_cycle_waits_for_the_cycle_on_either_broker(
    tmp_path: Path,
    queue_broker: QueueBroker,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    env = _env(tmp_path, pg_url, broker, queue_broker)
    with FeedServer() as server:
        add_feeds(pg_sessions, [server.url("north"), server.url("south")])
        argv = ["worker", "--queues", "crawl,evaluate,score,notify", "--concurrency", "2"]
        processes.start([*argv, "--name", "w1"], env, "w1")
        wait_for(lambda: "ready" in processes.log("w1"), 60, "the worker")
        run = subprocess.run(
            [MONITOR, "enqueue-cycle", "--as-of", "2026-11-28", "--wait", "120", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert run.returncode == 0, run.stdout + run.stderr + processes.log("w1")
    result = json.loads(run.stdout)
    assert result["feeds"] == 2 and result["finished"] is True
    assert all(queue_broker.depth(q) == 0 for q in ("crawl", "evaluate", "score", "notify"))
    assert queue_broker.unacked() == 0
