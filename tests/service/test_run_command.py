"""``monitor run`` as a user starts it: a real process that crawls a real local site
on its schedule and serves the report while it does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from monitor.demo.district import prepare
from monitor.demo.site import DemoSite
from monitor.store.db import make_engine, make_sessionmaker, transaction
from monitor.store.migrate import upgrade
from monitor.store.models import Feed, Fetch, Score
from tests.conftest import TEST_SECRET_KEY

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except OSError:
        return 0


def test_run_crawls_due_feeds_on_schedule_and_serves(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    engine = make_engine(db)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with DemoSite() as site:
        with transaction(sessions) as session:
            prepare(session, site.base_url)
            # Three feeds are enough to see the schedule work.
            keep = session.scalars(select(Feed.id).order_by(Feed.id).limit(3)).all()
            session.execute(update(Feed).where(Feed.id.not_in(keep)).values(enabled=False))
        port = _free_port()
        env = {
            **os.environ,
            "MONITOR_DATABASE_URL": db,
            "MONITOR_DATA_DIR": str(tmp_path / "var"),
            "MONITOR_ALLOWED_NETWORKS": "127.0.0.0/8",
            "MONITOR_CYCLE_MINUTES": "0.05",
            "MONITOR_SECRET_KEY": TEST_SECRET_KEY,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli.main", "run", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            fetched = scored = 0
            while time.monotonic() < deadline:
                with sessions() as session:
                    fetched = session.scalar(select(func.count(func.distinct(Fetch.feed_id))))
                    scored = session.scalar(select(func.count()).select_from(Score))
                if fetched == 3 and scored and _get(f"http://127.0.0.1:{port}/healthz") == 200:
                    break
                time.sleep(0.5)
            assert fetched == 3, "the due feeds were not crawled"
            assert scored, "the cycle did not score"
            assert _get(f"http://127.0.0.1:{port}/") == 200
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
