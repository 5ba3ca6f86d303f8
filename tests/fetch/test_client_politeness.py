"""The fetcher tells its host limiter how hosts answer (in-process limiter, real server)."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from monitor.fetch import DEFERRED, HTTP_ERROR, OK, Fetcher
from tests.fetch.servers import ThreadServer
from tests.fetch.test_client import make_settings


def _app(hits: list[float], retry_after: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        hits.append(time.monotonic())
        if len(hits) == 1:
            return web.Response(status=429, headers={"Retry-After": retry_after})
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


def test_a_429_with_retry_after_holds_the_host_for_the_next_request() -> None:
    hits: list[float] = []
    with ThreadServer(_app(hits, "1")) as server:

        async def go() -> list[str]:
            async with Fetcher(make_settings()) as fetcher:
                first = await fetcher.fetch(server.url("/a"))
                second = await fetcher.fetch(server.url("/b"))
                return [first.outcome, second.outcome]

        assert asyncio.run(go()) == [HTTP_ERROR, OK]
    assert hits[1] - hits[0] >= 0.95


def test_a_hold_longer_than_the_wait_allowed_defers_at_once() -> None:
    hits: list[float] = []
    with ThreadServer(_app(hits, "3600")) as server:

        async def go() -> tuple[str, float]:
            async with Fetcher(make_settings(max_wait_seconds=30)) as fetcher:
                await fetcher.fetch(server.url("/a"))
                started = time.monotonic()
                second = await fetcher.fetch(server.url("/b"))
                return second.outcome, time.monotonic() - started

        outcome, waited = asyncio.run(go())
    assert outcome == DEFERRED and len(hits) == 1
    assert waited < 5  # not sent, and not after sitting out the 30 s either
