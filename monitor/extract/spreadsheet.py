"""Spreadsheets: .xlsx (openpyxl, read-only) and .xls (xlrd); one part per row."""

from __future__ import annotations

import io
import zipfile

from monitor.extract.model import Extracted, Limits, NotRead, TextBudget, row_text
from monitor.extract.zipguard import check_zip


def read_xlsx(data: bytes, limits: Limits) -> Extracted:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_zip(data, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise NotRead("damaged", str(exc)) from exc
    budget = TextBudget(limits)
    try:
        for sheet in book.worksheets:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if not budget.add({"sheet": sheet.title, "row": number}, row_text(list(row))):
                    break
            if budget.full:
                break
    finally:
        book.close()
    return Extracted("xlsx", budget.parts, truncated=budget.full)


def read_xls(data: bytes, limits: Limits) -> Extracted:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        reason = "encrypted" if "encrypt" in str(exc).lower() else "damaged"
        raise NotRead(reason, str(exc)) from exc
    budget = TextBudget(limits)
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            for number in range(sheet.nrows):
                where = {"sheet": sheet.name, "row": number + 1}
                if not budget.add(where, row_text(sheet.row_values(number))):
                    break
            if budget.full:
                break
    finally:
        book.release_resources()
    return Extracted("xls", budget.parts, truncated=budget.full)
