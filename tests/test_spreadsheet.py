"""The one cell function every CSV and XLSX export uses (OWASP's CSV injection advice)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from monitor.spreadsheet import safe_cell, xlsx_append

FORMULAS = [
    '=HYPERLINK("http://evil.invalid/","click")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width =
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(1)",
    " =1+1",
    "\u3000=1+1",
    "\n=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_prefixed(text: str):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["东城村财务公开", "a=b", "2026-11", "http://x/?a=1", "", "'quoted"]
)
def test_plain_text_is_kept(text: str):
    assert safe_cell(text) == text


@pytest.mark.parametrize("number", [0, -3, 2.5, -0.5, 10**20, True, None])
def test_numbers_stay_numbers(number):
    assert safe_cell(number) is number


def test_control_characters_are_dropped():
    assert safe_cell("a\x00b\x01c\x1bd\x7fe\tf\ng\rh") == "abcde\tf\ng\rh"
    # Dropping them must not uncover a formula.
    assert safe_cell("\x00=1+1") == "'=1+1"


def test_xlsx_cells_are_text_or_numbers():
    book = Workbook()
    sheet = book.active
    xlsx_append(sheet, [*FORMULAS, "NUL\x00here", 3, -4.5, None])
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [c.data_type for c in row[: len(FORMULAS) + 1]] == ["s"] * (len(FORMULAS) + 1)
    numbers = row[len(FORMULAS) + 1 : len(FORMULAS) + 3]
    assert [c.value for c in numbers] == [3, -4.5] and {c.data_type for c in numbers} == {"n"}
    assert row[len(FORMULAS)].value == "NULhere"
