"""``plan_feed`` decides what storing a feed's crawl writes, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.crawl.content import entry_hash
from monitor.crawl.persist import ITEM_COLUMNS, FeedJob, FeedOutcome, KnownItem, plan_feed
from monitor.crawl.reading import Listing
from monitor.parse.model import Entry

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
JOB = FeedJob(3, 9, "https://v.example/list", "rss", {}, "村务公开", None, None)


def _known(entry: Entry, item_id: int, **kw: object) -> KnownItem:
    values: dict[str, object] = {
        "id": item_id, "key": entry.key, "url": entry.url, "content_hash": "old",
        "last_seen": NOW - timedelta(days=1), "removed_at": None,
        "entry_hash": entry_hash(entry), "detail_ok": True, **kw,
    }  # fmt: skip
    return KnownItem(**values)  # type: ignore[arg-type]


def test_new_unchanged_changed_and_restored_entries() -> None:
    new = Entry(key="n", title="新公告", url="https://v.example/n")
    same = Entry(key="s", title="旧公告", url="https://v.example/s")
    edited = Entry(key="e", title="改过的标题", url="https://v.example/e")
    back = Entry(key="b", title="回来了", url="https://v.example/b")
    known = {
        "s": _known(same, 1),
        "e": _known(edited, 2, entry_hash="stale"),
        "b": _known(back, 3, removed_at=NOW - timedelta(hours=1)),
    }
    outcome = FeedOutcome(JOB, Listing(entries=[new, same, edited, back]))
    plan = plan_feed(outcome, known, NOW, detail_enabled=False)
    assert [row[ITEM_COLUMNS.index("key")] for row, *_ in plan.new_items] == ["n"]
    assert plan.seen_ids == [1, 2, 3]
    assert [u.item.id for u in plan.updates] == [2, 3]
    assert plan.updates[1].values["removed_at"] is None
    assert plan.changes.changed == 2 and plan.changes.removed == 0
