"""Read an annual report (HTML page, .docx or .xlsx) into :class:`AnnualReport`.

Each format is first turned into a :class:`RawDocument`: the title, the lines of text
(where the section headings are) and the tables as rows of cell texts. Interpreting a
raw document is format-free: a table is recognised by its headers (自然人 …, 行政复议 …,
第二十条 …), a row by its label, and the figures are the row's last cells.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from monitor.annual.model import (
    OTHER_GROUP,
    PROACTIVE,
    PROACTIVE_ALIASES,
    PROACTIVE_EXTRA,
    PROACTIVE_ROWS,
    REQUEST_COLUMNS,
    REQUEST_RESULT_ROWS,
    REQUESTS,
    REVIEW_COLUMNS,
    REVIEW_ROW,
    REVIEWS,
    SECTIONS,
    AnnualReport,
    Cell,
    Table,
)
from monitor.fetch.encoding import decode_body

__all__ = ["RawDocument", "from_figures", "interpret", "read_bytes", "read_path", "sniff_format"]

Grid = list[list[str]]


@dataclass
class RawDocument:
    title: str = ""
    lines: list[str] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    source: str = ""


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


# --- formats -------------------------------------------------------------------------


def raw_from_html(data: bytes | str, content_type: str | None = None) -> RawDocument:
    from lxml import html as lxml_html

    text = data if isinstance(data, str) else decode_body(data, content_type).text
    root = lxml_html.fromstring(text)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    grids = []
    # Leaf tables: old portals wrap the whole article in layout tables.
    for table in root.xpath("//table[not(.//table)]"):
        grid = [
            [_clean(cell.text_content()) for cell in tr.xpath("./th|./td")]
            for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
        ]
        grids.append([row for row in grid if row])
        table.drop_tree()
    title = _clean(" ".join(root.xpath("//title//text()") or root.xpath("//h1//text()")))
    lines = [_clean(t) for t in root.xpath("//body//text()") if _clean(t)]
    return RawDocument(title, lines, grids, "html")


def _docx_row(row: object) -> list[str]:
    # python-docx repeats a horizontally merged cell: keep it once, as HTML would.
    out: list[str] = []
    last = None
    for cell in row.cells:  # type: ignore[attr-defined]
        if cell._tc is last:
            continue
        last = cell._tc
        out.append(_clean(cell.text))
    return out


def raw_from_docx(data: bytes) -> RawDocument:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [_clean(p.text) for p in document.paragraphs if _clean(p.text)]
    grids = [[_docx_row(row) for row in table.rows] for table in document.tables]
    title = document.core_properties.title or (lines[0] if lines else "")
    return RawDocument(_clean(title), lines, grids, "docx")


def _heading(text: str) -> bool:
    return any(words in text for _, _, words in SECTIONS) and len(text) < 40


def raw_from_xlsx(data: bytes) -> RawDocument:
    """Sheets are split into tables at heading rows (one filled cell naming a section)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    raw = RawDocument(source="xlsx")
    for sheet in book.worksheets:
        grid: Grid = []
        for values in sheet.iter_rows(values_only=True):
            row = ["" if v is None else _clean(str(v)) for v in values]
            filled = [v for v in row if v]
            if len(filled) == 1 and (_heading(filled[0]) or not grid):
                raw.lines.append(filled[0])
                raw.title = raw.title or filled[0]
                if grid:
                    raw.grids.append(grid)
                    grid = []
            elif filled:
                grid.append(row)
        if grid:
            raw.grids.append(grid)
    return raw


def sniff_format(data: bytes, name: str = "") -> str:
    """html, docx or xlsx, from the bytes (an OOXML package names its main part)."""
    if data[:2] != b"PK":
        return "html"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile:
        return "xlsx" if name.lower().endswith(".xlsx") else "docx"
    return "xlsx" if "xl/workbook.xml" in names else "docx"


def read_bytes(data: bytes, name: str = "", content_type: str | None = None) -> AnnualReport:
    """A report from a response body (``content_type`` helps decode an HTML page)."""
    kind = sniff_format(data, name)
    if kind == "html":
        return interpret(raw_from_html(data, content_type))
    return interpret(raw_from_docx(data) if kind == "docx" else raw_from_xlsx(data))


def read_path(path: Path) -> AnnualReport:
    return read_bytes(path.read_bytes(), path.name)


# --- interpretation ------------------------------------------------------------------

_YEAR_RE = re.compile(r"((?:19|20)\d{2})年度?(?:政府)?信息公开")
_NUMBER_RE = re.compile(r"^[-−–]?\d+(?:\.\d+)?$")
_NUMBERING_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])")
_EMPTY_MARKS = {"", "-", "—", "/", "／", "——"}


def parse_cell(text: str) -> Cell:
    raw = unicodedata.normalize("NFKC", text).replace(",", "").strip()  # １２ → 12
    if raw in _EMPTY_MARKS:
        return Cell(raw, None)
    if _NUMBER_RE.match(raw):
        try:
            return Cell(raw, Decimal(raw.replace("−", "-").replace("–", "-")))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            pass
    return Cell(raw, None)


def _stated_year(raw: RawDocument) -> int | None:
    for text in [raw.title, *raw.lines[:5]]:
        m = _YEAR_RE.search(text)
        if m:
            return int(m[1])
    return None


