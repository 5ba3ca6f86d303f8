"""``monitor report annual`` drafts the template from what the monitor knows."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.annual.draft import UNKNOWN, DraftInput, Request, draft_figures
from monitor.annual.model import PROACTIVE, REQUESTS, REVIEWS
from monitor.annual.reader import read_path
from monitor.cli.main import app
from monitor.settings import Settings
from monitor.store.models import Feed, Item, Unit

CODE = "445302106000"


def test_requests_counted_from_the_feed_the_rest_unknown() -> None:
    requests = [
        Request(date(2024, 12, 20), date(2025, 1, 10)),  # carried in, handled
        Request(date(2025, 3, 1), date(2025, 3, 20)),  # received, handled
        Request(date(2025, 12, 25)),  # received, carried out
        Request(date(2026, 1, 5)),  # next year's
    ]
    figures = draft_figures(DraftInput("南盛镇", 2025, requests=requests))
    table = figures[REQUESTS]
    assert table["本年新收政府信息公开申请数量"]["总计"] == "2"
    assert table["上年结转政府信息公开申请数量"]["总计"] == "1"
    assert table["总计"]["总计"] == "2"
    assert table["结转下年度继续办理"]["总计"] == "1"
    assert table["本年新收政府信息公开申请数量"]["自然人"] == UNKNOWN  # the feed does not say
    assert table["予以公开"]["总计"] == UNKNOWN
    assert set(figures[REVIEWS]["数量"].values()) == {UNKNOWN}
    assert figures[PROACTIVE]["行政许可"]["本年处理决定数量"] == UNKNOWN


def test_applicant_and_result_when_the_feed_gives_them() -> None:
    requests = [
        Request(date(2025, 3, 1), date(2025, 3, 20), "自然人", "予以公开"),
        Request(date(2025, 4, 1), date(2025, 4, 20), "商业企业", "部分公开"),
    ]
    table = draft_figures(DraftInput("南盛镇", 2025, requests=requests))[REQUESTS]
    assert table["本年新收政府信息公开申请数量"]["商业企业"] == "1"
    assert table["予以公开"]["自然人"] == "1" and table["予以公开"]["商业企业"] == "0"
    assert table["重复申请"]["总计"] == "0"


def test_no_requests_feed_leaves_the_table_unknown() -> None:
    table = draft_figures(DraftInput("南盛镇", 2025))[REQUESTS]
    assert {v for row in table.values() for v in row.values()} == {UNKNOWN}


def _seed(session: Session) -> None:
    unit = Unit(code=CODE, name="南盛镇", level="town", kind="town")
    session.add(unit)
    session.flush()
    feed = Feed(unit_id=unit.id, url="https://gov.example/requests.json", kind="json")
    news = Feed(unit_id=unit.id, url="https://gov.example/list.html", kind="html")
    session.add_all([feed, news])
    session.flush()
    for n, (received, answered) in enumerate(
        [("2025-02-01", "2025-02-20"), ("2025-12-28", None), ("2024-12-30", "2025-01-15")]
    ):
        meta = {"received": received, "answered": answered, "type": "request"}
        session.add(
            Item(feed_id=feed.id, unit_id=unit.id, key=f"r{n}", title="申请", meta=meta,
                 content_hash="x")
        )  # fmt: skip
    session.add(
        Item(feed_id=news.id, unit_id=unit.id, key="n1", title="关于印发办法的通知",
             category="政策文件", published_date=date(2025, 5, 6), content_hash="y")
    )  # fmt: skip


@pytest.fixture
def cli_store(
    sqlite_sessions: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with sqlite_sessions() as session:
        _seed(session)
        session.commit()
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(settings.data_dir))


def _draft(tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"draft.{fmt}"
    args = ["report", "annual", "--year", "2025", "--unit", CODE, "--format", fmt, "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_docx_opens_and_holds_the_three_tables_in_chinese(cli_store: None, tmp_path: Path) -> None:
    document = docx.Document(io.BytesIO(_draft(tmp_path, "docx").read_bytes()))
    assert len(document.tables) == 3
    texts = [{c.text for row in t.rows for c in row.cells} for t in document.tables]
    assert {"规章", "行政许可", "本年制发件数"} <= texts[0]
    assert {"自然人", "商业企业", "（一）予以公开", "（七）总计"} <= texts[1]
    assert {"行政复议", "行政诉讼", "结果维持"} <= texts[2]
    assert all(UNKNOWN in t for t in texts)
    headings = [p.text for p in document.paragraphs]
    assert "三、收到和处理政府信息公开申请情况" in headings
    assert any("政策文件 1 条" in h for h in headings)
    report = read_path(tmp_path / "draft.docx")  # the audit reads its own draft back
    requests = report.tables[REQUESTS]
    assert requests.cells[("本年新收政府信息公开申请数量", "总计")].raw == "2"
    assert requests.cells[("上年结转政府信息公开申请数量", "总计")].raw == "1"
    assert requests.cells[("结转下年度继续办理", "总计")].raw == "1"


def test_xlsx_and_md(cli_store: None, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_draft(tmp_path, "xlsx"))
    assert len(book.worksheets) == 4
    md = _draft(tmp_path, "md").read_text(encoding="utf-8")
    assert "## 四、政府信息公开行政复议、行政诉讼情况" in md and UNKNOWN in md


def test_unknown_unit(cli_store: None, tmp_path: Path) -> None:
    args = ["report", "annual", "--year", "2025", "--unit", "1", "-o", str(tmp_path / "x")]
    assert CliRunner().invoke(app, args).exit_code == 2


def test_audit_command(cli_store: None) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "annual"
    good = CliRunner().invoke(app, ["report", "audit", str(fixtures / "consistent-2025.html")])
    assert good.exit_code == 0, good.output
    bad = CliRunner().invoke(
        app, ["report", "audit", str(fixtures / "town-c-2025.docx"), "--year", "2025", "--json"]
    )
    assert bad.exit_code == 1 and '"kind": "balance"' in bad.output


def test_audit_a_units_stored_reports(cli_store: None, settings: Settings) -> None:
    from sqlalchemy import select

    from monitor.store.db import make_engine, make_sessionmaker
    from monitor.store.models import AnnualReport

    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        unit = session.scalar(select(Unit).where(Unit.code == CODE))
        assert unit is not None
        audit = [{"kind": "balance", "cell": "三/四/总计", "message": "unbalanced"}]
        session.add(AnnualReport(unit_id=unit.id, year=2025, title="南盛镇2025年", audit=audit))
    engine.dispose()
    result = CliRunner().invoke(app, ["report", "audit", "--unit", CODE])
    assert result.exit_code == 1
    assert "2025  inconsistent  南盛镇2025年" in result.output and "三/四/总计" in result.output
