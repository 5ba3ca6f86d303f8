"""Score exports for the assessment office: CSV, XLSX (openpyxl) and JSON. Spreadsheet
cells go through ``monitor.spreadsheet.safe_cell`` (no formula from a unit's name)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook

from monitor.i18n.columns import headers
from monitor.spreadsheet import safe_row, xlsx_append

__all__ = ["COLUMNS", "Format", "export_scores"]

Format = Literal["csv", "xlsx", "json"]

COLUMNS = (
    "unit_code",
    "unit_name",
    "level",
    "period",
    "indicator",
    "value",
    "max_value",
    "weight",
    "assessable_fraction",
    "passed",
    "deductions",
    "points_deducted",
    "finding_ids",
    "scheme_version",
    "config_hash",
    "computed_for",
    "status",
)


def export_scores(rows: Sequence[dict[str, Any]], fmt: Format, path: Path) -> int:
    """Write ``rows`` (from ``score_rows``) to ``path``; returns the number written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path.write_text(
            json.dumps(list(rows), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
    elif fmt == "csv":
        # utf-8-sig so spreadsheet programs on Windows read the Chinese names right.
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers(COLUMNS))
            for row in rows:
                writer.writerow(safe_row("" if row.get(k) is None else row.get(k) for k in COLUMNS))
    elif fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "scores"
        xlsx_append(ws, headers(COLUMNS))
        for row in rows:
            xlsx_append(ws, [row.get(k) for k in COLUMNS])
        ws.freeze_panes = "A2"
        wb.save(path)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return len(rows)