def interpret(raw: RawDocument) -> AnnualReport:
    report = AnnualReport(title=raw.title, year=_stated_year(raw), source=raw.source)
    for _number, heading, words in SECTIONS:
        if any(words in line for line in raw.lines):
            report.sections.add(heading)
    for grid in raw.grids:
        flat = "".join("".join(row) for row in grid)
        if "自然人" in flat and "法人或其他组织" in flat:
            report.tables[REQUESTS] = _requests(grid)
        elif "行政复议" in flat and "行政诉讼" in flat:
            report.tables[REVIEWS] = _reviews(grid)
        elif "第二十条" in flat or "规章" in flat:
            report.tables[PROACTIVE] = _proactive(grid)
    return report


def _label(row: list[str], values: int) -> str:
    return "".join(dict.fromkeys(row[: max(len(row) - values, 1)]))


def _strip_numbering(label: str) -> str:
    return _NUMBERING_RE.sub("", label)


_REQUEST_PATTERNS: tuple[tuple[str, str], ...] = (
    ("新收", "本年新收政府信息公开申请数量"),
    ("上年结转", "上年结转政府信息公开申请数量"),
    ("结转下年度", "结转下年度继续办理"),
    ("国家秘密", "属于国家秘密"),
    ("禁止公开", "其他法律行政法规禁止公开"),
    ("三安全一稳定", "危及“三安全一稳定”"),
    ("第三方合法权益", "保护第三方合法权益"),
    ("内部事务", "属于三类内部事务信息"),
    ("过程性信息", "属于四类过程性信息"),
    ("执法案卷", "属于行政执法案卷"),
    ("查询事项", "属于行政查询事项"),
    ("不掌握", "本机关不掌握相关政府信息"),
    ("另行制作", "没有现成信息需要另行制作"),
    ("补正后", "补正后申请内容仍不明确"),
    ("信访", "信访举报投诉类申请"),
    ("重复申请", "重复申请"),
    ("公开出版物", "要求提供公开出版物"),
    ("大量反复", "无正当理由大量反复申请"),
    ("重新出具", "要求行政机关确认或重新出具已获取信息"),
    ("逾期不补正", REQUEST_RESULT_ROWS[18][1]),
    ("缴纳费用", REQUEST_RESULT_ROWS[19][1]),
    ("予以公开", "予以公开"),
    ("部分公开", "部分公开"),
    ("总计", "总计"),
)


def _request_row(label: str) -> str | None:
    for words, row in _REQUEST_PATTERNS:
        if words in label:
            return row
    last = _strip_numbering(label.split(OTHER_GROUP)[-1])
    if OTHER_GROUP in label and not last:
        return OTHER_GROUP  # the 2019 layout's single row
    return "其他" if last in {"其他", "3.其他"} or label.endswith("其他") else None


def _put(table: Table, row: str, columns: tuple[str, ...], cells: list[str]) -> None:
    for column, text in zip(columns, cells, strict=False):
        table.cells[(row, column)] = parse_cell(text)


def _requests(grid: Grid) -> Table:
    table = Table(REQUESTS)
    width = len(REQUEST_COLUMNS)
    started = False
    for row in grid:
        label = _label(row, width)
        started = started or "新收" in label
        if not started or len(row) <= width:
            continue
        key = _request_row(label)
        if key and not any(r == key for r, _ in table.cells):
            _put(table, key, REQUEST_COLUMNS, row[-width:])
    return table


def _reviews(grid: Grid) -> Table:
    table = Table(REVIEWS)
    width = len(REVIEW_COLUMNS)
    data = [row for row in grid if len(row) >= width and "维持" not in "".join(row)]
    if data:
        _put(table, REVIEW_ROW, REVIEW_COLUMNS, data[-1][-width:])
    return table


def _proactive(grid: Grid) -> Table:
    """Rows by name, figures under the columns of the 信息内容 header above them (the
    2021 layout's, or the 2019 layout's 本年新制作数量 …)."""
    table = Table(PROACTIVE)
    defaults = {name: columns for name, _, columns in PROACTIVE_ROWS}
    header: list[str] = []
    for row in grid:
        label = _strip_numbering(row[0]) if row else ""
        if label == "信息内容":
            header = [c for c in row[1:] if c]  # .xlsx: a merged header leaves blanks
            continue
        name = PROACTIVE_ALIASES.get(label, label)
        if name not in defaults and name not in PROACTIVE_EXTRA:
            continue
        columns = header or list(defaults.get(name, ()))
        values = row[1:] + [""] * max(0, len(columns) - len(row) + 1)
        if len(columns) == 1:  # one figure spanning the row: the merged range's first cell
            values = values[:1]
        _put(table, name, tuple(columns), values)
    return table


def from_figures(
    figures: Mapping[str, Mapping[str, Mapping[str, str]]],
    *,
    sections: Iterable[str] = (),
    year: int | None = None,
    title: str = "",
) -> AnnualReport:
    """A report back from its stored figures (as :meth:`AnnualReport.figures` gave them)."""
    report = AnnualReport(title=title, year=year, sections=set(sections))
    for section, rows in figures.items():
        table = report.tables.setdefault(section, Table(section))
        for row, columns in rows.items():
            for column, text in columns.items():
                table.cells[(row, column)] = parse_cell(text)
    return report
