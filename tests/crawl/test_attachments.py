"""Attachments downloaded, archived as evidence and their text kept, against a real
local site; the limits in ``crawl.attachments`` hold, and what is not read says why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.crawl.attachments import plan
from monitor.crawl.models import AttachmentText, PageFetch
from monitor.evidence import read_evidence
from monitor.parse.model import Detail
from monitor.settings import AttachmentSettings, Settings
from tests.crawl.conftest import add_feed
from tests.fetch.servers import Page, Site, ThreadServer

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
FILES = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"
LIST = (
    "<html><body><ul class='list'>"
    "<li><a href='/c/t1.html'>关于2026年低保对象的公示</a><span>2026-11-02</span></li>"
    "<li><a href='/c/t2.html'>和平村10月村务公开</a><span>2026-11-03</span></li>"
    "</ul></body></html>"
)
DETAIL = (
    "<html><body><h1>关于2026年低保对象的公示</h1><div id='zoom'><p>名单见附件。</p>"
    "<a href='/f/dibao.xlsx'>附件1：低保名单.xlsx</a> <a href='/f/dibao.pdf'>附件2.pdf</a>"
    "<a href='/f/big.xlsx'>附件3：大表.xlsx</a> <a href='/f/ok.zip'>附件4.zip</a>"
    "</div></body></html>"
)
OTHER = (
    "<html><body><div id='zoom'><p>村务</p><a href='/f/more.csv'>附件.csv</a></div></body></html>"
)


def serve(site: Site) -> None:
    site.pages["/c/index.html"] = Page(LIST.encode())
    site.pages["/c/t1.html"] = Page(DETAIL.encode())
    site.pages["/c/t2.html"] = Page(OTHER.encode())
    for name in ("dibao.xlsx", "dibao.pdf"):
        site.pages[f"/f/{name}"] = Page((FILES / name).read_bytes(), content_type="application/x")
    site.pages["/f/big.xlsx"] = Page(b"PK" + b"x" * 200_000, content_type="application/x")
    site.pages["/f/ok.zip"] = Page(b"PK", content_type="application/zip")
    site.pages["/f/more.csv"] = Page(
        (FILES / "jiuzhu_gbk.csv").read_bytes(), content_type="text/csv"
    )


def limited(settings: Settings, **kw) -> Settings:
    crawl_config = settings.crawl.model_copy(
        update={"attachments": AttachmentSettings(max_bytes=100_000, **kw)}
    )
    return settings.model_copy(update={"crawl": crawl_config})


def test_attachments_are_read_archived_and_kept_with_their_text(
    sessions: sessionmaker[Session], crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    serve(s)
    add_feed(sessions, server.url("/c/index.html"), "html")
    settings = limited(crawl_settings)
    report = crawl(sessions, settings, now=T0)
    assert report.errors == []
    assert s.hits.get("/f/ok.zip", 0) <= 1  # checked, never downloaded to be read
    with sessions() as session:
        texts = {t.url.rsplit("/", 1)[-1]: t for t in session.scalars(select(AttachmentText))}
        assert set(texts) == {"dibao.xlsx", "dibao.pdf", "big.xlsx", "more.csv"}
        xlsx = texts["dibao.xlsx"]
        assert xlsx.reason is None and xlsx.kind == "xlsx" and xlsx.name == "附件1：低保名单.xlsx"
        assert {"where": {"sheet": "低保名单", "row": 2},
                "text": "1\t张三\t110101199003077571\t2人"} in xlsx.parts  # fmt: skip
        record = read_evidence(session, settings, xlsx.evidence_id)
        assert record.payload == (FILES / "dibao.xlsx").read_bytes()
        assert "440301198506123413" in texts["dibao.pdf"].parts[0]["text"]
        assert texts["big.xlsx"].reason == "too large: over 100000 bytes"
        assert texts["big.xlsx"].parts == []
        assert "320102197809235627" in texts["more.csv"].parts[1]["text"]
        downloads = session.scalars(select(PageFetch).where(PageFetch.role == "download")).all()
        assert len(downloads) == 4
        assert all(d.evidence_id for d in downloads if d.outcome == "ok")


def test_per_crawl_limit_leaves_the_rest_marked_not_fetched(
    sessions: sessionmaker[Session], crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    serve(s)
    add_feed(sessions, server.url("/c/index.html"), "html")
    crawl(sessions, limited(crawl_settings, max_per_crawl=1), now=T0)
    with sessions() as session:
        reasons = sorted(str(t.reason) for t in session.scalars(select(AttachmentText)))
    assert reasons.count("not fetched: over the per-item or per-crawl attachment limit") == 3


def test_attachments_are_not_read_when_disabled(
    sessions: sessionmaker[Session], crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    s, server = site
    serve(s)
    add_feed(sessions, server.url("/c/index.html"), "html")
    crawl(sessions, limited(crawl_settings, enabled=False), now=T0)
    with sessions() as session:
        assert session.scalars(select(AttachmentText)).all() == []


def test_plan_takes_listed_types_once_and_at_most_per_item() -> None:
    class Read:
        def __init__(self, links: list[str]) -> None:
            self.detail = Detail(attachments=[{"url": u, "name": ""} for u in links])

    config = AttachmentSettings(max_per_item=2)
    details = {
        "a": Read(["http://x/1.xlsx", "http://x/2.rar", "http://x/3.pdf", "http://x/4.doc"]),
        "b": Read(["http://x/1.xlsx", "http://x/5.csv"]),
    }
    assert [(k, a["url"], fetch) for k, a, fetch in plan(details, config)] == [
        ("a", "http://x/1.xlsx", True),
        ("a", "http://x/3.pdf", True),
        ("a", "http://x/4.doc", False),  # over max_per_item: recorded as not read
        ("b", "http://x/5.csv", True),
    ]


def test_stored_items_attachments_are_read_once_by_the_backfill(
    sessions: sessionmaker[Session], crawl_settings: Settings, site: tuple[Site, ThreadServer]
) -> None:
    """Items crawled before attachments were read: `monitor read-attachments` reads
    theirs once; those a crawl's limit left are read too."""
    from monitor.crawl.backfill import read_stored_attachments

    s, server = site
    serve(s)
    add_feed(sessions, server.url("/c/index.html"), "html")
    crawl(sessions, limited(crawl_settings, max_per_crawl=1), now=T0)
    settings = limited(crawl_settings)
    report = read_stored_attachments(sessions, settings, date(2026, 11, 1), T0)
    assert (report.read, report.not_read) == (2, 1)  # three left by the limit
    with sessions() as session:
        texts = {t.url.rsplit("/", 1)[-1]: t for t in session.scalars(select(AttachmentText))}
        assert set(texts) == {"dibao.xlsx", "dibao.pdf", "big.xlsx", "more.csv"}
        assert all(not (t.reason or "").startswith("not fetched") for t in texts.values())
        assert texts["dibao.pdf"].evidence_id is not None
    again = read_stored_attachments(sessions, settings, date(2026, 11, 1), T0)
    assert (again.read, again.not_read) == (0, 0)
