"""Work claims: one row per unit of work, keyed on what was scheduled, not on who sent it.

A crawl is keyed on (feed, window start). The window comes from the scheduled time, so
two scheduler ticks for the same window, or the same message delivered twice, find the
same key and collapse. The insert is the claim; nothing is decided by a read before it.

A claim is taken over (and the work done again, which the stages make harmless) when:

- the holder is the same delivery coming back: Celery keeps the task id across
  redelivery after a worker was killed and across retries, and the worker passes that
  id as ``owner``. A SIGKILLed worker's redelivered task therefore always does the work;
- the claim is older than its time to live and still not done: its holder died and no
  redelivery will come (the message was lost with the broker, say).

Any other holder of an unfinished claim is a concurrent duplicate: it returns early.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, Table, delete, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from monitor.store.models import WorkClaim

ClaimState = Literal["new", "retaken", "done", "held"]

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday 00:00 UTC: windows align to it


@dataclass(frozen=True)
class Claim:
    key: str
    state: ClaimState

    @property
    def acquired(self) -> bool:
        return self.state in ("new", "retaken")


def crawl_key(feed_id: int, window_start: datetime) -> str:
    return f"crawl:{feed_id}:{window_start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def feed_offset(feed_id: int, interval_minutes: int) -> timedelta:
    """A stable per-feed offset inside the interval, so feeds sharing a host (one county
    platform serves many villages) do not all fall due on the same second."""
    seconds = max(int(interval_minutes) * 60, 60)
    digest = hashlib.blake2b(str(feed_id).encode(), digest_size=8).digest()
    return timedelta(seconds=int.from_bytes(digest, "big") % seconds)


def window_start(
    when: datetime, interval_minutes: int, offset: timedelta = timedelta()
) -> datetime:
    """Start of the schedule window holding ``when``: windows are ``interval`` long,
    aligned to a fixed epoch plus ``offset``. A tick fired late (misfire, jitter) still
    lands in the window it was scheduled for, as long as it is less than one interval late.
    """
    if when.tzinfo is None:
        raise ValueError("naive datetime given to window_start")
    length = timedelta(minutes=max(int(interval_minutes), 1))
    origin = EPOCH + offset
    n = (when.astimezone(UTC) - origin) // length
    return origin + n * length


def claim(session: Session, key: str, *, owner: str, now: datetime, ttl: timedelta) -> Claim:
    """Claim ``key`` for ``owner``. Does not commit: the caller commits before working,
    so that concurrent duplicates see the claim."""
    table = WorkClaim.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    inserted = session.execute(
        insert(table)
        .values(key=key, owner=owner, claimed_at=now, done_at=None)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    ).first()
    if inserted is not None:
        return Claim(key, "new")
    # The conditional update is the take-over: of two racing redeliveries only one
    # matches, because the first one's update moves claimed_at forward.
    retaken = session.execute(
        update(WorkClaim)
        .where(
            WorkClaim.key == key,
            WorkClaim.done_at.is_(None),
            or_(WorkClaim.owner == owner, WorkClaim.claimed_at < now - ttl),
        )
        .values(owner=owner, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if retaken.rowcount == 1:  # type: ignore[attr-defined]
        return Claim(key, "retaken")
    done_at = session.execute(select(WorkClaim.done_at).where(WorkClaim.key == key)).scalar()
    return Claim(key, "done" if done_at is not None else "held")


def complete(session: Session, key: str, *, owner: str, now: datetime) -> bool:
    """Mark the work done; False when another owner has taken the claim meanwhile."""
    result = session.execute(
        update(WorkClaim)
        .where(WorkClaim.key == key, WorkClaim.owner == owner)
        .values(done_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, key: str, *, owner: str) -> None:
    """Give up an unfinished claim (the work failed for good), so the next tick or a
    duplicate may try instead of waiting for the time to live."""
    session.execute(
        delete(WorkClaim)
        .where(WorkClaim.key == key, WorkClaim.owner == owner, WorkClaim.done_at.is_(None))
        .execution_options(synchronize_session=False)
    )


def prune(session: Session, *, before: datetime) -> int:
    """Drop claims of windows long gone; they only need to outlive duplicates."""
    result = session.execute(
        delete(WorkClaim)
        .where(WorkClaim.claimed_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def lock_id(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialize(session: Session, *keys: str, shared: str | None = None) -> None:
    """Hold transaction-scoped locks on ``keys`` until commit, so two tasks upserting the
    same rows (two evaluations of one unit, two scorings of one period) run one after
    the other instead of racing on unique keys. ``shared`` is taken first in shared
    mode: a task that locks it exclusively (say, evaluating every unit) excludes all
    the tasks that share it, which do not exclude each other. SQLite already
    serialises writers."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if shared is not None:
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:id)"), {"id": lock_id(shared)})
    # Sorted, so two tasks locking overlapping sets cannot deadlock.
    for lid in sorted({lock_id(k) for k in keys}):
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lid})


@contextmanager
def exclusive(engine: Engine, key: str) -> Iterator[None]:
    """Hold a session-level lock on ``key`` across several transactions (outbox delivery
    commits per message). On SQLite a no-op: one process owns a SQLite store."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id(key)})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id(key)})
            conn.commit()


def utcnow() -> datetime:
    return datetime.now(UTC)
