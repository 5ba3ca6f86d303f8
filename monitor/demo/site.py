"""The local sample site: an HTTP server on 127.0.0.1 in a background thread.

It serves the sample district as the simulated day (``set_today``) sees it: items
appear on their publication day, change on their edit day, vanish on their deletion
day. Conditional GETs (ETag, Last-Modified) answer 304; a unit whose portal is down
answers 500, 503 or drops the connection; broken attachments answer 404.

Routes::

    /                                  index of units
    /u/<code>/                         a unit's home page, linking its disclosure columns
    /u/<code>/list.html, list_<n>.html a village's list (and a town's, all columns)
    /u/<code>/<column>/list.html …     a town's column (gzdt, zcwj, czxx, hmzc, zdbc)
    /u/<code>/art/<id>.html            detail page with the metadata table
    /u/<code>/rss.xml                  RSS 2.0 (units whose channel is rss)
    /u/<code>/requests.json            disclosure requests (town-level units)
    /files/<code>/<id>-<n>.<ext>       attachments (a one-page PDF unless the item says)
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.demo import plan, render
from monitor.demo.generate import generate_district
from monitor.demo.model import TOWN_COLUMNS, DemoUnit, District

_HOME = re.compile(r"^/u/(?P<code>\d{12})/(?:index\.html)?$")
_LIST = re.compile(r"^/u/(?P<code>\d{12})/(?:(?P<col>[a-z]+)/)?list(?:_(?P<page>\d+))?\.html$")
_DETAIL = re.compile(r"^/u/(?P<code>\d{12})/art/(?P<id>\d+)\.html$")
_RSS = re.compile(r"^/u/(?P<code>\d{12})/rss\.xml$")
_REQUESTS = re.compile(r"^/u/(?P<code>\d{12})/requests\.json$")
_FILE = re.compile(r"^/files/(?P<code>\d{12})/(?P<id>\d+)-(?P<n>\d+)\.\w+$")
_UNIT_PATH = re.compile(r"^/(?:u|files)/(?P<code>\d{12})/")


DROP = 0  # pseudo-status: close the connection without answering


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    last_modified: date | None = None


def _html(unit: DemoUnit, text: str, changed: date | None) -> Response:
    body = text.encode(unit.charset, errors="xmlcharrefreplace")
    ctype = f"text/html; charset={unit.charset}" if unit.charset_in_header else "text/html"
    return Response(200, body, ctype, changed)


def _not_found() -> Response:
    return Response(404, render.NOT_FOUND_PAGE.encode())


class SiteApp:
    """Routing and content, without sockets: ``respond(path)`` for the simulated day."""

    def __init__(self, district: District, today: date) -> None:
        self.district = district
        self.today = today
        self.base_url = ""
        self._errors = 0
        self._lock = threading.Lock()

    def respond(self, path: str) -> Response:
        day = self.today
        path = path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            return Response(200, render.index_page(self.district, day).encode())
        m = _UNIT_PATH.match(path)
        unit = self.district.units.get(m["code"]) if m else None
        if unit is None:
            return _not_found()
        if unit.down_on(day):
            # A broken portal fails in turns: 500, 503, or a dropped connection.
            with self._lock:
                self._errors += 1
                status = (500, 503, DROP)[self._errors % 3]
            return Response(status, render.SERVER_ERROR_PAGE.encode())
        if _HOME.match(path) and unit.level != "county":
            return _html(unit, render.home_page(unit, day), None)
        if m := _LIST.match(path):
            column = m["col"]
            if column is not None and (unit.channel != "columns" or column not in TOWN_COLUMNS):
                return _not_found()
            if column is None and unit.channel == "rss":
                return _not_found()
            text = render.list_page(unit, day, int(m["page"] or 1), column)
            if text is None:
                return _not_found()
            return _html(unit, text, render.scope_changed_on(unit, day, column))
        if m := _DETAIL.match(path):
            item = unit.item(m["id"])
            if item is None or not item.visible_on(day):
                return _not_found()
            return _html(unit, render.detail_page(unit, item, day), item.changed_on(day))
        if _RSS.match(path) and unit.channel == "rss":
            body = render.rss_feed(unit, day, self.base_url).encode()
            changed = render.scope_changed_on(unit, day)
            return Response(200, body, "application/rss+xml; charset=utf-8", changed)
        if _REQUESTS.match(path) and unit.level == "town":
            body = render.requests_json(unit, day).encode()
            changed = render.requests_changed_on(unit, day)
            return Response(200, body, "application/json; charset=utf-8", changed)
        if m := _FILE.match(path):
            item = unit.item(m["id"])
            n = int(m["n"])
            if item is None or not item.visible_on(day) or not 1 <= n <= len(item.attachments):
                return _not_found()
            if item.attachments[n - 1].broken:
                return _not_found()
            attachment = item.attachments[n - 1]
            body = attachment.body if attachment.body is not None else render.PDF_BYTES
            return Response(200, body, attachment.content_type, item.published)
        return _not_found()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _not_modified(headers: Any, etag: str, changed: date | None) -> bool:
    inm = headers.get("If-None-Match")
    if inm:
        tags = {t.strip() for t in inm.split(",")}
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = headers.get("If-Modified-Since")
    if ims and changed is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return parsedate_to_datetime(render.http_date(changed)) <= since
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "YunchengDemo/1.0"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        site = self.server.site
        site.count(self.path)
        response = site.app.respond(self.path)
        if response.status == DROP:
            self.close_connection = True
            return
        headers: dict[str, str] = {"Content-Type": response.content_type}
        status, body = response.status, response.body
        if status == 200:
            etag = _etag(body)
            headers["ETag"] = etag
            if response.last_modified:
                headers["Last-Modified"] = render.http_date(response.last_modified)
            if _not_modified(self.headers, etag, response.last_modified):
                status, body = 304, b""
                headers.pop("Content-Type")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the monitor logs its own fetches


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        self.site = site
        super().__init__(address, _Handler)


class DemoSite:
    """The sample site, started in a background thread of this process.

    >>> with DemoSite() as site:                       # doctest: +SKIP
    ...     site.set_today(date(2026, 11, 2))
    ...     urllib.request.urlopen(site.base_url + "/")
    """

    def __init__(
        self,
        district: District | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        today: date = plan.AS_OF,
    ) -> None:
        self.app = SiteApp(district or generate_district(), today)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._hits: Counter[str] = Counter()
        self._hits_lock = threading.Lock()

    @property
    def district(self) -> District:
        return self.app.district

    @property
    def today(self) -> date:
        return self.app.today

    def set_today(self, day: date) -> None:
        """Move the simulated clock: the site serves what is public on ``day``."""
        self.app.today = day

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sample site is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DemoSite:
        self._server = _Server(self._address, self)
        self.app.base_url = self.base_url
        # A short poll keeps stop() quick: shutdown waits for the loop's next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="demo-site",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, path: str) -> None:
        with self._hits_lock:
            self._hits[path.split("?", 1)[0]] += 1

    def hits(self) -> Counter[str]:
        """Requests served so far, per path (tests and the demo's summary read it)."""
        with self._hits_lock:
            return Counter(self._hits)
