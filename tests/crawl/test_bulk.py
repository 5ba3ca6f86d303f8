"""Bulk inserts store exactly what Core's insert stores, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl.bulk import insert_rows
from monitor.store.models import Feed, Item, Unit


def test_insert_rows_round_trips_like_core(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    with sessions() as session, session.begin():
        unit = Unit(code="445302100001", name="和平村", level="village", kind="village")
        session.add(unit)
        session.flush()
        feed = Feed(unit_id=unit.id, url="http://example.org/rss", kind="rss", options={})
        session.add(feed)
        session.flush()
        base = {
            "feed_id": feed.id,
            "unit_id": unit.id,
            "title": "公告",
            "category": None,
            "url": None,
            "formed_date": None,
            "published_date": date(2026, 11, 2),
            "formed_text": None,
            "published_text": "2026-11-02",
            "content_hash": "0" * 64,
            "first_seen": now,
            "last_seen": now,
        }
        rows = [
            {**base, "key": "a", "date_errors": [], "meta": {}, "attachments": []},
            {**base, "key": "b", "date_errors": [], "meta": {"文号": "x"}, "attachments": []},
            {
                **base,
                "key": "c",
                "date_errors": [{"field": "formed", "text": "?", "error": "bad"}],
                "meta": {},
                "attachments": [{"url": "http://example.org/a.pdf", "name": "附件"}],
            },
        ]
        insert_rows(session.connection(), cast(Table, Item.__table__), rows)
    with sessions() as session:
        items = {i.key: i for i in session.scalars(select(Item))}
        assert set(items) == {"a", "b", "c"}
        assert items["a"].first_seen == now and items["a"].last_seen == now
        assert items["a"].published_date == date(2026, 11, 2) and items["a"].removed_at is None
        assert items["a"].meta == {} and items["b"].meta == {"文号": "x"}
        assert items["c"].date_errors == [{"field": "formed", "text": "?", "error": "bad"}]
        assert items["c"].attachments == [{"url": "http://example.org/a.pdf", "name": "附件"}]
