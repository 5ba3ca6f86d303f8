"""Write an annual report (title, six sections, three tables) as HTML, .docx, .xlsx or
Markdown. python-docx and openpyxl build the files; the tables come from
:mod:`monitor.annual.layout`, so every format prints the template's layout."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field

from monitor.annual.layout import Figures, Spec, place, table_rows
from monitor.annual.model import PROACTIVE, REQUESTS, REVIEWS, SECTIONS

__all__ = ["Document", "Section", "document", "to_docx", "to_html", "to_md", "to_xlsx"]

_TABLE_OF = {"二": PROACTIVE, "三": REQUESTS, "四": REVIEWS}


@dataclass
class Section:
    number: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[Spec]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.number}、{self.heading}"


@dataclass
class Document:
    title: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)  # printed after the title


def document(
    title: str,
    figures: Figures,
    paragraphs: dict[str, list[str]] | None = None,
    *,
    omit: frozenset[str] = frozenset(),
) -> Document:
    """The six sections in order (those numbered in ``omit`` left out)."""
    sections = []
    for number, heading, _ in SECTIONS:
        if number in omit:
            continue
        table = table_rows(_TABLE_OF[number], figures) if number in _TABLE_OF else []
        sections.append(Section(number, heading, list((paragraphs or {}).get(number, [])), table))
    return Document(title, sections)


def to_html(doc: Document) -> bytes:
    out = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc.title)}</title></head><body>",
        f"<h1>{html.escape(doc.title)}</h1><div class='TRS_Editor'>",
        *(f"<p>{html.escape(n)}</p>" for n in doc.notes),
    ]
    for section in doc.sections:
        out.append(f"<p><strong>{html.escape(section.title)}</strong></p>")
        out.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        if section.table:
            out.append("<table border='1'>")
            for row in section.table:
                out.append("<tr>" + "".join(_td(spec) for spec in row) + "</tr>")
            out.append("</table>")
    out.append("</div></body></html>")
    return "\n".join(out).encode("utf-8")


def _td(spec: Spec) -> str:
    spans = (f" colspan='{spec.colspan}'" if spec.colspan > 1 else "") + (
        f" rowspan='{spec.rowspan}'" if spec.rowspan > 1 else ""
    )
    return f"<td{spans}>{html.escape(spec.text)}</td>"


def _width(rows: list[list[Spec]]) -> int:
    return max(c + spec.colspan for _, c, spec in place(rows))


def to_docx(doc: Document) -> bytes:
    import docx

    out = docx.Document()
    out.core_properties.title = doc.title
    out.add_heading(doc.title, level=1)
    for note in doc.notes:
        out.add_paragraph(note)
    for section in doc.sections:
        out.add_heading(section.title, level=2)
        for paragraph in section.paragraphs:
            out.add_paragraph(paragraph)
        if section.table:
            table = out.add_table(rows=len(section.table), cols=_width(section.table))
            table.style = "Table Grid"
            for r, c, spec in place(section.table):
                cell = table.cell(r, c)
                if spec.colspan > 1 or spec.rowspan > 1:
                    cell = cell.merge(table.cell(r + spec.rowspan - 1, c + spec.colspan - 1))
                cell.text = spec.text
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _xlsx_value(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text) if text.strip() else None
        except ValueError:
            return text


def to_xlsx(doc: Document) -> bytes:
    """The title and headings on the first sheet, each table on a sheet of its own."""
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = "正文"
    first.append([doc.title])
    for note in doc.notes:
        first.append([note])
    for section in doc.sections:
        first.append([section.title])
        for paragraph in section.paragraphs:
            first.append(["", paragraph])
        if not section.table:
            continue
        sheet = book.create_sheet(section.heading[:31])
        sheet.append([section.title])
        for r, c, spec in place(section.table):
            sheet.cell(r + 2, c + 1, _xlsx_value(spec.text))
            if spec.colspan > 1 or spec.rowspan > 1:
                sheet.merge_cells(
                    start_row=r + 2,
                    start_column=c + 1,
                    end_row=r + 1 + spec.rowspan,
                    end_column=c + spec.colspan,
                )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_md(doc: Document) -> bytes:
    """Markdown has no spans: each row is printed with its spanning labels repeated."""
    out = [f"# {doc.title}", "", *doc.notes]
    for section in doc.sections:
        out += ["", f"## {section.title}", "", *section.paragraphs]
        if section.table:
            grid = _full_grid(section.table)
            out.append("")
            out.append("| " + " | ".join(grid[0]) + " |")
            out.append("|" + " --- |" * len(grid[0]))
            out.extend("| " + " | ".join(row) + " |" for row in grid[1:])
    return ("\n".join(out) + "\n").encode("utf-8")


def _full_grid(rows: list[list[Spec]]) -> list[list[str]]:
    width = _width(rows)
    grid = [[""] * width for _ in rows]
    for r, c, spec in place(rows):
        for dr in range(spec.rowspan):
            for dc in range(spec.colspan):
                grid[r + dr][c + dc] = spec.text
    return grid
