"""A county whose answers we know, crawled and judged end to end: each intended
problem of ``tests/scenario/county.py`` is found, nothing else is (zero unexpected
findings, zero misses), units that were never read are not scored, and the public
report links to no page that still carries personal data.

Real parts: the county served over HTTP on 127.0.0.1 (the demo's site), the registry
imports, the crawl, the rules on the working-day calendar, scoring, alerts, the public
web pages, the CLI summary; a SQLite store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo.run import crawl_moment, demo_settings
from monitor.demo.site import DemoSite
from monitor.pipeline import run_cycle, score_periods
from monitor.scoring import load_scheme, score_rows, scores_as_of
from monitor.settings import Settings
from monitor.store import migrate
from monitor.store.db import make_engine, make_sessionmaker, transaction
from monitor.store.models import Finding, Unit
from monitor.summary import build_summary, render_text
from monitor.units import RegistryError, import_feeds, import_units
from monitor.web.app import create_app
from tests.scenario import county as plan

pytestmark = pytest.mark.slow


@dataclass
class Run:
    county: plan.County
    sessions: sessionmaker[Session]
    settings: Settings
    base_url: str


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("county")
    county = plan.build_county()
    settings = demo_settings(
        Settings(database_url=f"sqlite:///{tmp / 'monitor.db'}", data_dir=tmp / "var")
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    units_csv = tmp / "units.csv"
    units_csv.write_text(county.units_csv(), encoding="utf-8")
    with DemoSite(county.district, today=plan.CRAWL_DAYS[0]) as site:
        feeds = tmp / "feeds.yaml"
        feeds.write_text(
            yaml.safe_dump({"feeds": county.feeds(site.base_url)}, allow_unicode=True),
            encoding="utf-8",
        )
        with transaction(sessions) as session:
            import_units(session, units_csv)
            import_feeds(session, feeds)
        for day in plan.CRAWL_DAYS:
            site.set_today(day)
            report = run_cycle(sessions, settings, now=crawl_moment(day, settings.timezone))
            assert not (report.evaluate and report.evaluate.errors), report.evaluate.errors
        return Run(county, sessions, settings, site.base_url)


def _open(run: Run) -> dict[tuple[str, str, str, str], str]:
    with run.sessions() as session:
        rows = session.execute(
            select(Finding.rule_id, Unit.code, Finding.period, Finding.subject, Finding.message)
            .join(Unit, Unit.id == Finding.unit_id)
            .where(Finding.status == "open", Finding.assessable)
        ).all()
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows}


def test_every_intended_problem_found_and_nothing_else(run: Run) -> None:
    found = _open(run)
    expected = {e.on(run.base_url): e for e in run.county.expected}
    misses = [expected[k] for k in sorted(set(expected) - set(found))]
    unexpected = [f"{k}: {found[k]}" for k in sorted(set(found) - set(expected))]
    assert misses == [], "\n".join(map(str, misses))
    assert unexpected == [], "\n".join(unexpected)


def test_no_trap_is_sprung(run: Run) -> None:
    found = _open(run)
    sprung = [t for t in run.county.traps if t.on(run.base_url) in found]
    assert sprung == []
    # The traps name real rules and units.
    assert {t.unit_code for t in run.county.traps} <= {c for c, *_ in plan.UNITS}


def test_missing_month_says_august(run: Run) -> None:
    found = _open(run)
    key = ("completeness.periodic_series", plan.NO_AUGUST, "2026", "series:财务:2026-08")
    assert "2026-08" in found[key]


def test_units_never_read_are_not_scored(run: Run) -> None:
    scheme = load_scheme()
    with run.sessions() as session:
        codes = {u.id: u.code for u in session.scalars(select(Unit))}
        for period in ("2026-11", "2026-Q4"):
            totals = {
                codes[s.unit_id]: s
                for s in scores_as_of(session, period=period)
                if s.indicator == "total"
            }
            statuses = {code: s.status for code, s in totals.items()}
            assert statuses == run.county.statuses, period
            for code, row in totals.items():
                assert (row.value is None) == (row.status != "scored"), code
            rows = score_rows(session, list(totals.values()), scheme.pass_line)
            unscored = {r["unit_code"]: r for r in rows if r["status"] != "scored"}
            assert set(unscored) == {plan.NO_FEED, plan.MISTYPED, plan.GONE_TOWN}
            assert all(r["passed"] is None and r["value"] is None for r in unscored.values())
        # The town's roll-up leaves its unmonitored villages out of the mean.
        town = next(
            s
            for s in scores_as_of(session, period="2026-11")
            if codes[s.unit_id] == plan.TOWN and s.indicator == "total"
        )
        [rollup] = [e for e in town.explanation if e.get("kind") == "rollup"]
        assert {c["unit"] for c in rollup["children"]}.isdisjoint({plan.NO_FEED, plan.MISTYPED})
        assert {c["unit"] for c in rollup["not_scored"]} == {plan.NO_FEED, plan.MISTYPED}


def test_public_report_shows_coverage_and_links_no_leak(run: Run) -> None:
    leaking = [run.base_url + path for path in run.county.leaks]
    assert leaking
    client = TestClient(create_app(run.settings, run.sessions))
    with run.sessions() as session:
        units = {u.code: u.id for u in session.scalars(select(Unit))}
    pages = ["/", "/?period=2026-11", f"/?period=2026-11&parent={units[plan.TOWN]}"]
    pages += [f"/units/{code}?period=2026-11" for code in units]
    pages += [f"/units/{plan.LEAKS}/{t}.csv?period=2026-11" for t in ("findings", "history")]
    pages += [f"/export/units.csv?period=2026-11&parent={units[plan.TOWN]}"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        hrefs = re.findall(r'href="([^"]+)"', response.text)
        for url in leaking:
            assert url not in response.text, page
            assert not any(url in h for h in hrefs), page
    town_page = client.get(f"/?period=2026-11&parent={units[plan.TOWN]}").text
    assert "not monitored" in town_page
    report = client.get("/?period=2026-11").text
    assert "not assessable" in report
    assert re.search(r"Monitored: <strong>6</strong> of 9", report)
    gone = client.get(f"/units/{plan.GONE_TOWN}?period=2026-11").text
    assert "not assessable" in gone and "availability.channel_gone" in gone
    leak_page = client.get(f"/units/{plan.LEAKS}?period=2026-11").text
    assert "privacy.personal_data" in leak_page and "link withheld" in leak_page
    assert re.search(r"\d{4}\*{10}[\dX]{4}", leak_page)  # the masked value, no more
    # The same report in Chinese (?lang= is then remembered in a cookie).
    chinese = client.get("/?period=2026-11&lang=zh_CN").text
    assert "无法评估" in chinese and re.search(
        r"已监测：\s*<strong>6</strong> 个，共 9 个", chinese
    )


def test_cli_summary_counts_the_monitored(run: Run) -> None:
    with run.sessions() as session:
        [month] = [p for p in score_periods(crawl_moment(plan.AS_OF, "Asia/Shanghai"))][:1]
        text = render_text(build_summary(session, month))
    assert "Monitored: 6 of 9 towns and villages" in text
    assert "not monitored (no feed): 2" in text and "not assessable" in text
    assert f"{plan.GONE_TOWN}  石岭镇: not assessable" in text


def test_a_feed_for_a_unit_that_does_not_exist_is_refused(run: Run, tmp_path: Path) -> None:
    feeds = tmp_path / "typo.yaml"
    feeds.write_text(
        yaml.safe_dump(
            {"feeds": [{"unit_code": "445399101206", "url": run.base_url + "/x", "kind": "html"}]}
        ),
        encoding="utf-8",
    )
    with run.sessions() as session, pytest.raises(RegistryError, match="445399101206"):
        import_feeds(session, feeds)
