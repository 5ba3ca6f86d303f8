"""Reading a source over the network: listing pages (with pagination) and item pages.

Shared by the crawl and by ``monitor inspect``; nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from monitor.crawl.parsing import NOT_ADMITTED, Parsers
from monitor.fetch import DEFERRED, NOT_MODIFIED, OK, Attempt, Fetcher, Response
from monitor.fetch.spool import Spools
from monitor.parse import Detail, Entry
from monitor.parse.boundary import (
    Limits,
    ParseJob,
    ParseResult,
)
from monitor.parse.boundary import guess_kind as _guess_kind
from monitor.parse.markup import same_site
from monitor.settings import CrawlSettings
from rules.api import FetchOutcome

NOT_CHECKED = "not_checked"
# A list page where no list was found: read as a single page, never silently. The
# fetch row says so (outcome and note), and rules do not count it as a list read.
NO_LIST_OUTCOME = FetchOutcome.NO_LIST
GONE_STATUSES = frozenset({404, 410})
MAX_KEY = 2000  # Item.key's length: longer guids are stored by their digest


@dataclass
class PageRead:
    """One listing page: the response, and the outcome its fetch row records."""

    response: Response
    outcome: str
    error: str | None = None
    entries: int = 0
    kind: str | None = None
    structure: dict[str, Any] | None = None  # the list found with no selectors given
    next_url: str | None = None
    next_how: str | None = None  # how the next page was found (link, script, series …)


@dataclass
class Listing:
    pages: list[PageRead] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False
    complete: bool = False  # every page fetched and parsed: safe to look for removals
    skipped: int = 0  # entries past the per-feed / per-crawl limits, not taken
    cleaned: int = 0  # characters PostgreSQL refuses, removed
    held: int = 0  # bytes of memory the parsed pages hold (estimate)
    no_list: bool = False  # the first page holds no list: read as a single page

    @property
    def read_ok(self) -> bool:
        return bool(self.pages) and self.pages[0].outcome in (OK, NO_LIST_OUTCOME)


@dataclass
class PageDetail:
    url: str
    response: Response
    outcome: str
    detail: Detail | None = None
    error: str | None = None  # the error, or for a page read what was cut or cleaned
    cleaned: int = 0
    held: int = 0

    @property
    def gone(self) -> bool:
        """Deleted: answered 404/410, or an error page served as 200 (soft 404)."""
        if self.response.status in GONE_STATUSES:
            return True
        return self.detail is not None and self.detail.not_found


def guess_kind(response: Response) -> str:
    return _guess_kind(response.head(512))


class Holdings:
    """What a crawl holds in memory of what it has read and not yet written (an
    estimate, in bytes). Pages are parsed only while it is under its limit; past it,
    they wait for a later crawl. Never waited on, so it cannot deadlock; taken on the
    event loop, given back by the writer thread."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.peak = 0
        self._lock = threading.Lock()

    def room(self) -> bool:
        return self.held < self.limit

    def take(self, size: int) -> None:
        with self._lock:
            self.held += size
            self.peak = max(self.peak, self.held)

    def give(self, size: int) -> None:
        with self._lock:
            self.held -= size


