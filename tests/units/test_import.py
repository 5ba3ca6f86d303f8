"""Importing units and feeds into the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.models import Feed, Unit
from monitor.units import RegistryError, import_feeds, import_units, list_feeds, list_units

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "units"
DEMO_UNITS = (
    Path(__file__).resolve().parents[2] / "monitor" / "demo" / "data" / "yuncheng_units.csv"
)


def test_import_units_derives_and_links_parents(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert import_units(session, FIXTURES / "units.csv") == 5
    with sessions() as session:
        units = {u.code: u for u in list_units(session)}
        assert list(units) == sorted(units)
        village = units["445302102202"]
        assert (village.level, village.kind, village.parent.code) == (
            "village",
            "village",
            "445302102000",
        )
        community = units["445302001009"]
        assert (community.kind, community.parent.name) == ("community", "云城街道")
        assert units["445302102000"].kind == "town"
        assert units["445302000000"].parent is None


def test_import_is_an_upsert(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        import_units(session, FIXTURES / "units.csv")
        import_feeds(session, FIXTURES / "feeds.yaml")
    # Someone renamed a unit by hand: the next import puts the file's name back.
    with sessions.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "445302102000"))
        assert unit is not None
        unit.name = "旧名"
    with sessions.begin() as session:
        import_units(session, FIXTURES / "units.csv")
        assert import_feeds(session, FIXTURES / "feeds.yaml") == 2
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 5
        assert session.scalar(select(func.count()).select_from(Feed)) == 2
        assert session.scalar(select(Unit.name).where(Unit.code == "445302102000")) == "腰古镇"


def test_import_feeds_from_yaml_and_csv(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        import_units(session, FIXTURES / "units.csv")
        assert import_feeds(session, FIXTURES / "feeds.yaml") == 2
        assert import_feeds(session, FIXTURES / "feeds.csv") == 2
    with sessions() as session:
        feeds = {f.url: f for f in list_feeds(session)}
        html = feeds["https://www.yunfu.gov.cn/ygx/yaogu/list.html"]
        assert html.unit.code == "445302102000"
        assert html.options == {
            "item": "ul.list li",
            "link": "a",
            "date": "span.date",
            "next": "a.next",
        }
        assert (html.kind, html.category, html.interval_minutes) == ("html", "政策文件", 120)
        rss = feeds["https://sw.example.cn/shuidong/rss.xml"]
        assert (rss.kind, rss.options, rss.interval_minutes) == ("rss", {}, 360)
        js = feeds["https://www.yunfu.gov.cn/yc/xy/requests.json"]
        assert js.options["fields"] == {"key": "id", "title": "title"}
        assert [f.url for f in list_feeds(session, "445302001000")] == [
            "https://www.yunfu.gov.cn/yc/list.html"
        ]


BAD_FILES = [
    ("units_bad_level.csv", None, r"units_bad_level.csv:3: level 'village' contradicts code"),
    ("units_bad_code.csv", None, r"units_bad_code.csv:3: code '44530210200' is not a 6-"),
    ("units_orphan.csv", None, r"units_orphan.csv:3: parent 445302199000 of 445302199201"),
    ("units.csv", "feeds_bad.yaml", r"feeds_bad.yaml:5: url: url 'ftp:"),
    ("units.csv", "feeds_unknown_unit.csv", r"feeds_unknown_unit.csv:3: unit 445302999000 is"),
    (
        "units.csv",
        "feeds_bad_options.csv",
        r"feeds_bad_options.csv:2: options: options is not valid JSON",
    ),
]


def test_bad_rows_name_file_and_line(sessions: sessionmaker[Session]) -> None:
    # One database for all cases (creating one per case is slow on PostgreSQL).
    for units_file, feeds_file, message in BAD_FILES:
        with pytest.raises(RegistryError, match=message), sessions.begin() as session:
            import_units(session, FIXTURES / units_file)
            if feeds_file:
                import_feeds(session, FIXTURES / feeds_file)
        # The failed transaction left nothing behind.
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Unit)) == 0, units_file


def test_demo_district_imports_whole(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert import_units(session, DEMO_UNITS) == 132
    with sessions() as session:
        towns = list_units(session, "445302", recursive=False)
        assert [t.name for t in towns] == [
            "云城街道",
            "高峰街道",
            "河口街道",
            "安塘街道",
            "腰古镇",
            "思劳镇",
            "前锋镇",
            "南盛镇",
        ]
        assert len(list_units(session, "445302")) == 131
        assert {u.kind for u in list_units(session, "445302106000")} == {"village", "community"}
        with pytest.raises(LookupError):
            list_units(session, "445302999000")
