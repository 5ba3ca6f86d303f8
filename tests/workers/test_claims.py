"""Work claims on both backends: duplicates collapse, a redelivery or a stale claim is
taken over, a finished claim stays finished."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from monitor import claims
from monitor.store.models import WorkClaim

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
TTL = timedelta(minutes=30)


def _claim(sessions: sessionmaker[Session], key: str, owner: str, now: datetime) -> str:
    with sessions.begin() as session:
        return claims.claim(session, key, owner=owner, now=now, ttl=TTL).state


def test_duplicate_delivery_finds_the_claim_held(sessions: sessionmaker[Session]) -> None:
    assert _claim(sessions, "crawl:1:w", "task-a", T0) == "new"
    assert _claim(sessions, "crawl:1:w", "task-b", T0 + timedelta(seconds=5)) == "held"
    with sessions() as session:
        assert session.get(WorkClaim, "crawl:1:w").owner == "task-a"  # type: ignore[union-attr]


def test_redelivered_task_after_a_kill_takes_its_own_claim_back(
    sessions: sessionmaker[Session],
) -> None:
    assert _claim(sessions, "crawl:1:w", "task-a", T0) == "new"
    # The worker died without completing; the same message (same task id) comes back.
    assert _claim(sessions, "crawl:1:w", "task-a", T0 + timedelta(seconds=30)) == "retaken"


def test_stale_claim_is_retaken_by_anyone(sessions: sessionmaker[Session]) -> None:
    assert _claim(sessions, "crawl:1:w", "task-a", T0) == "new"
    assert _claim(sessions, "crawl:1:w", "task-b", T0 + TTL + timedelta(seconds=1)) == "retaken"
    # ... and the old holder can no longer mark it done.
    with sessions.begin() as session:
        assert not claims.complete(session, "crawl:1:w", owner="task-a", now=T0 + TTL)


def test_done_claim_is_never_redone(sessions: sessionmaker[Session]) -> None:
    assert _claim(sessions, "crawl:1:w", "task-a", T0) == "new"
    with sessions.begin() as session:
        assert claims.complete(session, "crawl:1:w", owner="task-a", now=T0)
    assert _claim(sessions, "crawl:1:w", "task-a", T0 + timedelta(seconds=1)) == "done"
    assert _claim(sessions, "crawl:1:w", "task-b", T0 + TTL * 3) == "done"


def test_released_claim_can_be_taken_at_once(sessions: sessionmaker[Session]) -> None:
    assert _claim(sessions, "crawl:1:w", "task-a", T0) == "new"
    with sessions.begin() as session:
        claims.release(session, "crawl:1:w", owner="task-a")
    assert _claim(sessions, "crawl:1:w", "task-b", T0 + timedelta(seconds=1)) == "new"


def test_serialize_and_exclusive_run_on_each_backend(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        claims.serialize(session, "score:2026-11", "alerts")
        claims.claim(session, "k", owner="o", now=T0, ttl=TTL)
    engine = sessions.kw["bind"]
    with claims.exclusive(engine, "outbox"), sessions() as session:
        assert session.get(WorkClaim, "k") is not None


def test_prune_drops_only_old_claims(sessions: sessionmaker[Session]) -> None:
    assert _claim(sessions, "old", "a", T0 - timedelta(days=8)) == "new"
    assert _claim(sessions, "recent", "a", T0) == "new"
    with sessions.begin() as session:
        assert claims.prune(session, before=T0 - timedelta(days=7)) == 1
    with sessions() as session:
        assert session.get(WorkClaim, "old") is None
        assert session.get(WorkClaim, "recent") is not None


@pytest.mark.postgres
def test_shared_lock_excludes_the_exclusive_holder(pg_sessions: sessionmaker[Session]) -> None:
    # Advisory locks are PostgreSQL's; SQLite serialises writers by itself.
    with pg_sessions.begin() as one, pg_sessions.begin() as two:
        claims.serialize(one, "evaluate:1", shared="evaluate:all")
        claims.serialize(two, "evaluate:2", shared="evaluate:all")  # sharers do not block
        two.execute(text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(OperationalError):
            claims.serialize(two, "evaluate:all")  # the exclusive one waits for sharers
