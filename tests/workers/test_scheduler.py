"""The scheduler: one leader through a Redis lock, jobs from the feed table, windowed
ticks; and two real ``monitor scheduler`` processes of which only one enqueues."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.claims import crawl_key
from monitor.settings import Settings
from monitor.store.models import Feed
from tests.workers.conftest import Broker, Processes, add_feeds, service_env, wait_for
from workers.scheduler import (
    EVALUATE_JOB,
    PRUNE_JOB,
    SYNC_JOB,
    LeaderLock,
    SchedulerService,
    job_id,
)

pytestmark = pytest.mark.redis


def _settings(settings: Settings, broker: Broker, **workers: float) -> Settings:
    values = {
        "scheduler_lock_ttl": 1.0,
        "scheduler_standby_poll": 0.1,
        "scheduler_sync_seconds": 3600,
        "scheduler_jitter": 0,
        **workers,
    }
    return settings.model_copy(
        update={
            "broker_url": broker.url,
            "workers": settings.workers.model_copy(update={**values, **broker.settings()}),
        }
    )


def test_lock_has_one_holder_and_expires(broker: Broker) -> None:
    client = broker.client
    first = LeaderLock(client, broker.key("lock"), ttl=0.5)
    second = LeaderLock(client, broker.key("lock"), ttl=0.5)
    assert first.acquire()
    assert not second.acquire()
    assert first.renew()
    time.sleep(0.7)  # first stopped renewing: it "died"
    assert second.acquire()
    assert not first.renew()  # the old leader learns it lost
    second.release()


def test_jobs_follow_the_feed_table(
    settings: Settings, broker: Broker, sqlite_sessions: sessionmaker[Session]
) -> None:
    ids = add_feeds(sqlite_sessions, ["http://127.0.0.1:1/a.xml", "http://127.0.0.1:1/b.xml"])
    sent: list[tuple[int, datetime]] = []
    service = SchedulerService(
        _settings(settings, broker),
        sqlite_sessions,
        enqueue=lambda f, w: sent.append((f, w)),
        enqueue_evaluate=lambda now: None,
        enqueue_prune=lambda now: None,
    )
    service._lead()
    try:
        jobs = {j.id for j in service.scheduler.get_jobs()}  # type: ignore[union-attr]
        assert {job_id(i) for i in ids} | {SYNC_JOB, EVALUATE_JOB, PRUNE_JOB} <= jobs
        # Never fetched: the catch-up enqueued each feed's current window once.
        assert sorted(f for f, _ in sent) == ids
        with sqlite_sessions.begin() as session:
            feed = session.get(Feed, ids[0])
            assert feed is not None
            feed.enabled = False
        service.sync_jobs(catch_up=True)
        jobs = {j.id for j in service.scheduler.get_jobs()}  # type: ignore[union-attr]
        assert job_id(ids[0]) not in jobs and job_id(ids[1]) in jobs
        assert len(sent) == 2  # an unchanged job is not re-sent
        # A tick carries its window: two ticks in one slot give one work key.
        service.tick(ids[1], 60)
        service.tick(ids[1], 60)
        assert len({crawl_key(f, w) for f, w in sent[2:]}) == 1
    finally:
        service._step_down()


def test_two_services_only_the_leader_enqueues_and_the_standby_takes_over(
    settings: Settings, broker: Broker, sqlite_sessions: sessionmaker[Session]
) -> None:
    add_feeds(sqlite_sessions, ["http://127.0.0.1:1/a.xml"])
    sent: dict[str, list[int]] = {"a": [], "b": []}
    services = {
        name: SchedulerService(
            _settings(settings, broker),
            sqlite_sessions,
            enqueue=lambda f, w, name=name: sent[name].append(f),
        )
        for name in sent
    }
    threads = {n: threading.Thread(target=s.run, daemon=True) for n, s in services.items()}
    threads["a"].start()
    wait_for(lambda: services["a"].leading, 5, "a to lead")
    threads["b"].start()
    time.sleep(1.5)  # longer than the lock's TTL: b keeps standing by while a renews
    assert sent["a"] and not sent["b"]
    assert not services["b"].leading
    services["a"].stop()
    threads["a"].join(5)
    wait_for(lambda: services["b"].leading, 5, "b to take over")
    wait_for(lambda: bool(sent["b"]), 5, "b's catch-up")
    services["b"].stop()
    threads["b"].join(5)


def _origins(broker: Broker) -> list[str]:
    out = []
    # kombu LPUSHes: the list holds the newest first.
    for raw in reversed(broker.client.lrange(broker.key("crawl"), 0, -1)):
        message = json.loads(raw)
        out.append(message["headers"]["origin"])
    return out


@pytest.mark.slow
@pytest.mark.postgres
def test_two_scheduler_processes_only_one_enqueues(
    tmp_path: Path,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    add_feeds(pg_sessions, [f"http://127.0.0.1:1/{n}.xml" for n in range(3)])
    env = service_env(
        tmp_path,
        pg_url,
        broker,
        MONITOR_WORKERS__SCHEDULER_LOCK_TTL="2",
        MONITOR_WORKERS__SCHEDULER_STANDBY_POLL="0.2",
        MONITOR_WORKERS__SCHEDULER_SYNC_SECONDS="1",
    )
    client = broker.client
    first = processes.start(["scheduler"], env, "scheduler-1")
    wait_for(lambda: client.llen(broker.key("crawl")) >= 3, 30, "the first scheduler's catch-up")
    second = processes.start(["scheduler"], env, "scheduler-2")
    time.sleep(4)  # twice the TTL, many sync rounds: the second one must stay silent
    origins = _origins(broker)
    assert len(origins) == 3, processes.log("scheduler-1") + processes.log("scheduler-2")
    assert len(set(origins)) == 1
    assert origins[0].startswith(f"gen{first.pid}@")

    processes.kill_group(first)  # the leader's machine dies: no release, the lock expires
    wait_for(lambda: client.llen(broker.key("crawl")) >= 6, 30, "the standby to take over")
    origins = _origins(broker)
    assert {o.split("@")[0] for o in origins[3:]} == {f"gen{second.pid}"}
