"""Search on both stores: Chinese terms of every length, metadata, filters, removed
items, masking, and the index following the store's writes (triggers + catch-up)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.search import SearchQuery, index_pending, search
from monitor.search.models import SearchQueue
from monitor.store.models import Feed, Finding, Item, ItemVersion, Unit

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _unit(s: Session, code: str, name: str, level: str, parent: Unit | None = None) -> Unit:
    kind = {"county": "county", "town": "town", "village": "village"}[level]
    unit = Unit(
        code=code, name=name, level=level, kind=kind, parent_id=parent.id if parent else None
    )
    s.add(unit)
    s.flush()
    return unit


def _item(s: Session, feed: Feed, key: str, title: str, text: str, **kw: object) -> Item:
    item = Item(
        feed_id=feed.id, unit_id=feed.unit_id, key=key, title=title, content_hash=key,
        first_seen=NOW, last_seen=NOW, **kw,
    )  # fmt: skip
    s.add(item)
    s.flush()
    s.add(ItemVersion(item_id=item.id, content_hash=key, seen_at=NOW, title=title, text=text))
    s.flush()
    return item


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions.begin() as s:
        county = _unit(s, "445302000000", "云城区", "county")
        town = _unit(s, "445302001000", "河口镇", "town", county)
        other = _unit(s, "445302002000", "高峰街道", "town", county)
        village = _unit(s, "445302001201", "白石村", "village", town)
        feed = Feed(unit_id=village.id, url="http://127.0.0.1:9/a", kind="html")
        feed2 = Feed(unit_id=other.id, url="http://127.0.0.1:9/b", kind="html")
        s.add_all([feed, feed2])
        s.flush()
        a = _item(
            s, feed, "a", "白石村2026年第三季度低保对象名单公示",
            "张三 身份证 11010519491231002X 电话 13812345678 每月 600 元",
            category="惠民政策", published_date=date(2026, 10, 8),
        )  # fmt: skip
        b = _item(
            s, feed2, "b", "关于印发河道管理办法的通知", "各村（社区）：现将办法印发给你们。",
            category="政策文件", published_date=date(2026, 9, 1),
            meta={"文号": "云府〔2026〕12号", "索引号": "11445302MB2C12345X/2026-00012"},
        )  # fmt: skip
        c = _item(
            s, feed, "c", "白石村财务收支公开", "收入 1000 元", category="财务公开",
            published_date=date(2026, 11, 2), removed_at=NOW,
        )  # fmt: skip
        s.add(
            Finding(
                rule_id="integrity.deleted_after_publication", unit_id=village.id,
                period="2026", subject="item:c", severity="high",
            )
        )  # fmt: skip
        ids = {"county": county.id, "town": town.id, "other": other.id, "village": village.id}
        ids.update(a=a.id, b=b.id, c=c.id)
    index_pending(sessions)
    return ids


def _ids(sessions: sessionmaker[Session], **kw: object) -> list[int]:
    with sessions() as s:
        return [h.item_id for h in search(s, SearchQuery(**kw)).hits]  # type: ignore[arg-type]


def test_village_name_category_word_and_document_number(sessions, store) -> None:
    assert _ids(sessions, text="白石村") == [store["c"], store["a"]]  # newest first
    assert _ids(sessions, text="低保") == [store["a"]]  # two characters: the LIKE scan
    assert _ids(sessions, text="云府〔2026〕12号") == [store["b"]]
    assert _ids(sessions, text="MB2C12345X") == [store["b"]]  # 索引号, any case
    assert _ids(sessions, text="mb2c12345x") == [store["b"]]
    assert _ids(sessions, text="白石村 财务") == [store["c"]]  # every term must match
    assert _ids(sessions, text="河") == [store["b"]]  # one character
    assert _ids(sessions, text="不存在的词") == []
    assert _ids(sessions, text="  ") == []


def test_filters(sessions, store) -> None:
    assert _ids(sessions, text="白石村", unit_id=store["town"]) == [store["c"], store["a"]]
    assert _ids(sessions, text="白石村", unit_id=store["other"]) == []
    assert _ids(sessions, text="通知", unit_id=store["county"]) == [store["b"]]
    # The level known: one column, the same answers.
    assert _ids(sessions, text="白石村", unit_id=store["town"], unit_level="town") == [
        store["c"], store["a"],
    ]  # fmt: skip
    assert _ids(sessions, text="白石村", unit_id=store["village"], unit_level="village") == [
        store["c"], store["a"],
    ]  # fmt: skip
    assert _ids(sessions, text="通知", unit_id=store["county"], unit_level="county") == [store["b"]]
    assert _ids(sessions, text="通知", unit_id=store["town"], unit_level="town") == []
    assert _ids(sessions, text="白石村", category="财务公开") == [store["c"]]
    assert _ids(sessions, text="白石村", date_to=date(2026, 10, 31)) == [store["a"]]
    assert _ids(sessions, text="白石村", date_from=date(2026, 11, 1)) == [store["c"]]
    assert _ids(sessions, text="白石村", has_findings=True) == [store["c"]]
    assert _ids(sessions, text="白石村", has_findings=False) == [store["a"]]


def test_highlights_are_escaped_and_personal_data_masked(sessions, store) -> None:
    with sessions() as s:
        hit = search(s, SearchQuery(text="低保")).hits[0]
        assert hit.title_html == "白石村2026年第三季度<mark>低保</mark>对象名单公示"
        assert "11010519491231002X" not in hit.snippet_html
        assert "1101**********002X" in hit.snippet_html
        assert "13812345678" not in hit.snippet_html
        # Searching the number itself finds nothing: the index never held it.
        assert search(s, SearchQuery(text="13812345678")).hits == []
        hit = search(s, SearchQuery(text="社区）")).hits[0]
        assert "<mark>社区）</mark>" in hit.snippet_html
        removed = search(s, SearchQuery(text="财务收支")).hits[0]
        assert removed.removed_at is not None


def test_the_index_follows_the_store_writes(sessions, store) -> None:
    with sessions.begin() as s:
        s.execute(update(Item).where(Item.id == store["a"]).values(title="白石村特困供养公示"))
        s.execute(update(Item).values(last_seen=NOW))  # every crawl does: not a change
        queued = s.scalar(select(func.count()).select_from(SearchQueue))
    assert queued == 1
    assert _ids(sessions, text="低保") == [store["a"]]  # still the old document
    index_pending(sessions)
    assert _ids(sessions, text="特困供养") == [store["a"]]
    assert _ids(sessions, text="低保对象名单公示") == []
    with sessions.begin() as s:
        s.add(ItemVersion(item_id=store["b"], content_hash="b2", seen_at=NOW, text="新增条款"))
    index_pending(sessions)
    assert _ids(sessions, text="新增条款") == [store["b"]]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(SearchQueue)) == 0


def test_pages(sessions, store) -> None:
    with sessions() as s:
        first = search(s, SearchQuery(text="白石村", per_page=1))
        second = search(s, SearchQuery(text="白石村", per_page=1, page=2))
    assert first.has_more and not second.has_more
    assert [h.item_id for h in first.hits + second.hits] == [store["c"], store["a"]]


def test_short_terms_scan_only_the_newest_documents(sessions, store, monkeypatch) -> None:
    from monitor.search import query

    monkeypatch.setattr(query, "SHORT_SCAN", 1)  # the newest one in scope, then the cutoff
    with sessions() as s:
        short = search(s, SearchQuery(text="村"))
        assert short.recent_only
        assert [h.item_id for h in short.hits] == [store["c"], store["a"]]  # dates ≥ the 2nd's
        assert _ids(sessions, text="河") == []  # the oldest: beyond the bound
        full = search(s, SearchQuery(text="河道管理"))
        assert not full.recent_only and [h.item_id for h in full.hits] == [store["b"]]
    monkeypatch.setattr(query, "SHORT_SCAN", 50_000)
    with sessions() as s:
        assert not search(s, SearchQuery(text="村")).recent_only  # fewer: all searched


@pytest.mark.parametrize("many", [0, 20_000])
def test_common_and_rare_words_give_the_same_answers(sessions, store, monkeypatch, many) -> None:
    """MANY=0: every long term is a word in nearly every item (SQLite: the walk)."""
    from monitor.search import query

    monkeypatch.setattr(query, "MANY", many)
    assert _ids(sessions, text="白石村") == [store["c"], store["a"]]
    assert _ids(sessions, text="白石村 财务") == [store["c"]]  # with a short term
    assert _ids(sessions, text="白石村", category="惠民政策") == [store["a"]]  # with a filter
    assert _ids(sessions, text="云府〔2026〕12号") == [store["b"]]
    assert _ids(sessions, text="100%") == []


def test_attachment_text_is_searched_and_masked(sessions, store) -> None:
    from monitor.crawl.models import AttachmentText

    with sessions.begin() as s:
        s.add(
            AttachmentText(
                item_id=store["b"], url="http://127.0.0.1:9/b/名单.xlsx", name="名单.xlsx",
                kind="xlsx", read_at=NOW,
                parts=[{"where": {"sheet": "名单", "row": 2},
                        "text": "临时救助对象 李四 445302198001011230"}],
            )
        )  # fmt: skip
    # Written after the crawl's catch-up: the trigger queued it, the next catch-up indexes it.
    assert _ids(sessions, text="临时救助对象") == []
    index_pending(sessions)
    assert _ids(sessions, text="临时救助对象") == [store["b"]]
    with sessions() as s:
        hit = search(s, SearchQuery(text="临时救助对象")).hits[0]
        assert "445302198001011230" not in hit.snippet_html
        assert search(s, SearchQuery(text="445302198001011230")).hits == []


def test_catch_up_takes_an_items_later_queue_rows_with_it(
    sessions: sessionmaker[Session],
) -> None:
    """The crawl queues a new item twice, its insert then its first version's, a
    writer batch apart: one catch-up batch builds each document once and takes both
    rows, where it used to leave the second for a later batch to build again."""
    from monitor.search.index import catch_up
    from monitor.search.models import SearchDoc

    with sessions.begin() as s:
        unit = _unit(s, "445302001201", "白石村", "village")
        feed = Feed(unit_id=unit.id, url="http://127.0.0.1:9/a", kind="html")
        s.add(feed)
        s.flush()
        items = [
            Item(feed_id=feed.id, unit_id=unit.id, key=f"k{n}", title=f"公告{n}",
                 content_hash=f"h{n}", first_seen=NOW, last_seen=NOW)
            for n in range(5)
        ]  # fmt: skip
        s.add_all(items)
        s.flush()
        s.add_all(
            ItemVersion(item_id=i.id, content_hash=i.content_hash, seen_at=NOW, title=i.title)
            for i in items
        )
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(SearchQueue)) == 10
        assert catch_up(s, limit=5) == 10
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(SearchQueue)) == 0
        assert s.scalar(select(func.count()).select_from(SearchDoc)) == 5
