"""``monitor worker`` refuses unknown queues; ``monitor enqueue-cycle`` sends one crawl
per enabled feed to the broker."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker
from monitor.store.migrate import upgrade
from monitor.store.registry import import_all_models
from tests.workers.conftest import Broker, add_feeds
from workers.app import CRAWL_FEED


def _env(tmp_path: Path, broker: Broker | None = None) -> dict[str, str]:
    env = {
        "MONITOR_CONFIG": str(tmp_path / "absent.toml"),
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "MONITOR_DATA_DIR": str(tmp_path / "var"),
    }
    if broker is not None:
        env["MONITOR_BROKER_URL"] = broker.url
        env.update(broker.env())
    return env


def test_worker_refuses_unknown_queues(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["worker", "--queues", "crawl,bogus"], env=_env(tmp_path))
    assert result.exit_code != 0
    assert "bogus" in result.output


@pytest.mark.redis
def test_enqueue_cycle_sends_one_crawl_per_feed(tmp_path: Path, broker: Broker) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    ids = add_feeds(make_sessionmaker(engine), ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"])
    engine.dispose()
    result = CliRunner().invoke(
        app, ["enqueue-cycle", "--as-of", "2026-11-27", "--json"], env=_env(tmp_path, broker)
    )
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["feeds"] == 2 and sent["finished"] is None
    messages = [json.loads(m) for m in broker.client.lrange(broker.key("crawl"), 0, -1)]
    assert {m["headers"]["task"] for m in messages} == {CRAWL_FEED}
    feed_ids = [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]
    assert sorted(feed_ids) == ids
