"""The search index's tables: one document per item, and the queue of items whose
document is due to be (re)built.

``search_doc`` holds what is searched and shown (title and text already masked of
personal data); each backend indexes its ``text`` natively (SQLite: an FTS5 trigram
table over it; PostgreSQL: a GIN ``pg_trgm`` index), see :mod:`monitor.search.schema`.
``search_queue`` is filled by database triggers on ``item`` and ``item_version``, so
every write of the crawl (or of anything else) queues its item without the writer
knowing about search; :func:`monitor.search.index.catch_up` empties it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.store.base import Base


class SearchDoc(Base):
    __tablename__ = "search_doc"
    __table_args__ = (
        Index("ix_search_doc_published", "published_date", "item_id"),
        # A filter walks its own dates, newest first, and stops at the page's end.
        Index("ix_search_doc_category", "category", "published_date"),
        Index("ix_search_doc_unit", "unit_id", "published_date"),
        Index("ix_search_doc_town", "town_id", "published_date"),
        Index("ix_search_doc_county", "county_id", "published_date"),
    )

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(Integer)
    # The unit's town and county (None above them): one filter serves every level.
    town_id: Mapped[int | None] = mapped_column(Integer)
    county_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(200))
    published_date: Mapped[date | None] = mapped_column(Date)
    removed_at: Mapped[datetime | None]
    # The subject item findings carry ("item:KEY"): the has-findings filter joins on it.
    subject: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(Text, default="")
    # Title, metadata (文号, 索引号 …), text and attachment text: what is searched.
    text: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(Integer)


class SearchQueue(Base):
    """Items whose document is stale. Rows are appended by triggers, never updated."""

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
