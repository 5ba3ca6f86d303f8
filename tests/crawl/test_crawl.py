"""The crawl stage end to end against a real local site: new, unchanged (304 and
unchanged entries), changed and removed items, with fetch rows and evidence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.crawl.models import PageFetch
from monitor.evidence import read_evidence
from monitor.settings import Settings
from monitor.store.models import Evidence, Fetch, Item, ItemVersion
from tests.crawl.conftest import PAGES, add_feed
from tests.fetch.servers import Page, Site, ThreadServer

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
BASE = "/xxgk/hpc/cwgk/"


def _page(text: str) -> bytes:
    return f"<html><body><div id='zoom'>{text}</div></body></html>".encode()


DETAILS = {
    BASE + "202611/t20261102_1001.html": (PAGES / "detail_xxgk.html").read_bytes(),
    BASE + "t20261015_0998.html": _page("低保对象名单"),
    BASE + "202609/t20260930_0990.html": _page("三季度收支"),
    BASE + "202608/t20260820_0950.html": _page("招标结果"),
}


def serve(site: Site, list_body: bytes, etag: str) -> None:
    site.pages[BASE + "index.html"] = Page(list_body, etag=etag)
    site.pages[BASE + "index_1.html"] = Page((PAGES / "list_county_page2.html").read_bytes())
    for path, body in DETAILS.items():
        site.pages.setdefault(path, Page(body))
    site.pages[BASE + "202611/P020261102_1.xlsx"] = Page(
        b"PK\x03\x04", content_type="application/vnd.ms-excel"
    )


def test_crawl_tracks_new_unchanged_changed_and_removed_items(
    sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
) -> None:
    s, server = site
    listing = (PAGES / "list_county.html").read_bytes()
    serve(s, listing, '"v1"')
    unit_id, feed_id = add_feed(
        sessions, server.url(BASE + "index.html"), "html", category="村务公开"
    )

    new_before = REGISTRY.get_sample_value("disclosure_items_total", {"change": "new"}) or 0
    first = crawl(sessions, crawl_settings, now=T0)
    assert first.errors == []
    new_after = REGISTRY.get_sample_value("disclosure_items_total", {"change": "new"})
    assert new_after == new_before + 4
    assert (first.ok, first.items_new, first.items_changed, first.items_removed) == (1, 4, 0, 0)
    assert first.changed_unit_ids == {unit_id}
    assert all(s.hits[path] == 1 for path in DETAILS)
    assert s.headers_seen[0]["User-Agent"].startswith("disclosure-monitor/")
    with sessions() as session:
        item = session.scalars(select(Item).where(Item.key.like("%t20261102_1001.html"))).one()
        assert item.title == "和平村2026年10月村务公开"
        assert item.category == "村务公开"
        assert item.meta["index_no"] == "445302-HP-2026-0012"
        assert item.meta["doc_no"] == "和村〔2026〕12号"
        assert item.published_date == date(2026, 11, 2)
        assert item.formed_date == date(2026, 10, 30)
        # Attachments are checked without downloading them (HEAD refused here: a GET
        # whose body is not read); the missing one is noted for the broken-links rule.
        assert [(a["name"], a["status"]) for a in item.attachments] == [
            ("1.和平村10月收支明细表.xlsx", 200),
            ("公示清单.pdf", 404),
        ]
        version = session.scalars(select(ItemVersion).where(ItemVersion.item_id == item.id)).one()
        assert "低保户补贴" in version.text
        record = read_evidence(session, crawl_settings, version.evidence_id)
        assert record.url.endswith("t20261102_1001.html")
        assert "索 引 号".encode() in record.payload
        fetches = session.scalars(select(Fetch).where(Fetch.feed_id == feed_id)).all()
        assert [f.outcome for f in fetches] == ["ok", "ok"]
        assert {f.items_found for f in fetches} == {3, 1}
        roles = session.execute(
            select(PageFetch.role, func.count()).group_by(PageFetch.role).order_by(PageFetch.role)
        ).all()
        # Attachments are also downloaded to be read (crawl.attachments): role "download".
        assert [tuple(r) for r in roles] == [("attachment", 2), ("detail", 4), ("download", 2)]

    # Warm crawl: the listing answers 304, nothing else is fetched.
    second = crawl(sessions, crawl_settings, now=T0 + timedelta(hours=6))
    assert (second.not_modified, second.items_new, second.items_changed) == (1, 0, 0)
    assert all(s.hits[path] == 1 for path in DETAILS)

    # One title changes on the list, one item vanishes (its page now 404s): only the
    # changed entry's page is fetched again, the vanished one is checked.
    changed = listing.replace(
        "关于2026年低保对象的公示".encode(), "关于2026年低保对象的公示（更正）".encode()
    )
    changed = changed.replace(b'<li><a href="./202609/t20260930_0990.html">', b"<li><a>")
    serve(s, changed, '"v2"')
    del s.pages[BASE + "202609/t20260930_0990.html"]
    third = crawl(sessions, crawl_settings, now=T0 + timedelta(hours=12))
    assert (third.items_new, third.items_changed, third.items_removed) == (0, 1, 1)
    assert s.hits[BASE + "t20261015_0998.html"] == 2
    assert s.hits[BASE + "202611/t20261102_1001.html"] == 1
    assert s.hits[BASE + "202609/t20260930_0990.html"] == 2  # read once, checked once
    with sessions() as session:
        gone = session.scalars(select(Item).where(Item.key.like("%t20260930_0990.html"))).one()
        assert gone.removed_at == T0 + timedelta(hours=12)
        edited = session.scalars(select(Item).where(Item.key.like("%t20261015_0998.html"))).one()
        assert edited.title.endswith("（更正）")
        assert len(edited.versions) == 2
        checks = session.scalars(select(PageFetch).where(PageFetch.role == "check")).all()
        assert [(c.status, c.outcome) for c in checks] == [(404, "http_error")]
        assert checks[0].evidence_id is not None


def test_soft_404_counts_as_removed_and_evidence_is_stored_once(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
) -> None:
    s, server = site
    listing = (PAGES / "list_county.html").read_bytes()
    serve(s, listing, '"v1"')
    add_feed(sqlite_sessions, server.url(BASE + "index.html"), "html", {"max_pages": 1})
    crawl(sqlite_sessions, crawl_settings, now=T0)
    with sqlite_sessions() as session:
        evidence_before = session.scalar(select(func.count()).select_from(Evidence))

    # The same bytes again (new ETag, same body): no new evidence record.
    serve(s, listing, '"v1b"')
    crawl(sqlite_sessions, crawl_settings, now=T0 + timedelta(hours=1))
    with sqlite_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Evidence)) == evidence_before

    s.pages[BASE + "t20261015_0998.html"] = Page((PAGES / "soft404.html").read_bytes())
    without = listing.replace(b'<li><a href="t20261015_0998.html">', b"<li><a>")
    serve(s, without, '"v2"')
    report = crawl(sqlite_sessions, crawl_settings, now=T0 + timedelta(hours=2))
    assert report.items_removed == 1


def test_feed_down_keeps_items_and_records_the_error(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
) -> None:
    s, server = site
    serve(s, (PAGES / "list_county.html").read_bytes(), '"v1"')
    _, feed_id = add_feed(sqlite_sessions, server.url(BASE + "index.html"), "html")
    crawl(sqlite_sessions, crawl_settings, now=T0)
    s.pages[BASE + "index.html"] = Page(b"<html>maintenance</html>", status=503)
    report = crawl(sqlite_sessions, crawl_settings, now=T0 + timedelta(hours=1))
    assert report.failed == 1 and report.items_removed == 0
    with sqlite_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 4
        last = session.scalars(
            select(Fetch).where(Fetch.feed_id == feed_id).order_by(Fetch.id.desc())
        ).first()
        assert last is not None and (last.outcome, last.status) == ("http_error", 503)
        assert last.error == "HTTP 503"


def test_json_record_fields_changing_update_the_item(
    sqlite_sessions: sessionmaker[Session],
    crawl_settings: Settings,
    site: tuple[Site, ThreadServer],
) -> None:
    s, server = site
    record = {"id": "YSQ-2026-004", "title": "关于申请公开招标文件的申请", "received": "2026-08-23",
              "answered": None, "extended": False}  # fmt: skip
    options = {
        "items": "data",
        "fields": {"published": "received", "received": "received", "answered": "answered",
                   "extended": "extended"},
    }  # fmt: skip

    def serve_json() -> None:
        body = json.dumps({"data": [record]}, ensure_ascii=False).encode()
        s.pages["/requests.json"] = Page(body, content_type="application/json")

    serve_json()
    add_feed(sqlite_sessions, server.url("/requests.json"), "json", options)
    crawl(sqlite_sessions, crawl_settings, now=T0)
    record["answered"] = "2026-09-08"  # the request is answered: only a field changes
    serve_json()
    report = crawl(sqlite_sessions, crawl_settings, now=T0 + timedelta(days=1))
    # Status, not content: the item is updated (and its unit re-evaluated), but what
    # was published did not change, so there is no new version.
    assert (report.items_changed, len(report.changed_unit_ids)) == (0, 1)
    with sqlite_sessions() as session:
        item = session.scalars(select(Item)).one()
        assert item.meta == {"received": "2026-08-23", "answered": "2026-09-08", "extended": False}
        assert item.published_date == date(2026, 8, 23)
        assert len(item.versions) == 1
    record["title"] = "关于申请公开招标文件的申请（更正）"
    serve_json()
    report = crawl(sqlite_sessions, crawl_settings, now=T0 + timedelta(days=2))
    assert report.items_changed == 1
    with sqlite_sessions() as session:
        assert len(session.scalars(select(Item)).one().versions) == 2
