"""A real HTTP server on 127.0.0.1 serving small RSS feeds, which can hold one request
open until the test lets it go (so a crawl task is mid-flight when a fault is injected)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEMS_PER_FEED = 3


def rss(feed: str) -> bytes:
    base = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    items = "".join(
        f"""<item><title>{feed} 村务公开第{n}号</title>
<link>http://example.invalid/{feed}/{n}.html</link>
<guid isPermaLink="false">{feed}-{n}</guid>
<category>村务公开</category>
<pubDate>{format_datetime(base + timedelta(days=n))}</pubDate>
<description>{feed} 第{n}条公开事项</description></item>"""
        for n in range(1, ITEMS_PER_FEED + 1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{feed}</title><link>http://example.invalid/</link>
<description>村务公开</description>{items}</channel></rss>""".encode()


class FeedServer:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.hang_paths: set[str] = set()
        self.hanging = threading.Event()  # set when a held request has arrived
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.requests[path] += 1
                if path in server.hang_paths and server.requests[path] == 1:
                    server.hanging.set()
                    server.release.wait(60)
                if not path.startswith("/feeds/"):
                    self.send_error(404)
                    return
                body = rss(path.rsplit("/", 1)[-1].removesuffix(".xml"))
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feeds/{name}.xml"

    def path(self, name: str) -> str:
        return f"/feeds/{name}.xml"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
