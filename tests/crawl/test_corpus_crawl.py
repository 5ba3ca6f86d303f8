"""Feeds that turn bad: every corpus document served in place of a good feed. The
crawl must not crash or hang, must say what went wrong on the fetch row, and must
keep every item it had already stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.settings import Settings
from monitor.store.models import Fetch, Item
from tests.conftest import CORPUS
from tests.crawl.conftest import add_feed
from tests.fetch.servers import Page, Site, ThreadServer
from tests.parse.test_corpus import corpus_files

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def good_feed(server: ThreadServer, n: int) -> bytes:
    link = server.url(f"/notice/{n}.html")
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>公示{n}</title><link>{link}</link>"
        f"<pubDate>Thu, 26 Nov 2026 09:30:00 +0800</pubDate></item></channel></rss>"
    ).encode()


@pytest.mark.timeout(180)
def test_corpus_documents_replacing_good_feeds(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
) -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    s, server = site
    files = corpus_files()
    feed_ids = []
    for n, _path in enumerate(files):
        s.pages[f"/feed/{n}.xml"] = Page(good_feed(server, n), content_type="application/rss+xml")
        # The stored items' pages still answer: an entry missing from a bad feed
        # must not be taken for a deletion.
        s.pages[f"/notice/{n}.html"] = Page("<html><body>公示内容</body></html>".encode())
        _, feed_id = add_feed(
            sqlite_sessions, server.url(f"/feed/{n}.xml"), "rss", {"detail": False}
        )
        feed_ids.append(feed_id)
    first = crawl(sqlite_sessions, crawl_settings, now=T0)
    assert first.items_new == len(files) and first.failed == 0

    for n, path in enumerate(files):
        body = path.read_bytes()
        gzipped = body[:2] == b"\x1f\x8b"
        s.pages[f"/feed/{n}.xml"] = Page(body, content_type="application/xml")
        if gzipped:
            s.pages[f"/feed/{n}.xml"] = Page(body, content_type="application/xml; gzip")
    second = crawl(sqlite_sessions, crawl_settings, now=T0 + timedelta(hours=1))
    assert second.feeds == len(files)
    assert second.items_removed == 0

    with sqlite_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Item)) >= len(files)
        for feed_id in feed_ids:
            kept = session.scalar(
                select(func.count()).select_from(Item).where(Item.feed_id == feed_id)
            )
            assert kept >= 1
        last = session.scalars(
            select(Fetch).where(Fetch.started_at == T0 + timedelta(hours=1))
        ).all()
    assert len({f.feed_id for f in last}) == len(files)
    outcomes = {f.outcome for f in last}
    assert outcomes <= {"ok", "parse_error", "decode_error"}
    failed = [f for f in last if f.outcome != "ok"]
    assert failed, "the corpus holds documents that are not feeds"
    assert all(f.error and len(f.error) > 10 for f in failed)
    assert any("HTML" in (f.error or "") for f in failed)
