"""Log lines written while a feed is crawled carry that feed's id and URL."""

from __future__ import annotations

import json
import logging
from io import StringIO
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.logs import setup_logging
from monitor.settings import Settings
from monitor.store.models import Feed, Unit


def test_a_failing_feed_is_logged_with_its_id(
    settings: Settings, sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    json_settings = settings.model_copy(update={"log_json": True})
    stream = StringIO()
    setup_logging(json_settings, level=logging.INFO, stream=stream)
    try:
        with sqlite_sessions.begin() as s:
            unit = Unit(code="445302102000", name="腰古镇", level="town", kind="town")
            s.add(unit)
            s.flush()
            # Nothing listens on port 9 of loopback: the fetch fails at once.
            feed = Feed(unit_id=unit.id, url="http://127.0.0.1:9/list.html", kind="html")
            s.add(feed)
            s.flush()
            feed_id = feed.id
        report = crawl(sqlite_sessions, settings, feed_ids=[feed_id])
    finally:
        logging.getLogger().handlers.clear()
    assert report.failed == 1
    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    with_feed = [r for r in records if r.get("feed_id") == feed_id]
    assert with_feed, records
    assert with_feed[0]["feed_url"] == "http://127.0.0.1:9/list.html"
