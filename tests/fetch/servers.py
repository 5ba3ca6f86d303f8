"""Real HTTP servers on 127.0.0.1 (port 0) for fetch and crawl tests.

Each runs its own event loop in a thread, so the synchronous ``crawl()`` (which
starts a loop of its own) can talk to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class ThreadServer:
    """``with ThreadServer(app) as srv: srv.url("/x")`` — an aiohttp app or a raw handler."""

    def __init__(self, app: web.Application | RawHandler) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._stop: asyncio.Event | None = None

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self._ready.set()
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        if isinstance(self.app, web.Application):
            runner = web.AppRunner(
                self.app, handle_signals=False, access_log=None, shutdown_timeout=0.1
            )
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()
        else:
            server = await asyncio.start_server(self.app, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()
            server.close()
        # Handlers still stalling (a silent or trickling server) end with the server,
        # rather than being destroyed pending when the loop closes.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> ThreadServer:
        self._thread.start()
        self._ready.wait(10)
        if not self.port:
            raise RuntimeError("test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@dataclass
class Page:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None


@dataclass
class Site:
    """A mutable site: tests change ``pages`` between crawls; ``hits`` counts requests."""

    pages: dict[str, Page] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    headers_seen: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        async def handler(request: web.Request) -> web.StreamResponse:
            path = request.path_qs
            self.hits[path] = self.hits.get(path, 0) + 1
            self.headers_seen.append(dict(request.headers))
            page = self.pages.get(path)
            if page is None:
                return web.Response(status=404, text="<html><body>404 Not Found</body></html>")
            headers: dict[str, Any] = {"Content-Type": page.content_type}
            if page.etag:
                headers["ETag"] = page.etag
                if request.headers.get("If-None-Match") == page.etag:
                    return web.Response(status=304, headers={"ETag": page.etag})
            return web.Response(status=page.status, body=page.body, headers=headers)

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", handler)
        return app
