"""``monitor scheduler --metrics-port``: the scheduler's lag is scraped from the process
that sets it (before, only the web's constant 0 was, so the stalled-scheduler alert
could not fire)."""

from __future__ import annotations

import re
import socket
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.workers.conftest import Broker, Processes, add_feeds, service_env, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

LAG = re.compile(r"^disclosure_scheduler_lag_seconds (\S+)$", re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lag(port: int) -> float | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            found = LAG.search(r.read().decode())
    except OSError:
        return None
    return float(found.group(1)) if found else None


def test_the_scheduler_serves_its_lag(
    tmp_path: Path,
    broker: Broker,
    pg_url: str,
    pg_sessions: sessionmaker[Session],
    processes: Processes,
) -> None:
    # Every minute, no jitter: a tick (which measures the lag) comes within the minute.
    add_feeds(pg_sessions, [f"http://127.0.0.1:1/{n}.xml" for n in range(4)], interval=1)
    env = service_env(
        tmp_path,
        pg_url,
        broker,
        MONITOR_WORKERS__SCHEDULER_JITTER="0",
        MONITOR_WORKERS__SCHEDULER_SYNC_SECONDS="1",
        # As deployed: multiprocess mode for every service (deploy/compose.yaml).
        PROMETHEUS_MULTIPROCESS_DIR=str(tmp_path / "prom"),
    )
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "gauge_livemax_1.db").write_bytes(b"")  # a dead run's file
    port = _free_port()
    processes.start(["scheduler", "--metrics-port", str(port)], env, "scheduler")
    wait_for(lambda: _lag(port) is not None, 30, "the scheduler's /metrics")
    assert not (tmp_path / "prom" / "gauge_livemax_1.db").exists()
    wait_for(lambda: (_lag(port) or 0.0) > 0.0, 90, "a tick to set the lag", step=1.0)
