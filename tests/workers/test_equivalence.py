"""The sample district processed in distributed mode (real Celery workers on Redis,
PostgreSQL) gives the same items, findings, scores and alerts as the embedded cycle."""

from __future__ import annotations

import os
import time
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo import plan
from monitor.demo.district import prepare
from monitor.demo.site import DemoSite
from monitor.pipeline import run_cycle
from monitor.settings import CrawlSettings, Settings, WorkerSettings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.migrate import upgrade
from monitor.store.models import Alert, Finding, Item, Score, Unit
from monitor.store.registry import import_all_models
from tests.conftest import create_pg_database, drop_pg_database
from tests.workers.conftest import Broker, Processes, service_env, wait_for
from workers.dispatch import CeleryDispatcher

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

NOW = datetime.combine(plan.AS_OF, clock(18, 0), ZoneInfo("Asia/Shanghai"))


def _store(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    return make_sessionmaker(engine)


def _snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """What both modes must agree on, keyed by natural keys (ids differ between stores)."""
    with sessions() as s:
        code = dict(s.execute(select(Unit.id, Unit.code)).all())
        items = sorted(
            (code[i.unit_id], i.key, i.title, i.content_hash, str(i.published_date),
             i.removed_at is None)
            for i in s.scalars(select(Item))
        )  # fmt: skip
        findings = sorted(
            (f.rule_id, code[f.unit_id], f.period, f.subject, f.severity, f.status, f.assessable)
            for f in s.scalars(select(Finding))
        )
        scores = sorted(
            # A unit never read (the portal that is down) has no value, only a status.
            (
                code[c.unit_id],
                c.period,
                c.indicator,
                c.status,
                None if c.value is None else round(c.value, 6),
                str(c.computed_for),
            )
            for c in s.scalars(select(Score))
        )
        alerts = sorted(
            (a.dedup_key, code[a.unit_id], a.rule_id, a.severity, a.state)
            for a in s.scalars(select(Alert))
        )
    return {"items": items, "findings": findings, "scores": scores, "alerts": alerts}


def test_distributed_matches_embedded_for_the_sample_district(
    tmp_path: Path, broker: Broker, processes: Processes
) -> None:
    names = [f"monitor_eq_{kind}_{os.getpid()}" for kind in ("embedded", "distributed")]
    urls = [create_pg_database(name) for name in names]
    try:
        with DemoSite() as site:
            site.set_today(plan.AS_OF)
            stores = [_store(url) for url in urls]
            for sessions in stores:
                with sessions.begin() as session:
                    prepare(session, site.base_url, district=site.district)

            # The whole district sits on one local host: lift the politeness limits
            # (the same in both modes) so the test is about dispatch, not waiting.
            embedded = Settings(
                database_url=urls[0],
                broker_url=broker.url,
                workers=WorkerSettings(**broker.settings()),
                data_dir=tmp_path / "embedded",
                allowed_networks=["127.0.0.0/8"],
                crawl=CrawlSettings(per_host_rate=1000.0, per_host_concurrency=16),
            )
            started = time.monotonic()
            run_cycle(stores[0], embedded, now=NOW)

            embedded_seconds = time.monotonic() - started
            env = service_env(
                tmp_path,
                urls[1],
                broker,
                MONITOR_CRAWL__PER_HOST_RATE="1000",
                MONITOR_CRAWL__PER_HOST_CONCURRENCY="16",
            )
            started = time.monotonic()
            processes.start(
                ["worker", "--queues", "crawl,evaluate,score,notify", "--concurrency", "4",
                 "--name", "all"],
                env,
                "worker",
            )  # fmt: skip
            dispatcher = CeleryDispatcher(
                embedded.model_copy(
                    update={"database_url": urls[1], "data_dir": tmp_path / "distributed"}
                )
            )
            sent = dispatcher.run_cycle(stores[1], now=NOW)
            assert sent.feeds > 0
            wait_for(
                lambda: dispatcher.cycle_evaluated(stores[1], sent.cycle),
                240,
                "the cycle's evaluation",
                step=1,
            )
            assert dispatcher.wait_idle(timeout=120, settle=3), processes.log("worker")

            print(
                f"embedded {embedded_seconds:.0f}s, distributed {time.monotonic() - started:.0f}s"
            )
            expected, got = _snapshot(stores[0]), _snapshot(stores[1])
            for part in ("items", "findings", "scores", "alerts"):
                assert expected[part], f"the embedded cycle produced no {part}"
                assert got[part] == expected[part], part
            for sessions in stores:
                sessions.kw["bind"].dispose()
    finally:
        for name in names:
            drop_pg_database(name)
