"""Tables as CSV and XLSX bytes; every cell through ``monitor.spreadsheet.safe_cell``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook

from monitor.i18n.columns import headers
from monitor.spreadsheet import safe_row, xlsx_append

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def to_csv(columns: Sequence[str], records: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(headers(columns)))
    for record in records:
        writer.writerow(safe_row(record.get(column) for column in columns))
    # The BOM makes spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], records: Iterable[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    # Excel's sheet names may not hold []:*?/\ (openpyxl refuses them) nor start or
    # end with a quote; control characters are not XML.
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", _CONTROL.sub("", title))[:31].strip("'")
    sheet.title = cleaned or "table"
    xlsx_append(sheet, headers(columns))
    for record in records:
        xlsx_append(sheet, [record.get(column) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def content_disposition(filename: str) -> str:
    """An ``attachment`` header for FILENAME, whatever it holds (RFC 6266): the name
    percent-encoded as UTF-8 in ``filename*``, and an ASCII stand-in in ``filename``
    for old clients. Quotes, semicolons, CR/LF and path separators never reach the
    header as they are."""
    name = _CONTROL.sub("", filename).replace("/", "_").replace("\\", "_").strip() or "download"
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": content_disposition(filename)}


def render(fmt: str, columns: Sequence[str], records: list[dict[str, Any]], title: str) -> bytes:
    if fmt == "csv":
        return to_csv(columns, records)
    if fmt == "xlsx":
        return to_xlsx(columns, records, title)
    raise ValueError(f"unknown format {fmt}")
