"""``monitor inspect``: read one source as the crawl would and show what it finds,
without touching the store: the tool for setting up a new feed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from monitor.crawl.content import item_fields
from monitor.crawl.reading import (
    PageDetail,
    Reading,
    check_attachments,
    read_detail,
    read_listing,
)
from monitor.fetch import Fetcher
from monitor.parse import Entry
from monitor.settings import Settings

KINDS = ("rss", "atom", "html", "json", "detail")


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
            pages = [_page(page.response, page.outcome, page.error, len(items))]
            return {"url": url, "kind": "detail", "pages": pages, "items": items, "errors": errors}
        listing, used = await read_listing(
            fetcher, reading, url, kind, options, max_pages=settings.crawl.max_pages
        )
        if kind is None and used == "html" and listing.read_ok and not listing.entries:
            return await _read(settings, reading, url, "detail", options, limit)
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
        return {
            "url": url,
            "kind": used,
            "pages": [_page(p.response, p.outcome, p.error, p.entries) for p in listing.pages],
            "items": [_item(e, details.get(e.key), None) for e in entries],
            "errors": errors,
        }


def _page(response: Any, outcome: str, error: str | None, entries: int) -> dict[str, Any]:
    return {
        "url": response.url,
        "final_url": response.final_url,
        "outcome": outcome,
        "status": response.status,
        "bytes": response.size,
        "error": error,
        "entries": entries,
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
