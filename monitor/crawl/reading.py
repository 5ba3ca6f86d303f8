"""Reading a source over the network: listing pages (with pagination) and item pages.

Shared by the crawl and by ``monitor inspect``; nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

from monitor.fetch import (
    DEFERRED,
    NOT_MODIFIED,
    OK,
    Fetcher,
    Response,
    UndecodableBody,
    decode_body,
)
from monitor.parse import Detail, Entry, ParseError, parse_detail, parser_for

PARSE_ERROR = "parse_error"
DECODE_ERROR = "decode_error"
NOT_CHECKED = "not_checked"
GONE_STATUSES = frozenset({404, 410})
MAX_KEY = 2000  # Item.key's length: longer guids are stored by their digest


@dataclass
class PageRead:
    """One listing page: the response, and the outcome its fetch row records."""

    response: Response
    outcome: str
    error: str | None = None
    entries: int = 0


@dataclass
class Listing:
    pages: list[PageRead] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False
    complete: bool = False  # every page fetched and parsed: safe to look for removals

    @property
    def read_ok(self) -> bool:
        return bool(self.pages) and self.pages[0].outcome == OK


@dataclass
class PageDetail:
    url: str
    response: Response
    outcome: str
    detail: Detail | None = None
    error: str | None = None

    @property
    def gone(self) -> bool:
        """Deleted: answered 404/410, or an error page served as 200 (soft 404)."""
        if self.response.status in GONE_STATUSES:
            return True
        return self.detail is not None and self.detail.not_found


def guess_kind(response: Response) -> str:
    head = response.body[:512].lstrip()
    if head.startswith((b"{", b"[")):
        return "json"
    lowered = head.lower()
    if b"<rss" in lowered or b"<rdf:rdf" in lowered:
        return "rss"
    if b"<feed" in lowered:
        return "atom"
    return "html"


def _decode(response: Response) -> tuple[str | None, str | None]:
    try:
        return decode_body(response.body, response.content_type).text, None
    except UndecodableBody as exc:
        return None, str(exc)


async def read_listing(
    fetcher: Fetcher,
    url: str,
    kind: str | None,
    options: dict[str, Any],
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_pages: int = 1,
) -> tuple[Listing, str]:
    """Fetch and parse a listing and its next pages; returns it with the kind used."""
    listing = Listing()
    seen_keys: set[str] = set()
    visited: set[str] = set()
    pages = max(1, int(options.get("max_pages") or max_pages))
    next_url: str | None = url
    complete = True
    while next_url and len(listing.pages) < pages:
        first = not listing.pages
        visited.add(next_url)
        response = await fetcher.fetch(
            next_url,
            etag=etag if first else None,
            last_modified=last_modified if first else None,
        )
        if response.outcome == NOT_MODIFIED and first:
            listing.pages.append(PageRead(response, NOT_MODIFIED))
            listing.not_modified = True
            return listing, kind or "html"
        if response.outcome != OK:
            listing.pages.append(PageRead(response, response.outcome, response.error))
            listing.errors.append(f"{next_url}: {response.error}")
            complete = False
            break
        kind = kind or guess_kind(response)
        text, error = _decode(response)
        if text is None:
            listing.pages.append(PageRead(response, DECODE_ERROR, error))
            listing.errors.append(f"{next_url}: {error}")
            complete = False
            break
        try:
            page = parser_for(kind)(text, response.final_url, options)
        except ParseError as exc:
            listing.pages.append(PageRead(response, PARSE_ERROR, str(exc)))
            listing.errors.append(f"{next_url}: {exc}")
            complete = False
            break
        fresh = []
        for entry in page.entries:  # duplicate guids happen, within a page too
            if len(entry.key) > MAX_KEY:
                entry.key = "sha256:" + hashlib.sha256(entry.key.encode()).hexdigest()
            if entry.key not in seen_keys:
                seen_keys.add(entry.key)
                fresh.append(entry)
        listing.entries.extend(fresh)
        note = "; ".join(page.errors) or None
        listing.pages.append(PageRead(response, OK, note, len(fresh)))
        listing.errors.extend(f"{next_url}: {e}" for e in page.errors)
        next_url = page.next_url if page.next_url not in visited else None
    listing.complete = complete and bool(listing.entries)
    return listing, kind or "html"


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


async def read_detail(fetcher: Fetcher, url: str, options: dict[str, Any]) -> PageDetail:
    """Fetch and parse an item's page (also used to check whether it is gone)."""
    response = await fetcher.fetch(url)
    if response.outcome != OK:
        return PageDetail(url, response, response.outcome, error=response.error)
    text, error = _decode(response)
    if text is None:
        return PageDetail(url, response, DECODE_ERROR, error=error)
    try:
        detail = parse_detail(text, response.final_url, options)
    except ParseError as exc:
        return PageDetail(url, response, PARSE_ERROR, error=str(exc))
    return PageDetail(url, response, OK, detail)
