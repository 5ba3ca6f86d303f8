"""Crawl state kept beside the shared model: detail-page fetches and listing entries.

``fetch`` rows are attempts at a feed's listing (what feed-health rules read);
fetches of an item's own page go to ``page_fetch`` so a deleted notice's 404 is
not mistaken for the feed being down.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.store.base import Base, utcnow


class PageFetch(Base):
    """One attempt at an item's page: ``detail`` (read it) or ``check`` (is it gone?)."""

    __tablename__ = "page_fetch"
    __table_args__ = (Index("ix_page_fetch_item_started", "item_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feed.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    role: Mapped[str] = mapped_column(String(16))  # detail | check
    url: Mapped[str] = mapped_column(String(2000))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(32))
    status: Mapped[int | None]
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))


class ItemEntry(Base):
    """The hash of an item's listing entry as last read with its detail page: an
    unchanged entry means the detail page need not be fetched again."""

    __tablename__ = "item_entry"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    detail_ok: Mapped[int] = mapped_column(Integer, default=0)  # 1 once the detail was read
