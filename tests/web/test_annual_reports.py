"""The unit page lists the unit's annual reports with their audit; the report's table
and its export carry the latest one's result."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from monitor.store.models import AnnualReport
from tests.web.seed import Seeded

AUDIT = [
    {
        "kind": "balance",
        "section": "收到和处理政府信息公开申请情况",
        "row": "结转下年度继续办理",
        "column": "总计",
        "cell": "收到和处理政府信息公开申请情况/结转下年度继续办理/总计",
        "message": "新收 + 上年结转 = 19, 办理结果总计 + 结转下年度 = 20",
        "expected": "3",
        "found": "4",
    }
]


def _add(web_sessions, unit_id: int, year: int, audit: list, error: str | None = None) -> None:
    with web_sessions() as session, session.begin():
        session.add(
            AnnualReport(
                unit_id=unit_id,
                year=year,
                url=f"https://gov.example/{year}.docx",
                title=f"东城镇{year}年政府信息公开工作年度报告",
                audit=audit,
                read_error=error,
                read_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )


def test_unit_page_lists_reports_with_their_audit(client, web_sessions, seeded: Seeded):
    _add(web_sessions, seeded.ids["east"], 2025, AUDIT)
    _add(web_sessions, seeded.ids["east"], 2024, [])
    html = client.get("/units/330101001000?period=2026-11").text
    section = html.split('id="annual-reports"', 1)[1].split("</section>", 1)[0]
    assert "东城镇2025年政府信息公开工作年度报告" in section
    assert "1 inconsistencies" in section and "结转下年度继续办理/总计" in section
    assert "consistent" in section  # 2024's
    assert section.index("2025") < section.index("2024")


def test_a_unit_without_reports_says_so(client, seeded: Seeded):
    html = client.get("/units/330101002000?period=2026-11").text
    assert "No annual report read yet." in html


def test_report_table_and_export_carry_the_latest_result(client, web_sessions, seeded: Seeded):
    _add(web_sessions, seeded.ids["east"], 2025, AUDIT)
    _add(web_sessions, seeded.ids["west"], 2025, [], error="no table of the national template")
    html = client.get("/?period=2026-11").text
    assert "Annual report" in html
    assert "2025: 1 inconsistencies 不一致" in html and "2025: not readable" in html
    body = client.get("/export/units.csv?period=2026-11").text
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
    assert rows["330101001000"]["annual_report"] == "2025: 1 inconsistencies 不一致"


def test_api_unit_carries_its_annual_reports(client, web_sessions, seeded: Seeded):
    _add(web_sessions, seeded.ids["east"], 2025, AUDIT)
    headers = {"Authorization": f"Bearer {seeded.tokens['assess']}"}
    body = client.get("/api/v1/units/330101001000", headers=headers).json()
    (report,) = body["annual_reports"]
    assert (report["year"], report["status"], report["inconsistencies"]) == (
        2025,
        "inconsistent",
        1,
    )
    assert report["audit"][0]["cell"].endswith("结转下年度继续办理/总计")
