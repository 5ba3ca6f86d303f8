"""Cells for CSV and XLSX exports that a spreadsheet program shows and never runs.

Titles, names and URLs in the exports come from crawled pages, that is from anyone.
A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
their full-width forms, which some spreadsheet programs fold to ASCII) is read as a
formula: ``=HYPERLINK(...)`` becomes a live link, ``=cmd|...`` a DDE call. OWASP's
advice is to prefix such cells with a single quote; we do that to every text cell of
every export, and the XLSX writer stores text as text. Numbers stay numbers.

Control characters (NUL and the rest of C0 except tab, newline and carriage return)
are dropped: XML 1.0 cannot hold them, so openpyxl refuses the whole workbook, and a
NUL truncates a CSV cell in some readers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["FORMULA_TRIGGERS", "safe_cell", "safe_row", "xlsx_append"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE plus DEL: what XML 1.0 and readers choke on.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def safe_cell(value: Any) -> Any:
    """VALUE as an export cell: text neutralised, numbers (and None) as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = _CONTROL.sub("", value if isinstance(value, str) else str(value))
    # A leading space does not stop every program from reading what follows it.
    if text.lstrip(" \n\u3000").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def xlsx_append(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl sheet, every text cell stored as text ('s')."""
    sheet.append(safe_row(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # openpyxl makes any string starting with "=" a formula; ours never do,
            # and this says so explicitly.
            cell.data_type = "s"
