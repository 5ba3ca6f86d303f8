"""Feeds read while the writer thread is busy are stored in one transaction; a feed
that cannot be stored must cost only itself, and nothing may be counted twice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl, writer
from monitor.settings import Settings
from monitor.store.models import Fetch, Item
from tests.crawl.conftest import add_feed
from tests.fetch.servers import Page, Site, ThreadServer

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
FEEDS = 6


def _rss(n: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>第{n}村公告{i}</title><link>http://example.org/{n}/{i}.html</link>"
        f"<guid>u{n}-{i}</guid><pubDate>Mon, 02 Nov 2026 08:00:00 +0800</pubDate></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>村{n}</title>{entries}</channel></rss>"
    ).encode()


def test_a_feed_failing_to_store_in_a_batch_costs_only_itself(
    sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s, server = site
    feed_ids = []
    for n in range(FEEDS):
        s.pages[f"/{n}/rss.xml"] = Page(_rss(n, 3), content_type="application/rss+xml")
        _, feed_id = add_feed(sessions, server.url(f"/{n}/rss.xml"), "rss")
        feed_ids.append(feed_id)
    broken = feed_ids[3]

    real = writer.persist_feed
    first_call = threading.Event()
    batch_sizes: list[int] = []
    real_batch = writer.CrawlWriter.write_batch

    def slow_then_broken(session: Session, outcome: Any, *args: Any, **kwargs: Any) -> Any:
        if not first_call.is_set():
            first_call.set()
            time.sleep(0.5)  # the other feeds are read meanwhile and queue up
        if outcome.job.id == broken:
            raise RuntimeError("disk full")
        return real(session, outcome, *args, **kwargs)

    def recording_batch(self: Any, batch: list[Any]) -> None:
        batch_sizes.append(len(batch))
        real_batch(self, batch)

    monkeypatch.setattr(writer, "persist_feed", slow_then_broken)
    monkeypatch.setattr(writer.CrawlWriter, "write_batch", recording_batch)
    new_before = REGISTRY.get_sample_value("disclosure_items_total", {"change": "new"}) or 0

    report = crawl(sessions, crawl_settings, now=T0)

    assert max(batch_sizes) > 1  # some feeds really were written together
    assert report.failed == 1 and report.ok == FEEDS - 1
    assert report.items_new == 3 * (FEEDS - 1)
    assert any("storing failed: disk full" in e for e in report.errors)
    new_after = REGISTRY.get_sample_value("disclosure_items_total", {"change": "new"}) or 0
    assert new_after - new_before == 3 * (FEEDS - 1)  # the rolled-back batch is not counted
    with sessions() as session:
        per_feed = dict(
            session.execute(select(Item.feed_id, func.count()).group_by(Item.feed_id)).all()
        )
        assert per_feed == {f: 3 for f in feed_ids if f != broken}
        fetched = session.scalars(select(Fetch.feed_id)).all()
        assert sorted(fetched) == sorted(feed_ids)
        # The feed that could not be stored still has its read on record, with why.
        row = session.scalars(select(Fetch).where(Fetch.feed_id == broken)).one()
        assert "storing the feed failed: RuntimeError: disk full" in (row.error or "")
