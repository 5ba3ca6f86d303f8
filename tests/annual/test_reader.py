"""The reader turns each layout (HTML page, .docx, .xlsx) into the same figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from monitor.annual.model import PROACTIVE, REQUESTS, REVIEWS, SECTIONS
from monitor.annual.reader import parse_cell, read_bytes, read_path, sniff_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "annual"


@pytest.mark.parametrize("name", ["consistent-2025.html", "town-c-2025.docx", "town-d-2025.xlsx"])
def test_reads_the_three_tables_and_six_sections(name: str) -> None:
    report = read_path(FIXTURES / name)
    assert report.year == 2025
    assert report.sections == {heading for _, heading, _ in SECTIONS}
    requests = report.tables[REQUESTS]
    assert requests.value("本年新收政府信息公开申请数量", "自然人") == Decimal(12)
    assert requests.value("予以公开", "法律服务机构") == Decimal(1)
    assert len(requests.rows()) == 25
    assert report.tables[REVIEWS].value("数量", "行政复议·结果维持") == Decimal(1)
    assert report.tables[PROACTIVE].value("行政处罚", "本年处理决定数量") == Decimal(4)


def test_the_three_formats_read_alike() -> None:
    html = read_path(FIXTURES / "consistent-2025.html").figures()
    docx = read_path(FIXTURES / "previous-2024.docx").figures()
    assert html.keys() == docx.keys()
    assert html[REQUESTS].keys() == docx[REQUESTS].keys()


def test_a_page_with_rowspans_as_published() -> None:
    page = """<html><head><title>某街道2025年政府信息公开工作年度报告</title></head><body>
    <p>一、总体情况</p><table>
    <tr><td colspan=3 rowspan=3>说明</td><td colspan=7>申请人情况</td></tr>
    <tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>
    <tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
    <tr><td colspan=3>一、本年新收政府信息公开申请数量</td>
        <td>3</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>4</td></tr>
    <tr><td rowspan=2>三、本年度办理结果</td><td rowspan=1>（六）其他处理</td><td>3.其他</td>
        <td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
    <tr><td colspan=2>（七）总计</td>
        <td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
    </table></body></html>""".encode()
    report = read_bytes(page)
    table = report.tables[REQUESTS]
    assert report.year == 2025 and report.sections == {"总体情况"}
    assert table.value("其他", "总计") == Decimal(1)
    assert table.value("总计", "自然人") == Decimal(1)


def test_cells() -> None:
    assert parse_cell("1,234").value == Decimal(1234)
    assert parse_cell("-4").value == Decimal(-4)
    assert parse_cell("").blank and parse_cell("—").value is None
    assert parse_cell("若干").value is None and not parse_cell("若干").blank


def test_sniffs_the_format() -> None:
    assert sniff_format((FIXTURES / "town-d-2025.xlsx").read_bytes()) == "xlsx"
    assert sniff_format((FIXTURES / "town-c-2025.docx").read_bytes()) == "docx"
    assert sniff_format(b"<html></html>") == "html"


def test_the_2019_layout() -> None:
    report = read_path(FIXTURES / "layout-2019-2025.html")
    proactive = report.tables[PROACTIVE]
    assert proactive.value("行政规范性文件", "对外公开总数量") == Decimal(5)  # 规范性文件
    assert proactive.value("政府集中采购", "采购总金额") == Decimal("12.5")
    assert report.tables[REQUESTS].value("其他处理", "总计") == Decimal(0)


def test_a_gbk_page_decoded_by_its_charset() -> None:
    page = (FIXTURES / "consistent-2025.html").read_text(encoding="utf-8")
    page = page.replace("<meta charset='utf-8'>", "")
    report = read_bytes(page.encode("gb18030"), "", "text/html; charset=GBK")
    assert report.year == 2025 and len(report.tables) == 3


def test_report_tables_inside_a_layout_table() -> None:
    page = (FIXTURES / "consistent-2025.html").read_text(encoding="utf-8")
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    wrapped = page.replace(body, f"<table><tr><td>{body}</td></tr></table>")
    report = read_bytes(wrapped.encode("utf-8"))
    assert len(report.tables) == 3 and len(report.sections) == 6


def test_full_width_digits() -> None:
    assert parse_cell("１２").value == Decimal(12)
    assert parse_cell("1，234").value == Decimal(1234)
