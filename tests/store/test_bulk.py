"""Bulk inserts store exactly what Core's insert stores, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.bulk import insert_rows, inserted_ids, max_id
from monitor.store.models import Feed, Item, Unit


def _feed(session: Session) -> Feed:
    unit = Unit(code="445302100001", name="和平村", level="village", kind="village")
    session.add(unit)
    session.flush()
    feed = Feed(unit_id=unit.id, url="http://example.org/rss", kind="rss", options={})
    session.add(feed)
    session.flush()
    return feed


def _row(feed: Feed, key: str, now: datetime) -> dict[str, object]:
    return {
        "feed_id": feed.id, "unit_id": feed.unit_id, "key": key, "title": key,
        "content_hash": "0" * 64, "first_seen": now, "last_seen": now, "date_errors": [],
        "meta": {}, "attachments": [],
    }  # fmt: skip


def test_inserted_ids_are_the_rows_ids_in_order(sessions: sessionmaker[Session]) -> None:
    """On SQLite the crawl takes a bulk insert's ids as the range after the largest id
    before it; where that range is not exactly its rows it must say so (None)."""
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    items = cast(Table, Item.__table__)
    with sessions() as session, session.begin():
        feed = _feed(session)
        connection = session.connection()
        insert_rows(connection, items, [_row(feed, "old", now)])
        before = max_id(connection, items)
        keys = ["x", "y", "z"]
        insert_rows(connection, items, [_row(feed, k, now) for k in keys])
        ids = inserted_ids(connection, items, len(keys), before)
        if connection.dialect.name != "sqlite":
            assert ids is None and before is None
            return
        stored = dict(session.execute(select(Item.key, Item.id)).all())
        assert ids is not None and [stored[k] for k in keys] == list(ids)
        # One more row than the caller inserted (another writer): not told by range.
        insert_rows(connection, items, [_row(feed, "other", now)])
        assert inserted_ids(connection, items, len(keys), before) is None


def test_insert_rows_round_trips_like_core(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    with sessions() as session, session.begin():
        feed = _feed(session)
        base = {
            "feed_id": feed.id,
            "unit_id": feed.unit_id,
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
            # What COPY's text format escapes (PostgreSQL goes through COPY).
            {
                **base,
                "key": "d",
                "title": "a\tb\nc\\N\\d",
                "date_errors": [],
                "meta": {"k": "\\N\t"},
                "attachments": [],
            },
        ]
        insert_rows(session.connection(), cast(Table, Item.__table__), rows)
    with sessions() as session:
        items = {i.key: i for i in session.scalars(select(Item))}
        assert set(items) == {"a", "b", "c", "d"}
        assert items["a"].first_seen == now and items["a"].last_seen == now
        assert items["a"].published_date == date(2026, 11, 2) and items["a"].removed_at is None
        assert items["a"].meta == {} and items["b"].meta == {"文号": "x"}
        assert items["c"].date_errors == [{"field": "formed", "text": "?", "error": "bad"}]
        assert items["c"].attachments == [{"url": "http://example.org/a.pdf", "name": "附件"}]
        assert items["d"].title == "a\tb\nc\\N\\d" and items["d"].meta == {"k": "\\N\t"}
