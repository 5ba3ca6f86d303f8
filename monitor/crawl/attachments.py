"""Attachments read: the files linked from the item pages a crawl reads are
downloaded through the same fetcher (network policy, size limit, spool) as any page,
archived as evidence with the feed's responses, and their text extracted for the
rules. What is not read (too large, over the limits, an image without OCR) is
recorded with its reason, never passed over in silence."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.extract import Extracted, Limits, extract, kind_of
from monitor.fetch import OK, TOO_LARGE, Fetcher, Response
from monitor.settings import AttachmentSettings

OVER_LIMIT = "over the per-item or per-crawl attachment limit"
NOT_FETCHED = "not fetched"


@dataclass
class AttachmentRead:
    """One attachment: which item page linked it, the download and what it says."""

    key: str  # the entry key of the item whose page links it
    url: str
    name: str
    response: Response | None
    extracted: Extracted

    @property
    def not_read(self) -> str | None:
        return self.extracted.not_read


class AttachmentAllowance:
    """How many attachments the whole crawl may still download (thread-safe)."""

    def __init__(self, total: int) -> None:
        self.left = total
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def wanted(name: str, url: str, config: AttachmentSettings) -> str | None:
    """The attachment's type when the settings ask for it to be read, else None."""
    kind = kind_of(name) or kind_of(url)
    return kind if kind in config.types else None


def plan(
    details: Mapping[str, Any], config: AttachmentSettings
) -> list[tuple[str, dict[str, Any], bool]]:
    """(entry key, attachment, to fetch) for each URL once, of the types the settings
    name; past ``max_per_item`` on a page, not to fetch (recorded as not read). Pure:
    the per-crawl limit is applied on fetch."""
    out: list[tuple[str, dict[str, Any], bool]] = []
    seen: set[str] = set()
    for key, page in details.items():
        detail = getattr(page, "detail", None)
        taken = 0
        for attachment in detail.attachments if detail is not None else ():
            url = attachment["url"]
            if url in seen or not wanted(attachment.get("name", ""), url, config):
                continue
            seen.add(url)
            out.append((key, attachment, taken < config.max_per_item))
            taken += 1
    return out


def limits_of(config: AttachmentSettings) -> Limits:
    return Limits(
        max_chars=config.max_text_chars,
        max_unpacked_bytes=config.max_unpacked_bytes,
        ocr_timeout=config.ocr_timeout,
        ocr_language=config.ocr_language,
    )


async def read_attachments(
    fetcher: Fetcher,
    details: Mapping[str, Any],
    config: AttachmentSettings,
    allowance: AttachmentAllowance,
    spool: Any = None,
) -> dict[str, AttachmentRead]:
    """Download and extract the attachments ``plan`` picks, by URL."""
    if not config.enabled:
        return {}
    limits = limits_of(config)
    jobs = [
        read_one(fetcher, key, attachment, config, limits, spool)
        if allowed and allowance.take()
        else _skipped(key, attachment)
        for key, attachment, allowed in plan(details, config)
    ]
    reads = await asyncio.gather(*jobs)
    return {read.url: read for read in reads}


async def _skipped(key: str, attachment: dict[str, Any]) -> AttachmentRead:
    url, name = attachment["url"], attachment.get("name", "")
    return AttachmentRead(
        key, url, name, None, Extracted("", not_read=f"not fetched: {OVER_LIMIT}")
    )


async def read_one(
    fetcher: Fetcher,
    key: str,
    attachment: dict[str, Any],
    config: AttachmentSettings,
    limits: Limits,
    spool: Any = None,
) -> AttachmentRead:
    url, name = attachment["url"], attachment.get("name", "")
    response = await fetcher.fetch(url, spool=spool, max_bytes=config.max_bytes)
    if response.outcome != OK:
        reason = (
            f"too large: over {config.max_bytes} bytes"
            if response.outcome == TOO_LARGE
            else f"not fetched: {response.outcome} {response.status or ''}".strip()
        )
        return AttachmentRead(key, url, name, response, Extracted("", not_read=reason))
    body = response.spool.read() if response.spool is not None else response.body
    label = name if kind_of(name) else response.final_url
    extracted = await asyncio.to_thread(extract, body, label, limits)
    return AttachmentRead(key, url, name, response, extracted)
