"""Download names built from user values (``period``, unit codes) reach the
Content-Disposition header only encoded (RFC 6266): no header injection, no broken
header for a Chinese name, a plain ASCII fallback for old clients."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.models import Unit
from monitor.web.exports import content_disposition
from tests.web.conftest import login
from tests.web.seed import Seeded

HEADER = re.compile(r"""attachment; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8''([^\s;"]+)""")


def _names(response) -> tuple[str, str]:
    value = response.headers["content-disposition"]
    match = HEADER.fullmatch(value)
    assert match, value
    return match.group(1), unquote(match.group(2), encoding="utf-8", errors="strict")


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ('x"; filename="evil.html', 'findings-330101001001-x"; filename="evil.html.csv'),
        ("2026\r\nSet-Cookie: admin=1", "findings-330101001001-2026Set-Cookie: admin=1.csv"),
        ("2026年11月", "findings-330101001001-2026年11月.csv"),
        ("../../etc/passwd", "findings-330101001001-.._.._etc_passwd.csv"),
    ],
)
def test_period_never_reaches_the_header_raw(client: TestClient, period: str, expected: str):
    response = client.get("/units/330101001001/findings.csv", params={"period": period})
    assert response.status_code == 200
    assert "set-cookie" not in {k.lower() for k in response.headers}
    fallback, name = _names(response)
    assert name == expected
    assert fallback.endswith(".csv") and '"' not in fallback


def test_a_unit_code_with_quotes_and_chinese(
    client: TestClient, web_sessions: sessionmaker[Session], seeded: Seeded
):
    code = '东城"村;1'
    with web_sessions() as s, s.begin():
        s.execute(update(Unit).where(Unit.id == seeded.ids["v1"]).values(code=code))
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/units/{code}/history.{fmt}")
        assert response.status_code == 200, response.text
        fallback, name = _names(response)
        assert name == f"history-{code}.{fmt}"
        assert fallback == f"history-_____1.{fmt}"
    login(client, "admin")
    assert _names(client.get("/workspace/alerts.xlsx"))[1] == "alerts.xlsx"
    assert _names(client.get("/export/units.csv"))[1] == "units-2026-11.csv"


def test_content_disposition_is_latin1_and_single_line():
    for name in ("a\r\nb", "名单.csv", 'x"y', "a\\b/c", "\x00", ""):
        value = content_disposition(name)
        value.encode("latin-1")
        assert "\r" not in value and "\n" not in value and value.count('"') == 2