class EntryAllowance:
    """Entries a crawl may still take (``crawl.max_entries_per_crawl``)."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, wanted: int) -> int:
        granted = max(0, min(wanted, self.left))
        self.left -= granted
        return granted


@dataclass
class Reading:
    """What reading a source needs besides the fetcher: where bodies go (spooled to
    disk past a small size, archived from there), who parses them (a process pool,
    bounded in time and memory), and the limits."""

    parsers: Parsers
    spools: Spools | None
    limits: Limits
    max_detail_bytes: int
    max_entries_per_feed: int
    entries: EntryAllowance
    holdings: Holdings

    @classmethod
    def start(cls, config: CrawlSettings, spools: Spools | None) -> Reading:
        return cls(
            parsers=Parsers(config),
            spools=spools,
            limits=Limits(max_text_chars=config.max_text_chars),
            max_detail_bytes=config.max_detail_bytes,
            max_entries_per_feed=config.max_entries_per_feed,
            entries=EntryAllowance(config.max_entries_per_crawl),
            holdings=Holdings(config.max_buffered_bytes),
        )

    def close(self) -> None:
        self.parsers.close()
        if self.spools is not None:
            self.spools.cleanup()

    async def fetch(self, fetcher: Fetcher, url: str, **kw: Any) -> Response:
        """Fetch ``url`` with its body streamed to a spool (evidence-to-be)."""
        spool = self.spools.new if self.spools is not None else None
        return await fetcher.fetch(url, spool=spool, **kw)

    async def parse(
        self, what: str, kind: str | None, response: Response, options: dict[str, Any]
    ) -> ParseResult:
        """Parse a fetched body in the pool (the worker reads a spooled file itself)."""
        spool = response.spool
        job = ParseJob(
            what=what,
            kind=kind,
            url=response.final_url,
            content_type=response.content_type,
            options=options,
            body=None if spool is not None and spool.path is not None else _body(response),
            path=str(spool.path) if spool is not None and spool.path is not None else None,
            limits=self.limits,
        )
        return await self.parsers.parse(job, admit=self.holdings.room)


def _body(response: Response) -> bytes:
    return response.spool.read() if response.spool is not None else response.body


def held_by(response: Response) -> int:
    """Memory a response holds: its headers, and its body while not spooled to disk."""
    body = response.spool.in_memory if response.spool is not None else len(response.body)
    return body + 512


MEMORY_BOUND = NOT_ADMITTED


async def read_listing(
    fetcher: Fetcher,
    reading: Reading,
    url: str,
    kind: str | None,
    options: dict[str, Any],
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_pages: int = 1,
) -> tuple[Listing, str]:
    """Fetch and parse a listing and its next pages; returns it with the kind used.
    Entries past ``crawl.max_entries_per_feed`` (or what is left of the crawl's
    ``max_entries_per_crawl``) are skipped, and the page's fetch row says so.

    Pages are followed on the feed's own host only, up to ``max_pages``, and not
    past a page that brought no new entry. A list filled by script from a JSON or
    XML endpoint is read from that endpoint (its kind told by its body)."""
    listing = Listing()
    used: str | None = kind
    seen_keys: set[str] = set()
    visited: set[str] = set()
    pages = max(1, int(options.get("max_pages") or max_pages))
    next_url: str | None = url
    complete = True
    while next_url and len(listing.pages) < pages:
        first = not listing.pages
        visited.add(next_url)
        response = await reading.fetch(
            fetcher,
            next_url,
            etag=etag if first else None,
            last_modified=last_modified if first else None,
        )
        _hold(reading, listing, held_by(response))
        if response.outcome == NOT_MODIFIED and first:
            listing.pages.append(PageRead(response, NOT_MODIFIED))
            listing.not_modified = True
            return listing, kind or "html"
        if response.outcome != OK:
            complete = _failed(listing, response, response.outcome, response.error, next_url)
            break
        # After the first page, an HTML list's next "page" may be the JSON or XML its
        # script reads: told by its body.
        page_kind = None if kind == "html" and not first else kind
        result = await reading.parse("listing", page_kind, response, options)
        used = used or result.kind
        if result.page is None:
            complete = _failed(listing, response, result.outcome, result.error, next_url)
            break
        page = result.page
        listing.cleaned += result.cleaned
        _hold(reading, listing, result.retained)
        fresh = _fresh_entries(page.entries, seen_keys)
        outcome = OK
        if page.no_list and first:
            # Never a silent guess: the page is kept as one item, and said to be so.
            outcome = NO_LIST_OUTCOME
            listing.no_list = True
            complete = False
            fresh = [Entry(key=response.final_url, url=response.final_url)]
        notes = [*page.errors, *result.notes]
        fresh = _take_entries(reading, listing, fresh, notes)
        complete = complete and not listing.skipped
        listing.entries.extend(fresh)
        note = "; ".join(notes) or None
        listing.pages.append(
            PageRead(
                response, outcome, note, len(fresh), result.kind, page.structure,
                page.next_url, page.next_how,
            )
        )  # fmt: skip
        listing.errors.extend(f"{next_url}: {e}" for e in notes)
        follow = _follow(listing, page, url, next_url, first=first, fresh=bool(fresh))
        next_url = follow if follow not in visited else None
        if listing.skipped:
            break
    listing.complete = complete and bool(listing.entries)
    return listing, used or "html"


def _hold(reading: Reading, listing: Listing, held: int) -> None:
    listing.held += held
    reading.holdings.take(held)


def _failed(
    listing: Listing, response: Response, outcome: str, error: str | None, url: str
) -> bool:
    """Record a page that could not be read or parsed; the listing is not complete."""
    listing.pages.append(PageRead(response, outcome, error))
    listing.errors.append(f"{url}: {error}")
    return False


def _fresh_entries(entries: list[Entry], seen_keys: set[str]) -> list[Entry]:
    """Entries not seen on an earlier page; duplicate guids happen, within a page too."""
    fresh = []
    for entry in entries:
        if len(entry.key) > MAX_KEY:
            entry.key = "sha256:" + hashlib.sha256(entry.key.encode()).hexdigest()
        if entry.key not in seen_keys:
            seen_keys.add(entry.key)
            fresh.append(entry)
    return fresh


def _take_entries(
    reading: Reading, listing: Listing, fresh: list[Entry], notes: list[str]
) -> list[Entry]:
    """What the feed's and the crawl's entry limits grant of ``fresh``; the rest is
    counted in ``listing.skipped`` and noted on the page."""
    room = max(0, reading.max_entries_per_feed - len(listing.entries))
    granted = reading.entries.take(min(room, len(fresh)))
    if granted < len(fresh):
        skipped = len(fresh) - granted
        limit = (
            f"crawl.max_entries_per_feed ({reading.max_entries_per_feed})"
            if granted == room
            else "crawl.max_entries_per_crawl"
        )
        notes.append(f"{skipped} entries past {limit} skipped, read by a later crawl")
        listing.skipped += skipped
        fresh = fresh[:granted]
    return fresh


def _follow(
    listing: Listing, page: Any, url: str, page_url: str, *, first: bool, fresh: bool
) -> str | None:
    """The next page to read: on the feed's own site, after a page that brought new
    entries (or script data), never after a page read as a single item."""
    follow: str | None = page.next_url
    if follow is not None and not same_site(follow, url):
        listing.errors.append(f"{page_url}: next page {follow} is on another site: not read")
        follow = None
    if not fresh and not first and page.next_how != "script data":
        follow = None  # a page with no new entry ends the list
    if listing.no_list:
        follow = None
    return follow


async def check_attachments(fetcher: Fetcher, pages: list[PageDetail]) -> dict[str, Response]:
    """Check every attachment of the pages read (HEAD, no download) and note the
    answer on it as ``status``: the HTTP status, or the outcome when none came."""
    urls = list(
        dict.fromkeys(a["url"] for p in pages if p.detail is not None for a in p.detail.attachments)
    )
    answers = await asyncio.gather(*(fetcher.check(url) for url in urls))
    checked = dict(zip(urls, answers, strict=True))
    for page in pages:
        for attachment in page.detail.attachments if page.detail is not None else ():
            attachment["status"] = attachment_status(checked[attachment["url"]])
    return checked


def attachment_status(answer: Response) -> int | str:
    """What an attachment's check says: the HTTP status, else the outcome; a request
    never sent (deferred) is ``not_checked``, which no rule may read as broken."""
    if answer.status is not None:
        return answer.status
    return NOT_CHECKED if answer.outcome == DEFERRED else answer.outcome


def not_read(url: str, reason: str) -> PageDetail:
    """A page the crawl did not ask for (its memory bound): recorded, never judged."""
    response = Response(url, url, DEFERRED, error=reason)
    response.attempts = [Attempt(DEFERRED, None, 0, 0.0, reason)]
    return PageDetail(url, response, DEFERRED, error=reason)


async def read_detail(
    fetcher: Fetcher, reading: Reading, url: str, options: dict[str, Any]
) -> PageDetail:
    """Fetch and parse an item's page (also used to check whether it is gone). The
    body goes to its spool as it arrives, up to ``crawl.max_detail_bytes``; what is
    kept is the parsed Detail."""
    if not reading.holdings.room():
        return not_read(url, MEMORY_BOUND)
    response = await reading.fetch(fetcher, url, max_bytes=reading.max_detail_bytes)
    held = held_by(response)
    reading.holdings.take(held)
    if response.outcome != OK:
        return PageDetail(url, response, response.outcome, error=response.error, held=held)
    result = await reading.parse("detail", None, response, options)
    reading.holdings.take(result.retained)
    held += result.retained
    if result.detail is None:
        return PageDetail(url, response, result.outcome, error=result.error, held=held)
    note = "; ".join(result.notes) or None
    return PageDetail(url, response, OK, result.detail, note, result.cleaned, held)
