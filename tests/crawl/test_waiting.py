"""Waiting for a host's turn is not timing out (issue 20): a slow county host with one
request at a time still gets every detail page and attachment checked, and what the
crawl could not send in time is "not checked", never "broken"."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.settings import CrawlSettings, Settings
from monitor.store.models import Item
from rules.integrity.broken_attachments import broken
from tests.crawl.conftest import add_feed
from tests.fetch.servers import ThreadServer

ENTRIES = 8


def _listing() -> str:
    rows = "".join(
        f"<li><a href='/d/{n}.html'>通知{n}</a><span class='date'>2026-11-02</span></li>"
        for n in range(ENTRIES)
    )
    return f"<html><body><ul class='list'>{rows}</ul></body></html>"


@pytest.fixture
def slow_host() -> Iterator[ThreadServer]:
    """Every page and attachment takes 0.3 s to answer."""

    async def listing(_request: web.Request) -> web.Response:
        return web.Response(text=_listing(), content_type="text/html")

    async def detail(request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        n = request.match_info["n"]
        body = f"<html><body><div class='content'>正文{n}<a href='/f/{n}.pdf'>附件{n}</a></div>"
        return web.Response(text=body + "</body></html>", content_type="text/html")

    async def attachment(_request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return web.Response(body=b"%PDF-1.4", content_type="application/pdf")

    app = web.Application()
    app.router.add_get("/list.html", listing)
    app.router.add_get("/d/{n}.html", detail)
    app.router.add_route("*", "/f/{n}.pdf", attachment)
    with ThreadServer(app) as server:
        yield server


def _settings(settings: Settings, **kw: object) -> Settings:
    crawl_config = CrawlSettings(
        per_host_rate=0,
        per_host_concurrency=1,
        retries=0,
        connect_timeout=1,
        read_timeout=1,
        total_timeout=1,  # each request takes 0.3 s; the queue behind it takes 5 s
        **kw,  # type: ignore[arg-type]
    )
    return settings.model_copy(update={"crawl": crawl_config})


def test_queued_requests_are_not_timed_out(
    sqlite_sessions: sessionmaker[Session], settings: Settings, slow_host: ThreadServer
) -> None:
    add_feed(sqlite_sessions, slow_host.url("/list.html"), "html")
    report = crawl(sqlite_sessions, _settings(settings))
    with sqlite_sessions() as session:
        items = session.scalars(select(Item)).all()
    assert len(items) == ENTRIES
    statuses = [a["status"] for item in items for a in item.attachments]
    assert statuses == [200] * ENTRIES, statuses
    assert report.as_dict()["deferred"] == 0


def test_requests_never_sent_are_not_checked_never_broken(
    sqlite_sessions: sessionmaker[Session], settings: Settings, slow_host: ThreadServer
) -> None:
    add_feed(sqlite_sessions, slow_host.url("/list.html"), "html")
    report = crawl(sqlite_sessions, _settings(settings, max_wait_seconds=1.0))
    assert report.deferred > 0, report.as_dict()
    with sqlite_sessions() as session:
        items = session.scalars(select(Item)).all()
    attachments = [a for item in items for a in item.attachments]
    assert not any(broken(a) for a in attachments), attachments
    assert all(a["status"] in (200, "not_checked") for a in attachments)
