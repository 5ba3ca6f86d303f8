"""monitor.logs: JSON lines with task and feed context, plain text otherwise."""

from __future__ import annotations

import io
import json
import logging

import pytest

from monitor.logs import log_context, setup_logging
from monitor.settings import Settings


@pytest.fixture(autouse=True)
def _restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_carry_context(tmp_path):
    stream = io.StringIO()
    setup_logging(Settings(log_json=True, data_dir=tmp_path), stream=stream)
    log = logging.getLogger("monitor.crawl")
    with log_context(task_id="t-1"), log_context(feed_id=7):
        log.info("fetched %s", "http://x", extra={"status": 200})
    log.warning("outside")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["msg"] == "fetched http://x" and first["level"] == "info"
    assert first["task_id"] == "t-1" and first["feed_id"] == 7 and first["status"] == 200
    assert first["logger"] == "monitor.crawl" and first["ts"].endswith("+00:00")
    assert "task_id" not in second


def test_text_logs_append_context(tmp_path):
    stream = io.StringIO()
    setup_logging(Settings(log_json=False, data_dir=tmp_path), stream=stream)
    with log_context(feed_id=3):
        logging.getLogger("x").error("boom")
    line = stream.getvalue().strip()
    assert "ERROR x: boom" in line and line.endswith("feed_id=3")


def test_setup_twice_keeps_one_handler(tmp_path):
    settings = Settings(log_json=True, data_dir=tmp_path)
    setup_logging(settings, stream=io.StringIO())
    setup_logging(settings, stream=io.StringIO())
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_monitor", False)]
    assert len(ours) == 1
