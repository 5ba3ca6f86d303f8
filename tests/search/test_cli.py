"""``monitor search find`` and ``monitor search index`` on a SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.settings import Settings
from monitor.store.models import Feed, Item, ItemVersion, Unit

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _cli(settings: Settings, *args: str):
    env = {"MONITOR_DATABASE_URL": settings.database_url, "MONITOR_CONFIG": "absent.toml"}
    return CliRunner().invoke(app, list(args), env=env)


def test_index_then_find(settings: Settings, sqlite_sessions: sessionmaker[Session]) -> None:
    with sqlite_sessions.begin() as s:
        unit = Unit(code="445302001201", name="白石村", level="village", kind="village")
        s.add(unit)
        s.flush()
        feed = Feed(unit_id=unit.id, url="http://127.0.0.1:9/a", kind="html")
        s.add(feed)
        s.flush()
        item = Item(feed_id=feed.id, unit_id=unit.id, key="a", title="白石村低保名单公示",
                    content_hash="a", first_seen=NOW, last_seen=NOW)  # fmt: skip
        s.add(item)
        s.flush()
        s.add(ItemVersion(item_id=item.id, content_hash="a", seen_at=NOW, text="电话 13812345678"))
    assert _cli(settings, "search", "find", "低保").output == ""  # not indexed yet
    indexed = _cli(settings, "search", "index")
    assert indexed.exit_code == 0 and "indexed 2 queued changes" in indexed.output
    found = _cli(settings, "search", "find", "低保")
    assert found.exit_code == 0, found.output
    assert "白石村【低保】名单公示" in found.output
    as_json = json.loads(_cli(settings, "search", "find", "电话", "--json").output)
    assert "1381***5678" in as_json[0]["snippet_html"]
    assert _cli(settings, "search", "find", "x", "--unit", "999").exit_code == 2
