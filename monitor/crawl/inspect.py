"""``monitor inspect``: read one source as the crawl would and show what it finds,
without touching the store: the tool for setting up a new feed.

With no options it shows the list structure it found (the selectors an operator
can freeze into the feed's options, and a confidence), how each next page was
found, and says so when a page holds no list ("no list found; read as a single
page")."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from monitor.crawl.content import item_fields
from monitor.crawl.reading import (
    NO_LIST_OUTCOME,
    PageDetail,
    PageRead,
    Reading,
    check_attachments,
    read_detail,
    read_listing,
)
from monitor.fetch import OK, Fetcher
from monitor.parse import Entry
from monitor.parse.html_list import NO_LIST
from monitor.settings import Settings

KINDS = ("rss", "atom", "html", "json", "detail")
STANDARD_META = frozenset({"index_no", "publisher", "formed", "published", "doc_no", "category"})


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; values read as JSON when they are (``max_pages=2``,
    ``detail=false``), dotted keys nest (``fields.url=link``)."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"option {pair!r} is not key=value")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        target = options
        *parents, last = key.split(".")
        for name in parents:
            target = target.setdefault(name, {})
        target[last] = value
    return options


def _item(entry: Entry, page: PageDetail | None, category: str | None) -> dict[str, Any]:
    fields = item_fields(entry, page.detail if page else None, category)
    return {
        "key": entry.key,
        "title": fields.title,
        "url": fields.url,
        "category": fields.category,
        "formed": fields.formed_date.isoformat() if fields.formed_date else fields.formed_text,
        "published": (
            fields.published_date.isoformat() if fields.published_date else fields.published_text
        ),
        "metadata": fields.meta,
        "attachments": fields.attachments,
        "date_errors": fields.date_errors,
        "detail": None
        if page is None
        else {"outcome": page.outcome, "status": page.response.status, "error": page.error},
    }


async def _inspect(
    settings: Settings, url: str, kind: str | None, options: dict[str, Any], limit: int
) -> dict[str, Any]:
    # Nothing is archived: bodies stay in memory (one source, bounded by the limits).
    reading = Reading.start(settings.crawl, None)
    try:
        return await _read(settings, reading, url, kind, options, limit)
    finally:
        reading.close()


async def _read(
    settings: Settings,
    reading: Reading,
    url: str,
    kind: str | None,
    options: dict[str, Any],
    limit: int,
) -> dict[str, Any]:
    async with Fetcher(settings) as fetcher:
        if kind == "detail":
            page = await read_detail(fetcher, reading, url, options)
            await check_attachments(fetcher, [page])
            items = []
            if page.detail is not None:
                items.append(_item(Entry(key=url, url=url), page, None))
            errors = [page.error] if page.error else []
            if page.gone:
                errors.append("the page looks deleted (404/410 or an error page)")
            read = PageRead(page.response, page.outcome, page.error, len(items), "detail")
            return {
                "url": url,
                "kind": "detail",
                "structure": None,
                "no_list": None,
                "pages": [_page(read)],
                "items": items,
                "errors": errors,
            }
        listing, used = await read_listing(
            fetcher, reading, url, kind, options, max_pages=settings.crawl.max_pages
        )
        if kind is None and used == "html" and await _reads_as_detail(reading, listing):
            return await _read(settings, reading, url, "detail", options, limit)
        if listing.no_list:
            # Said, never guessed: the page is read as one page, as the crawl keeps it.
            single = await _read(settings, reading, url, "detail", options, limit)
            return {
                **single,
                "kind": used,
                "structure": None,
                "no_list": NO_LIST,
                "pages": [_page(p) for p in listing.pages],
                "errors": [*listing.errors, *single["errors"]],
            }
        entries = listing.entries
        details: dict[str, PageDetail] = {}
        if options.get("detail", settings.crawl.detail_pages):
            wanted = [e for e in entries[:limit] if e.url]
            read = await asyncio.gather(
                *(read_detail(fetcher, reading, e.url or "", options) for e in wanted)
            )
            details = {e.key: p for e, p in zip(wanted, read, strict=True)}
            await check_attachments(fetcher, list(details.values()))
        errors = list(listing.errors)
        errors += [f"{p.url}: {p.error}" for p in details.values() if p.error]
        first = listing.pages[0] if listing.pages else None
        return {
            "url": url,
            "kind": used,
            "structure": first.structure if first is not None else None,
            "no_list": None,
            "pages": [_page(p) for p in listing.pages],
            "items": [_item(e, details.get(e.key), None) for e in entries],
            "errors": errors,
        }


async def _reads_as_detail(reading: Reading, listing: Any) -> bool:
    """A detail page given where a list was expected (no ``--kind``): its metadata
    block (索引号, 发布机构, dates) says so, whatever links it lists beside."""
    if not listing.pages or listing.pages[0].outcome not in (OK, NO_LIST_OUTCOME):
        return False
    result = await reading.parse("detail", None, listing.pages[0].response, {})
    if result.detail is None:
        return False
    return len(STANDARD_META & result.detail.meta.keys()) >= 3


def _page(read: PageRead) -> dict[str, Any]:
    response = read.response
    return {
        "url": response.url,
        "final_url": response.final_url,
        "outcome": read.outcome,
        "status": response.status,
        "bytes": response.size,
        "error": read.error,
        "entries": read.entries,
        "kind": read.kind,
        "structure": read.structure,
        "next": read.next_url,
        "next_by": read.next_how,
    }


def inspect_source(
    settings: Settings,
    url: str,
    *,
    kind: str | None = None,
    options: dict[str, Any] | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """Fetch and parse ``url`` (kind guessed when not given); detail pages of the
    first ``limit`` entries are read too, as the crawl would."""
    return asyncio.run(_inspect(settings, url, kind, options or {}, limit))
