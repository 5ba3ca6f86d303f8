"""Annual reports found among the items, read from their page or attachment, audited,
and judged by the rule in the evaluate stage."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.annual.find import candidate_urls, report_year
from monitor.annual.sync import sync_annual_reports
from monitor.evaluate import evaluate
from monitor.settings import Settings
from monitor.store.models import AnnualReport, Feed, Finding, Item, Unit
from rules.api import Period

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "annual"
NOW = datetime(2026, 3, 1, 4, tzinfo=UTC)


def test_report_year_from_title_or_publication() -> None:
    assert report_year("某镇2025年政府信息公开工作年度报告", None) == 2025
    assert report_year("某镇政府信息公开工作年度报告", date(2026, 1, 20)) == 2025
    assert report_year("某镇2025年工作总结", date(2026, 1, 20)) is None


def test_candidate_urls_page_then_table_attachments() -> None:
    attachments = [
        {"url": "https://a/x.pdf", "name": "x.pdf"},
        {"url": "https://a/r.docx", "name": "报告"},
        {"url": "https://a/down.jsp?id=1", "name": "统计表.xlsx"},
    ]
    assert candidate_urls("https://a/p.html", attachments) == [
        "https://a/p.html",
        "https://a/r.docx",
        "https://a/down.jsp?id=1",
    ]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    root.mkdir()
    for name in ("town-c-2025.docx", "consistent-2025.html", "previous-2024.docx"):
        (root / name).write_bytes((FIXTURES / name).read_bytes())
    (root / "detail.html").write_text(
        "<html><head><meta charset='utf-8'></head><body><p>见附件。</p>"
        "<a href='town-c-2025.docx'>附件</a></body></html>",
        encoding="utf-8",
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _seed(session: Session, base: str) -> dict[str, int]:
    towns = [
        Unit(code="445302106000", name="南盛镇", level="town", kind="town"),
        Unit(code="445302105000", name="前锋镇", level="town", kind="town"),
    ]
    session.add_all(towns)
    session.flush()
    feeds = [Feed(unit_id=u.id, url=f"{base}/list-{u.code}.html", kind="html") for u in towns]
    session.add_all(feeds)
    session.flush()
    inconsistent, consistent = towns
    items = [
        Item(feed_id=feeds[0].id, unit_id=inconsistent.id, key="a", content_hash="a",
             title="南盛镇2025年政府信息公开工作年度报告", url=f"{base}/detail.html",
             published_date=date(2026, 1, 20),
             attachments=[{"url": f"{base}/town-c-2025.docx", "name": "附件"}]),
        Item(feed_id=feeds[1].id, unit_id=consistent.id, key="b", content_hash="b",
             title="前锋镇2025年政府信息公开工作年度报告", url=f"{base}/consistent-2025.html",
             published_date=date(2026, 1, 22)),
        Item(feed_id=feeds[1].id, unit_id=consistent.id, key="c", content_hash="c",
             title="前锋镇2024年政府信息公开工作年度报告", url=f"{base}/missing.html",
             published_date=date(2025, 1, 22),
             attachments=[{"url": f"{base}/previous-2024.docx", "name": "2024.docx"}]),
        Item(feed_id=feeds[1].id, unit_id=consistent.id, key="d", content_hash="d",
             title="前锋镇召开年度报告会", url=f"{base}/nothing.html"),
    ]  # fmt: skip
    session.add_all(items)
    return {"inconsistent": inconsistent.id, "consistent": consistent.id}


def test_sync_reads_audits_and_the_rule_reports(
    sqlite_sessions: sessionmaker[Session], settings: Settings, site: str
) -> None:
    with sqlite_sessions() as session, session.begin():
        ids = _seed(session, site)
    with sqlite_sessions() as session, session.begin():
        result = sync_annual_reports(session, settings, now=NOW)
    assert (result.found, result.read, result.unreadable) == (3, 3, 0)
    with sqlite_sessions() as session:
        rows = {(r.unit_id, r.year): r for r in session.scalars(select(AnnualReport))}
        bad = rows[(ids["inconsistent"], 2025)]
        assert bad.url.endswith("town-c-2025.docx") and bad.source_format == "docx"
        assert bad.evidence_id is not None
        assert {a["kind"] for a in bad.audit} == {"cell_blank", "balance", "review_total"}
        assert rows[(ids["consistent"], 2025)].audit == []  # carried over from 2024's
        assert rows[(ids["consistent"], 2024)].url.endswith("previous-2024.docx")
    with sqlite_sessions() as session, session.begin():
        again = sync_annual_reports(session, settings, now=NOW)
        assert again.found == 0  # already read from the same items
        evaluate(session, settings, as_of=NOW, periods=[Period.parse("2026")])
    with sqlite_sessions() as session:
        findings = session.scalars(
            select(Finding).where(Finding.rule_id == "completeness.annual_report_consistency")
        ).all()
    assert {f.unit_id for f in findings} == {ids["inconsistent"]}
    assert len(findings) == 4
    assert all(f.evidence["cell"] and f.evidence["evidence_id"] for f in findings)


def test_unreadable_retried_after_a_week_and_the_newest_item_wins(
    sqlite_sessions: sessionmaker[Session], settings: Settings, site: str
) -> None:
    from datetime import timedelta

    with sqlite_sessions() as session, session.begin():
        ids = _seed(session, site)
        feed = session.scalar(select(Feed).where(Feed.unit_id == ids["consistent"]))
        assert feed is not None
        for key, day in (("old", date(2024, 1, 5)), ("new", date(2024, 1, 9))):
            session.add(
                Item(feed_id=feed.id, unit_id=ids["consistent"], key=key, content_hash=key,
                     title="前锋镇2023年政府信息公开工作年度报告", url=f"{site}/{key}.html",
                     published_date=day)
            )  # fmt: skip
    with sqlite_sessions() as session, session.begin():
        assert sync_annual_reports(session, settings, now=NOW).unreadable == 1
        row = session.scalar(select(AnnualReport).where(AnnualReport.year == 2023))
        assert row is not None and row.url is None and "new.html" in (row.read_error or "")
    with sqlite_sessions() as session, session.begin():
        assert sync_annual_reports(session, settings, now=NOW + timedelta(days=1)).found == 0
        assert sync_annual_reports(session, settings, now=NOW + timedelta(days=8)).found == 1
