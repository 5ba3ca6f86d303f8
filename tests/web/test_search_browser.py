"""Searching the demo in real headless Chromium: the sample site crawled (three
units), the index filled by the crawl itself; a village name, a category word (低保,
two characters) and a 文号 find the right items with highlights, and the API answers
the same items. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.crawl import crawl
from monitor.demo import plan
from monitor.demo.district import prepare
from monitor.demo.generate import generate_district
from monitor.demo.site import DemoSite
from monitor.settings import CrawlSettings, Settings
from monitor.store.base import Base
from monitor.store.db import make_engine, make_sessionmaker, transaction
from monitor.store.migrate import upgrade
from monitor.store.models import Feed, Unit
from monitor.store.registry import import_all_models
from monitor.web import create_app
from tests.conftest import TEST_SECRET_KEY
from tests.web.test_browser import CHROMIUM, base_url, browser, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CODES = (plan.LEAKS, plan.MASKED[0], plan.YAOGU)
FULL_ID = re.compile(r"\d{17}[\dX]")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Settings, object]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        data_dir=tmp_path / "var",
        allowed_networks=["127.0.0.0/8"],
        secret_key=TEST_SECRET_KEY,
        crawl=CrawlSettings(per_host_rate=1000.0, per_host_concurrency=8, retries=0),
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    import_all_models()
    Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    district = generate_district()
    with DemoSite(district) as site:
        with transaction(sessions) as session:
            prepare(session, site.base_url, district=district)
            feeds = list(session.scalars(select(Feed.id).join(Unit).where(Unit.code.in_(CODES))))
        site.set_today(date(2026, 11, 21))
        now = datetime.combine(date(2026, 11, 21), time(10), SHANGHAI)
        report = crawl(sessions, settings, feed_ids=feeds, now=now)
        assert report.failed == 0, report.errors
    yield settings, sessions
    engine.dispose()


@pytest.fixture
def app(demo):
    settings, sessions = demo
    return create_app(settings, sessions)


def _search(page, base: str, query: str) -> list[str]:
    page.goto(base + "/")
    box = page.locator("form.search-box input[name=q]")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    return page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.item)")


def _api(app, query: str) -> list[str]:
    with TestClient(app) as client:
        items = client.get("/api/v1/search", params={"q": query, "per_page": 20}).json()["items"]
    return [str(h["item_id"]) for h in items]


def test_search_the_demo_in_a_browser(base_url, browser, app, demo):  # noqa: F811
    district = generate_district()
    village = district.units[plan.MASKED[0]].name
    doc_no = next(i.doc_no for i in district.units[plan.YAOGU].items if i.doc_no)
    page = browser.new_page(viewport={"width": 1200, "height": 900})

    found = _search(page, base_url, village)
    assert found and found == _api(app, village)
    marks = page.locator("li.hit h3 mark").all_inner_texts()
    assert marks and set(marks) == {village}
    shot(page, "search-village")

    found = _search(page, base_url, "低保")  # two characters: below the trigram
    assert found == _api(app, "低保")
    titles = page.locator("li.hit h3").all_inner_texts()
    assert any(district.units[plan.LEAKS].name in t and "低保" in t for t in titles)
    assert any(village in t for t in titles)
    assert "低保" in page.locator("li.hit mark").all_inner_texts()
    assert not FULL_ID.search(page.locator("ol.hits").inner_text())  # masked in snippets
    shot(page, "search-dibao")

    found = _search(page, base_url, doc_no)
    assert len(found) >= 1 and found == _api(app, doc_no)
    assert doc_no in page.locator("li.hit .snippet mark").all_inner_texts()
    shot(page, "search-doc-no")
