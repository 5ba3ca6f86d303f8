from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import CrawlSettings, Settings
from monitor.store.models import Feed, Unit
from tests.fetch.servers import Site, ThreadServer

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


@pytest.fixture
def crawl_settings(settings: Settings) -> Settings:
    crawl = CrawlSettings(
        per_host_rate=0, retries=0, connect_timeout=2, read_timeout=2, total_timeout=5
    )
    return settings.model_copy(update={"crawl": crawl})


@pytest.fixture
def site() -> Iterator[tuple[Site, ThreadServer]]:
    s = Site()
    with ThreadServer(s.app()) as server:
        yield s, server


def add_feed(
    sessions: sessionmaker[Session], url: str, kind: str, options: dict | None = None, **kw
) -> tuple[int, int]:
    with sessions() as session, session.begin():
        unit = session.query(Unit).filter_by(code="445302100001").one_or_none()
        if unit is None:
            unit = Unit(code="445302100001", name="和平村", level="village", kind="village")
            session.add(unit)
            session.flush()
        feed = Feed(unit_id=unit.id, url=url, kind=kind, options=options or {}, **kw)
        session.add(feed)
        session.flush()
        return unit.id, feed.id
