"""``deliver_outbox``: send due outbox rows, exactly once per idempotency key.

Each row is claimed with a conditional UPDATE (the update is the claim, not the
read before it): it pushes ``next_attempt_at`` a lease into the future, so a second
deliverer's identical UPDATE matches nothing, and a deliverer that dies mid-send
gives the row back when the lease runs out. A failed send keeps the row with its
error and a capped, jittered exponential backoff: rows are never dropped. A receiver
that got a message but whose answer was lost sees the same ``Idempotency-Key`` again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.metrics import DELIVERIES
from monitor.notify.channels import DeliveryError, Message, channel_for
from monitor.notify.render import render
from monitor.redact import redact
from monitor.settings import Settings
from monitor.store.db import transaction
from monitor.store.models import Outbox

__all__ = ["DeliveryReport", "backoff_seconds", "deliver_outbox", "destination"]

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: int = 0  # claimed by another deliverer first
    held: int = 0  # no destination configured (e.g. no assessment webhook): kept for pull
    dry_run: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def backoff_seconds(
    attempts: int, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Exponential in the attempt number, capped, with "equal jitter": at least half
    the delay, so retries of many rows spread out without any retrying at once."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + rand() * delay / 2


def destination(row: Outbox, settings: Settings) -> dict[str, Any] | None:
    """The channel spec a row goes to, or None when none is configured."""
    if row.topic.startswith("alert."):
        channel = row.payload.get("channel")
        return dict(channel) if isinstance(channel, dict) else None
    if row.topic.startswith("score."):
        url = settings.assessment.webhook_url
        if not url:
            return None
        return {"type": "webhook", "url": url, "secret": settings.assessment.webhook_secret}
    return None


def _claim(session: Session, row_id: int, now: datetime, lease: float) -> bool:
    result = session.execute(
        update(Outbox)
        .where(
            Outbox.id == row_id,
            Outbox.delivered_at.is_(None),
            Outbox.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=lease), attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def deliver_outbox(
    sessions: sessionmaker[Session], settings: Settings, *, now: datetime | None = None
) -> DeliveryReport:
    now = now or datetime.now(UTC)
    cfg = settings.notify
    report = DeliveryReport()
    last_id = 0
    # Page through due rows by id: a row that fails now moves into the future, so each
    # row is tried at most once per call, and a backlog larger than a page is not left
    # waiting for the next call.
    while True:
        with transaction(sessions) as session:
            due = session.execute(
                select(Outbox.id, Outbox.topic, Outbox.idempotency_key, Outbox.payload)
                .where(
                    Outbox.delivered_at.is_(None),
                    Outbox.next_attempt_at <= now,
                    Outbox.id > last_id,
                )
                .order_by(Outbox.id)
                .limit(cfg.batch_size)
            ).all()
        if not due:
            break
        last_id = due[-1][0]
        for row_id, topic, key, payload in due:
            _deliver_one(sessions, settings, Message(topic, key, payload), row_id, now, report)
    return report


def _deliver_one(
    sessions: sessionmaker[Session],
    settings: Settings,
    message: Message,
    row_id: int,
    now: datetime,
    report: DeliveryReport,
) -> None:
    topic = message.topic
    spec = destination(Outbox(id=row_id, topic=topic, payload=dict(message.payload)), settings)
    if spec is None:
        report.held += 1
        return
    if settings.alerts.dry_run:
        subject, _ = render(topic, dict(message.payload), settings, spec.get("lang"))
        report.dry_run.append({"id": row_id, "channel": spec.get("type"), "subject": subject})
        log.info("dry run: outbox %s via %s: %s", row_id, spec.get("type"), subject)
        return
    with transaction(sessions) as session:
        claimed = _claim(session, row_id, now, settings.notify.claim_seconds)
    if not claimed:
        report.skipped += 1
        return
    try:
        channel_for(spec, settings).send(message)
    except DeliveryError as exc:
        _failed(sessions, settings, row_id, topic, str(exc), now, report)
        return
    except Exception as exc:  # a channel bug must not lose the row either
        log.exception("outbox %s: unexpected error", row_id)
        _failed(sessions, settings, row_id, topic, f"{type(exc).__name__}: {exc}", now, report)
        return
    with transaction(sessions) as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(delivered_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        )
    report.delivered.append(row_id)
    DELIVERIES.labels(topic=topic, outcome="delivered").inc()


def _failed(
    sessions: sessionmaker[Session],
    settings: Settings,
    row_id: int,
    topic: str,
    error: str,
    now: datetime,
    report: DeliveryReport,
) -> None:
    # A channel's error may quote its URL, token and all: mask before storing or logging.
    error = redact(error)
    with transaction(sessions) as session:
        attempts = session.scalar(select(Outbox.attempts).where(Outbox.id == row_id)) or 1
        wait = backoff_seconds(attempts, settings.notify.backoff_base, settings.notify.backoff_max)
        session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(next_attempt_at=now + timedelta(seconds=wait), last_error=error[:2000])
            .execution_options(synchronize_session=False)
        )
    report.failed.append(row_id)
    report.errors.append(f"outbox {row_id} ({topic}): {error}")
    DELIVERIES.labels(topic=topic, outcome="failed").inc()
    log.warning("outbox %s failed (attempt %s), retry in %.0fs: %s", row_id, attempts, wait, error)
