"""Attachments of items already stored, read once: items crawled before attachments
were read (or whose attachments a crawl's limits left for later) keep their detail
page unchanged, so a crawl never reads them again; ``monitor read-attachments``
reads those of the items published since a date that have no text yet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl.archive import WarcArchive, store_evidence
from monitor.crawl.attachments import (
    NOT_FETCHED,
    AttachmentAllowance,
    AttachmentRead,
    limits_of,
    read_one,
    wanted,
)
from monitor.crawl.models import AttachmentText
from monitor.crawl.persist import store_attachment_read
from monitor.fetch import Fetcher
from monitor.settings import Settings
from monitor.store.models import Item


@dataclass
class Backfill:
    read: int = 0
    not_read: int = 0


def pending(session: Session, since: date, settings: Settings) -> list[tuple[int, int, dict]]:
    """(feed id, item id, attachment) of items published since ``since``, not removed,
        whose attachments of the wanted types have no text stored (read, or not read for a
    reason other than a crawl's limits)."""
    config = settings.crawl.attachments
    rows = session.execute(
        select(Item.id, Item.feed_id, Item.attachments).where(
            Item.published_date >= since, Item.removed_at.is_(None)
        )
    ).all()
    item_ids = [r.id for r in rows if r.attachments]
    done = set()
    for start in range(0, len(item_ids), 500):
        query = select(AttachmentText.item_id, AttachmentText.url, AttachmentText.reason).where(
            AttachmentText.item_id.in_(item_ids[start : start + 500])
        )
        for item_id, url, reason in session.execute(query):
            if not (reason or "").startswith(NOT_FETCHED):  # left by a limit: read now
                done.add((item_id, url))
    out = []
    for row in rows:
        links = [
            a for a in row.attachments or []
            if isinstance(a, dict) and a.get("url") and wanted(a.get("name", ""), a["url"], config)
        ]  # fmt: skip
        out += [(row.feed_id, row.id, a) for a in links[: config.max_per_item]
                if (row.id, a["url"][:2000]) not in done]  # fmt: skip
    return out


async def _read_all(settings: Settings, todo: list[tuple[int, int, dict]]) -> list[Any]:
    config = settings.crawl.attachments
    limits = limits_of(config)
    allowance = AttachmentAllowance(config.max_per_crawl)
    todo = [t for t in todo if allowance.take()]
    async with Fetcher(settings) as fetcher:
        reads = await asyncio.gather(
            *(read_one(fetcher, str(item_id), a, config, limits) for _, item_id, a in todo)
        )
    return [
        (feed_id, item_id, read) for (feed_id, item_id, _), read in zip(todo, reads, strict=True)
    ]


def read_stored_attachments(
    sessions: sessionmaker[Session], settings: Settings, since: date, now: datetime
) -> Backfill:
    """Read, archive and store the text of the pending attachments (at most
    ``crawl.attachments.max_per_crawl`` per run)."""
    with sessions() as session:
        todo = pending(session, since, settings)
    reads: list[tuple[int, int, AttachmentRead]] = asyncio.run(_read_all(settings, todo))
    report = Backfill()
    archive = WarcArchive(settings.evidence_dir, now)
    try:
        with sessions() as session, session.begin():
            responses = [r.response for _, _, r in reads if r.response is not None]
            evidence = store_evidence(session, archive, responses, now)
            for feed_id, item_id, read in reads:
                store_attachment_read(session, feed_id, item_id, read, evidence, now)
                report.not_read += read.not_read is not None
                report.read += read.not_read is None
    finally:
        archive.close()
    return report
