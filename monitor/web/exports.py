"""Tables as CSV and XLSX bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def to_csv(columns: Sequence[str], records: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(record)
    # The BOM makes spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], records: Iterable[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "table"
    sheet.append(list(columns))
    for record in records:
        sheet.append([record.get(column) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(fmt: str, columns: Sequence[str], records: list[dict[str, Any]], title: str) -> bytes:
    if fmt == "csv":
        return to_csv(columns, records)
    if fmt == "xlsx":
        return to_xlsx(columns, records, title)
    raise ValueError(f"unknown format {fmt}")
