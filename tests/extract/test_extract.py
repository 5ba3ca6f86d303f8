from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.extract import Limits, extract, kind_of

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"


def read(name: str, limits: Limits | None = None):
    return extract((FILES / name).read_bytes(), name, limits)


def test_xlsx_rows_keep_their_sheet_and_cells() -> None:
    result = read("dibao.xlsx")
    assert result.not_read is None
    row = next(p for p in result.parts if "110101199003077571" in p.text)
    assert row.where == {"sheet": "低保名单", "row": 2}
    assert row.text.split("\t") == ["1", "张三", "110101199003077571", "2人"]
    assert any(p.where["sheet"] == "说明" for p in result.parts)


def test_text_pdf_is_read_by_page() -> None:
    result = read("dibao.pdf")
    assert result.not_read is None
    assert [p.where for p in result.parts] == [{"page": 1}]
    assert "440301198506123413" in result.parts[0].text


def test_gbk_csv_is_decoded() -> None:
    result = read("jiuzhu_gbk.csv")
    assert result.parts[1].text == "王五\t320102197809235627\t300元"
    assert result.parts[0].text.startswith("姓名")


def test_docx_paragraphs_and_table_rows() -> None:
    result = read("jiuzhu.docx")
    assert result.parts[0].where == {"paragraphs": True}
    row = next(p for p in result.parts if p.where.get("table") == 1 and p.where["row"] == 2)
    assert row.text == "赵六\t510107199201312088\t500元"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_picture_is_read_by_ocr() -> None:
    result = read("scan.png")
    assert result.not_read is None
    assert "110101199003077571" in result.parts[0].text


def test_picture_without_tesseract_says_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.extract.ocr.shutil.which", lambda name: None)
    result = read("scan.png")
    assert result.parts == [] and result.not_read == "image: tesseract is not installed"


def test_zip_bomb_is_refused_before_unpacking() -> None:
    result = read("bomb.xlsx")
    assert result.parts == []
    assert result.not_read is not None and result.not_read.startswith("too large")


def test_text_past_the_limit_is_cut_and_says_so() -> None:
    result = read("dibao.xlsx", Limits(max_chars=10))
    assert result.truncated and result.chars == 10


def test_damaged_and_unknown_files_say_why() -> None:
    assert extract(b"PK\x03\x04broken", "a.xlsx").not_read.startswith("damaged")
    assert extract(b"%PDF-1.4 junk", "a.pdf").not_read.startswith("damaged")
    assert extract(b"????", "a.bin").not_read == "not supported: unknown file type"


def test_kind_from_name_query_or_first_bytes() -> None:
    assert kind_of("https://x.gov.cn/f/名单.XLSX") == "xlsx"
    assert kind_of("https://x.gov.cn/downfile.jsp?filename=a.pdf") == "pdf"
    assert kind_of("https://x.gov.cn/download?id=3", b"%PDF-1.7") == "pdf"
    assert kind_of("https://x.gov.cn/download?id=3", b"\xd0\xcf\x11\xe0") is None


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword is not installed")
def test_doc_that_is_no_word_file_says_damaged() -> None:
    assert extract(b"not a word file" * 100, "a.doc").not_read.startswith("damaged")


@pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
    reason="tesseract or pdftoppm is not installed",
)
def test_image_only_pdf_page_is_read_by_ocr() -> None:
    result = read("scan.pdf")
    assert result.not_read is None
    assert result.parts[0].where == {"page": 1, "ocr": True}
    assert "110101199003077571" in result.parts[0].text


def test_image_only_pdf_without_tesseract_says_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.extract.ocr.shutil.which", lambda name: None)
    result = read("scan.pdf")
    assert result.parts == []
    assert result.not_read is not None and result.not_read.startswith("image: pages 1 have no text")


def test_xls_rows_keep_their_sheet() -> None:
    result = read("dibao.xls")
    assert result.not_read is None and result.kind == "xls"
    assert result.parts[1].where == {"sheet": "名单", "row": 2}
    assert result.parts[1].text == "孙七\t女\t440301198506123413"


def test_encrypted_pdf_says_encrypted() -> None:
    result = read("locked.pdf")
    assert result.parts == [] and result.not_read == "encrypted"
