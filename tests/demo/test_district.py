"""Registering the sample district against a running site, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo import plan
from monitor.demo.district import feed_rows, prepare
from monitor.demo.model import District
from monitor.store.models import Feed, Unit
from monitor.units import list_feeds, list_units


def test_prepare_imports_units_and_feeds(
    sessions: sessionmaker[Session], district: District, tmp_path: Path
) -> None:
    feeds_file = tmp_path / "feeds.yaml"
    with sessions.begin() as session:
        prepare(session, "http://127.0.0.1:8765/", district=district, feeds_path=feeds_file)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 132
        feeds = list_feeds(session)
        # 8 towns × (5 columns + requests) + one channel per village.
        assert len(feeds) == 8 * 6 + 123
        by_url = {f.url: f for f in feeds}
        news = by_url[f"http://127.0.0.1:8765/u/{plan.QIANFENG}/gzdt/list.html"]
        assert (news.kind, news.category, news.options["column"]) == ("html", "工作动态", "news")
        assert news.options["item"] == "ul.list > li"
        requests = by_url[f"http://127.0.0.1:8765/u/{plan.SILAO}/requests.json"]
        assert requests.kind == "json"
        assert requests.options["fields"]["answered"] == "answered"
        kinds = {f.kind for f in feeds if f.unit.level == "village"}
        assert kinds == {"html", "rss"}
        assert [u.name for u in list_units(session, plan.COUNTY, recursive=False)][:2] == [
            "云城街道",
            "高峰街道",
        ]
    kept = yaml.safe_load(feeds_file.read_text(encoding="utf-8"))
    assert len(kept["feeds"]) == 171


def test_prepare_again_on_a_new_port_moves_the_feeds(
    sessions: sessionmaker[Session], district: District
) -> None:
    with sessions.begin() as session:
        prepare(session, "http://127.0.0.1:8765", district=district)
        first_ids = {f.url.split("8765", 1)[1]: f.id for f in list_feeds(session)}
    with sessions.begin() as session:
        prepare(session, "http://127.0.0.1:9876", district=district)
    with sessions() as session:
        feeds = list_feeds(session)
        assert len(feeds) == 171
        assert all(f.url.startswith("http://127.0.0.1:9876/u/") for f in feeds)
        assert {f.url.split("9876", 1)[1]: f.id for f in feeds} == first_ids
        assert session.scalar(select(func.count()).select_from(Feed)) == 171


def test_feed_rows_match_the_site_routes(district: District) -> None:
    rows = feed_rows(district, "http://x")
    assert len({r["url"] for r in rows}) == len(rows)
    rss = [r for r in rows if r["kind"] == "rss"]
    assert rss and all(r["url"].endswith("/rss.xml") for r in rss)
    assert {r["unit_code"] for r in rows} == set(district.units) - {plan.COUNTY}
