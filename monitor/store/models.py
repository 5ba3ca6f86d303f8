"""The data model of DESIGN.md as SQLAlchemy 2.0 typed ORM classes.

Natural keys carry unique constraints so every stage can upsert and stay
idempotent under at-least-once delivery.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.store.base import Base, utcnow

# Unit levels and kinds. Kinds decide which rules apply (DOMAIN.md "Units").
LEVELS = ("county", "town", "village")
KINDS = ("county", "township", "town", "street", "village", "community")


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    feeds: Mapped[list[Feed]] = relationship(back_populates="unit")


class Feed(Base):
    __tablename__ = "feed"
    __table_args__ = (UniqueConstraint("unit_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(16))  # rss | atom | html | json
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    category: Mapped[str | None] = mapped_column(String(100))
    interval_minutes: Mapped[int] = mapped_column(Integer, default=360)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="feeds")


class Evidence(Base):
    """One archived HTTP response, content-addressed: the same bytes are stored once."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    warc_file: Mapped[str] = mapped_column(String(500))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fetch(Base):
    """One attempt to read a feed (or a page of it), whatever its outcome."""

    __tablename__ = "fetch"
    __table_args__ = (Index("ix_fetch_feed_started", "feed_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feed.id"))
    url: Mapped[str] = mapped_column(String(2000))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # ok | not_modified | http_error | timeout | network_error | too_large |
    # blocked | parse_error | decode_error | no_list (a list page with no list on it:
    # read as a single page, the note in ``error``)
    outcome: Mapped[str] = mapped_column(String(32))
    status: Mapped[int | None]
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    items_found: Mapped[int] = mapped_column(Integer, default=0)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("feed_id", "key"),
        Index("ix_item_unit_published", "unit_id", "published_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feed.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    key: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    formed_date: Mapped[date | None] = mapped_column(Date)
    published_date: Mapped[date | None] = mapped_column(Date)
    # Dates as printed, kept when they could not be parsed: never silently dropped.
    formed_text: Mapped[str | None] = mapped_column(String(200))
    published_text: Mapped[str | None] = mapped_column(String(200))
    date_errors: Mapped[list[Any]] = mapped_column(default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", order_by="ItemVersion.seen_at"
    )


class ItemVersion(Base):
    """Every distinct content an item has shown, with the evidence it was seen in."""

    __tablename__ = "item_version"
    __table_args__ = (UniqueConstraint("item_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))

    item: Mapped[Item] = relationship(back_populates="versions")


class Finding(Base):
    __tablename__ = "finding"
    __table_args__ = (UniqueConstraint("rule_id", "unit_id", "period", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[str] = mapped_column(String(20), default="1")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(16))
    # True: the unit failed. False: the monitor could not assess (feed down, calendar unknown).
    assessable: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | cleared
    message: Mapped[str] = mapped_column(Text, default="")  # English, as the rule said it
    # The message as the rule's code and parameters: rendered in the reader's language
    # (monitor.i18n.findings). None for findings stored before codes, and plain texts.
    message_code: Mapped[str | None] = mapped_column(String(100))
    message_params: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]
    # An inspector's verdict on the finding: confirmed | false_positive (None: pending).
    # Precision per rule is measured on these (``monitor rules precision``).
    verdict: Mapped[str | None] = mapped_column(String(16))
    verdict_by: Mapped[str | None] = mapped_column(String(200))
    verdict_at: Mapped[datetime | None]


class Alert(Base):
    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(700), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(16))
    # open | acknowledged | resolved | silenced
    state: Mapped[str] = mapped_column(String(16), default="open")
    title: Mapped[str] = mapped_column(Text, default="")
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
    silenced_until: Mapped[datetime | None]
    last_notified_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]

    history: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.id"
    )


class AlertEvent(Base):
    """Append-only: one row per state transition, with who and why."""

    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200), default="system")
    reason: Mapped[str] = mapped_column(Text, default="")

    alert: Mapped[Alert] = relationship(back_populates="history")


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("unit_id", "period", "scheme_version", "indicator", "computed_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    scheme_version: Mapped[str] = mapped_column(String(50))
    config_hash: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(100))  # "total" for the unit's total
    # None when the unit could not be scored (see ``status``): never a pass.
    value: Mapped[float | None] = mapped_column(Float)
    # scored | not_monitored (no feed) | not_assessable (no feed read in the period)
    status: Mapped[str] = mapped_column(String(20), default="scored", server_default="scored")
    max_value: Mapped[float] = mapped_column(Float, default=100.0)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    assessable_fraction: Mapped[float] = mapped_column(Float, default=1.0)
    explanation: Mapped[list[Any]] = mapped_column(default=list)
    # The as-of date the score was computed for: recomputing the same as-of replaces it.
    computed_for: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outbox(Base):
    """Messages for the outside world, written in the transaction that caused them."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Inspector(Base):
    """Who hears about alerts: a subtree of units, a minimum severity, channels."""

    __tablename__ = "inspector"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    min_severity: Mapped[str] = mapped_column(String(16), default="medium")
    # e.g. [{"type": "webhook", "url": ...}, {"type": "email", "to": ...}]
    channels: Mapped[list[Any]] = mapped_column(default=list)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("inspector.id"))


class WorkClaim(Base):
    """A claimed unit of work (feed + scheduled window, say): the insert is the claim."""

    __tablename__ = "work_claim"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    owner: Mapped[str | None] = mapped_column(String(200))


class AnnualReport(Base):
    """A unit's published annual disclosure report, as read and audited.

    ``figures`` holds the three tables as printed (section → row → column → text);
    ``audit`` the inconsistencies found by :func:`monitor.annual.checker.check`.
    """

    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # the year the report is on
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    url: Mapped[str | None] = mapped_column(String(2000))  # the page or attachment read
    title: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(8), default="")  # html | docx | xlsx
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    stated_year: Mapped[int | None] = mapped_column(Integer)
    sections: Mapped[list[Any]] = mapped_column(default=list)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    audit: Mapped[list[Any]] = mapped_column(default=list)
    read_error: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
