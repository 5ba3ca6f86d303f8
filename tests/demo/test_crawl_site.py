"""The real crawl reads the sample site as the scenario needs: GBK pages decoded, the
metadata table parsed, edits, deletions and backdated items seen at the right day.

Integration test: the sample site in a thread, the crawl stage of area A, SQLite.
Only the units the checks need are crawled, to stay quick.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.crawl import crawl
from monitor.demo import plan
from monitor.demo.district import prepare
from monitor.demo.model import District
from monitor.demo.site import DemoSite
from monitor.settings import CrawlSettings, Settings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker, transaction
from monitor.store.migrate import upgrade
from monitor.store.models import Feed, Item, Unit
from monitor.store.registry import import_all_models

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _store(tmp_path: Path) -> tuple[Settings, sessionmaker[Session]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        data_dir=tmp_path / "var",
        allowed_networks=["127.0.0.0/8"],
        # The site is local: no need to be polite to it.
        crawl=CrawlSettings(per_host_rate=1000.0, per_host_concurrency=8, retries=0),
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    return settings, make_sessionmaker(engine)


def _items(session: Session, code: str) -> list[Item]:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    assert unit is not None
    return list(session.scalars(select(Item).where(Item.unit_id == unit.id)))


def test_crawl_reads_what_the_scenario_needs(tmp_path: Path, district: District) -> None:
    settings, sessions = _store(tmp_path)
    gbk_bare = next(
        u.code
        for u in district.villages()
        if u.charset == "gbk" and not u.charset_in_header and u.channel == "html"
    )
    rss = next(u.code for u in district.villages() if u.channel == "rss")
    codes = [plan.YAOGU, plan.DELETES, plan.BACKDATED, gbk_bare, rss]
    with DemoSite(district) as site:
        with transaction(sessions) as session:
            prepare(session, site.base_url, district=district)
            feed_ids = list(session.scalars(select(Feed.id).join(Unit).where(Unit.code.in_(codes))))
        for day in (date(2026, 11, 16), date(2026, 11, 21)):
            site.set_today(day)
            now = datetime.combine(day, time(10), SHANGHAI)
            report = crawl(sessions, settings, feed_ids=feed_ids, now=now)
            assert report.failed == 0, report.errors

    with sessions() as session:
        # GBK with the charset only in <meta>: titles and metadata decoded.
        unit = district.units[gbk_bare]
        stored = {i.title for i in _items(session, gbk_bare)}
        assert stored == {i.title_on(date(2026, 11, 21)) for i in unit.items}
        sample = next(i for i in _items(session, gbk_bare) if i.title == unit.items[0].title)
        assert sample.meta["index_no"] == unit.items[0].index_no
        assert sample.meta["publisher"] == unit.publisher
        assert sample.formed_date == unit.items[0].formed
        assert sample.published_date == unit.items[0].published

        # The town's silent edit: two versions; the late item's dates as printed.
        town = {
            i.key.split("/", 3)[3]: i
            for i in _items(session, plan.YAOGU)
            if i.key.startswith("http")
        }
        requests = [i for i in _items(session, plan.YAOGU) if i.key.startswith("YSQ-")]
        assert len(requests) == len(district.units[plan.YAOGU].requests)
        assert all(r.meta["received"] for r in requests)
        altered = next(i for i in district.units[plan.YAOGU].items if i.edit)
        row = town[altered.path.lstrip("/")]
        assert len(row.versions) == 2
        assert row.versions[0].text != row.versions[1].text
        late = next(
            i
            for i in district.units[plan.YAOGU].items
            if (i.formed, i.published) == plan.LATE_YAOGU
        )
        late_row = town[late.path.lstrip("/")]
        assert (late_row.formed_date, late_row.published_date) == plan.LATE_YAOGU

        # Deleted after publication: marked removed at the crawl after the deletion.
        deleted = next(i for i in district.units[plan.DELETES].items if i.deleted_on)
        removed = [i for i in _items(session, plan.DELETES) if i.removed_at is not None]
        assert [i.key.endswith(deleted.path) for i in removed] == [True]

        # Backdated: first seen on the 21st while it claims the 3rd.
        claim = next(
            i for i in _items(session, plan.BACKDATED) if i.published_date == plan.BACKDATED_CLAIM
        )
        assert claim.first_seen.astimezone(SHANGHAI).date() == date(2026, 11, 21)

        # RSS: every entry stored with its category.
        rss_items = _items(session, rss)
        assert len(rss_items) == len(district.units[rss].visible_items(date(2026, 11, 21)))
        assert {i.category for i in rss_items} <= {"党务公开", "村务公开", "财务公开"}
