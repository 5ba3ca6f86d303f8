"""Crawl state kept beside the shared model: detail-page fetches and listing entries.

``fetch`` rows are attempts at a feed's listing (what feed-health rules read);
fetches of an item's own page go to ``page_fetch`` so a deleted notice's 404 is
not mistaken for the feed being down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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


class AttachmentText(Base):
    """What an item's attachment says: its extracted text in parts, each with where it
    sits (``{"where": {"sheet": "名单", "row": 3}, "text": "…"}``), or why it was not
    read (``reason``). The latest read of each (item, URL) is kept; the download is
    the evidence it was read from."""

    __tablename__ = "attachment_text"
    __table_args__ = (UniqueConstraint("item_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="")
    reason: Mapped[str | None] = mapped_column(Text)  # not read: why (image, too large …)
    parts: Mapped[list[Any]] = mapped_column(default=list)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
