"""The stage graph run both ways on a few feeds: the embedded cycle in this process and
the distributed cycle through a real ``monitor worker`` (Celery on Redis, PostgreSQL)
store the same items, findings, scores and alerts. Small and quick, beside the sample
district's comparison (test_equivalence.py)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.pipeline import run_cycle
from monitor.settings import Settings, WorkerSettings
from tests.conftest import create_pg_database, drop_pg_database
from tests.workers.conftest import Broker, Processes, add_feeds, service_env, wait_for
from tests.workers.feeds_server import FeedServer
from tests.workers.test_equivalence import _snapshot, _store
from workers.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(300)]

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_embedded_and_distributed_cycles_store_the_same(
    tmp_path: Path, broker: Broker, processes: Processes
) -> None:
    names = [f"monitor_both_{kind}_{os.getpid()}" for kind in ("embedded", "distributed")]
    urls = [create_pg_database(name) for name in names]
    try:
        with FeedServer() as server:
            # Two feeds that answer and one that does not (its unit gets an
            # availability finding, so alerts open too).
            feeds = [
                server.url("north"),
                server.url("south"),
                server.url("x").replace("/feeds/x.xml", "/gone.xml"),
            ]
            stores = [_store(url) for url in urls]
            for sessions in stores:
                add_feeds(sessions, feeds)
            settings = Settings(
                database_url=urls[0],
                broker_url=broker.url,
                workers=WorkerSettings(**broker.settings()),
                data_dir=tmp_path / "embedded",
                allowed_networks=["127.0.0.0/8"],
            )
            run_cycle(stores[0], settings, now=NOW)
            env = service_env(tmp_path, urls[1], broker, MONITOR_CRAWL__RETRIES="0")
            processes.start(
                ["worker", "--queues", "crawl,evaluate,score,notify", "--concurrency", "2",
                 "--name", "both"],
                env,
                "worker",
            )  # fmt: skip
            dispatcher = CeleryDispatcher(
                settings.model_copy(
                    update={"database_url": urls[1], "data_dir": tmp_path / "distributed"}
                )
            )
            sent = dispatcher.run_cycle(stores[1], now=NOW)
            assert sent.feeds == len(feeds)
            wait_for(lambda: dispatcher.cycle_evaluated(stores[1], sent.cycle), 120, "evaluation")
            assert dispatcher.wait_idle(timeout=60, settle=2), processes.log("worker")
            expected, got = _snapshot(stores[0]), _snapshot(stores[1])
            for part in ("items", "findings", "scores", "alerts"):
                assert expected[part], f"the embedded cycle produced no {part}"
                assert got[part] == expected[part], part
            for sessions in stores:
                sessions.kw["bind"].dispose()
    finally:
        for name in names:
            drop_pg_database(name)
