"""Tables as CSV and XLSX bytes; every cell through ``monitor.spreadsheet.safe_cell``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from monitor.spreadsheet import safe_row, xlsx_append

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def to_csv(columns: Sequence[str], records: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(columns))
    for record in records:
        writer.writerow(safe_row(record.get(column) for column in columns))
    # The BOM makes spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], records: Iterable[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    # Excel's sheet names may not hold []:*?/\ (openpyxl refuses them).
    sheet.title = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "table"
    xlsx_append(sheet, list(columns))
    for record in records:
        xlsx_append(sheet, [record.get(column) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(fmt: str, columns: Sequence[str], records: list[dict[str, Any]], title: str) -> bytes:
    if fmt == "csv":
        return to_csv(columns, records)
    if fmt == "xlsx":
        return to_xlsx(columns, records, title)
    raise ValueError(f"unknown format {fmt}")
