"""The network allow-list holds after redirects and when DNS answers change: a feed
URL or a redirect can never point the crawl at an internal address.

DNS is simulated by a scripted resolver behind the fetcher's own GuardedResolver
(the real vetting code runs); the site is a real server on 127.0.0.1, which the
policy of these tests allows as the stand-in for a public address.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.fetch import netguard
from monitor.settings import CrawlSettings, Settings
from monitor.store.models import Fetch
from tests.crawl.conftest import add_feed
from tests.fetch.servers import Page, Site, ThreadServer

FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>t</title>"
    b"<link>http://example.org/1</link></item></channel></rss>"
)


class ScriptedResolver(AbstractResolver):
    """Answers each name from a list of addresses, one per lookup (the last repeats)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[tuple[str, str]] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        queue = self.answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        self.lookups.append((host, address))
        return [
            ResolveResult(
                hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


@pytest.fixture
def site() -> Iterator[tuple[Site, ThreadServer]]:
    s = Site()
    s.pages["/feed.xml"] = Page(FEED, content_type="application/rss+xml")
    with ThreadServer(s.app()) as server:
        yield s, server


def _settings(settings: Settings, allowed: list[str]) -> Settings:
    crawl_config = CrawlSettings(per_host_rate=0, retries=0, total_timeout=5, detail_pages=False)
    return settings.model_copy(update={"crawl": crawl_config, "allowed_networks": allowed})


def _fetches(sessions: sessionmaker[Session], feed_id: int) -> list[Fetch]:
    with sessions() as session:
        rows = list(session.scalars(select(Fetch).where(Fetch.feed_id == feed_id)))
        session.expunge_all()
        return sorted(rows, key=lambda f: f.id)


def test_a_name_rebound_to_an_internal_address_is_refused_on_the_next_crawl(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    site: tuple[Site, ThreadServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s, server = site
    resolver = ScriptedResolver({"portal.example.gov.cn": ["127.0.0.1", "127.0.0.2"]})
    monkeypatch.setattr(netguard, "DefaultResolver", lambda: resolver)
    guarded = _settings(settings, ["127.0.0.1/32"])
    url = f"http://portal.example.gov.cn:{server.port}/feed.xml"
    _, feed_id = add_feed(sqlite_sessions, url, "rss")

    crawl(sqlite_sessions, guarded, feed_ids=[feed_id])
    crawl(sqlite_sessions, guarded, feed_ids=[feed_id])

    first, second = _fetches(sqlite_sessions, feed_id)
    assert first.outcome == "ok"
    assert second.outcome == "blocked", (second.outcome, second.error)
    assert "127.0.0.2" in (second.error or "")
    assert s.hits["/feed.xml"] == 1  # the rebound answer was never connected to
    assert [a for _, a in resolver.lookups] == ["127.0.0.1", "127.0.0.2"]


def test_a_redirect_to_a_name_that_resolves_inside_is_refused(
    sqlite_sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hits: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path == "/moved":
            port = request.url.port
            raise web.HTTPFound(f"http://metadata.internal:{port}/latest/meta-data")
        return web.Response(text="secret instance credentials")

    app = web.Application()
    app.router.add_get("/{tail:.*}", moved)
    resolver = ScriptedResolver(
        {"portal.example.gov.cn": ["127.0.0.1"], "metadata.internal": ["169.254.169.254"]}
    )
    monkeypatch.setattr(netguard, "DefaultResolver", lambda: resolver)
    with ThreadServer(app) as server:
        url = f"http://portal.example.gov.cn:{server.port}/moved"
        _, feed_id = add_feed(sqlite_sessions, url, "rss")
        crawl(sqlite_sessions, _settings(settings, ["127.0.0.1/32"]), feed_ids=[feed_id])
    (fetch,) = _fetches(sqlite_sessions, feed_id)
    assert fetch.outcome == "blocked", (fetch.outcome, fetch.error)
    assert "169.254.169.254" in (fetch.error or "")
    assert hits == ["/moved"]


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "2130706433", "127.1"],
)
def test_feed_urls_at_internal_addresses_are_refused_by_default(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    site: tuple[Site, ThreadServer],
    host: str,
) -> None:
    s, server = site
    url = f"http://{host}:{server.port}/feed.xml"
    _, feed_id = add_feed(sqlite_sessions, url, "rss")
    crawl(sqlite_sessions, _settings(settings, []), feed_ids=[feed_id])
    (fetch,) = _fetches(sqlite_sessions, feed_id)
    # Refused before connecting: blocked by the policy, or (numeric shorthands such as
    # 127.1) refused by the URL parser as not canonical.
    assert fetch.outcome in {"blocked", "network_error"}, (fetch.outcome, fetch.error)
    assert fetch.outcome == "blocked" or "canonical" in (fetch.error or "")
    assert s.hits.get("/feed.xml", 0) == 0


@pytest.mark.parametrize("inside", ["64:ff9b::7f00:1", "2002:7f00:1::1", "::127.0.0.1"])
def test_a_name_resolving_to_ipv6_that_wraps_an_internal_ipv4_is_refused(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    inside: str,
) -> None:
    """NAT64, 6to4 and IPv4-compatible answers lead to 127.0.0.1 as surely as the
    IPv4 answer does: the resolver's vetting sees through them."""
    resolver = ScriptedResolver({"portal.example.gov.cn": [inside]})
    monkeypatch.setattr(netguard, "DefaultResolver", lambda: resolver)
    _, feed_id = add_feed(sqlite_sessions, "http://portal.example.gov.cn:8080/feed.xml", "rss")
    crawl(sqlite_sessions, _settings(settings, []), feed_ids=[feed_id])
    (fetch,) = _fetches(sqlite_sessions, feed_id)
    assert fetch.outcome == "blocked", (fetch.outcome, fetch.error)
    assert "(wrapping 127.0.0.1)" in (fetch.error or "")
