"""``monitor.stages`` without a broker: the claims decide, the follow-ups come back as
``Next`` values. The case that regressed once: a crawl redelivered after its worker
died, whose items the dead attempt had already stored, must still ask for the
evaluation of its unit (nothing looks changed to it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from monitor import claims, stages
from monitor.flow import Stage
from monitor.settings import Settings
from monitor.stages import Next
from monitor.store.db import transaction
from monitor.store.models import Feed, WorkClaim
from tests.workers.conftest import add_feeds
from tests.workers.feeds_server import FeedServer

WINDOW = "2026-11-28T02:00:00+00:00"
NOW = datetime(2026, 11, 28, 2, 5, tzinfo=UTC)


def _crawl(sessions: sessionmaker[Session], settings: Settings, fid: int, owner: str,
           as_of: datetime) -> stages.Done:  # fmt: skip
    return stages.crawl_feed(
        sessions, settings, owner=owner, feed_id=fid, window=WINDOW, as_of=stages.iso(as_of)
    )


def test_redelivered_crawl_with_nothing_new_still_evaluates_its_unit(
    sqlite_sessions: sessionmaker[Session], settings: Settings
) -> None:
    with FeedServer() as server:
        (fid,) = add_feeds(sqlite_sessions, [server.url("north")])
        with transaction(sqlite_sessions) as session:
            feed = session.get_one(Feed, fid)
            feed.options = {"detail": False}  # nothing but the listing: an unchanged read
            unit = feed.unit_id
        # The first delivery stored everything, then died before completing its claim.
        first = _crawl(sqlite_sessions, settings, fid, "task-1", NOW)
        assert first.then == [Next(Stage.EVALUATE, ([unit], stages.iso(NOW)))]
        key = claims.crawl_key(fid, stages.parse_ts(WINDOW))
        with transaction(sqlite_sessions) as session:
            session.execute(update(WorkClaim).where(WorkClaim.key == key).values(done_at=None))
        later = NOW + timedelta(minutes=1)
        again = _crawl(sqlite_sessions, settings, fid, "task-1", later)
        assert again.summary["items_new"] == 0 and again.summary["items_changed"] == 0
        assert again.then == [Next(Stage.EVALUATE, ([unit], stages.iso(later)))]
        # A concurrent duplicate (another task id) of a finished window does nothing.
        other = _crawl(sqlite_sessions, settings, fid, "task-2", later)
        assert other.summary["skipped"] == "done" and other.then == []
